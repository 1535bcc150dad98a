/**
 * The built-in workloads through the real CLI, as CI runs them: `soak short`, all four in one soak
 * (one pool each, eight workers on this 2-core machine), each decided as early as the data allow
 * and stopped, within the 5-minute budget. Clean they pass; with their leak switches on they are
 * found leaking within the first minutes (here at 1-2½ minutes) and the run stops early. `soak analyze` of a recorded run reaches the same decisions.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { explain, readSummary, runCli, tempDir } from './helpers/cli.js';

const builtIns = ['webhook', 'cache', 'circuit-breaker', 'refresh-manager'];

// The clean built-ins settle for minutes (V8 type feedback and code still growing): over the first
// 3-5 minutes their heap slopes are 0.4-0.9 MB/h, and up to 2-3 MB/h in the first two (webhook#1:
// 2.2 MB/h, 99.98 % CI 1.2-3.3 MB/h at its third look), so at the default 1 MB/h limit a pass by the
// budget is a rate (measured in bench:detect, README), not a certainty: in 1 of 4 suite runs one
// workload was still inconclusive at the budget. What is tested here (clean workloads pass at looks,
// the run stops once all are decided, the replay agrees) is the mechanism, at a limit of 4 MB/h: all
// four pass by the third or fourth look (1m40s-2m00s; at 2 MB/h they took 2m20s-3m20s, a minute more
// of the suite), and the test does not hang on how loaded the machine is. The leaks below grow at hundreds of MB/h.
test('soak short decides every clean built-in workload pass within its budget, and soak analyze reproduces the decisions', async () => {
  const out = join(tempDir(), 'run');
  const result = await runCli(['short', '--max-slope', '4MB/h', '--out', out]);
  const summary = readSummary(out);
  assert.deepEqual(
    summary.workloads.map((w) => w.name),
    builtIns,
  );
  for (const w of summary.workloads) {
    assert.equal(w.verdict, 'pass', `${w.name}: ${w.reason}\n${explain(result, out)}`);
    assert.equal(w.errorsTotal < w.opsTotal / 2, true, `${w.name}: ${w.errorsTotal} errors in ${w.opsTotal} operations`);
    assert.equal(w.workers.length, 2);
    // When each is decided is a figure of the machine's load, measured in bench:detect; here only
    // that a decision before the budget is a look's, and that the run stops when all are decided.
    if (w.decidedAtS !== null) assert.ok(w.decidedAtS < 300 && w.decidedAtLook !== null, `${w.name} decided at a look`);
    assert.ok(w.confidence > 0.95, 'a look spends less than the fixed test');
  }
  assert.equal(result.code, 0, explain(result, out));
  assert.equal(summary.run.durationS, 300);
  assert.equal(summary.complete, true);
  const allDecided = summary.workloads.every((w) => w.decidedAtS !== null);
  assert.equal(summary.sequential?.stoppedEarly, allDecided);
  const last = Math.max(...summary.workloads.map((w) => w.decidedAtS ?? 300));
  assert.ok(summary.run.elapsedS < last + 20, `the run stopped once the last workload was decided (${summary.run.elapsedS}s, last decided at ${last}s)`);
  assert.ok(
    summary.workloads.some((w) => w.decidedAtS !== null),
    'at least one workload was decided before the budget',
  );
  assert.match(result.stderr, /soak: \S+ decided: pass at \d+m\d\ds \(look \d+\)/);

  // The same decisions from the same samples: a look reads only what was stamped by its time.
  const copy = join(tempDir(), 'copy');
  cpSync(out, copy, { recursive: true });
  const again = await runCli(['analyze', copy, '--quiet']);
  assert.equal(again.code, 0, explain(again, copy));
  const replayed = readSummary(copy);
  for (const [i, w] of summary.workloads.entries()) {
    const r = replayed.workloads[i];
    assert.equal(r?.verdict, w.verdict, `${w.name} verdict`);
    assert.equal(r?.decidedAtS, w.decidedAtS, `${w.name} decided at the same look`);
    assert.deepEqual(r?.heap.ci95, w.heap.ci95, `${w.name} the same interval`);
  }
});

// The two runs side by side: a workload is decided at the look where its samples' ranks are
// significant, which rests on how many samples the look has and how they wander, not on how fast the
// leaks grow (hundreds of MB/h, fast or slowed down by the other run). Side by side they decided at the
// looks they reach alone (1m00s-2m40s), the pair in 2-2¾ minutes where one after the other took 3-3½.
describe('leak switches found before the budget', { concurrency: true }, () => {
  for (const [label, params, listenerLeak] of [
    [
      'inproc webhook (dedup map), cache, circuit-breaker (listener), refresh-manager (interval)',
      ['webhook.leak=dedup', 'cache.leak=side-index', 'circuit-breaker.leak=listener', 'refresh-manager.leak=interval'],
      { workload: 'circuit-breaker', key: 'breakers.state' },
    ],
    [
      'http webhook (per-request listener), circuit-breaker (timer), refresh-manager (watchdog handle)',
      ['webhook.transport=http', 'webhook.leak=listener', 'circuit-breaker.leak=timer', 'refresh-manager.leak=handle'],
      { workload: 'webhook', key: 'lifecycle.shutdown' },
    ],
  ] as const) {
    test(`leak switches are found by soak short before its budget: ${label}`, async () => {
      const out = join(tempDir(), 'run');
      const workloads = [...new Set(params.map((p) => p.split('.')[0] ?? ''))];
      const result = await runCli(['short', '--workload', workloads.join(','), ...params.flatMap((p) => ['--param', p]), '--quiet', '--out', out]);
      assert.equal(result.code, 1, explain(result, out));
      const summary = readSummary(out);
      for (const w of summary.workloads) {
        assert.equal(w.verdict, 'leak', `${w.name}: ${w.reason}`);
        // A workload stops at the look where a worker or the pooled fit over its workers is a leak; the others may be undecided then, but none is clean.
        assert.ok(
          w.workers.every((k) => k.verdict !== 'pass'),
          `${w.name}: no worker passes: ${w.workers.map((k) => k.reason).join('; ')}`,
        );
        assert.ok(w.decidedAtS !== null, `${w.name} was decided at a look, not at the budget`);
      }
      // refresh-manager's leaks leave timers running: the handle leak is named by its type.
      const refresh = summary.workloads.find((w) => w.name === 'refresh-manager');
      assert.ok(
        refresh?.workers.some((k) => k.handleTypes?.[0]?.type === 'Timeout' && /Timeout handles grow by \d/.test(k.reason)),
        `refresh-manager names its Timeout handles: ${refresh?.workers.map((k) => `${k.reason} ${JSON.stringify(k.handleTypes)}`).join('; ')}`,
      );
      // The listener leak is named by the emitter and event its workload's `emitters` hook counts.
      const listening = summary.workloads.find((w) => w.name === listenerLeak.workload);
      const named = new RegExp(`${listenerLeak.key.replace('.', '\\.')} listeners grow by \\d`);
      assert.ok(
        listening?.workers.some((k) => k.listenerTypes?.[0]?.type === listenerLeak.key && named.test(k.reason)),
        `${listenerLeak.workload} names its ${listenerLeak.key} listeners: ${listening?.workers.map((k) => `${k.reason} ${JSON.stringify(k.listenerTypes)}`).join('; ')}`,
      );
      // Only there: the other workloads' listener counts do not grow.
      for (const w of summary.workloads) {
        if (w.name !== listenerLeak.workload)
          for (const k of w.workers) assert.notEqual(k.listeners?.verdict, 'leak', `${k.worker}: ${JSON.stringify(k.listeners)}`);
      }
      assert.equal(summary.sequential?.stoppedEarly, true, `the run stopped once all were decided (${summary.run.elapsedS}s)`);
    });
  }
});
