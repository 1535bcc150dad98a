/** Streams a run's samples.csv (and events.csv) back into per-worker series for the analysis. */
import { createReadStream, existsSync } from 'node:fs';
import { parse } from 'csv-parse';
import { RunSeries, type Phase } from '../analysis/series.js';

export const OUT_OF_MEMORY_DETAIL = 'out of memory';

const phases: ReadonlySet<string> = new Set<Phase>(['warmup', 'steady', 'cooldown']);

export interface RecordedRun {
  readonly series: RunSeries;
  /** Workers that ran out of memory at least once, by slot name. */
  readonly outOfMemory: ReadonlySet<string>;
  /** Replacements per worker slot, from the events (a worker may die before its first sample). */
  readonly respawns: ReadonlyMap<string, number>;
}

export async function readRun(samplesPath: string, eventsPath: string): Promise<RecordedRun> {
  const series = new RunSeries();
  for await (const record of csvRecords(samplesPath)) {
    const phase = record['phase'] ?? '';
    if (!phases.has(phase)) continue;
    series.add({
      elapsedS: Number(record['elapsed_s']),
      segment: Number(record['segment']),
      phase: phase as Phase,
      workload: record['workload'] ?? '',
      worker: record['worker'] ?? '',
      opsTotal: Number(record['ops_total'] || 0),
      errorsTotal: Number(record['errors_total'] || 0),
      heapBytes: Number(record['heap_used_bytes']) - Number(record['code_bytes'] || 0),
    });
  }
  const outOfMemory = new Set<string>();
  const respawns = new Map<string, number>();
  if (existsSync(eventsPath)) {
    for await (const record of csvRecords(eventsPath)) {
      const worker = record['worker'] ?? '';
      if (record['event'] === 'crash' && record['detail'] === OUT_OF_MEMORY_DETAIL) outOfMemory.add(worker);
      if (record['event'] === 'respawn') respawns.set(worker, (respawns.get(worker) ?? 0) + 1);
    }
  }
  return { series, outOfMemory, respawns };
}

function csvRecords(path: string): AsyncIterable<Record<string, string>> {
  // relax_column_count: a file cut short by a crash mid-row still yields its complete rows.
  return createReadStream(path).pipe(parse({ columns: true, relax_column_count: true, skip_empty_lines: true }));
}
