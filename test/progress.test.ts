/**
 * Progress on stderr: the bounded live trend (synthetic samples), the line formatting (pure
 * functions), the live block and per-minute lines against a stand-in Soak, and the real CLI under a
 * pseudo-terminal (util-linux `script`) and with piped output (--json, --quiet).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { PoolSample } from '../src/controller/workload-pool.js';
import type { Soak } from '../src/commands/run.js';
import { defaults, type SoakOptions } from '../src/options.js';
import { seededRandom } from '../src/random.js';
import { LiveTrend, MAX_FIT_POINTS, type LiveSample, type WorkloadStatus } from '../src/analysis/live-trend.js';
import {
  attachProgress,
  clearBlock,
  fitWidth,
  formatClock,
  formatOps,
  formatSlope,
  liveBlock,
  plainLine,
  redrawBlock,
  type Clock,
} from '../src/cli/progress.js';
import { explain, repoRoot, runCli, tempDir, type CliResult } from './helpers/cli.js';

const MB = 1024 * 1024;
const T0 = Date.UTC(2026, 0, 1);
const ESC = '\u001b[';

interface Series {
  readonly workload?: string;
  readonly worker?: string;
  readonly segment?: number;
  /** Seconds from T0. */
  readonly atS: number;
  readonly heap: number;
  readonly ops?: number;
  readonly cooldown?: boolean;
}

function sample({ workload = 'cache', worker = 'cache#0', segment = 0, atS, heap, ops = 0, cooldown = false }: Series): LiveSample {
  // The judged heap is heapUsed − codeBytes: give code bytes that move, so a fit on heapUsed alone would be wrong.
  const codeBytes = 2 * MB + (Math.floor(atS) % 7) * 50_000;
  return { workload, worker, segment, cooldown, sample: { timeMs: T0 + atS * 1000, heapUsed: heap + codeBytes, codeBytes, opsTotal: ops } };
}

/** Heap noise of a few KB, as measured after a forced GC (design.md: sd ~3.5 KB). */
function noise(seed: number): () => number {
  const random = seededRandom(seed);
  return () => (random() + random() + random() - 1.5) * 7000;
}

describe('live trend', () => {
  test('a known linear leak gives its slope and a provisional leak', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    const jitter = noise(1);
    const slope = 2048; // bytes per second: 7.2 MB/h, above the 1 MB/h limit
    for (let i = 0; i < 180; i++) live.add(sample({ atS: i, heap: 20 * MB + slope * i + jitter(), ops: 1000 * i }));
    live.fit();
    const [status] = live.status();
    const trend = status?.trend;
    assert.ok(trend !== undefined);
    assert.ok(Math.abs(trend.slopeBytesPerHour / 3600 - slope) < slope * 0.05, `slope ${trend.slopeBytesPerHour / 3600} B/s`);
    assert.ok(trend.lowBytesPerHour < trend.slopeBytesPerHour && trend.slopeBytesPerHour < trend.highBytesPerHour);
    assert.equal(trend.verdict, 'leak');
    assert.ok(Math.abs((status?.opsPerS ?? 0) - 1000) < 1, `ops/s ${status?.opsPerS}`);
  });

  test('heap growth that keeps pace with compiled code is JIT warm-up, not a provisional leak (short runs only)', () => {
    const warming = (judgeWarming: boolean): string | undefined => {
      const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB, judgeWarming });
      const jitter = noise(4);
      for (let i = 0; i < 120; i++) {
        // 2 MB/h of heap while V8's code and bytecode grow 3 MB/h: what clean workloads show in their first minutes on 2 cores.
        const codeBytes = 2 * MB + (3 * MB * i) / 3600 + jitter() / 10;
        const heap = 10 * MB + (2 * MB * i) / 3600 + jitter() / 10;
        live.add({
          workload: 'cache',
          worker: 'cache#0',
          segment: 0,
          cooldown: false,
          sample: { timeMs: T0 + i * 1000, heapUsed: heap + codeBytes, codeBytes, opsTotal: i },
        });
      }
      live.fit();
      return live.status()[0]?.trend?.verdict;
    };
    assert.equal(warming(true), 'warming');
    assert.equal(warming(false), 'leak', 'a long run judges the heap alone');
  });

  test('a flat series is undecided at first and passes once long enough', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    const jitter = noise(2);
    for (let i = 0; i < 6; i++) live.add(sample({ atS: i, heap: 30 * MB + jitter() }));
    live.fit();
    assert.equal(live.status()[0]?.trend?.verdict, 'undecided', 'six seconds cannot bound a slope to 1 MB/h');
    for (let i = 6; i < 240; i++) live.add(sample({ atS: i, heap: 30 * MB + jitter() }));
    live.fit();
    const trend = live.status()[0]?.trend;
    assert.equal(trend?.verdict, 'pass', JSON.stringify(trend));
    assert.ok(Math.abs(trend.slopeBytesPerHour) < 0.2 * MB, `slope ${trend.slopeBytesPerHour} B/h`);
  });

  test('no verdict before enough points, and warm-up and cooldown samples are left out', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB, steadyFromMs: T0 + 60_000 });
    live.addWorkload('cache');
    live.fit();
    assert.deepEqual(live.status(), [{ name: 'cache', opsPerS: undefined, respawns: 0, points: 0, trend: undefined }]);
    const jitter = noise(3);
    // Warm-up: a steep climb (caches filling) that must not count.
    for (let i = 0; i < 60; i++) live.add(sample({ atS: i, heap: 10 * MB + 100_000 * i }));
    for (let i = 60; i < 64; i++) live.add(sample({ atS: i, heap: 16 * MB + jitter() }));
    live.fit();
    assert.equal(live.status()[0]?.points, 4);
    assert.equal(live.status()[0]?.trend, undefined, 'four points: no verdict yet');
    for (let i = 64; i < 300; i++) live.add(sample({ atS: i, heap: 16 * MB + jitter() }));
    // Cooldown: after teardown the heap drops; not part of the trend either.
    for (let i = 300; i < 310; i++) live.add(sample({ atS: i, heap: 1 * MB, cooldown: true }));
    live.fit();
    const [status] = live.status();
    assert.equal(status?.points, 240);
    assert.equal(status?.trend?.verdict, 'pass', JSON.stringify(status?.trend));
  });

  test('a respawned worker starts a new group, and its counter restarting at 0 keeps ops/s right', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    const jitter = noise(4);
    const slope = 1024; // 3.6 MB/h
    for (let i = 0; i < 100; i++) live.add(sample({ atS: i, heap: 40 * MB + slope * i + jitter(), ops: 500 * i }));
    live.fit();
    assert.equal(live.status()[0]?.respawns, 0);
    // The new life starts 30 MB lower, and its counter from 0: neither is a negative slope or a negative rate.
    for (let i = 100; i < 200; i++) {
      live.add(sample({ segment: 1, atS: i, heap: 10 * MB + slope * (i - 100) + jitter(), ops: 500 * (i - 100) }));
      const ops = live.status()[0]?.opsPerS ?? NaN;
      assert.ok(ops > 400 && ops <= 500, `ops/s ${ops} at ${i} s`);
    }
    live.fit();
    const [status] = live.status();
    assert.equal(status?.respawns, 1);
    assert.equal(live.held()[0]?.groups, 2);
    const trend = status?.trend;
    assert.ok(trend !== undefined && Math.abs(trend.slopeBytesPerHour / 3600 - slope) < slope * 0.1, JSON.stringify(trend));
    assert.equal(trend.verdict, 'leak');
  });

  test('ops/s is over the last ten seconds', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    let ops = 0;
    for (let i = 0; i <= 60; i++) live.add(sample({ atS: i, heap: MB, ops: (ops += 1000) }));
    for (let i = 61; i <= 80; i++) live.add(sample({ atS: i, heap: MB, ops: (ops += 5000) }));
    assert.equal(live.status()[0]?.opsPerS, 5000);
  });

  test('workers of one workload add their ops/s and pool their slopes; workloads stay apart', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    const jitter = noise(5);
    for (let i = 0; i < 120; i++) {
      for (const worker of ['cache#0', 'cache#1']) live.add(sample({ worker, atS: i, heap: 5 * MB + 4096 * i + jitter(), ops: 100 * i }));
      live.add(sample({ workload: 'webhook', worker: 'webhook#0', atS: i, heap: 9 * MB + jitter(), ops: 7 * i }));
    }
    live.fit();
    const [cache, webhook] = live.status();
    assert.equal(cache?.name, 'cache');
    assert.equal(cache?.opsPerS, 200);
    assert.equal(cache?.trend?.verdict, 'leak');
    assert.equal(webhook?.name, 'webhook');
    assert.equal(webhook?.opsPerS, 7);
    assert.equal(webhook?.trend?.verdict, 'pass');
  });

  test('memory stays bounded after 100 000 samples per worker, and the decimated points still give the slope', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    const jitter = noise(6);
    const slope = 0.5; // 1.8 KB/h: a pass over 28 hours
    for (let i = 0; i < 100_000; i++) {
      for (const worker of ['cache#0', 'cache#1']) live.add(sample({ worker, atS: i, heap: 50 * MB + slope * i + jitter(), ops: 10 * i }));
    }
    const [held] = live.held();
    assert.ok(held !== undefined);
    assert.ok(held.points <= 2 * 1024 && held.points >= 2 * 512, `${held.points} points`);
    assert.equal(held.stride, 128);
    assert.ok(held.opsReadings <= 2 * 64, `${held.opsReadings} counter readings`);
    live.fit();
    const trend = live.status()[0]?.trend;
    assert.ok(trend !== undefined);
    assert.ok(trend.spanS > 2 * 99_000, `the kept points span the whole run: ${trend.spanS} s`);
    assert.ok(Math.abs(trend.slopeBytesPerHour / 3600 - slope) < 0.1, `slope ${trend.slopeBytesPerHour / 3600} B/s`);
    assert.equal(trend.verdict, 'pass');
  });

  test('a worker that dies all day keeps a bounded number of lives', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    for (let i = 0; i < 100_000; i++) live.add(sample({ segment: Math.floor(i / 10), atS: i, heap: 8 * MB + 100 * (i % 10), ops: i % 10 }));
    const [held] = live.held();
    assert.ok(held !== undefined);
    assert.ok(held.groups <= 32, `${held.groups} groups`);
    assert.ok(held.points <= 1024, `${held.points} points`);
    assert.equal(live.status()[0]?.respawns, 9999);
    live.fit();
    assert.ok((live.status()[0]?.trend?.slopeBytesPerHour ?? 0) > 0, 'each life grows: the fit sees within-life slopes only');
  });

  test('a fit with many workers is thinned to a bounded number of points', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB });
    for (let i = 0; i < 1024; i++) {
      for (let w = 0; w < 16; w++) live.add(sample({ worker: `cache#${w}`, atS: i, heap: 5 * MB + ((i * 7919 + w * 104_729) % 4000) }));
    }
    live.fit();
    const points = live.status()[0]?.trend?.points ?? Infinity;
    assert.ok(points <= MAX_FIT_POINTS, `${points} points in the fit`);
  });

  test('fitIfDue refits only when there are new points and the last fit is old enough', () => {
    const live = new LiveTrend({ maxSlopeBytesPerHour: 1 * MB, fitEveryS: 5 });
    for (let i = 0; i < 4; i++) live.add(sample({ atS: i, heap: 5 * MB + 1000 * i }));
    live.fit(T0);
    live.add(sample({ atS: 4, heap: 5 * MB + 4000 }));
    assert.equal(live.fitIfDue(T0 + 1), true, 'a fit of too few points does not hold back the first real one');
    assert.ok(live.status()[0]?.trend !== undefined);
    for (let i = 5; i < 20; i++) live.add(sample({ atS: i, heap: 5 * MB + 1000 * i }));
    assert.equal(live.fitIfDue(T0 + 1_000), false, 'too soon');
    assert.equal(live.status()[0]?.trend?.points, 5, 'the last fit stands');
    assert.equal(live.fitIfDue(T0 + 5_001), true);
    assert.equal(live.status()[0]?.trend?.points, 20);
    assert.equal(live.fitIfDue(T0 + 20_000), false, 'nothing new');
  });
});

const cacheStatus: WorkloadStatus = {
  name: 'cache',
  opsPerS: 42_100,
  respawns: 0,
  points: 60,
  trend: { slopeBytesPerHour: 1.2 * MB, lowBytesPerHour: -0.3 * MB, highBytesPerHour: 2.7 * MB, points: 60, spanS: 59, verdict: 'pass' },
};
const steadyClock: Clock = { elapsedS: 65, durationS: 120, phase: 'steady', warmupS: 12 };

describe('line formatting', () => {
  test('slopes, rates and clocks', () => {
    assert.equal(formatSlope({ slopeBytesPerHour: 1.2 * MB, lowBytesPerHour: -0.3 * MB, highBytesPerHour: 2.7 * MB }), '+1.2 MB/h (-0.3 to +2.7)');
    assert.equal(formatSlope({ slopeBytesPerHour: -27 * MB, lowBytesPerHour: -75.4 * MB, highBytesPerHour: 3.9 * MB }), '-27 MB/h (-75 to +3.9)');
    assert.equal(formatSlope({ slopeBytesPerHour: 300, lowBytesPerHour: -Infinity, highBytesPerHour: Infinity }), '+300 B/h (? to ?)');
    assert.equal(formatSlope({ slopeBytesPerHour: 0, lowBytesPerHour: -2048, highBytesPerHour: 512 }), '0.0 KB/h (-2.0 to +0.5)');
    assert.equal(formatSlope({ slopeBytesPerHour: 102 * MB, lowBytesPerHour: 0.4 * MB, highBytesPerHour: 1.4 * 1024 * MB }), '+102 MB/h (+0.4 to +1.4 GB)');
    assert.equal(formatSlope({ slopeBytesPerHour: 300, lowBytesPerHour: -200 * 1024, highBytesPerHour: 900 }), '+300 B/h (-200 KB to +900)');
    assert.equal(formatOps(42_100), '42.1K ops/s');
    assert.equal(formatOps(999), '999 ops/s');
    assert.equal(formatOps(7.25), '7.25 ops/s');
    assert.equal(formatOps(1_500_000), '1.50M ops/s');
    assert.equal(formatOps(undefined), '- ops/s');
    assert.equal(formatClock(9.9), '9s');
    assert.equal(formatClock(65), '1m05s');
    assert.equal(formatClock(7380), '2h03m');
  });

  test('the terminal block: one aligned line per workload, less detail on a narrow terminal', () => {
    const webhook: WorkloadStatus = {
      name: 'webhook',
      opsPerS: 812,
      respawns: 2,
      points: 40,
      trend: { slopeBytesPerHour: 9.5 * MB, lowBytesPerHour: 1.1 * MB, highBytesPerHour: 20 * MB, points: 40, spanS: 40, verdict: 'leak' },
    };
    const wide = [
      'cache    1m05s / 2m (55s left)  42.1K ops/s  heap +1.2 MB/h (-0.3 to +2.7)  provisional: pass',
      'webhook  1m05s / 2m (55s left)  812 ops/s    heap +9.5 MB/h (+1.1 to +20)   provisional: leak  2 respawns',
    ];
    assert.deepEqual(liveBlock([cacheStatus, webhook], steadyClock, 200), wide);
    assert.deepEqual(liveBlock([cacheStatus, webhook], steadyClock, wide[1]!.length + 1), wide, 'exactly fits');
    assert.deepEqual(liveBlock([cacheStatus, webhook], steadyClock, 100), [
      'cache    1m05s / 2m  42.1K ops/s  heap +1.2 MB/h (-0.3 to +2.7)  provisional: pass',
      'webhook  1m05s / 2m  812 ops/s    heap +9.5 MB/h (+1.1 to +20)   provisional: leak  2 respawns',
    ]);
    assert.deepEqual(liveBlock([cacheStatus, webhook], steadyClock, 80), [
      'cache    1m05s / 2m  42.1K ops/s  heap +1.2 MB/h  provisional: pass',
      'webhook  1m05s / 2m  812 ops/s    heap +9.5 MB/h  provisional: leak  2 respawns',
    ]);
    const warming = { ...cacheStatus, points: 0, trend: undefined };
    assert.deepEqual(liveBlock([warming], { ...steadyClock, elapsedS: 5, phase: 'warmup' }, 200), [
      'cache  5s / 2m (1m55s left)  42.1K ops/s  heap: warm-up until 12s',
    ]);
    assert.deepEqual(liveBlock([{ ...warming, points: 3 }, cacheStatus], { ...steadyClock, elapsedS: 15 }, 200), [
      'cache  15s / 2m (1m45s left)  42.1K ops/s  heap: collecting (3 points)',
      'cache  15s / 2m (1m45s left)  42.1K ops/s  heap +1.2 MB/h (-0.3 to +2.7)  provisional: pass',
    ]);
    assert.match(liveBlock([cacheStatus], { ...steadyClock, elapsedS: 120, phase: 'cooldown' }, 200)[0] ?? '', /^cache {2}2m00s \/ 2m \(tearing down\) {2}42/);
  });

  test('the plain line a minute', () => {
    const webhook: WorkloadStatus = { name: 'webhook', opsPerS: 812, respawns: 1, points: 2, trend: undefined };
    assert.equal(
      plainLine({ ...steadyClock, elapsedS: 60.4 }, [cacheStatus, webhook]),
      'soak: 1m of 2m, steady, 1m left | cache: 42.1K ops/s, heap +1.2 MB/h (-0.3 to +2.7), provisional: pass | ' +
        'webhook: 812 ops/s, heap: collecting (2 points), 1 respawn',
    );
    assert.doesNotMatch(plainLine(steadyClock, [cacheStatus]), /\u001b/, 'no escape sequences in logs');
  });

  test('a workload decided at a look shows its decision instead of its figures, on a terminal and in logs', () => {
    const webhook: WorkloadStatus = { name: 'webhook', opsPerS: 812, respawns: 0, points: 40, trend: cacheStatus.trend };
    const decided = new Map([['cache', { verdict: 'pass' as const, atS: 192, look: 8, confidence: 0.996 }]]);
    const clock = { ...steadyClock, elapsedS: 200, durationS: 300, decided };
    assert.equal(
      plainLine(clock, [cacheStatus, webhook]),
      'soak: 3m20s of 5m, steady, 1m40s left | cache: decided: pass at 3m12s | webhook: 812 ops/s, heap +1.2 MB/h (-0.3 to +2.7), provisional: pass',
    );
    assert.deepEqual(liveBlock([cacheStatus, webhook], clock, 200), [
      'cache    decided: pass at 3m12s',
      'webhook  3m20s / 5m (1m40s left)  812 ops/s  heap +1.2 MB/h (-0.3 to +2.7)  provisional: pass',
    ]);
  });

  test('the block is redrawn in place, cleared, and cut to the terminal width', () => {
    assert.equal(redrawBlock(['a', 'b'], 0, 80), `\r${ESC}2Ka\n\r${ESC}2Kb\n\r${ESC}J`);
    assert.equal(redrawBlock(['a', 'b'], 2, 80), `${ESC}2A\r${ESC}2Ka\n\r${ESC}2Kb\n\r${ESC}J`);
    assert.equal(redrawBlock(['a'], 3, 80), `${ESC}3A\r${ESC}2Ka\n\r${ESC}J`, 'a shorter block erases what was below');
    assert.equal(clearBlock(2), `${ESC}2A\r${ESC}J`);
    assert.equal(clearBlock(0), '', 'nothing drawn, nothing to move over');
    const long = 'x'.repeat(300);
    assert.equal(fitWidth(long, 40).length, 39);
    assert.equal(fitWidth('short', 40), 'short');
    assert.equal(fitWidth(long, undefined).length, 79);
    for (const line of redrawBlock([long, long], 0, 50).split('\n')) assert.ok(line.replace(/\r|\u001b\[\d*[A-Z]/g, '').length < 50);
  });
});

/** A stand-in for the controller: the same events, driven by hand. */
class FakeSoak extends EventEmitter {
  readonly options: SoakOptions;
  readonly startedAtMs = Date.now();
  constructor(overrides: Partial<SoakOptions> = {}) {
    super();
    this.options = { ...defaults, workloads: ['cache'], outDir: '/tmp/x', seed: 1, maxGrowthBytes: 50 * MB, ...overrides };
  }
}

class FakeStream {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 120,
  ) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

/** A sample `atS` seconds after now: the progress takes its warm-up end from the clock at 'start'. */
function poolSample(atS: number, heap: number, worker = 'cache#0'): PoolSample {
  const s = sample({ worker, atS, heap, ops: 100 * atS });
  return {
    ...s,
    slot: 0,
    threadId: 1,
    sample: {
      ...s.sample,
      timeMs: Date.now() + atS * 1000,
      heapTotal: 0,
      resourceTypes: '',
      listenerCounts: '',
      external: 0,
      arrayBuffers: 0,
      activeHandles: 0,
      elu: 0,
      latencyP50Us: 0,
      latencyP99Us: 0,
      gcMs: 0,
      tick: atS,
      errorsTotal: 0,
    },
  };
}

describe('progress on a stream', () => {
  test('on a terminal, events go above the block, and the block is gone at cooldown and after stop()', () => {
    const soak = new FakeSoak({ warmup: 0 });
    const stream = new FakeStream(true);
    const progress = attachProgress(soak as unknown as Soak, stream);
    soak.emit('start', '/tmp/run');
    assert.match(stream.text, /^soak: cache for 2m, 2 worker\(s\) each, sampling every 1s; writing \/tmp\/run\n\r\u001b\[2Kcache {2}0s \/ 2m/);
    for (let i = 0; i < 10; i++) soak.emit('sample', poolSample(i, 5 * MB));
    stream.text = '';
    soak.emit('event', { workload: 'cache', worker: 'cache#1', threadId: 3, event: 'crash', detail: 'exit code 7' });
    assert.match(stream.text, /^\u001b\[1A\r\u001b\[Jsoak: cache#1 crash: exit code 7\n\r\u001b\[2Kcache .*ops\/s.*\n\r\u001b\[J$/);
    stream.text = '';
    soak.emit('phase', 'cooldown');
    assert.equal(stream.text, `${ESC}1A\r${ESC}Jsoak: load stopped, tearing down\n`);
    stream.text = '';
    soak.emit('event', { workload: 'cache', worker: 'cache#0', threadId: 2, event: 'exit', detail: 'exit code 0' });
    progress.print('soak: SIGINT: stopping');
    progress.stop();
    assert.equal(stream.text, 'soak: cache#0 exit: exit code 0\nsoak: SIGINT: stopping\n', 'after cooldown: plain lines, no block');
  });

  test('stop() clears a drawn block and further output is plain', () => {
    const soak = new FakeSoak({ warmup: 0, workloads: ['cache', 'webhook'] });
    const stream = new FakeStream(true);
    const progress = attachProgress(soak as unknown as Soak, stream);
    soak.emit('start', '/tmp/run');
    stream.text = '';
    progress.stop();
    assert.equal(stream.text, `${ESC}2A\r${ESC}J`);
    progress.stop();
    progress.print('after');
    assert.equal(stream.text, `${ESC}2A\r${ESC}Jafter\n`);
  });

  test('not a terminal: one plain line a minute with the figures, never an escape sequence', () => {
    const soak = new FakeSoak({ warmup: 0, durationS: 600 });
    const stream = new FakeStream(false);
    attachProgress(soak as unknown as Soak, stream);
    soak.emit('start', '/tmp/run');
    const jitter = noise(7);
    const tick = (elapsedS: number): void => {
      soak.emit('sample', poolSample(elapsedS, 5 * MB + jitter()));
      soak.emit('tick', { elapsedS, durationS: 600, phase: 'steady' });
    };
    for (let s = 1; s < 60; s++) tick(s);
    assert.equal(stream.text.split('\n').length, 2, `only the start line before a minute:\n${stream.text}`);
    for (let s = 60; s <= 130; s++) tick(s);
    const lines = stream.text.trimEnd().split('\n').slice(1);
    assert.equal(lines.length, 2, stream.text);
    assert.match(lines[0] ?? '', /^soak: 1m of 10m, steady, 9m left \| cache: 100 ops\/s, heap [+-]?[\d.]+ (B|KB)\/h \(.* to .*\), provisional: pass$/);
    assert.match(lines[1] ?? '', /^soak: 2m of 10m, steady, 8m left \| /);
    assert.doesNotMatch(stream.text, /\u001b/);
  });
});

// ---- The real CLI ----

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** The CLI under a pseudo-terminal 200 columns wide; `interrupt` types ^C once it returns true for the output so far. */
function runInTerminal(args: readonly string[], interrupt?: (output: string) => boolean): Promise<CliResult> {
  const command = `stty cols 200 rows 40; exec '${process.execPath}' '${cli}' ${args.map((a) => `'${a}'`).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!interrupted && interrupt?.(stdout) === true) {
        interrupted = true;
        child.stdin.write('\u0003');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const provisional = /provisional: (pass|leak|undecided)/;

describe('the CLI', () => {
  const dir = tempDir('soak-progress-');
  let runs!: Record<'tty' | 'interrupted' | 'piped' | 'quiet', Promise<CliResult>>;
  before(() => {
    // Side by side, to keep the file short; none of these judge a verdict.
    runs = {
      tty: runInTerminal(['run', '--workload', 'cache', '--threads', '1', '--duration', '12s', '--out', join(dir, 'tty')]),
      interrupted: runInTerminal(
        ['run', '--workload', 'cache', '--threads', '1', '--duration', '2m', '--warmup', '1s', '--out', join(dir, 'interrupted')],
        (output) => provisional.test(output),
      ),
      piped: runCli(['run', '--workload', 'cache', '--threads', '1', '--duration', '6s', '--json', '--out', join(dir, 'piped')]),
      quiet: runCli(['run', '--workload', 'cache', '--threads', '1', '--duration', '6s', '--json', '--quiet', '--out', join(dir, 'quiet')]),
    };
  });

  test('on a terminal: a live line redrawn in place, cleared before the verdict', async () => {
    const result = await runs.tty;
    assert.ok(result.code === 0 || result.code === 1, explain(result)); // pass, inconclusive or leak: the verdict is not what is tested
    const out = result.stdout;
    assert.ok(out.includes(`${ESC}1A`) && out.includes(`\r${ESC}2Kcache `), `cursor-up and erase-line redraws:\n${JSON.stringify(out)}`);
    const lines = out.split(/\r?\n|\r/).map((l) => l.replace(/\u001b\[\d*[A-Za-z]/g, ''));
    const live = lines.filter((l) =>
      /^cache +\d+s \/ 12s \(\d+s left\) +[\d.]+[KM]? ops\/s +heap [+-]?[\d.]+ [KMG]?B\/h \(.+ to .+\) +provisional: (pass|leak|undecided)$/.test(l),
    );
    assert.ok(live.length > 0, `a live line with ops/s and a provisional verdict:\n${lines.join('\n')}`);
    const verdictAt = out.indexOf('soak: verdict');
    assert.ok(verdictAt > 0, out);
    assert.ok(
      out.lastIndexOf(`${ESC}1A\r${ESC}J`) < verdictAt && out.lastIndexOf(`${ESC}1A\r${ESC}J`) > out.lastIndexOf(`${ESC}2Kcache`),
      'the last block drawn is cleared before the verdict',
    );
    assert.doesNotMatch(out.slice(verdictAt), /\u001b/, 'nothing is drawn after the verdict');
    assert.match(out.slice(verdictAt), /^soak: verdict \w+\r\n {2}\w+ +cache /);
  });

  test('on a terminal, ^C: the block is cleared before the SIGINT message, and the run ends with its verdict', async () => {
    const result = await runs.interrupted;
    const out = result.stdout;
    const noticeAt = out.indexOf('soak: SIGINT: stopping');
    assert.ok(noticeAt > 0, `the SIGINT notice:\n${JSON.stringify(out)}`);
    assert.ok(
      out.slice(0, noticeAt).endsWith(`${ESC}1A\r${ESC}J`),
      `cleared right before the notice:\n${JSON.stringify(out.slice(noticeAt - 200, noticeAt + 50))}`,
    );
    const verdictAt = out.indexOf('soak: verdict');
    assert.ok(verdictAt > noticeAt, out);
    assert.doesNotMatch(out.slice(verdictAt), /\u001b/);
    const summary = JSON.parse(readFileSync(join(dir, 'interrupted', 'summary.json'), 'utf8')) as { complete: boolean; error?: string };
    assert.equal(summary.complete, false);
    assert.match(summary.error ?? '', /stopped early: SIGINT/);
  });

  test('piped: plain lines only, no per-minute line in a run under a minute, and --json alone on stdout', async () => {
    const result = await runs.piped;
    assert.ok(result.code === 0 || result.code === 1, explain(result)); // pass, inconclusive or leak: the verdict is not what is tested
    assert.deepEqual(JSON.parse(result.stdout), JSON.parse(readFileSync(join(dir, 'piped', 'summary.json'), 'utf8')));
    assert.match(result.stderr, /^soak: cache for 6s, 1 worker\(s\) each/);
    assert.match(result.stderr, /soak: verdict \w+\n/);
    assert.doesNotMatch(result.stderr, /\u001b/, 'no escape sequences when stderr is not a terminal');
    assert.doesNotMatch(result.stderr, /ops\/s|provisional|^soak: \S+ of /m, 'no per-minute line before a minute');
  });

  test('--json --quiet: nothing on stderr, summary.json on stdout', async () => {
    const result = await runs.quiet;
    assert.ok(result.code === 0 || result.code === 1, explain(result)); // pass, inconclusive or leak: the verdict is not what is tested
    assert.equal(result.stderr, '');
    assert.deepEqual(JSON.parse(result.stdout), JSON.parse(readFileSync(join(dir, 'quiet', 'summary.json'), 'utf8')));
  });
});
