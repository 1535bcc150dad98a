/**
 * `npm run bench:analyze`: how long `soak analyze` takes over a day of 1 s samples from 10 workers
 * (~950K rows), against a plain line-by-line read of the same samples.csv: the first time, and at
 * the end of a long run (from the series cache its last interim report left); what its threads buy
 * (the same analysis on one thread), and the peak memory of four threads (the same samples as four
 * workloads, a thread each, as on a 4-core machine). The day run is generated
 * once; then, in alternating rounds so machine drift hits every phase alike, each phase runs in a
 * child process of its own, which reports its wall time and peak RSS (its own high-water mark) when it ends: one
 * phase's memory cannot then pollute the next one's figure. Printed: medians and ratios to the read.
 *
 * Options: --rounds N (default 3), --keep (leave the generated run in the temp directory).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChildMeasure, measureInChild, median, PEAK_RSS_BYTES } from './child-measure.js';
import { SERIES_CACHE_FILE } from '../src/run-dir/series-cache.js';
import { writeDayRun } from './gen-day-csv.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);

type Measure = ChildMeasure;

interface Phase {
  readonly label: string;
  /** Module code run in the child: `dir` and `samples` are in scope; it awaits the work and nothing else. */
  readonly code: string;
  /** The run directory it reads: the day run of two workloads by default, or that run with the series cache of its last interim report. */
  readonly run?: 'day' | 'day4' | 'interim';
  readonly measures: Measure[];
}

/** Seconds of samples a long run's last interim report has not seen: its report interval. */
const INTERIM_BEFORE_END_S = 300;
/** Where the interim report's series cache is kept between rounds (each analysis replaces the run's own). */
const INTERIM_CACHE = 'interim-series-cache.bin';

const src = (path: string): string => JSON.stringify(join(import.meta.dirname, '..', 'src', path));

/** A phase's code: `soak analyze` of the run directory (`reanalyze`), on `threads` threads or its default. */
const reanalyzeCode = (threads?: number): string => `
      const { reanalyze } = await import(${src('commands/analyze.js')});
      await reanalyze({ run: dir${threads === undefined ? '' : `, threads: ${threads}`} });`;

const phases: readonly Phase[] = [
  {
    label: 'plain line-by-line read',
    code: `
      const { createReadStream } = await import('node:fs');
      const { createInterface } = await import('node:readline');
      let lines = 0;
      for await (const _ of createInterface({ input: createReadStream(samples), crlfDelay: Infinity })) lines++;
      if (lines === 0) throw new Error('no lines');`,
    measures: [],
  },
  {
    label: 'readRun',
    code: `
      const { readRun } = await import(${src('run-dir/read-run.js')});
      await readRun(samples, join(dir, 'events.csv'));`,
    measures: [],
  },
  {
    label: 'soak analyze, the first analysis of the file',
    code: reanalyzeCode(),
    measures: [],
  },
  {
    // What the end of a long run and `soak analyze` after it do: the interim report 5 minutes
    // before the end left a series cache, so only the rows after it are parsed from the CSV.
    label: 'soak analyze at the end of a long run (series cache of the last interim report)',
    run: 'interim',
    code: reanalyzeCode(),
    measures: [],
  },
  {
    label: 'soak analyze on one thread',
    code: reanalyzeCode(1),
    measures: [],
  },
  {
    // The same samples as four workloads: a thread each on a 4-core machine. Its memory is the figure
    // here; its time only means something with 4 cores or more.
    label: 'soak analyze, four workloads on 4 threads',
    run: 'day4',
    code: reanalyzeCode(4),
    measures: [],
  },
];

/** Runs one phase in a fresh Node; the time is taken inside it, after module loading, around the work alone. */
function measure(phase: Phase, benchDir: string): Promise<Measure> {
  const dir = join(benchDir, phase.run ?? 'day');
  // Every analysis leaves a cache of what it read: each phase starts from the cache it is about, or none.
  const cache = join(dir, SERIES_CACHE_FILE);
  if (phase.run === 'interim') copyFileSync(join(benchDir, INTERIM_CACHE), cache);
  else rmSync(cache, { force: true });
  const script = `
    const { join } = await import('node:path');
    const dir = ${JSON.stringify(dir)};
    const samples = join(dir, 'samples.csv');
    const start = process.hrtime.bigint();
    ${phase.code}
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    process.stdout.write(JSON.stringify({ seconds, peakBytes: ${PEAK_RSS_BYTES} }));`;
  return measureInChild(script, dir, phase.label);
}

const root = mkdtempSync(join(tmpdir(), 'soak-bench-analyze-'));
try {
  process.stderr.write('generating a 24-hour run of 10 workers at 1 s samples, as two workloads and as four...\n');
  const day = writeDayRun(join(root, 'day'));
  writeDayRun(join(root, 'day4'), { fourWorkloads: true });
  // The first analysis writes summary.json; every later one reads it back, as `soak analyze` of a finished run does.
  await measure(phases[2] as Phase, root);
  await measure(phases[5] as Phase, root);
  await prepareInterim(root);
  for (let r = 0; r < rounds; r++) {
    for (const phase of r % 2 === 0 ? phases : [...phases].reverse()) phase.measures.push(await measure(phase, root));
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  const base = median((phases[0] as Phase).measures.map((m) => m.seconds));
  console.log(`# bench:analyze on ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
  console.log(`samples.csv: ${day.sampleRows} rows, ${(day.sampleBytes / 1024 / 1024).toFixed(0)} MB; median of ${rounds} rounds\n`);
  console.log('| phase | wall | × plain read | peak RSS |');
  console.log('| --- | --- | --- | --- |');
  for (const phase of phases) {
    const seconds = median(phase.measures.map((m) => m.seconds));
    const peak = Math.max(...phase.measures.map((m) => m.peakBytes));
    console.log(`| ${phase.label} | ${seconds.toFixed(2)} s | ${(seconds / base).toFixed(1)}x | ${(peak / 1024 / 1024).toFixed(0)} MB |`);
  }
} finally {
  if (!values.keep) rmSync(root, { recursive: true, force: true });
}

/**
 * The day run as its last interim report left it: the analysis of the samples recorded up to 5
 * minutes before the end (the CSV cut at the first row after that), whose series cache is kept;
 * then the whole CSV and the day's summary.json, so the phase analyses the same run as the others.
 */
async function prepareInterim(root: string): Promise<void> {
  const dir = join(root, 'interim');
  mkdirSync(dir);
  const day = join(root, 'day');
  copyFileSync(join(day, 'events.csv'), join(dir, 'events.csv'));
  const whole = readFileSync(join(day, 'samples.csv'));
  const elapsedColumn = whole.subarray(0, whole.indexOf(0x0a)).toString().split(',').indexOf('elapsed_s');
  const endS = Number(
    whole
      .subarray(whole.lastIndexOf(0x0a, whole.length - 2) + 1)
      .toString()
      .split(',')[elapsedColumn],
  );
  let cut = whole.length;
  for (;;) {
    const start = whole.lastIndexOf(0x0a, cut - 2) + 1;
    if (Number(whole.subarray(start, cut).toString().split(',')[elapsedColumn]) < endS - INTERIM_BEFORE_END_S) break;
    cut = start;
  }
  writeFileSync(join(dir, 'samples.csv'), whole.subarray(0, cut));
  const { reanalyze } = await import('../src/commands/analyze.js');
  await reanalyze({ run: dir });
  copyFileSync(join(dir, SERIES_CACHE_FILE), join(root, INTERIM_CACHE));
  writeFileSync(join(dir, 'samples.csv'), whole);
  copyFileSync(join(day, 'summary.json'), join(dir, 'summary.json'));
}
