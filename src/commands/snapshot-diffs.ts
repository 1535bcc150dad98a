/**
 * The end of a run with --snapshots: each worker life's baseline, target and final snapshot (as
 * events.csv records them) diffed, one life at a time, into snapshot-diff.json and snapshot-diff.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderSnapshotDiffs } from '../report/snapshot-diff.js';
import { writeAtomically, writeJsonAtomically } from '../run-dir/atomic-write.js';
import { parseSnapshotTaken, SNAPSHOT_EVENT, SNAPSHOT_SKIPPED_EVENT } from '../run-dir/columns.js';
import { columnIndexes, readCsv } from '../run-dir/csv-lines.js';
import { SNAPSHOT_DIFF_JSON, SNAPSHOT_DIFF_MD, type RunSnapshotDiffs, type WorkerSnapshotDiff } from '../run-dir/snapshot-diffs.js';
import { diffSnapshots } from '../snapshot/diff.js';

const fields = ['workload', 'worker', 'event', 'detail'] as const;
const at = columnIndexes(fields);

export async function diffRunSnapshots(outDir: string): Promise<RunSnapshotDiffs> {
  const lives = new Map<string, { workload: string; worker: string; life: number; files: Record<string, string> }>();
  const skipped: { worker: string; detail: string }[] = [];
  const eventsPath = join(outDir, 'events.csv');
  if (existsSync(eventsPath)) {
    await readCsv(eventsPath, fields, (r) => {
      const event = r.text(at.event);
      if (event === SNAPSHOT_SKIPPED_EVENT) skipped.push({ worker: r.text(at.worker), detail: r.text(at.detail) });
      if (event !== SNAPSHOT_EVENT) return;
      const taken = parseSnapshotTaken(r.text(at.detail));
      if (taken === undefined) return;
      const worker = r.text(at.worker);
      const key = `${worker} ${taken.life}`;
      const entry = lives.get(key) ?? { workload: r.text(at.workload), worker, life: taken.life, files: {} };
      entry.files[taken.phase] = taken.file;
      lives.set(key, entry);
    });
  }
  const workers: WorkerSnapshotDiff[] = [];
  for (const { workload, worker, life, files } of lives.values()) {
    const { baseline, target, final } = files;
    const base = { workload, worker, life, files };
    if (baseline === undefined || target === undefined || final === undefined) {
      const missing = ['baseline', 'target', 'final'].filter((p) => files[p] === undefined);
      workers.push({ ...base, error: `no ${missing.join(' or ')} snapshot of this life (the run or the worker ended first)` });
      continue;
    }
    try {
      const diff = await diffSnapshots({ baseline: join(outDir, baseline), target: join(outDir, target), final: join(outDir, final) });
      // Paths relative to the run directory, which may move (a release bundle, CI artifacts).
      const f = diff.files;
      const relativeFiles = { baseline: { ...f.baseline, path: baseline }, target: { ...f.target, path: target }, final: { ...f.final, path: final } };
      workers.push({ ...base, diff: { ...diff, files: relativeFiles } });
    } catch (err) {
      workers.push({ ...base, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const diffs: RunSnapshotDiffs = { schemaVersion: 1, workers, skipped };
  writeAtomically(join(outDir, SNAPSHOT_DIFF_MD), renderSnapshotDiffs(diffs));
  writeJsonAtomically(join(outDir, SNAPSHOT_DIFF_JSON), diffs);
  return diffs;
}
