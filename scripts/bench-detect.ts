/**
 * `npm run bench:detect`: how well `soak short` decides on this machine.
 *
 * 1. Decision grid: repeated real `soak short` runs (deciding as the data allow, the default) of the
 *    built-in workloads together as CI runs them: clean; with their leak switches; with
 *    `--inject-leak` at 2 MB/h and 20 MB/h per worker; plugin workloads of each bounded shape and
 *    each leaking one (test/fixtures/shapes); and a short budget with a CPU-heavy process beside it.
 *    Per cell and workload: the share called leak / pass / inconclusive and the median time to
 *    decide. Every workload-run is appended as a JSON line to --results, so the table can be derived
 *    again (`--from FILE` prints it from such a file without running anything).
 * 2. Minimum detectable slope by run length: fixed-length clean runs at each --mds-durations.
 * 3. Analysis speed: `soak analyze` on a generated day of 1 s samples from 10 workers (~950K rows)
 *    against a plain line-by-line read of the same file, as a ratio, with the analysis's peak RSS.
 *
 * Options: --repeats N (default 3; the targets are stated for 20), --cells list (default all: clean,
 * clean-flush-bytecode, clean-threads-1, switches, inject-2MB, inject-20MB, shapes, contention), --mds-durations list (default 2m,5m,10m),
 * --skip grid,mds,speed, --keep DIR (keep the run directories there), --results FILE, --from FILE.
 */
import { PEAK_RSS_BYTES } from './child-measure.js';
import { spawn } from 'node:child_process';
import { appendFileSync, createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Summary } from '../src/run-dir/summary.js';
import { formatBytes, formatDuration, formatRatePerHour } from '../src/units.js';
import { writeDayRun } from './gen-day-csv.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    cells: { type: 'string', default: 'clean,clean-flush-bytecode,clean-threads-1,switches,inject-2MB,inject-20MB,shapes,contention' },
    'mds-durations': { type: 'string', default: '2m,5m,10m' },
    skip: { type: 'string', default: '' },
    keep: { type: 'string' },
    results: { type: 'string' },
    from: { type: 'string' },
  },
});
const repeats = Number(values.repeats);
const skip = new Set(values.skip.split(','));
const workDir = values.keep ?? mkdtempSync(join(tmpdir(), 'soak-bench-detect-'));
const root = join(import.meta.dirname, '..', '..');
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
const shape = (name: string): string => join(root, 'test', 'fixtures', 'shapes', `${name}.mjs`);

/** Runs the real CLI in its own process; resolves with the summary it wrote. */
function soak(args: readonly string[], nodeArgs: readonly string[] = []): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, cli, ...args, '--quiet', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 2 || code === 3 || out === '') reject(new Error(`soak ${args.join(' ')} exited ${code}`));
      else resolve(JSON.parse(out) as Summary);
    });
  });
}

let runCounter = 0;
function outDir(label: string): string {
  return join(workDir, `${label}-${++runCounter}`);
}

/** One cell of the grid: a `soak short` command line and what each of its workloads should come out as. */
interface Cell {
  readonly name: string;
  readonly args: readonly string[];
  readonly expect: (workload: string) => 'pass' | 'leak' | 'not leak';
  /** A CPU-heavy process beside the run. */
  readonly contention?: boolean;
  /** Flags for node itself (V8 flags there override the controller's defaults). */
  readonly nodeArgs?: readonly string[];
}

const KB = 1024;
const cells: readonly Cell[] = [
  { name: 'clean', args: [], expect: () => 'pass' },
  // Side by side with clean, in the same repeats: what the controller's V8 flag and the pool size buy.
  { name: 'clean-flush-bytecode', args: [], nodeArgs: ['--flush-bytecode'], expect: () => 'pass' },
  { name: 'clean-threads-1', args: ['--threads', '1'], expect: () => 'pass' },
  {
    name: 'switches',
    args: [
      '--param',
      'webhook.leak=dedup',
      '--param',
      'cache.leak=side-index',
      '--param',
      'circuit-breaker.leak=listener',
      '--param',
      'refresh-manager.leak=interval',
    ],
    expect: () => 'leak',
  },
  {
    name: 'switches',
    args: [
      '--workload',
      'webhook,circuit-breaker,refresh-manager',
      '--param',
      'webhook.transport=http',
      '--param',
      'webhook.leak=listener',
      '--param',
      'circuit-breaker.leak=timer',
      '--param',
      'refresh-manager.leak=handle',
    ],
    expect: () => 'leak',
  },
  { name: 'inject-2MB', args: ['--inject-leak', '582B/s'], expect: () => 'leak' },
  { name: 'inject-20MB', args: ['--inject-leak', `${Math.round((20 * KB * KB) / 3600)}B/s`], expect: () => 'leak' },
  { name: 'shapes', args: ['--workload', ['sawtooth', 'lru-churn', 'one-step', 'validators'].map(shape).join(',')], expect: () => 'pass' },
  {
    name: 'shapes',
    args: [
      '--workload',
      ['staircase', 'slow-leak', 'sawtooth', 'validators'].map(shape).join(','),
      '--param',
      'sawtooth.leak=dead-letter',
      '--param',
      'validators.leak=compile-per-call',
    ],
    expect: () => 'leak',
  },
  // Healthy code still warming up when the budget ends, the cores shared with a busy process: never a leak.
  { name: 'contention', args: ['--max-duration', '90s', '--param', 'webhook.transport=http'], expect: () => 'not leak', contention: true },
];

/** One workload of one run, as --results keeps it. */
interface RunResult {
  readonly cell: string;
  readonly repeat: number;
  readonly workload: string;
  readonly expect: 'pass' | 'leak' | 'not leak';
  readonly verdict: string;
  readonly decidedAtS: number | null;
  readonly elapsedS: number;
  readonly shape: string | null;
  readonly slopeBytesPerHour: number | null;
  readonly reason: string;
  readonly machine: string;
  readonly node: string;
  readonly at: string;
}

/** A busy loop in another process for as long as the run: the machine shared with another CPU-heavy job. */
function burnCpu(): () => void {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => child.kill();
}

async function decisionGrid(): Promise<RunResult[]> {
  const results: RunResult[] = [];
  const wanted = new Set(values.cells.split(','));
  const start = Date.now();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`;
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const cell of cells.filter((c) => wanted.has(c.name))) {
      const stopBurning = cell.contention === true ? burnCpu() : undefined;
      const summary = await soak(['short', ...cell.args, '--out', outDir(cell.name)], cell.nodeArgs).finally(() => stopBurning?.());
      for (const w of summary.workloads) {
        const result: RunResult = {
          cell: cell.name,
          repeat,
          workload: w.name,
          expect: cell.expect(w.name),
          verdict: w.verdict,
          decidedAtS: w.decidedAtS ?? null,
          elapsedS: summary.run.elapsedS,
          shape: w.heap.shape,
          slopeBytesPerHour: w.heap.slopeBytesPerHour,
          reason: w.reason,
          machine,
          node: process.version,
          at: new Date().toISOString(),
        };
        results.push(result);
        if (values.results !== undefined) appendFileSync(values.results, `${JSON.stringify(result)}\n`);
      }
      process.stderr.write(
        `bench:detect: repeat ${repeat}/${repeats}, ${cell.name} done (${formatDuration(Math.round((Date.now() - start) / 1000))}): ` +
          `${summary.workloads.map((w) => `${w.name} ${w.verdict}${w.decidedAtS === null ? '' : ` at ${w.decidedAtS}s`}`).join(', ')}\n`,
      );
    }
  }
  return results;
}

/** The table: per cell and workload, the share of runs called leak / pass / inconclusive, and the median time to decide. */
function printGrid(results: readonly RunResult[]): void {
  const rows = new Map<string, RunResult[]>();
  for (const r of results) {
    // The same workload may be in a cell twice, clean and with its leak switch: the expectation tells them apart.
    const key = `${r.cell}\u0000${r.expect}\u0000${r.workload}`;
    rows.set(key, [...(rows.get(key) ?? []), r]);
  }
  console.log('\n## Decisions of soak short (real runs)\n');
  console.log('| cell | workload | expected | runs | leak | pass | inconclusive | median time to decide | slowest |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const list of rows.values()) {
    const first = list[0];
    if (first === undefined) continue;
    const count = (v: string): string => pct(list.filter((r) => r.verdict === v).length, list.length);
    // Undecided runs took the whole budget: they count at their end in the median, so it is not flattered.
    const times = list.map((r) => r.decidedAtS ?? r.elapsedS).sort((a, b) => a - b);
    console.log(
      `| ${first.cell} | ${first.workload} | ${first.expect} | ${list.length} | ${count('leak')} | ${count('pass')} | ${count('inconclusive')} | ` +
        `${formatDuration(times[(times.length - 1) >> 1] ?? 0)} | ${formatDuration(times[times.length - 1] ?? 0)} |`,
    );
  }
}

async function mdsByDuration(): Promise<void> {
  const durations = values['mds-durations'].split(',');
  const rows = new Map<string, string[]>();
  for (const d of durations) {
    const summary = await soak(['run', '--duration', d, '--out', outDir(`mds-${d}`)]);
    for (const w of summary.workloads) {
      const mds = w.workers
        .map((k) => k.heap?.minDetectableSlopeBytesPerHour ?? Number.NaN)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      const median = mds[mds.length >> 1];
      rows.set(w.name, [...(rows.get(w.name) ?? []), `±${median === undefined ? 'n/a' : formatRatePerHour(median)} (${w.verdict})`]);
    }
    process.stderr.write(`bench:detect: clean ${d} run done\n`);
  }
  console.log('\n## Minimum detectable slope per worker by run length (clean runs; verdict in brackets)\n');
  console.log(`| workload | ${durations.join(' | ')} |`);
  console.log(`| --- | ${durations.map(() => '---').join(' | ')} |`);
  for (const [name, cells] of rows) console.log(`| ${name} | ${cells.join(' | ')} |`);
}

async function analysisSpeed(): Promise<void> {
  const dir = join(workDir, 'day');
  const day = writeDayRun(dir);
  const lineStart = process.hrtime.bigint();
  let lines = 0;
  for await (const _line of createInterface({ input: createReadStream(day.samplesPath), crlfDelay: Infinity })) lines++;
  const lineS = Number(process.hrtime.bigint() - lineStart) / 1e9;
  const analyzeStart = process.hrtime.bigint();
  const peakKb = await new Promise<number>((resolve, reject) => {
    // /usr/bin/time is not everywhere; the child reports its own peak RSS (VmHWM, see child-measure.ts) when it exits.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      const { reanalyze } = await import(${JSON.stringify(join(import.meta.dirname, '..', 'src', 'commands', 'analyze.js'))});
      await reanalyze({ run: ${JSON.stringify(dir)} });
      process.stdout.write(String(${PEAK_RSS_BYTES} / 1024));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`analyze exited ${code}`))));
  });
  const analyzeS = Number(process.hrtime.bigint() - analyzeStart) / 1e9;
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  const found = summary.workloads.flatMap((w) => w.workers.filter((k) => k.verdict === 'leak').map((k) => k.worker));
  console.log('\n## Analysis speed\n');
  console.log(`samples.csv: ${lines - 1} rows, ${formatBytes(day.sampleBytes)} (24 h at 1 s, 10 workers + controller)`);
  console.log(
    `plain line-by-line read: ${lineS.toFixed(2)} s; soak analyze (process start to summary written): ${analyzeS.toFixed(2)} s; ` +
      `ratio ${(analyzeS / lineS).toFixed(1)}x; analyze peak RSS ${formatBytes(peakKb * 1024)}`,
  );
  console.log(`leaking worker planted: ${day.leakingWorker}; found leaking: ${found.join(', ') || 'none'}`);
}

function pct(n: number, of: number): string {
  return of === 0 ? 'n/a' : `${Math.round((100 * n) / of)}%`;
}

console.log(`# bench:detect on ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString()}`);
if (values.from !== undefined) {
  printGrid(
    readFileSync(values.from, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as RunResult),
  );
} else {
  if (!skip.has('speed')) await analysisSpeed();
  if (!skip.has('grid')) printGrid(await decisionGrid());
  if (!skip.has('mds')) await mdsByDuration();
}
if (values.keep === undefined) rmSync(workDir, { recursive: true, force: true });
