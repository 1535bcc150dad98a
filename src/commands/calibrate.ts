/** `soak calibrate` as a library call: a clean soak of the workloads, then the calibration files beside its samples. */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { buildCalibration, renderCalibration, type Calibration } from '../report/calibration.js';
import { Soak, type RunResult, type SoakInput } from './run.js';
import { writeAtomically, writeJsonAtomically } from '../run-dir/atomic-write.js';

export interface CalibrateResult {
  readonly calibration: Calibration;
  readonly markdown: string;
  readonly run: RunResult;
}

/** `attach` sees the Soak before it starts (for progress output). Workloads run clean: no leak is injected. */
export async function calibrate(input: SoakInput, attach?: (soak: Soak) => void): Promise<CalibrateResult> {
  const soak = new Soak({ ...input, command: 'calibrate', injectLeakBytesPerS: 0 });
  attach?.(soak);
  const run = await soak.run();
  const calibration = buildCalibration(run.summary, availableParallelism());
  const markdown = renderCalibration(calibration);
  writeJsonAtomically(join(run.outDir, 'calibration.json'), calibration);
  writeAtomically(join(run.outDir, 'calibration.md'), markdown);
  return { calibration, markdown, run };
}
