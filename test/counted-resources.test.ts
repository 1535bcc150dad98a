/**
 * What a worker counts besides bytes: active handles by type and event listeners by emitter and event,
 * counted in the worker, read back per key, and named when they leak.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { countTypesText } from '../src/analysis/explain.js';
import { WorkerSeries, type SampleRow } from '../src/analysis/series.js';
import { analyzeWorker } from '../src/analysis/verdict.js';
import { seededRandom } from '../src/random.js';
import { countListeners } from '../src/sampling/listeners.js';
import { countByType } from '../src/sampling/meter.js';

const MB = 1024 * 1024;

function row(elapsedS: number, resourceTypes: string, heapBytes: number, activeHandles: number, listenerCounts = ''): SampleRow {
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
    activeHandles,
    resourceTypes,
    listenerCounts,
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

test('a count that climbs (a new text every row) and one that flips between two texts are kept row for row, with their totals', () => {
  const s = new WorkerSeries('w', 'w#0');
  const expected = { Timeout: [] as number[], FSReqCallback: [] as number[], total: [] as number[] };
  for (let i = 0; i < 300; i++) {
    // 300 distinct texts, more than the parsed ones kept, with an FSReqCallback that comes and goes.
    const timeouts = 1 + i;
    const fs = i % 3 === 0 ? 1 : 0;
    const text = fs > 0 ? `Timeout:${timeouts} FSReqCallback:1` : `Timeout:${timeouts}`;
    s.add(row(i, text, 8 * MB, timeouts + fs, text));
    expected.Timeout.push(timeouts);
    expected.FSReqCallback.push(fs);
    expected.total.push(timeouts + fs);
  }
  for (let i = 300; i < 400; i++) {
    const text = i % 2 === 0 ? 'Timeout:2' : 'Timeout:2 FSReqCallback:1';
    s.add(row(i, text, 8 * MB, 2, text));
    expected.Timeout.push(2);
    expected.FSReqCallback.push(i % 2);
    expected.total.push(2 + (i % 2));
  }
  const types = s.columns.handleTypes;
  assert.deepEqual([...types.keys()], ['Timeout', 'FSReqCallback']);
  assert.deepEqual([...(types.get('Timeout') ?? [])], expected.Timeout);
  assert.deepEqual([...(types.get('FSReqCallback') ?? [])], expected.FSReqCallback);
  // The same texts as listener counts: their total per row.
  assert.deepEqual([...s.columns.listeners], expected.total);
  // A row added after the columns were read shows in them the next time.
  s.add(row(400, '', 8 * MB, 0));
  assert.deepEqual([...(s.columns.handleTypes.get('Timeout') ?? [])].slice(-2), [2, 0]);
  assert.equal(s.columns.t.length, 401);
});

test('countTypesText: per second for fast growth, per hour for slow', () => {
  assert.equal(
    countTypesText(
      [
        { type: 'Timeout', perHour: 2.1 * 3600 },
        { type: 'TCPSocketWrap', perHour: 12 },
      ],
      'handles',
    ),
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

test('countListeners: per name and event, most first; a family of emitters summed; an AbortSignal by its abort listeners; anything else skipped', () => {
  const lifecycle = new EventEmitter();
  for (let i = 0; i < 3; i++) lifecycle.on('shutdown', () => {});
  lifecycle.once('drain', () => {});
  const breakers = [new EventEmitter(), new EventEmitter()];
  breakers[0]?.on('state', () => {});
  breakers[1]?.on('state', () => {});
  breakers[1]?.on('state', () => {});
  breakers[1]?.on('open call', () => {});
  const controller = new AbortController();
  controller.signal.addEventListener('abort', () => {});
  const quiet = new EventEmitter();
  quiet.on('x', () => {}).removeAllListeners('x');
  const entries: [string, never][] = [
    ['lifecycle', lifecycle as never],
    ['breakers', breakers as never],
    ['signal', controller.signal as never],
    ['quiet', quiet as never],
    ['not:an emitter', {} as never],
  ];
  assert.equal(countListeners(entries), 'breakers.state:3 lifecycle.shutdown:3 breakers.open_call:1 lifecycle.drain:1 signal.abort:1');
  assert.equal(countListeners([]), '');
  // A once listener that ran is gone.
  lifecycle.emit('drain');
  assert.doesNotMatch(countListeners([['lifecycle', lifecycle]]), /drain/);
  // Counts present before (Node's own on a worker's process) are left out; only what was added shows.
  const present = new Map([
    ['lifecycle.shutdown', 3],
    ['lifecycle.gone', 2],
  ]);
  assert.equal(countListeners([['lifecycle', lifecycle]], present), '');
  lifecycle.on('shutdown', () => {});
  assert.equal(countListeners([['lifecycle', lifecycle]], present), 'lifecycle.shutdown:1');
});

test('listener counts read back per emitter and event, with their total', () => {
  const s = new WorkerSeries('w', 'w#0');
  s.add(row(1, '', 8 * MB, 0, 'lifecycle.shutdown:2 process.exit:1'));
  s.add(row(2, '', 8 * MB, 0, 'lifecycle.shutdown:5'));
  s.add(row(3, '', 8 * MB, 0));
  const c = s.columns;
  assert.deepEqual([...c.listeners], [3, 5, 0]);
  assert.deepEqual([...(c.listenerTypes.get('lifecycle.shutdown') ?? [])], [2, 5, 0]);
  assert.deepEqual([...(c.listenerTypes.get('process.exit') ?? [])], [1, 0, 0]);
  assert.deepEqual([...s.until(2.5, false).columns.listeners], [3, 5]);
});

const settings = { thresholds: { maxSlopeBytesPerHour: MB, maxGrowthBytes: 50 * MB }, warmup: 10, profile: 'short' } as const;

test('a listener leak on a flat heap: the listeners leak, and the reason names the emitter and event that grow, not the steady one', () => {
  const random = seededRandom(11, 0, 0);
  const s = new WorkerSeries('w', 'w#0');
  for (let t = 0; t < 120; t++) {
    const shutdown = 10 + 3 * t + (random() < 0.5 ? 1 : 0);
    s.add(row(t, 'MessagePort:2', Math.round(8 * MB + 3000 * (random() - 0.5)), 2, `lifecycle.shutdown:${shutdown} process.exit:1`));
  }
  const a = analyzeWorker(s, settings, false);
  assert.equal(a.verdict, 'leak', a.reason);
  assert.ok(a.state === 'fitted');
  assert.equal(a.heap.verdict, 'pass', 'the heap alone would pass');
  assert.deepEqual(
    a.listenerTypes.map((t) => t.type),
    ['lifecycle.shutdown'],
  );
  assert.ok(Math.abs((a.listenerTypes[0]?.perHour ?? 0) / 3600 - 3) < 0.1, JSON.stringify(a.listenerTypes));
  assert.match(a.reason, /event listeners grow .* \(lifecycle\.shutdown listeners grow by 3\.0\/s\): a listener added is never removed/);
});

test('listener counts that swing without a trend neither make a leak nor hold a pass back', () => {
  const random = seededRandom(12, 0, 0);
  const s = new WorkerSeries('w', 'w#0');
  for (let t = 0; t < 120; t++) {
    s.add(row(t, '', Math.round(8 * MB + 3000 * (random() - 0.5)), 0, `requests.abort:${Math.floor(random() * 60)} process.exit:1`));
  }
  const a = analyzeWorker(s, settings, false);
  assert.equal(a.verdict, 'pass', a.reason);
  assert.ok(a.state === 'fitted');
  // This seed's swing leaves the listeners' trend unresolved; it does not make the worker inconclusive.
  assert.equal(a.listeners.verdict, 'inconclusive');
  assert.deepEqual(a.listenerTypes, []);
});
