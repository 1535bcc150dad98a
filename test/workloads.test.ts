/**
 * The built-in workloads through the real CLI, as CI runs them: all four in one soak (one pool
 * each, eight workers on this 2-core machine), so every pool's verdict must stand on its own.
 * Clean they pass over 5 minutes: with eight workers sharing two cores V8's JIT takes a minute or
 * two to settle, so a 2-minute `soak short` of clean code is honestly inconclusive here, not a pass.
 * With their leak switches on they are found leaking within a minute.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { explain, readSummary, runCli, tempDir } from './helpers/cli.js';

const builtIns = ['webhook', 'cache', 'circuit-breaker', 'refresh-manager'];

test('every built-in workload, clean, passes a 5-minute soak with the default thresholds', async () => {
  const out = join(tempDir(), 'run');
  const result = await runCli(['run', '--duration', '5m', '--quiet', '--out', out]);
  const summary = readSummary(out);
  assert.deepEqual(summary.workloads.map((w) => w.name), builtIns);
  for (const w of summary.workloads) {
    assert.equal(w.verdict, 'pass', `${w.name}: ${w.reason}\n${explain(result, out)}`);
    assert.equal(w.errorsTotal < w.opsTotal / 2, true, `${w.name}: ${w.errorsTotal} errors in ${w.opsTotal} operations`);
    assert.equal(w.workers.length, 2);
  }
  assert.equal(result.code, 0, explain(result, out));
  assert.equal(summary.run.durationS, 300);
});

for (const [label, params] of [
  ['inproc webhook (dedup map), cache, circuit-breaker (listener), refresh-manager (interval)',
    ['webhook.leak=dedup', 'cache.leak=side-index', 'circuit-breaker.leak=listener', 'refresh-manager.leak=interval']],
  ['http webhook (per-request listener), circuit-breaker (timer), refresh-manager (watchdog handle)',
    ['webhook.transport=http', 'webhook.leak=listener', 'circuit-breaker.leak=timer', 'refresh-manager.leak=handle']],
] as const) {
  test(`leak switches are found: ${label}`, async () => {
    const out = join(tempDir(), 'run');
    const workloads = [...new Set(params.map((p) => p.split('.')[0] ?? ''))];
    const result = await runCli(['run', '--workload', workloads.join(','), ...params.flatMap((p) => ['--param', p]),
      '--duration', '45s', '--quiet', '--out', out]);
    assert.equal(result.code, 1, explain(result, out));
    for (const w of readSummary(out).workloads) {
      assert.equal(w.verdict, 'leak', `${w.name}: ${w.reason}`);
      assert.ok(w.workers.every((k) => k.verdict === 'leak'), `${w.name}: every worker leaks`);
    }
  });
}
