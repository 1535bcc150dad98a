/** A run given by its directory or its summary.json, as `soak compare` and `soak report` read it (never its samples). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { errors, type SummaryCommand } from '../errors.js';
import { parseSummary, type Summary } from './summary.js';

export interface LoadedSummary {
  /** The run directory, absolute. */
  readonly dir: string;
  readonly summaryPath: string;
  readonly summary: Summary;
}

/** `role` names the run in errors (compare's `baseline`); a missing or unreadable summary is a UsageError. */
export function loadSummary(path: string, command: SummaryCommand, role?: string): LoadedSummary {
  if (!existsSync(path)) throw errors.summaryRunMissing(command, role, path);
  const isDir = statSync(path).isDirectory();
  const summaryPath = resolve(isDir ? join(path, 'summary.json') : path);
  if (isDir && !existsSync(summaryPath)) throw errors.summaryMissing(command, role, path);
  let summary: Summary;
  try {
    summary = parseSummary(readFileSync(summaryPath, 'utf8'));
  } catch (err) {
    throw errors.summaryInvalid(command, role, summaryPath, err instanceof Error ? err.message : String(err));
  }
  return { dir: dirname(summaryPath), summaryPath, summary };
}
