import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { autoWarmupS, defaultMaxGrowthBytes, defaults, profileFor, validateOptions, warmupSeconds, type SoakOptions } from '../src/options.js';

const valid: SoakOptions = { ...defaults, workloads: ['cache'], outDir: '/tmp/x', seed: 1 };

function rejects(patch: Partial<SoakOptions>, message: RegExp): void {
  assert.throws(
    () => validateOptions({ ...valid, ...patch }),
    (err: unknown) => err instanceof UsageError && message.test(err.message),
  );
}

test('the defaults with a workload and an out dir are valid', () => {
  assert.doesNotThrow(() => validateOptions(valid));
});

test('options.workloads must be a non-empty list', () => rejects({ workloads: [] }, /^options\.workloads must be a non-empty list/));
test('options.durationS must be a positive number', () => rejects({ durationS: 0 }, /^options\.durationS must be a positive number \(got 0\)$/));
test('options.intervalS must be a positive number', () => rejects({ intervalS: -1 }, /^options\.intervalS must be a positive number/));
test('options.intervalS must be at least 100ms', () => rejects({ intervalS: 0.05 }, /^options\.intervalS must be at least 100ms/));
test('options.intervalS must leave several samples in the duration', () =>
  rejects({ durationS: 10, intervalS: 5 }, /^options\.intervalS must be at most a third of the duration/));
test('options.warmup must be shorter than the duration', () => rejects({ durationS: 60, warmup: 60 }, /^options\.warmup must be 'auto' or a duration shorter/));
test('options.threads must be a positive integer', () => rejects({ threads: 0 }, /^options\.threads must be a positive integer \(got 0\)$/));
test('options.threads must be an integer', () => rejects({ threads: 1.5 }, /^options\.threads must be a positive integer/));
test('options.concurrency must be a positive integer', () => rejects({ concurrency: 0 }, /^options\.concurrency must be a positive integer/));
test('options.seed must be a non-negative integer', () => rejects({ seed: -1 }, /^options\.seed must be a non-negative integer/));
test('options.sliceMs must be a positive integer', () => rejects({ sliceMs: 0 }, /^options\.sliceMs must be a positive integer/));
test('options.maxSlopeBytesPerHour must be a positive number', () =>
  rejects({ maxSlopeBytesPerHour: 0 }, /^options\.maxSlopeBytesPerHour must be a positive number/));
test('options.maxGrowthBytes must be a positive number', () => rejects({ maxGrowthBytes: Number.NaN }, /^options\.maxGrowthBytes must be a positive number/));
test('options.maxHeapPerWorkerBytes must be a size of at least 16MB', () =>
  rejects({ maxHeapPerWorkerBytes: 8 * 2 ** 20 }, /^options\.maxHeapPerWorkerBytes must be a size of at least 16MB \(got 8388608\)$/));
test('options.injectLeakBytesPerS must be a non-negative rate', () =>
  rejects({ injectLeakBytesPerS: -5 }, /^options\.injectLeakBytesPerS must be a non-negative rate/));
test('options.reportEveryS must be at least the sample interval', () =>
  rejects({ intervalS: 10, reportEveryS: 5 }, /^options\.reportEveryS must be a duration of at least the sample interval \(10s\) \(got 5\)$/));
test('options.stuckAfterS must be at least ten time slices and a second', () =>
  rejects({ stuckAfterS: 0.5 }, /^options\.stuckAfterS must be a duration of at least 1s \(got 0\.5\)$/));
test('options.outDir must be a directory path', () => rejects({ outDir: '' }, /^options\.outDir must be a directory path/));

test('messages name the flag when the CLI maps option names', () => {
  assert.throws(() => validateOptions({ ...valid, threads: 0 }, { threads: '--threads' }), /^UsageError: --threads must be a positive integer/);
});

test('the recorded auto warm-up is a tenth of the run, at most five minutes; a fixed warm-up overrides it', () => {
  assert.equal(autoWarmupS(120), 12);
  assert.equal(autoWarmupS(86400), 300);
  assert.equal(warmupSeconds({ warmup: 'auto', durationS: 40 }), 4);
  assert.equal(warmupSeconds({ warmup: 5, durationS: 40 }), 5);
});

test('runs of an hour or more get the long profile and a 100 MB growth limit; shorter runs 50 MB', () => {
  assert.equal(profileFor(3599), 'short');
  assert.equal(profileFor(3600), 'long');
  assert.equal(defaultMaxGrowthBytes(120), 50 * 1024 * 1024);
  assert.equal(defaultMaxGrowthBytes(86400), 100 * 1024 * 1024);
});

const deciding: SoakOptions = { ...valid, durationS: 300, looks: { firstS: 60, everyS: 20 } };
function rejectsLooks(patch: Partial<SoakOptions>, message: RegExp): void {
  assert.throws(
    () => validateOptions({ ...deciding, ...patch }),
    (err: unknown) => err instanceof UsageError && message.test(err.message),
  );
}

test('looks from a minute every 20 s within 5 minutes are valid', () => assert.doesNotThrow(() => validateOptions(deciding)));
test('options.durationS must leave room for looks after the warm-up', () =>
  rejectsLooks({ durationS: 40, looks: { firstS: 30, everyS: 10 } }, /^options\.durationS must be at least twice the warm-up plus 20 samples \(48s here\)/));
test('options.looks.firstS must come after the warm-up and 20 samples', () =>
  rejectsLooks({ looks: { firstS: 40, everyS: 20 } }, /^options\.looks\.firstS must be at least the warm-up plus 20 samples \(50s here\) \(got 40\)$/));
test('options.looks.firstS must be before the budget', () =>
  rejectsLooks({ looks: { firstS: 300, everyS: 20 } }, /^options\.looks\.firstS must be shorter than options\.durationS \(300s\)/));
test('options.looks.everyS must be at least 5 sample intervals', () =>
  rejectsLooks({ looks: { firstS: 60, everyS: 2 } }, /^options\.looks\.everyS must be at least 5 sample intervals \(5s here\) \(got 2\)$/));
