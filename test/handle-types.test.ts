/** Active handles by type: counted in the worker, read back per type, and named when the handles leak. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleTypesText } from '../src/analysis/explain.js';
import { WorkerSeries, type SampleRow } from '../src/analysis/series.js';
import { analyzeWorker } from '../src/analysis/verdict.js';
import { seededRandom } from '../src/random.js';
import { countByType } from '../src/sampling/meter.js';

const MB = 1024 * 1024;

function row(elapsedS: number, resourceTypes: string, heapBytes: number, activeHandles: number): SampleRow {
  return {
    elapsedS,
    segment: 0,
    phase: elapsedS < 10 ? 'warmup' : 'steady',
    workload: 'w',
    worker: 'w#0',
    opsTotal: 1000 * elapsedS,
    errorsTotal: 0,
    heapBytes,
    codeBytes: 0,
    externalBytes: MB,
    arrayBuffersBytes: 0,
    activeHandles,
    resourceTypes,
    rssBytes: 60 * MB,
  };
}

test('countByType: counts by type, most first, ties by name', () => {
  assert.equal(countByType([]), '');
  assert.equal(countByType(['Timeout', 'TCPSocketWrap', 'Timeout', 'FSReqCallback', 'TCPSocketWrap', 'Timeout']), 'Timeout:3 TCPSocketWrap:2 FSReqCallback:1');
  assert.equal(countByType(['b', 'a']), 'a:1 b:1');
});

test('a series keeps one column per handle type, aligned with time: 0 before a type appears and after it goes', () => {
  const s = new WorkerSeries('w', 'w#0');
  s.add(row(1, 'Timeout:2', 8 * MB, 2));
  s.add(row(2, 'Timeout:2 TCPSocketWrap:1', 8 * MB, 3));
  s.add(row(3, 'TCPSocketWrap:4', 8 * MB, 4));
  s.add(row(4, '', 8 * MB, 0));
  const types = s.columns.handleTypes;
  assert.deepEqual([...(types.get('Timeout') ?? [])], [2, 2, 0, 0]);
  assert.deepEqual([...(types.get('TCPSocketWrap') ?? [])], [0, 1, 4, 0]);
  // A look's copy keeps them.
  assert.deepEqual([...(s.until(2.5, false).columns.handleTypes.get('TCPSocketWrap') ?? [])], [0, 1]);
});

test('handleTypesText: per second for fast growth, per hour for slow', () => {
  assert.equal(
    handleTypesText([
      { type: 'Timeout', perHour: 2.1 * 3600 },
      { type: 'TCPSocketWrap', perHour: 12 },
    ]),
    'Timeout handles grow by 2.1/s, TCPSocketWrap by 12.0/h',
  );
});

test('a timer leak on a flat heap: the handles leak, and the reason and figures name Timeout, not the steady socket', () => {
  const random = seededRandom(7, 0, 0);
  const s = new WorkerSeries('w', 'w#0');
  for (let t = 0; t < 120; t++) {
    const timeouts = 3 + Math.floor(2 * t) + (random() < 0.5 ? 1 : 0);
    s.add(row(t, `Timeout:${timeouts} TCPSocketWrap:2`, Math.round(8 * MB + 3000 * (random() - 0.5)), timeouts + 2));
  }
  const a = analyzeWorker(s, { thresholds: { maxSlopeBytesPerHour: MB, maxGrowthBytes: 50 * MB }, warmup: 10, profile: 'short' }, false);
  assert.equal(a.verdict, 'leak', a.reason);
  assert.ok(a.state === 'fitted');
  assert.equal(a.handleTypes.length, 1, JSON.stringify(a.handleTypes));
  assert.equal(a.handleTypes[0]?.type, 'Timeout');
  assert.ok(Math.abs((a.handleTypes[0]?.perHour ?? 0) / 3600 - 2) < 0.1, JSON.stringify(a.handleTypes));
  assert.match(a.reason, /active handles \(timers, sockets\) grow .* \(Timeout handles grow by 2\.0\/s\): something opened is never closed/);
});
