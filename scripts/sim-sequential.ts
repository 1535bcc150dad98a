/**
 * `npm run bench:sequential`: the error rates of deciding as the data allow, by simulation, on
 * seeded synthetic workloads (two workers each) of every clean noise shape (white, AR(1) 0.5 and
 * 0.9, mean-reverting churn, sawtooth) at true slopes 0, the limit itself (the worst case for a
 * false leak) and twice the limit (a leak that must be found). Each run takes the looks `soak short`
 * takes (sequential.ts) through the same analysis (decide.ts); beside it, the naive rule that
 * tests at 95 % at every look and stops at the first decision, to show what the spending buys.
 *
 * Options: --runs N per cell (default 200), --first, --every, --max (seconds; default soak short's),
 * --noises list, --multiples list (of the limit; default 0,1,2), --warmup auto|seconds (default auto).
 */
import { parseArgs } from 'node:util';
import { analyzeAtLook, replayLooks, type LookInput } from '../src/analysis/decide.js';
import { SEQUENTIAL_ALPHA, lookLevels, type LookPlan } from '../src/analysis/sequential.js';
import type { AnalysisSettings, Verdict } from '../src/analysis/types.js';
import { autoWarmupS, shortDefaults } from '../src/options.js';
import { NOISES, syntheticWorker, type Noise } from './synthetic-series.js';

const LIMIT = 1024 * 1024;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    first: { type: 'string', default: String(shortDefaults.looks.firstS) },
    every: { type: 'string', default: String(shortDefaults.looks.everyS) },
    max: { type: 'string', default: String(shortDefaults.durationS) },
    noises: { type: 'string', default: NOISES.join(',') },
    multiples: { type: 'string', default: '0,1,2' },
    warmup: { type: 'string', default: 'auto' },
  },
});
const runs = Number(values.runs);
const plan: LookPlan = { firstS: Number(values.first), everyS: Number(values.every), maxS: Number(values.max) };
const settings: AnalysisSettings = {
  thresholds: { maxSlopeBytesPerHour: LIMIT, maxGrowthBytes: 50 * LIMIT },
  warmup: values.warmup === 'auto' ? 'auto' : Number(values.warmup),
  profile: 'short',
};

interface CellResult {
  leak: number;
  pass: number;
  inconclusive: number;
  readonly decideTimes: number[];
}

function input(noise: Noise, multiple: number, seed: number): LookInput {
  const workers = ['w#0', 'w#1'].map((worker) =>
    syntheticWorker({ noise, slopeBytesPerHour: multiple * LIMIT, seconds: plan.maxS, warmupS: autoWarmupS(plan.maxS), seed, worker }),
  );
  return { byWorkload: new Map([['w', workers]]), outOfMemory: new Map(), respawns: new Map() };
}

/** The rule at every look with a fixed confidence (the naive repeated test), or with the spending plan's levels. */
function decide(look: LookInput, naive: boolean): { verdict: Verdict; atS: number } {
  if (!naive) {
    const { outcome, workloads } = replayLooks(look, ['w'], plan, plan.maxS, settings);
    const decision = outcome.decisions.get('w');
    return { verdict: workloads[0]?.verdict ?? 'error', atS: decision?.atS ?? plan.maxS };
  }
  for (const level of lookLevels(plan)) {
    const { verdict } = analyzeAtLook(look, 'w', { ...level, alpha: 0.025, confidence: 0.95 }, settings, false);
    if (verdict !== 'inconclusive' || level.atS === plan.maxS) return { verdict, atS: level.atS };
  }
  return { verdict: 'inconclusive', atS: plan.maxS };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

const pct = (n: number): string => `${((100 * n) / runs).toFixed(1)} %`;

console.log(
  `# bench:sequential: ${runs} runs per cell, 2 workers, looks at ${lookLevels(plan)
    .map((l) => l.atS)
    .join(', ')} s; ` + `alpha ${SEQUENTIAL_ALPHA} per side and route (${2 * SEQUENTIAL_ALPHA} over both routes); warm-up ${values.warmup}\n`,
);
console.log('| noise | true slope | rule | leak | pass | inconclusive | median decided at |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const noise of values.noises.split(',') as Noise[]) {
  for (const multiple of values.multiples.split(',').map(Number)) {
    for (const naive of [false, true]) {
      const cell: CellResult = { leak: 0, pass: 0, inconclusive: 0, decideTimes: [] };
      for (let r = 0; r < runs; r++) {
        // The same seeds for both rules: the comparison is paired.
        const { verdict, atS } = decide(input(noise, multiple, 1000 + r), naive);
        if (verdict === 'leak' || verdict === 'pass' || verdict === 'inconclusive') cell[verdict]++;
        if (verdict !== 'inconclusive') cell.decideTimes.push(atS);
      }
      console.log(
        `| ${noise} | ${multiple} x limit | ${naive ? 'naive 95 % at every look' : 'spending'} | ${pct(cell.leak)} | ${pct(cell.pass)} | ` +
          `${pct(cell.inconclusive)} | ${cell.decideTimes.length === 0 ? 'n/a' : `${median(cell.decideTimes)} s`} |`,
      );
    }
  }
}
