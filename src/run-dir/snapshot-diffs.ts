/** snapshot-diff.json: the three-snapshot diffs of a run with --snapshots, per worker life. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotDiff } from '../snapshot/diff.js';

export const SNAPSHOT_DIFF_JSON = 'snapshot-diff.json';
export const SNAPSHOT_DIFF_MD = 'snapshot-diff.md';

export interface WorkerSnapshotDiff {
  readonly workload: string;
  readonly worker: string;
  /** The worker's life (segment): ids are only comparable within one. */
  readonly life: number;
  /** The three files, relative to the run directory, as far as they were taken. */
  readonly files: { readonly baseline?: string; readonly target?: string; readonly final?: string };
  /** The diff, when all three were taken and could be read. */
  readonly diff?: SnapshotDiff;
  /** Why there is no diff. */
  readonly error?: string;
}

export interface RunSnapshotDiffs {
  readonly schemaVersion: 1;
  readonly workers: readonly WorkerSnapshotDiff[];
  /** Snapshots skipped (no room, the worker gone), as events.csv has them. */
  readonly skipped: readonly { readonly worker: string; readonly detail: string }[];
}

/** The run's snapshot diffs, if it has them (a run without --snapshots has none). */
export function loadSnapshotDiffs(outDir: string): RunSnapshotDiffs | undefined {
  const path = join(outDir, SNAPSHOT_DIFF_JSON);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as RunSnapshotDiffs;
    return parsed.schemaVersion === 1 && Array.isArray(parsed.workers) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
