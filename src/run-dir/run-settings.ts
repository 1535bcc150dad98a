/**
 * run.json: what a run was started with, written before its first sample, so that `--resume` can
 * continue a run killed before it wrote any summary (kill -9, power cut, OOM killer). It also
 * lists the run's resumes, each rewritten atomically.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SoakOptions } from '../options.js';
import { writeJsonAtomically } from './atomic-write.js';

export const RUN_SETTINGS_FILE = 'run.json';

/** One continuation of a killed run: when it began (seconds from the run's start) and how long nothing was recorded before it. */
export interface Resume {
  readonly atS: number;
  readonly gapS: number;
}

/** Every option but the directory itself (a run can be moved and resumed where it is now). */
export type RecordedOptions = Omit<SoakOptions, 'outDir'>;

export interface RunSettings {
  readonly schemaVersion: 1;
  readonly startedAt: string;
  readonly options: RecordedOptions;
  readonly resumes: readonly Resume[];
}

export function writeRunSettings(outDir: string, settings: RunSettings): void {
  writeJsonAtomically(join(outDir, RUN_SETTINGS_FILE), settings);
}

/** The run's settings, or undefined when the directory holds none; throws with the reason when run.json is not soak's. */
export function readRunSettings(outDir: string): RunSettings | undefined {
  const path = join(outDir, RUN_SETTINGS_FILE);
  if (!existsSync(path)) return undefined;
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const settings = value as Partial<RunSettings>;
  if (settings.schemaVersion !== 1) throw new Error(`schemaVersion ${String(settings.schemaVersion)}, expected 1`);
  if (typeof settings.startedAt !== 'string' || !Number.isFinite(Date.parse(settings.startedAt))) throw new Error('no valid startedAt');
  if (typeof settings.options !== 'object' || settings.options === null) throw new Error('no options');
  if (!Array.isArray(settings.resumes)) throw new Error('no resumes list');
  return settings as RunSettings;
}
