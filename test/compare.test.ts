/**
 * `soak compare`: the statistics (MOVER interval of a difference, the 10 % status rule, shapes,
 * verdicts) against hand-computed values; the CLI end to end on synthetic summary.json files (exit
 * codes, files written, bad input); and one real comparison of a clean and a leaking cache run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  changeStatus,
  compareMeasure,
  compareRuns,
  compareWorkload,
  moverDifference,
  type HeapFigures,
  type WorkloadFigures,
} from '../src/analysis/compare.js';
import type { Verdict } from '../src/analysis/types.js';
import type { Comparison } from '../src/run-dir/compare-file.js';
import { explain, runCli, tempDir } from './helpers/cli.js';

const MB = 1024 * 1024;
/** The default slope limit, 1 MB/h: the slope tolerance is 10 % of it for a baseline slope under it. */
const LIMIT = MB;

const close = (actual: number | null | undefined, expected: number, what: string, eps = 1e-9): void => {
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} is not ${expected}`,
  );
};

// ---------------------------------------------------------------------------------------------------
// Synthetic figures

interface Fig {
  readonly slope: number | null;
  /** Half-widths [below, above] of the slope interval (default ±50 KB/h: two such are unchanged within ±102 KB/h), or null for none. */
  readonly ci?: readonly [number | null, number | null] | null;
  readonly shape?: string | null;
  readonly verdict?: Verdict;
  readonly ops?: number;
}

/** Heap figures whose bytes/op is the slope over `ops` operations per second, as soak derives it. */
function heap(f: Fig): HeapFigures {
  const ops = f.ops ?? 1000;
  const ci = f.ci === undefined ? ([0.05 * MB, 0.05 * MB] as const) : f.ci;
  const bounds = ci === null || f.slope === null ? null : ([ci[0] === null ? null : f.slope - ci[0], ci[1] === null ? null : f.slope + ci[1]] as const);
  const perOp = (v: number | null): number | null => (v === null ? null : v / 3600 / ops);
  return {
    slopeBytesPerHour: f.slope,
    ci95: bounds,
    bytesPerOp: perOp(f.slope),
    bytesPerOpCi95: bounds === null ? null : [perOp(bounds[0]), perOp(bounds[1])],
    opsPerSecond: ops,
    shape: f.shape === undefined ? 'flat' : f.shape,
  };
}

function workload(name: string, f: Fig): WorkloadFigures {
  return { name, verdict: f.verdict ?? 'pass', heap: heap(f) };
}

// ---------------------------------------------------------------------------------------------------
// MOVER

describe('MOVER interval of a difference (Zou & Donner 2008)', () => {
  test('asymmetric intervals: each limit takes the matching half-widths (hand-computed, 3-4-5 and 6-8-10 triangles)', () => {
    // b = 10 in [2, 14] (8 below, 4 above); c = 25 in [22, 31] (3 below, 6 above).
    // d = 15; L = 15 − √(3² + 4²) = 10; U = 15 + √(6² + 8²) = 25.
    const d = moverDifference({ value: 10, low: 2, high: 14 }, { value: 25, low: 22, high: 31 });
    close(d.difference, 15, 'd');
    close(d.low, 10, 'L');
    close(d.high, 25, 'U');
    // The interval of an asymmetric difference is itself asymmetric: 5 below, 10 above.
    assert.notEqual(d.difference - d.low, d.high - d.difference);
  });

  test('asymmetric, the other way round: a long lower tail of the candidate widens the lower limit', () => {
    // b = 0 in [-1, 1]; c = 4 in [-3, 5] (7 below, 1 above). L = 4 − √(49 + 1) = 4 − 7.0711; U = 4 + √(1 + 1).
    const d = moverDifference({ value: 0, low: -1, high: 1 }, { value: 4, low: -3, high: 5 });
    close(d.low, 4 - Math.sqrt(50), 'L', 1e-12);
    close(d.high, 4 + Math.SQRT2, 'U', 1e-12);
  });

  test('symmetric intervals reduce to d ± √(hc² + hb²)', () => {
    // b = 100 ± 30, c = 50 ± 40: d = −50 ± 50.
    const d = moverDifference({ value: 100, low: 70, high: 130 }, { value: 50, low: 10, high: 90 });
    close(d.low, -100, 'L');
    close(d.high, 0, 'U');
    for (const [b, hb, c, hc] of [
      [3, 1.5, 7, 2.5],
      [-2e6, 3e5, 1e6, 7e5],
      [0, 0, 5, 1],
    ] as const) {
      const m = moverDifference({ value: b, low: b - hb, high: b + hb }, { value: c, low: c - hc, high: c + hc });
      const h = Math.sqrt(hb * hb + hc * hc);
      close(m.low, c - b - h, `L for ${b}±${hb}, ${c}±${hc}`);
      close(m.high, c - b + h, `U for ${b}±${hb}, ${c}±${hc}`);
    }
  });
});

describe('the status rule', () => {
  test('regression above +tol, improvement below −tol, unchanged inside ±tol, inconclusive otherwise', () => {
    assert.equal(changeStatus({ difference: 5, low: 1.01, high: 9 }, 1), 'regression');
    assert.equal(changeStatus({ difference: 5, low: 1, high: 9 }, 1), 'inconclusive', 'a limit on the tolerance is not beyond it');
    assert.equal(changeStatus({ difference: -5, low: -9, high: -1.01 }, 1), 'improvement');
    assert.equal(changeStatus({ difference: 0, low: -1, high: 1 }, 1), 'unchanged');
    assert.equal(changeStatus({ difference: 0, low: -1.5, high: 0.5 }, 1), 'inconclusive');
    assert.equal(changeStatus({ difference: 0.9, low: 0.5, high: 1.3 }, 1), 'inconclusive');
  });

  test('regression: a slope 2 MB/h higher, interval beyond the 1 MB/h tolerance (10% of a 10 MB/h baseline)', () => {
    // b = 10 ± 0.5 MB/h, c = 12 ± 0.5 MB/h: d = 2, L = 2 − √0.5 = 1.2929 MB/h > 1 MB/h.
    const w = compareWorkload(
      'x',
      workload('x', { slope: 10 * MB, ci: [0.5 * MB, 0.5 * MB], shape: 'growing', verdict: 'leak' }),
      workload('x', { slope: 12 * MB, ci: [0.5 * MB, 0.5 * MB], shape: 'growing', verdict: 'leak' }),
      LIMIT,
    );
    assert.equal(w.status, 'regression');
    assert.equal(w.verdictWorsened, false);
    assert.equal(w.slope?.status, 'regression');
    close(w.slope?.tolerance ?? null, MB, 'tolerance');
    close(w.slope?.differenceCi95?.[0] ?? null, 2 * MB - Math.sqrt(0.5) * MB, 'L', 1e-9);
    close(w.slope?.changePercent ?? null, 20, 'change %');
    // Bytes/op is the same slope over 1000 op/s: it regresses too, by 2 MB/h / 3.6e6.
    assert.equal(w.bytesPerOp?.status, 'regression');
    close(w.bytesPerOp?.difference ?? null, (2 * MB) / 3600 / 1000, 'bytes/op change');
    assert.match(w.reason, /^heap slope changed \+2 MB\/h \(95% CI \+1\.29 MB\/h to \+2\.71 MB\/h\): an increase beyond noise/);
  });

  test('improvement: the same change the other way', () => {
    // b = 12 ± 0.5, c = 10 ± 0.5: d = −2, U = −2 + 0.7071 = −1.2929 < −1.2 (10% of 12).
    const w = compareWorkload(
      'x',
      workload('x', { slope: 12 * MB, ci: [0.5 * MB, 0.5 * MB], shape: 'growing', verdict: 'leak' }),
      workload('x', { slope: 10 * MB, ci: [0.5 * MB, 0.5 * MB], shape: 'growing', verdict: 'leak' }),
      LIMIT,
    );
    assert.equal(w.status, 'improvement');
    close(w.slope?.tolerance ?? null, 1.2 * MB, 'tolerance');
  });

  test('unchanged: two flat runs, tolerance from the slope limit, not from the near-zero baseline', () => {
    // b = 5 KB/h ± 20 KB/h, c = 15 KB/h ± 30 KB/h: d = 10 KB/h ± 36.06 KB/h, inside ±102.4 KB/h (10% of 1 MB/h).
    // 10% of the baseline's own 5 KB/h would be 0.5 KB/h, and this noise would not be unchanged.
    const KB = 1024;
    const w = compareWorkload('x', workload('x', { slope: 5 * KB, ci: [20 * KB, 20 * KB] }), workload('x', { slope: 15 * KB, ci: [30 * KB, 30 * KB] }), LIMIT);
    assert.equal(w.slope?.status, 'unchanged');
    close(w.slope?.reference ?? null, LIMIT, 'reference');
    close(w.slope?.tolerance ?? null, 0.1 * LIMIT, 'tolerance');
    close(w.slope?.differenceCi95?.[1] ?? null, 10 * KB + Math.sqrt(1300) * KB, 'U');
    // bytes/op: the reference is the limit per operation, 1 MB/h / 3600 / 1000 op/s.
    assert.equal(w.bytesPerOp?.status, 'unchanged');
    close(w.bytesPerOp?.reference ?? null, LIMIT / 3600 / 1000, 'bytes/op reference');
    assert.equal(w.status, 'unchanged');
  });

  test('inconclusive: an interval wider than the tolerance that straddles it', () => {
    // b = 0 ± 1 MB/h, c = 0.5 ± 1 MB/h: d = 0.5 ± 1.414 MB/h against ±0.1 MB/h.
    const w = compareWorkload('x', workload('x', { slope: 0, ci: [MB, MB] }), workload('x', { slope: 0.5 * MB, ci: [MB, MB] }), LIMIT);
    assert.equal(w.slope?.status, 'inconclusive');
    assert.equal(w.status, 'inconclusive');
    assert.match(w.reason, /too uncertain/);
  });

  test('warming shape: the slope is not compared, however large the change, and the reason says to run longer', () => {
    // Numbers that alone would be a regression (d = 2 MB/h ± 0.14 against ±0.1 MB/h).
    const w = compareWorkload(
      'x',
      workload('x', { slope: 0, ci: [0.1 * MB, 0.1 * MB], shape: 'flat', verdict: 'pass' }),
      workload('x', { slope: 2 * MB, ci: [0.1 * MB, 0.1 * MB], shape: 'warming', verdict: 'inconclusive' }),
      LIMIT,
    );
    assert.equal(w.slope?.status, 'inconclusive');
    assert.equal(w.bytesPerOp?.status, 'inconclusive');
    assert.equal(w.status, 'inconclusive');
    assert.match(w.reason, /candidate's heap shape is 'warming'/);
    assert.match(w.reason, /5 minutes or more/);
    // The figures are still reported.
    close(w.slope?.difference ?? null, 2 * MB, 'difference');
  });

  test('settling and unresolved shapes are not compared either; flat, step and growing are', () => {
    for (const shape of ['settling', 'unresolved']) {
      const w = compareWorkload('x', workload('x', { slope: 0, shape }), workload('x', { slope: 0 }), LIMIT);
      assert.equal(w.slope?.status, 'inconclusive', shape);
      assert.match(w.reason, new RegExp(`baseline's heap shape is '${shape}'`));
    }
    for (const shape of ['flat', 'step', 'growing']) {
      const w = compareWorkload('x', workload('x', { slope: 0, shape }), workload('x', { slope: 0, shape }), LIMIT);
      assert.equal(w.slope?.status, 'unchanged', shape);
    }
  });

  test('verdict worsened: pass to leak is a regression whatever the numbers', () => {
    // Identical, unchanged figures; the candidate's verdict is leak (say, its teardown check failed).
    const w = compareWorkload(
      'x',
      workload('x', { slope: 0, ci: [20_000, 20_000], verdict: 'pass' }),
      workload('x', { slope: 0, ci: [20_000, 20_000], verdict: 'leak' }),
      LIMIT,
    );
    assert.equal(w.slope?.status, 'unchanged');
    assert.equal(w.verdictWorsened, true);
    assert.equal(w.status, 'regression');
    assert.match(w.reason, /^its verdict went from pass to leak, a regression whatever the numbers/);
    const fromInconclusive = compareWorkload(
      'x',
      workload('x', { slope: 0, verdict: 'inconclusive', shape: 'warming' }),
      workload('x', { slope: 0, verdict: 'leak', shape: 'warming' }),
      LIMIT,
    );
    assert.equal(fromInconclusive.status, 'regression');
    const leakToLeak = compareWorkload('x', workload('x', { slope: 0, verdict: 'leak' }), workload('x', { slope: 0, verdict: 'leak' }), LIMIT);
    assert.equal(leakToLeak.verdictWorsened, false);
    assert.equal(leakToLeak.status, 'unchanged');
  });

  test('null figures and unbounded interval sides make a measure inconclusive, with the reason', () => {
    const missing = compareWorkload('x', workload('x', { slope: 0 }), workload('x', { slope: null, shape: null }), LIMIT);
    assert.equal(missing.slope?.status, 'inconclusive');
    assert.match(missing.slope?.reason ?? '', /the candidate has no figure/);
    assert.equal(missing.status, 'inconclusive');
    const unbounded = compareWorkload('x', workload('x', { slope: 0, ci: [0.01 * MB, null] }), workload('x', { slope: 0, ci: [0.01 * MB, 0.01 * MB] }), LIMIT);
    assert.equal(unbounded.slope?.status, 'inconclusive');
    assert.match(unbounded.slope?.reason ?? '', /the baseline has an unbounded interval/);
    assert.equal(unbounded.slope?.differenceCi95, null);
    // A summary written before bytes/op had an interval: bytes/op is inconclusive, the slope is still compared.
    const b = workload('x', { slope: 0, ci: [0.01 * MB, 0.01 * MB] });
    const { bytesPerOpCi95: _, ...older } = b.heap;
    const old = compareWorkload('x', { ...b, heap: older }, b, LIMIT);
    assert.equal(old.slope?.status, 'unchanged');
    assert.equal(old.bytesPerOp?.status, 'inconclusive');
    assert.match(old.bytesPerOp?.reason ?? '', /the baseline has no interval/);
  });

  test('compareMeasure with no reference is inconclusive', () => {
    const m = compareMeasure('slope', { value: 0, ci95: [-1, 1] }, { value: 0, ci95: [-1, 1] }, null);
    assert.equal(m.status, 'inconclusive');
  });

  test('a workload in one run only is listed as such, not a regression; an error verdict is not comparable', () => {
    const run = (workloads: WorkloadFigures[]) => ({ thresholds: { maxSlopeBytesPerHour: LIMIT }, workloads });
    const r = compareRuns(
      run([workload('kept', { slope: 0 }), workload('dropped', { slope: 0 }), workload('broken', { slope: 0 })]),
      run([
        workload('kept', { slope: 0 }),
        workload('broken', { slope: 0, verdict: 'error' }),
        workload('added', { slope: 50 * MB, verdict: 'leak', shape: 'growing' }),
      ]),
    );
    assert.deepEqual(
      r.workloads.map((w) => [w.name, w.status]),
      [
        ['kept', 'unchanged'],
        ['dropped', 'only-in-baseline'],
        ['broken', 'inconclusive'],
        ['added', 'only-in-candidate'],
      ],
    );
    assert.match(r.workloads[2]?.reason ?? '', /verdict is 'error' in the candidate run/);
    assert.deepEqual(r.regressions, []);
    assert.equal(r.result, 'inconclusive');
    assert.deepEqual(r.inconclusive, ['dropped', 'broken', 'added']);
  });

  test('overall: any regression makes the comparison a regression; all unchanged is unchanged', () => {
    const run = (workloads: WorkloadFigures[]) => ({ thresholds: { maxSlopeBytesPerHour: LIMIT }, workloads });
    const same = compareRuns(run([workload('a', { slope: 0 }), workload('b', { slope: 0 })]), run([workload('a', { slope: 0 }), workload('b', { slope: 0 })]));
    assert.equal(same.result, 'unchanged');
    const worse = compareRuns(
      run([workload('a', { slope: 0 }), workload('b', { slope: 0 })]),
      run([workload('a', { slope: 0 }), workload('b', { slope: 0, verdict: 'leak' })]),
    );
    assert.equal(worse.result, 'regression');
    assert.deepEqual(worse.regressions, ['b']);
  });
});

// ---------------------------------------------------------------------------------------------------
// The CLI on synthetic summaries

interface SynthWorkload extends Fig {
  readonly name: string;
  readonly params?: Record<string, string | number | boolean>;
}

function writeRun(dir: string, workloads: readonly SynthWorkload[], run: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const summary = {
    schemaVersion: 1,
    verdict: workloads.some((w) => w.verdict === 'leak') ? 'leak' : 'pass',
    complete: true,
    profile: 'short',
    run: {
      command: 'run',
      durationS: 300,
      elapsedS: 300,
      intervalS: 1,
      warmupS: 30,
      warmup: 'auto',
      threads: 2,
      concurrency: 4,
      seed: 1,
      injectLeakBytesPerS: 0,
      node: 'v20.19.0',
      platform: 'linux-x64',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:05:00.000Z',
      argv: ['soak', 'run'],
      ...run,
    },
    thresholds: { maxSlopeBytesPerHour: LIMIT, maxGrowthBytes: 50 * MB },
    rss: null,
    workloads: workloads.map((w) => ({
      name: w.name,
      verdict: w.verdict ?? 'pass',
      reason: 'synthetic',
      params: w.params ?? { leak: 'none' },
      opsTotal: 1000,
      errorsTotal: 0,
      respawns: 0,
      heap: heap(w),
      workers: [],
    })),
  };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  return dir;
}

const readCompare = (dir: string): Comparison => JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')) as Comparison;

const flat = (name: string): SynthWorkload => ({ name, slope: 10_000, ci: [30_000, 30_000] });
const leaking = (name: string): SynthWorkload => ({ name, slope: 40 * MB, ci: [2 * MB, 2 * MB], shape: 'growing', verdict: 'leak', params: { leak: 'none' } });

describe('soak compare, end to end on synthetic summaries', () => {
  test('a regression exits 1, names the workload and writes compare.md and compare.json into the candidate run', async () => {
    const root = tempDir();
    const a = writeRun(join(root, 'a'), [flat('cache'), flat('webhook')]);
    const b = writeRun(join(root, 'b'), [leaking('cache'), flat('webhook')]);
    const result = await runCli(['compare', a, b]);
    assert.equal(result.code, 1, explain(result));
    const json = readCompare(b);
    assert.equal(json.schemaVersion, 1);
    assert.equal(json.result, 'regression');
    assert.deepEqual(json.regressions, ['cache']);
    assert.equal(json.workloads.find((w) => w.name === 'webhook')?.status, 'unchanged');
    assert.equal(json.baseline.path, a);
    assert.equal(json.candidate.path, b);
    const md = readFileSync(join(b, 'compare.md'), 'utf8');
    assert.match(md, /^# soak compare: REGRESSION/);
    assert.match(
      md,
      /\| cache \| 9\.77 KB\/h \(-19\.5 KB\/h to 39\.1 KB\/h\) \| 40 MB\/h \(38 MB\/h to 42 MB\/h\) \| \+40\.0 MB\/h \(\+38\.0 MB\/h to \+42\.0 MB\/h\) \| \+11\.6 B .*\*\*REGRESSION\*\* \|/,
    );
    assert.match(md, /near-zero baseline would flag that noise/, 'the rule paragraph');
    assert.match(result.stderr, /REGRESSION\s+cache\s+slope \+40\.0 MB\/h/);
    assert.match(result.stderr, /UNCHANGED\s+webhook/);
    assert.match(result.stderr, /soak compare: REGRESSION in cache/);
    assert.equal(existsSync(join(a, 'compare.json')), false, 'nothing written into the baseline');
  });

  test('no regression exits 0; --json prints compare.json; --quiet prints nothing on stderr; a summary.json path works', async () => {
    const root = tempDir();
    const a = writeRun(join(root, 'a'), [flat('cache')]);
    const b = writeRun(join(root, 'b'), [flat('cache')]);
    const result = await runCli(['compare', join(a, 'summary.json'), join(b, 'summary.json'), '--json', '--quiet']);
    assert.equal(result.code, 0, explain(result));
    assert.equal(result.stderr, '');
    const printed = JSON.parse(result.stdout) as Comparison;
    assert.deepEqual(printed, readCompare(b));
    assert.equal(printed.result, 'unchanged');
    assert.deepEqual(printed.warnings, []);
    assert.match(readFileSync(join(b, 'compare.md'), 'utf8'), /None: the runs' settings/);
  });

  test('with GITHUB_STEP_SUMMARY set, compare.md is appended to the job summary', async () => {
    const root = tempDir();
    const a = writeRun(join(root, 'a'), [flat('cache')]);
    const b = writeRun(join(root, 'b'), [leaking('cache')]);
    const stepSummary = join(root, 'step-summary.md');
    writeFileSync(stepSummary, '## soak short\n');
    const result = await runCli(['compare', a, b, '--quiet'], undefined, undefined, { ...process.env, GITHUB_STEP_SUMMARY: stepSummary });
    assert.equal(result.code, 1, explain(result));
    const appended = readFileSync(stepSummary, 'utf8');
    assert.ok(appended.startsWith('## soak short\n'), 'earlier steps kept');
    assert.ok(appended.includes(readFileSync(join(b, 'compare.md'), 'utf8').trimEnd()), 'compare.md appended');
  });

  test('inconclusive exits 0 with a warning, 4 with --strict; a regression with --strict still exits 1', async () => {
    const root = tempDir();
    const a = writeRun(join(root, 'a'), [flat('cache')]);
    const b = writeRun(join(root, 'b'), [{ name: 'cache', slope: 2 * MB, ci: [0.5 * MB, 0.5 * MB], shape: 'warming', verdict: 'inconclusive' }]);
    const plain = await runCli(['compare', a, b]);
    assert.equal(plain.code, 0, explain(plain));
    assert.match(plain.stderr, /INCONCLUSIVE\s+cache/);
    assert.match(plain.stderr, /--strict makes this fail/);
    const strict = await runCli(['compare', a, b, '--strict', '--quiet']);
    assert.equal(strict.code, 4, explain(strict));
    assert.equal(readCompare(b).result, 'inconclusive');
    const c = writeRun(join(root, 'c'), [leaking('cache')]);
    const regression = await runCli(['compare', a, c, '--strict', '--quiet']);
    assert.equal(regression.code, 1, explain(regression));
  });

  test('a workload in one run only: listed, no regression, exit 4 with --strict', async () => {
    const root = tempDir();
    const a = writeRun(join(root, 'a'), [flat('cache')]);
    const b = writeRun(join(root, 'b'), [flat('cache'), leaking('webhook')]);
    const result = await runCli(['compare', a, b, '--strict']);
    assert.equal(result.code, 4, explain(result));
    const json = readCompare(b);
    assert.equal(json.workloads.find((w) => w.name === 'webhook')?.status, 'only-in-candidate');
    assert.deepEqual(json.regressions, []);
    assert.match(readFileSync(join(b, 'compare.md'), 'utf8'), /\| webhook \| .* \| only in candidate \|/);
  });

  test('settings that differ are listed as warnings', async () => {
    const root = tempDir();
    const a = writeRun(join(root, 'a'), [flat('cache')]);
    const b = writeRun(join(root, 'b'), [{ ...flat('cache'), params: { leak: 'side-index' } }], { threads: 1, node: 'v22.1.0', durationS: 120 });
    const result = await runCli(['compare', a, b, '--quiet']);
    assert.equal(result.code, 0, explain(result));
    const json = readCompare(b);
    assert.deepEqual(json.warnings.map((w) => w.setting).sort(), ['durationS', 'node', 'params.cache', 'threads']);
    const md = readFileSync(join(b, 'compare.md'), 'utf8');
    assert.match(md, /- threads per workload differs: 2 in the baseline, 1 in the candidate/);
    assert.match(md, /- cache parameters differ: leak none in the baseline, side-index in the candidate/);
    assert.match(md, /- duration differs: 5m in the baseline, 2m in the candidate/);
  });

  test('--out writes elsewhere, and refuses (exit 2) a directory that already holds compare.json', async () => {
    const root = tempDir();
    const a = writeRun(join(root, 'a'), [flat('cache')]);
    const b = writeRun(join(root, 'b'), [leaking('cache')]);
    const out = join(root, 'out', 'nested');
    const first = await runCli(['compare', a, b, '--out', out, '--quiet']);
    assert.equal(first.code, 1, explain(first));
    assert.equal(readCompare(out).result, 'regression');
    assert.equal(existsSync(join(b, 'compare.json')), false, 'the candidate run is left alone with --out');
    const before = readFileSync(join(out, 'compare.json'), 'utf8');
    const again = await runCli(['compare', a, b, '--out', out]);
    assert.equal(again.code, 2, explain(again));
    assert.equal(again.stderr, `soak compare: --out: '${out}' already holds a comparison (compare.json); choose another directory or remove it\n`);
    assert.equal(readFileSync(join(out, 'compare.json'), 'utf8'), before, 'not overwritten');
  });

  test('bad input: one line on stderr naming the argument, exit 2, nothing written', async () => {
    const root = tempDir();
    const good = writeRun(join(root, 'good'), [flat('cache')]);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const notJson = join(root, 'not-json');
    mkdirSync(notJson);
    writeFileSync(join(notJson, 'summary.json'), '{ "schemaVersion": 1, "verdi');
    const v2 = writeRun(join(root, 'v2'), [flat('cache')]);
    writeFileSync(join(v2, 'summary.json'), readFileSync(join(v2, 'summary.json'), 'utf8').replace('"schemaVersion": 1', '"schemaVersion": 2'));
    const cases: [string[], RegExp][] = [
      [[join(root, 'nope'), good], /^soak compare: no baseline run at '.*nope'; give a run directory or its summary\.json\n$/],
      [[good, join(root, 'nope')], /^soak compare: no candidate run at '.*nope'/],
      [[good, empty], /^soak compare: the candidate '.*empty' holds no summary\.json; give a run directory written by soak/],
      [[notJson, good], /^soak compare: cannot read the baseline summary '.*not-json\/summary\.json' \(.*JSON.*\); give a summary\.json written by soak/],
      [[good, v2], /^soak compare: cannot read the candidate summary '.*v2\/summary\.json' \(schemaVersion is 2, this soak reads version 1\)/],
    ];
    for (const [args, expected] of cases) {
      const result = await runCli(['compare', ...args]);
      assert.equal(result.code, 2, explain(result));
      assert.match(result.stderr, expected);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\bat .*\.js:\d+/, 'no stack trace');
    }
    for (const dir of [good, empty, notJson, v2]) assert.equal(existsSync(join(dir, 'compare.json')), false, `nothing written in ${dir}`);
    const missingArg = await runCli(['compare', good]);
    assert.equal(missingArg.code, 2, explain(missingArg));
    assert.equal(missingArg.stderr.trim().split('\n').length, 1, missingArg.stderr);
  });
});

// ---------------------------------------------------------------------------------------------------
// One real comparison

describe('soak compare on real runs', () => {
  let clean = '';
  let leak = '';
  before(async () => {
    const root = tempDir();
    clean = join(root, 'a');
    leak = join(root, 'b');
    const common = ['run', '--workload', 'cache', '--threads', '1', '--duration', '40s', '--quiet'];
    // Side by side: two single-worker runs on two cores, to keep the test to one run's time.
    const [a, b] = await Promise.all([runCli([...common, '--out', clean]), runCli([...common, '--param', 'leak=side-index', '--out', leak])]);
    assert.ok(a.code === 0 || a.code === 1, explain(a, clean));
    assert.equal(b.code, 1, explain(b, leak));
  });

  test('a candidate with the cache leak switched on is a regression of cache (exit 1)', async () => {
    const result = await runCli(['compare', clean, leak]);
    assert.equal(result.code, 1, explain(result));
    const json = readCompare(leak);
    assert.deepEqual(json.regressions, ['cache']);
    assert.equal(json.workloads[0]?.status, 'regression');
    assert.ok((json.workloads[0]?.slope?.difference ?? 0) > 10 * MB, `slope change ${json.workloads[0]?.slope?.difference}`);
    assert.match(result.stderr, /REGRESSION\s+cache/);
    assert.match(readFileSync(join(leak, 'compare.md'), 'utf8'), /cache parameters differ: leak none in the baseline, side-index in the candidate/);
  });

  test('a run compared with itself has no regression (exit 0)', async () => {
    const out = join(tempDir(), 'self');
    const result = await runCli(['compare', clean, clean, '--out', out, '--quiet']);
    assert.equal(result.code, 0, explain(result));
    const json = readCompare(out);
    assert.deepEqual(json.regressions, []);
    assert.notEqual(json.result, 'regression');
    assert.equal(json.workloads[0]?.slope?.difference, 0);
    assert.deepEqual(json.warnings, []);
  });
});
