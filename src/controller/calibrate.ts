/** `soak calibrate` as a library call: a clean soak of the workloads, then the calibration files beside its samples. */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { OptionNames } from '../options.js';
import { buildCalibration, renderCalibration, type Calibration } from '../report/calibration.js';
import { Soak, type RunResult, type SoakInput } from './soak.js';

export interface CalibrateResult {
  readonly calibration: Calibration;
  readonly markdown: string;
  readonly run: RunResult;
}

/** `attach` sees the Soak before it starts (for progress output). Workloads run clean: no leak is injected. */
export async function calibrate(
  input: SoakInput,
  names: OptionNames = {},
  argv: readonly string[] = [],
  attach?: (soak: Soak) => void,
): Promise<CalibrateResult> {
  const soak = new Soak({ ...input, command: 'calibrate', injectLeakBytesPerS: 0 }, names, argv);
  attach?.(soak);
  const run = await soak.run();
  const calibration = buildCalibration(run.summary, availableParallelism());
  const markdown = renderCalibration(calibration);
  writeFileSync(join(run.outDir, 'calibration.json'), `${JSON.stringify(calibration, null, 2)}\n`);
  writeFileSync(join(run.outDir, 'calibration.md'), markdown);
  return { calibration, markdown, run };
}
