/**
 * `--resume DIR`: where a killed run stands (its settings from run.json, what its samples.csv holds),
 * or the one-line reason it cannot be continued.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from '../errors.js';
import { readRun } from '../run-dir/read-run.js';
import { recordingProcess } from '../run-dir/run-lock.js';
import { RUN_SETTINGS_FILE, readRunSettings, type RunSettings } from '../run-dir/run-settings.js';

export interface ResumePoint {
  readonly settings: RunSettings;
  readonly startedAtMs: number;
  /** Seconds from the run's start of the last thing recorded: the gap runs from there to now. */
  readonly lastElapsedS: number;
  /** The segment each worker slot's next life gets: one past the last recorded. */
  readonly nextSegments: ReadonlyMap<string, number>;
}

export async function resumePoint(dir: string, nowMs: number): Promise<ResumePoint> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw errors.resume(dir, 'is not a directory', 'give the run directory of a soak long or soak run');
  let settings: RunSettings | undefined;
  try {
    settings = readRunSettings(dir);
  } catch (err) {
    throw errors.resume(
      dir,
      `has a ${RUN_SETTINGS_FILE} soak cannot read (${err instanceof Error ? err.message : String(err)})`,
      'it is not a run soak can resume',
    );
  }
  const samplesPath = join(dir, 'samples.csv');
  if (settings === undefined || !existsSync(samplesPath)) {
    throw errors.resume(
      dir,
      `is not a run soak can resume (no ${settings === undefined ? RUN_SETTINGS_FILE : 'samples.csv'})`,
      'give the directory of a run started by soak long or soak run',
    );
  }
  if (isFinished(dir)) throw errors.resume(dir, 'is a finished run (its summary.json is complete)', `soak analyze ${dir} reads it again`);
  if (settings.options.looks !== undefined) {
    throw errors.resume(dir, 'is a run that decides as it goes (soak short, --max-duration)', 'start a new one: its looks cannot span a gap');
  }
  const pid = recordingProcess(dir);
  if (pid !== undefined) throw errors.resume(dir, `is being recorded by process ${pid}`, 'stop that process first, or leave it to finish');
  const startedAtMs = Date.parse(settings.startedAt);
  const deadlineMs = startedAtMs + settings.options.durationS * 1000;
  if (nowMs >= deadlineMs) {
    throw errors.resume(dir, `was due to end at ${new Date(deadlineMs).toISOString()}`, `soak analyze ${dir} reports what it recorded`);
  }
  const recorded = await readRun(samplesPath, join(dir, 'events.csv'));
  const nextSegments = new Map<string, number>();
  for (const workers of recorded.series.byWorkload().values()) {
    for (const w of workers) nextSegments.set(w.worker, Math.max(w.columns.segment.at(-1) ?? 0, w.cooldown?.segment ?? 0) + 1);
  }
  return { settings, startedAtMs, lastElapsedS: recorded.series.lastElapsedS, nextSegments };
}

function isFinished(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { complete?: unknown }).complete === true;
  } catch {
    // No summary yet (killed before the first interim report), or one soak cannot read: the samples decide.
    return false;
  }
}
