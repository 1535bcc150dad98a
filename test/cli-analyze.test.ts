/**
 * `soak analyze` and `soak calibrate` through the real CLI: re-analysis of recorded runs (same
 * verdicts and exit codes, derived files rewritten, samples never touched), bad input, and a
 * calibration run (a day of generated samples is analysed in report-html.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Calibration } from '../src/report/calibration.js';
import { explain, fixture, readSummary, runCli, tempDir } from './helpers/cli.js';

const hash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

// The calibration's run, started at once: its 20 s of one worker go on beside the leak run's (the
// machine has two cores), rather than after every test above.
const calibrationOut = join(tempDir(), 'calibration');
mkdirSync(calibrationOut);
const calibrationRun = runCli([
  'calibrate',
  '--workload',
  fixture('clean-plugin.mjs'),
  '--duration',
  '20s',
  '--threads',
  '1',
  '--json',
  '--quiet',
  '--out',
  join(calibrationOut, 'run'),
]);

let leakRun = '';
before(async () => {
  leakRun = join(tempDir(), 'run');
  const result = await runCli([
    'run',
    '--workload',
    fixture('clean-plugin.mjs'),
    '--inject-leak',
    '16KB/s',
    '--duration',
    '20s',
    '--threads',
    '1',
    '--quiet',
    '--out',
    leakRun,
  ]);
  assert.equal(result.code, 1, explain(result, leakRun));
});

test('analyze re-derives the same verdict and exit code, rewrites the summary and leaves the samples alone', async () => {
  const samples = hash(join(leakRun, 'samples.csv'));
  const events = hash(join(leakRun, 'events.csv'));
  const before = readSummary(leakRun);
  const result = await runCli(['analyze', leakRun, '--json']);
  assert.equal(result.code, 1, explain(result, leakRun));
  const after = readSummary(leakRun);
  assert.deepEqual(JSON.parse(result.stdout), after, '--json prints summary.json');
  assert.equal(after.verdict, 'leak');
  assert.equal(typeof after.analyzedAt, 'string');
  assert.deepEqual(after.run, before.run, 'run facts carried over');
  assert.equal(after.workloads[0]?.heap.slopeBytesPerHour, before.workloads[0]?.heap.slopeBytesPerHour, 'the same figures');
  assert.match(readFileSync(join(leakRun, 'summary.md'), 'utf8'), /Re-analysed with soak analyze/);
  assert.equal(hash(join(leakRun, 'samples.csv')), samples, 'samples.csv untouched');
  assert.equal(hash(join(leakRun, 'events.csv')), events, 'events.csv untouched');
});

test('analyze of a samples.csv with --out and other thresholds writes there and leaves the run directory as it was', async () => {
  const summaryBefore = readFileSync(join(leakRun, 'summary.json'), 'utf8');
  const out = join(tempDir(), 'again');
  const result = await runCli(['analyze', join(leakRun, 'samples.csv'), '--out', out, '--max-slope', '1GB/h', '--quiet']);
  assert.equal(result.code, 0, explain(result, out));
  assert.equal(readSummary(out).verdict, 'pass');
  assert.equal(readSummary(out).thresholds.maxSlopeBytesPerHour, 1024 ** 3);
  assert.equal(readFileSync(join(leakRun, 'summary.json'), 'utf8'), summaryBefore);
  assert.equal(existsSync(join(out, 'samples.csv')), false, 'the samples are not copied');
});

async function usageError(args: string[], message: RegExp): Promise<void> {
  const result = await runCli(args);
  assert.equal(result.code, 2, explain(result));
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  assert.match(result.stderr.trimEnd(), message);
}

test('analyze of a path that does not exist', () =>
  usageError(['analyze', join(tempDir(), 'nothing')], /^soak analyze: no run at '.*nothing'; give a run directory or its samples\.csv$/));

test('analyze of a directory without samples.csv', () => usageError(['analyze', tempDir()], /^soak analyze: '.*' holds no samples\.csv/));

test('analyze of a CSV that does not follow the contract names the missing columns', async () => {
  const path = join(tempDir(), 'other.csv');
  writeFileSync(path, 'time,worker,heap\n2026-01-01T00:00:00.000Z,a,1\n');
  await usageError(
    ['analyze', path],
    /^soak analyze: '.*other\.csv' lacks the column\(s\) elapsed_s, segment, phase, workload, ops_total, heap_used_bytes; it must follow/,
  );
});

test('analyze into an --out that already holds a summary refuses and overwrites nothing', async () => {
  const out = tempDir();
  writeFileSync(join(out, 'summary.json'), '{"mine":true}\n');
  await usageError(['analyze', leakRun, '--out', out], /^soak analyze: --out: '.*' already holds a summary; choose another directory or remove it$/);
  assert.equal(readFileSync(join(out, 'summary.json'), 'utf8'), '{"mine":true}\n');
});

test('analyze with a malformed threshold', () =>
  usageError(['analyze', leakRun, '--max-slope', 'fast'], /^soak analyze: --max-slope must be a rate such as 1MB\/h or 2KB\/s \(got 'fast'\)$/));

test('analyze of a run directory whose summary.json is not a soak summary', async () => {
  const dir = tempDir();
  copyFileSync(join(leakRun, 'samples.csv'), join(dir, 'samples.csv'));
  writeFileSync(join(dir, 'summary.json'), 'not json');
  await usageError(['analyze', dir], /^soak analyze: cannot read '.*summary\.json' \(.*\); move it away to analyse the samples on their own$/);
  assert.equal(readFileSync(join(dir, 'summary.json'), 'utf8'), 'not json');
});

test('calibrate runs the workloads clean and reports the noise floor and minimum detectable slope', async () => {
  const result = await calibrationRun;
  assert.equal(result.code, 0, explain(result, join(calibrationOut, 'run')));
  const calibration = JSON.parse(result.stdout) as Calibration;
  assert.deepEqual(calibration, JSON.parse(readFileSync(join(calibrationOut, 'run', 'calibration.json'), 'utf8')));
  assert.equal(calibration.durationS, 20);
  const [w] = calibration.workloads;
  assert.equal(w?.name, 'clean-plugin');
  assert.ok((w?.noiseSdBytes ?? -1) >= 0, 'a noise floor');
  assert.ok((w?.minDetectableSlopeBytesPerHour ?? 0) > 0, 'a minimum detectable slope');
  assert.ok(w?.ci95 !== null && (w?.ci95[0] ?? 1) <= (w?.ci95[1] ?? 0));
  assert.match(readFileSync(join(calibrationOut, 'run', 'calibration.md'), 'utf8'), /^# soak calibrate: 20s at 1s/);
});
