/**
 * `npm run bench:superpose -- DIR...`: offline detection on recorded clean runs. Each run's samples
 * get a linear leak added to every worker's heap (from the run's start, at each --rates value per
 * worker), and the looks of `soak short` are replayed over them as `soak analyze` would. Real heap
 * noise and real JIT warm-up, known leaks: a cheap complement to the real runs of bench:detect,
 * which are reported apart. Runs recorded at a fixed length give the looks their whole budget;
 * a run that stopped early (all decided) is judged on what it recorded.
 *
 * Options: --rates list of B/s (default 0,582,5825: clean, 2 MB/h, 20 MB/h), --first, --every,
 * --max (seconds; default soak short's plan).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LookPlan } from '../src/analysis/sequential.js';
import { shortDefaults } from '../src/options.js';
import { analyzeRecordedRun } from '../src/commands/analyze-run.js';
import { formatDuration, formatRatePerHour } from '../src/units.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rates: { type: 'string', default: '0,582,5825' },
    first: { type: 'string', default: String(shortDefaults.looks.firstS) },
    every: { type: 'string', default: String(shortDefaults.looks.everyS) },
    max: { type: 'string', default: String(shortDefaults.durationS) },
  },
});
const plan: LookPlan = { firstS: Number(values.first), everyS: Number(values.every), maxS: Number(values.max) };
const rates = values.rates.split(',').map(Number);
const MB = 1024 * 1024;
const settings = { thresholds: { maxSlopeBytesPerHour: MB, maxGrowthBytes: 50 * MB }, warmup: 'auto' as const, profile: 'short' as const };

/**
 * samples.csv with `bytesPerS` added to every worker row's heap_used_bytes, by its elapsed time; rows
 * past the budget dropped. A plain split on commas: the built-in workloads' rows quote nothing.
 */
function withLeak(samples: string, bytesPerS: number): { text: string; endS: number } {
  const [header = '', ...rows] = samples.split('\n');
  const columns = header.split(',');
  const elapsed = columns.indexOf('elapsed_s');
  const worker = columns.indexOf('worker');
  const heap = columns.indexOf('heap_used_bytes');
  let endS = 0;
  const kept: string[] = [header];
  for (const row of rows) {
    if (row === '') continue;
    const cells = row.split(',');
    const t = Number(cells[elapsed]);
    if (t > plan.maxS) continue;
    endS = Math.max(endS, t);
    if (cells[worker] !== 'controller' && cells[heap] !== '') cells[heap] = String(Math.round(Number(cells[heap]) + bytesPerS * t));
    kept.push(cells.join(','));
  }
  return { text: `${kept.join('\n')}\n`, endS };
}

const work = mkdtempSync(join(tmpdir(), 'soak-superpose-'));
const tally = new Map<string, { runs: number; leak: number; pass: number; inconclusive: number; times: number[] }>();
for (const dir of positionals) {
  const samples = readFileSync(join(dir, 'samples.csv'), 'utf8');
  for (const rate of rates) {
    const { text, endS } = withLeak(samples, rate);
    const out = join(work, 'samples.csv');
    writeFileSync(out, text);
    copyFileSync(join(dir, 'events.csv'), join(work, 'events.csv'));
    const analysis = await analyzeRecordedRun(out, join(work, 'events.csv'), settings, { sequential: { plan, endS: Math.min(endS, plan.maxS) } });
    for (const w of analysis.workloads) {
      const key = `${formatRatePerHour(rate * 3600)}\u0000${w.name}`;
      const t = tally.get(key) ?? { runs: 0, leak: 0, pass: 0, inconclusive: 0, times: [] };
      t.runs++;
      if (w.verdict === 'leak' || w.verdict === 'pass' || w.verdict === 'inconclusive') t[w.verdict]++;
      t.times.push(analysis.sequential?.decisions.get(w.name)?.atS ?? endS);
      tally.set(key, t);
    }
  }
}
rmSync(work, { recursive: true, force: true });

const pct = (n: number, of: number): string => `${Math.round((100 * n) / of)} %`;
console.log(`# bench:superpose: ${positionals.length} recorded clean run(s), leaks added to every worker, looks of soak short replayed\n`);
console.log('| leak added per worker | workload | runs | leak | pass | inconclusive | median time to decide |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [key, t] of tally) {
  const [rate, name] = key.split('\u0000');
  const times = [...t.times].sort((a, b) => a - b);
  console.log(
    `| ${rate === '0 B/h' ? 'none (clean)' : rate} | ${name} | ${t.runs} | ${pct(t.leak, t.runs)} | ${pct(t.pass, t.runs)} | ` +
      `${pct(t.inconclusive, t.runs)} | ${formatDuration(times[(times.length - 1) >> 1] ?? 0)} |`,
  );
}
