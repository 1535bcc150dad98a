/**
 * `npm run bench:detect`: how well the verdict tells leaks from clean code on this machine.
 *
 * 1. Detection grid: repeated real `soak short` runs of the built-in workloads (all at once, as CI
 *    runs them), clean and with `--inject-leak` at each rate; per workload and rate, the share of
 *    runs called leak (false-positive rate for clean, detection rate otherwise) and inconclusive.
 * 2. Minimum detectable slope by run length: clean runs at each --mds-durations, the median per
 *    workload, which should keep falling as runs get longer.
 * 3. Analysis speed: `soak analyze` on a generated day of 1 s samples from 10 workers (~950K rows)
 *    against a plain line-by-line read of the same file, as a ratio, with the analysis's peak RSS.
 *
 * Options: --repeats N (default 3; the goals are stated for 20), --rates list (default
 * 0,256,1024,2048,4096,16384,65536 B/s; 0 is clean), --duration D (default 2m), --mds-durations list
 * (default 2m,5m,10m), --skip grid,mds,speed, --keep DIR (keep the run directories there).
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Summary } from '../src/report/summary.js';
import { formatBytes, formatDuration, formatRatePerHour, parseDuration } from '../src/units.js';
import { writeDayRun } from './gen-day-csv.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    rates: { type: 'string', default: '0,256,1024,2048,4096,16384,65536' },
    duration: { type: 'string', default: '2m' },
    'mds-durations': { type: 'string', default: '2m,5m,10m' },
    skip: { type: 'string', default: '' },
    keep: { type: 'string' },
  },
});
const repeats = Number(values.repeats);
const rates = values.rates.split(',').map(Number);
const skip = new Set(values.skip.split(','));
const workDir = values.keep ?? mkdtempSync(join(tmpdir(), 'soak-bench-detect-'));
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');

/** Runs the real CLI in its own process; resolves with the summary it wrote. */
function soak(args: readonly string[]): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--quiet', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
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

interface Tally {
  leak: number;
  inconclusive: number;
  pass: number;
  runs: number;
}

async function detectionGrid(): Promise<void> {
  const tallies = new Map<string, Tally>();
  const key = (workload: string, rate: number): string => `${workload}@${rate}`;
  const start = Date.now();
  for (let r = 0; r < repeats; r++) {
    for (const rate of rates) {
      const summary = await soak(['short', '--duration', values.duration, '--inject-leak', `${rate}B/s`, '--out', outDir(`grid-${rate}`)]);
      for (const w of summary.workloads) {
        const tally = tallies.get(key(w.name, rate)) ?? { leak: 0, inconclusive: 0, pass: 0, runs: 0 };
        tally.runs++;
        if (w.verdict === 'leak' || w.verdict === 'inconclusive' || w.verdict === 'pass') tally[w.verdict]++;
        tallies.set(key(w.name, rate), tally);
      }
      process.stderr.write(`bench:detect: repeat ${r + 1}/${repeats}, ${rate} B/s done (${formatDuration(Math.round((Date.now() - start) / 1000))})\n`);
    }
  }
  const workloads = [...new Set([...tallies.keys()].map((k) => k.split('@')[0] ?? ''))];
  const cell = (t: Tally | undefined): string =>
    t === undefined ? 'n/a' : `${pct(t.leak, t.runs)} leak, ${pct(t.inconclusive, t.runs)} inc.`;
  console.log(`\n## Detection (${repeats} runs per cell of soak short --duration ${values.duration}; per worker, ${threadsNote})\n`);
  console.log(`| workload | ${rates.map((r) => (r === 0 ? 'clean (false positives)' : `${formatBytes(r)}/s = ${formatRatePerHour(r * 3600)}`)).join(' | ')} |`);
  console.log(`| --- | ${rates.map(() => '---').join(' | ')} |`);
  for (const w of workloads) console.log(`| ${w} | ${rates.map((r) => cell(tallies.get(key(w, r)))).join(' | ')} |`);
}

const threadsNote = 'injected in every worker';

async function mdsByDuration(): Promise<void> {
  const durations = values['mds-durations'].split(',');
  const rows = new Map<string, string[]>();
  for (const d of durations) {
    const summary = await soak(['short', '--duration', d, '--out', outDir(`mds-${d}`)]);
    for (const w of summary.workloads) {
      const mds = w.workers.map((k) => k.heap?.minDetectableSlopeBytesPerHour ?? Number.NaN).filter(Number.isFinite).sort((a, b) => a - b);
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
    // /usr/bin/time is not everywhere; the child reports its own peak RSS (maxRSS) when it exits.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { reanalyze } = await import(${JSON.stringify(join(import.meta.dirname, '..', 'src', 'report', 'reanalyze.js'))});
      await reanalyze({ run: ${JSON.stringify(dir)} });
      process.stdout.write(String(process.resourceUsage().maxRSS));`], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  console.log(`plain line-by-line read: ${lineS.toFixed(2)} s; soak analyze (process start to summary written): ${analyzeS.toFixed(2)} s; ` +
    `ratio ${(analyzeS / lineS).toFixed(1)}x; analyze peak RSS ${formatBytes(peakKb * 1024)}`);
  console.log(`leaking worker planted: ${day.leakingWorker}; found leaking: ${found.join(', ') || 'none'}`);
}

function pct(n: number, of: number): string {
  return of === 0 ? 'n/a' : `${Math.round((100 * n) / of)}%`;
}

console.log(`# bench:detect on ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString()}`);
if (parseDuration(values.duration) === undefined) throw new Error(`--duration: not a duration: ${values.duration}`);
if (!skip.has('speed')) await analysisSpeed();
if (!skip.has('grid')) await detectionGrid();
if (!skip.has('mds')) await mdsByDuration();
if (values.keep === undefined) rmSync(workDir, { recursive: true, force: true });
