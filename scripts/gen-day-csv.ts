/**
 * Writes a synthetic but contract-conforming run directory: samples.csv and events.csv of a 24 h
 * run sampled every second, 10 workers in two workloads (cache#0..4, webhook#0..4; or four) plus the
 * controller's own row per tick: ~950K rows of ~144 bytes, as long as real runs write them, so
 * ~136 MB. It is the input of bench-read, which has to show that `soak` re-reads a day of samples
 * in seconds; a real day-long run cannot be recorded for every benchmark, and a seeded generator
 * gives the same file on every machine.
 *
 * The figures follow what real runs record (see src/report/run-files.ts): heaps of 10–17 MB (of
 * them ~2.5 MB of code) with noise and a slow wander, one worker (cache#2) leaking at a set rate,
 * cumulative operation counters, a warm-up for the first 10 minutes, one crash of webhook#3
 * answered by a respawn (segment 1, new thread), and one cooldown row per worker at the end.
 * Rows are formatted as the real writer's csv-stringify does (numbers as String() gives them, a
 * field quoted only when it holds a comma, quote or line break) but by hand, and written in
 * batches: ~6 s for a day's rows, where csv-stringify took ~20 s.
 *
 * Usage: node dist/scripts/gen-day-csv.js <out-dir> [--seed N] [--hours H] [--four-workloads]
 */
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Phase } from '../src/analysis/series.js';
import { seededRandom } from '../src/random.js';
import { eventColumns, sampleColumns } from '../src/run-dir/columns.js';
import type { CsvValue } from '../src/run-dir/csv-appender.js';
import { round } from '../src/run-dir/run-files.js';

export interface DayRunOptions {
  /** Seed of the generator: the same seed writes the same bytes. Default 1. */
  readonly seed?: number;
  /** Length of the run in seconds, one tick per second. Default 86400 (24 h). */
  readonly durationS?: number;
  /** Default 600, as `--warmup auto` gives a long run. */
  readonly warmupS?: number;
  /** Heap retained per second by the leaking worker, cache#2. Default 512 B/s, above the 1MB/h default threshold. */
  readonly leakBytesPerS?: number;
  /**
   * Four workloads instead of two, for the analysis' shares on up to 4 threads: each profile's workers
   * #0-1 and #2-4 as two workloads (`cache-a`, `cache-b`, `webhook-a`, `webhook-b`), every figure as
   * with two. Default false.
   */
  readonly fourWorkloads?: boolean;
}

export interface DayRun {
  readonly samplesPath: string;
  readonly eventsPath: string;
  /** Data rows in samples.csv, header excluded. */
  readonly sampleRows: number;
  readonly sampleBytes: number;
  readonly leakingWorker: string;
  readonly respawnedWorker: string;
}

type SampleColumn = (typeof sampleColumns)[number];
type SampleValues = Record<SampleColumn, CsvValue>;

const START_MS = Date.UTC(2025, 0, 6, 8, 0, 0);
const MB = 1024 * 1024;
/** Rows per write: ~1.2 MB of text, so the file takes ~120 write calls, not one per row. */
const ROWS_PER_WRITE = 8192;
const LEAKING_WORKER = 'cache#2';
const RESPAWNED_WORKER = 'webhook#3';
const CRASH_DETAIL = 'uncaught Error: upstream reset, giving up';

interface WorkloadProfile {
  readonly name: string;
  readonly opsPerS: number;
  readonly p50Us: readonly [number, number];
  readonly p99Us: readonly [number, number];
  readonly external: number;
  readonly arrayBuffers: number;
  readonly errorsPerS: number;
}

const profiles: readonly WorkloadProfile[] = [
  { name: 'cache', opsPerS: 20_000, p50Us: [2, 6], p99Us: [80, 300], external: 2_822_451, arrayBuffers: 42_683, errorsPerS: 0 },
  { name: 'webhook', opsPerS: 260, p50Us: [180, 400], p99Us: [20_000, 45_000], external: 3_187_479, arrayBuffers: 25_019, errorsPerS: 0.002 },
];

/** One worker slot's state as the run goes on. */
interface Slot {
  readonly name: string;
  readonly workload: string;
  readonly profile: WorkloadProfile;
  readonly baseHeap: number;
  /** The slow wander of a healthy heap: amplitude and phase of a few-hour cycle. */
  readonly wanderBytes: number;
  readonly wanderPhase: number;
  readonly leakBytesPerS: number;
  segment: number;
  threadId: number;
  /** Elapsed second at which the current segment's worker started. */
  segmentStartS: number;
  ops: number;
  errors: number;
}

export function writeDayRun(dir: string, options: DayRunOptions = {}): DayRun {
  const durationS = options.durationS ?? 86_400;
  const warmupS = options.warmupS ?? 600;
  const leakBytesPerS = options.leakBytesPerS ?? 512;
  const random = seededRandom(options.seed ?? 1, 0xda7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const between = ([low, high]: readonly [number, number]): number => low + (high - low) * random();

  mkdirSync(dir, { recursive: true });
  const samplesPath = join(dir, 'samples.csv');
  const eventsPath = join(dir, 'events.csv');
  const events: CsvValue[][] = [];
  const event = (elapsedS: number, slot: Slot | undefined, kind: string, detail: string): void => {
    events.push([iso(elapsedS), round(elapsedS, 3), slot?.workload ?? '', slot?.name ?? 'controller', slot?.threadId ?? 0, kind, detail]);
  };

  const slots: Slot[] = profiles.flatMap((profile, p) =>
    Array.from(
      { length: 5 },
      (_, i): Slot => ({
        name: `${profile.name}#${i}`,
        workload: options.fourWorkloads === true ? `${profile.name}-${i < 2 ? 'a' : 'b'}` : profile.name,
        profile,
        baseHeap: (8 + 5 * random()) * MB,
        wanderBytes: (0.5 + 1.5 * random()) * MB,
        wanderPhase: 2 * Math.PI * random(),
        leakBytesPerS: `${profile.name}#${i}` === LEAKING_WORKER ? leakBytesPerS : 0,
        segment: 0,
        threadId: p * 5 + i + 1,
        segmentStartS: 0,
        ops: 0,
        errors: 0,
      }),
    ),
  );
  event(0.021, undefined, 'phase', warmupS > 0 ? 'warmup' : 'steady');
  for (const slot of slots) event(0.4 + 0.1 * random(), slot, 'start', 'segment 0');

  const respawned = slots.find((s) => s.name === RESPAWNED_WORKER);
  const crashS = Math.floor(durationS * 0.55);
  /** The crashed worker misses the samples of these ticks: the new one starts up meanwhile. */
  const downTicks = new Set([crashS, crashS + 1]);

  const fd = openSync(samplesPath, 'w');
  let sampleRows = 0;
  let batch: string[] = [csvLine(sampleColumns)];
  const push = (values: SampleValues): void => {
    batch.push(csvLine(sampleColumns.map((column) => values[column])));
    sampleRows++;
    if (batch.length >= ROWS_PER_WRITE) flush();
  };
  const flush = (): void => {
    writeSync(fd, batch.join(''));
    batch = [];
  };

  // Process-wide figures are sampled once per tick and shared by the tick's rows, as in a real run.
  let rssBytes = 240 * MB;
  let cpuPercent = 150;
  const workerRow = (slot: Slot, elapsedS: number, phase: Phase, secondsSinceLast: number): SampleValues => {
    const p = slot.profile;
    slot.ops += Math.round(p.opsPerS * secondsSinceLast * (0.95 + 0.1 * random()));
    if (random() < p.errorsPerS * secondsSinceLast) slot.errors++;
    const age = elapsedS - slot.segmentStartS;
    // A fresh worker's heap fills up over its first minutes as caches, pools and JIT code warm up.
    const warm = Math.min(1, 0.55 + (0.45 * age) / 300);
    const wander = slot.wanderBytes * Math.sin(slot.wanderPhase + elapsedS / 9000);
    const leaked = slot.leakBytesPerS * Math.max(0, elapsedS - warmupS);
    // Compiled code and bytecode (src/sampling/meter.ts): ~2.1 MB at start-up, ~2.5 MB once the JIT is done.
    const codeBytes = Math.round(2_100_000 + Math.min(1, age / 600) * 400_000 + 30_000 * random());
    const heapUsed = Math.round(slot.baseHeap * warm + wander + leaked + 200_000 * gauss() + codeBytes);
    const handles = 2 + Math.floor(2 * random());
    return {
      time: iso(elapsedS),
      elapsed_s: round(elapsedS, 3),
      segment: slot.segment,
      phase,
      workload: slot.workload,
      worker: slot.name,
      thread_id: slot.threadId,
      ops_total: slot.ops,
      errors_total: slot.errors,
      heap_used_bytes: heapUsed,
      heap_total_bytes: Math.ceil((heapUsed * 1.6) / (256 * 1024)) * 256 * 1024,
      external_bytes: p.external,
      array_buffers_bytes: p.arrayBuffers,
      active_handles: handles,
      elu: round(0.9 + 0.09 * random(), 4),
      latency_p50_us: Math.round(between(p.p50Us)),
      latency_p99_us: Math.round(between(p.p99Us)),
      rss_bytes: rssBytes,
      cpu_percent: cpuPercent,
      gc_ms: round(20 + 70 * random(), 2),
      code_bytes: codeBytes,
      resource_types: handles === 2 ? 'Timeout:2' : 'Timeout:2 FSReqCallback:1',
      listener_counts: 'process.message:1',
    };
  };

  // The run's timer ends it just before the tick at durationS would sample: the cooldown rows come instead.
  for (let tick = 1; tick < durationS; tick++) {
    const phase: Phase = tick < warmupS ? 'warmup' : 'steady';
    if (tick === warmupS) event(tick + 0.003, undefined, 'phase', 'steady');
    rssBytes = Math.round((240 * MB + leakBytesPerS * Math.max(0, tick - warmupS) + 4 * MB * gauss()) / 4096) * 4096;
    cpuPercent = round(150 + 30 * gauss(), 1);
    const controllerHeap = Math.round(7.3 * MB + 100_000 * gauss());
    push({
      time: iso(tick + 0.004),
      elapsed_s: round(tick + 0.004, 3),
      segment: 0,
      phase,
      workload: '',
      worker: 'controller',
      thread_id: 0,
      ops_total: undefined,
      errors_total: undefined,
      heap_used_bytes: controllerHeap,
      heap_total_bytes: 17_539_072,
      external_bytes: 2_525_057,
      array_buffers_bytes: 149_987,
      active_handles: 6,
      elu: round(0.1 + 0.1 * random(), 4),
      latency_p50_us: undefined,
      latency_p99_us: undefined,
      rss_bytes: rssBytes,
      cpu_percent: cpuPercent,
      gc_ms: round(40 + 30 * random(), 2),
      code_bytes: Math.round(3_070_000 + 20_000 * random()),
      resource_types: 'TCPServerWrap:1 Timeout:5',
      listener_counts: 'process.SIGINT:1 process.SIGTERM:1',
    });
    for (const slot of slots) {
      if (slot === respawned && downTicks.has(tick)) continue;
      const elapsedS = tick + 0.02 + 0.3 * random();
      const firstOfRespawn = slot === respawned && tick === crashS + 2;
      if (firstOfRespawn) {
        event(crashS - 0.6, slot, 'crash', CRASH_DETAIL);
        // The replacement thread needs a while to start and set up before it samples.
        slot.segment = 1;
        slot.threadId = slots.length + 1;
        slot.segmentStartS = crashS + 1.2;
        slot.ops = 0;
        slot.errors = 0;
      }
      push(workerRow(slot, elapsedS, phase, firstOfRespawn ? elapsedS - slot.segmentStartS : 1));
      if (firstOfRespawn) event(elapsedS + 0.01, slot, 'respawn', 'segment 1');
    }
  }
  event(durationS + 0.08, undefined, 'phase', 'cooldown');
  for (const slot of slots) push(workerRow(slot, durationS + 0.1 + 0.1 * random(), 'cooldown', 0.1));
  flush();
  closeSync(fd);

  const eventsFd = openSync(eventsPath, 'w');
  writeSync(eventsFd, [eventColumns, ...events.sort((a, b) => Number(a[1]) - Number(b[1]))].map(csvLine).join(''));
  closeSync(eventsFd);
  return { samplesPath, eventsPath, sampleRows, sampleBytes: statSync(samplesPath).size, leakingWorker: LEAKING_WORKER, respawnedWorker: RESPAWNED_WORKER };
}

function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

function csvField(value: CsvValue): string {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  if (typeof value === 'number') return String(value);
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function iso(elapsedS: number): string {
  return new Date(START_MS + Math.round(elapsedS * 1000)).toISOString();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seed: { type: 'string' }, hours: { type: 'string' }, 'four-workloads': { type: 'boolean' } },
  });
  const [outDir] = positionals;
  if (outDir === undefined) {
    console.error('usage: node dist/scripts/gen-day-csv.js <out-dir> [--seed N] [--hours H] [--four-workloads]');
    process.exit(2);
  }
  const started = performance.now();
  const run = writeDayRun(outDir, {
    ...(values.seed !== undefined && { seed: Number(values.seed) }),
    ...(values.hours !== undefined && { durationS: Math.round(Number(values.hours) * 3600) }),
    ...(values['four-workloads'] === true && { fourWorkloads: true }),
  });
  console.log(
    `${run.samplesPath}: ${run.sampleRows} rows, ${(run.sampleBytes / MB).toFixed(1)} MB in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s; ${run.eventsPath}`,
  );
}
