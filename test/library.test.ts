/** The library API that the CLI is a thin layer over. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode, Soak, UsageError, defineWorkload } from '../src/index.js';
import { fixture, tempDir } from './helpers/cli.js';

test('new Soak() validates its options with messages naming options.*', () => {
  assert.throws(
    () => new Soak({ workloads: ['cache'], outDir: tempDir(), threads: 0 }),
    (err: unknown) => err instanceof UsageError && err.message === 'options.threads must be a positive integer (got 0)',
  );
  assert.throws(
    () => new Soak({ workloads: ['cache'], outDir: tempDir(), commandLine: ['soak', 1] as unknown as string[] }),
    (err: unknown) => err instanceof UsageError && err.message.startsWith('options.commandLine must be a list of strings'),
  );
});

test('Soak.run() soaks a plugin, emits samples and resolves with the summary and exit code', async () => {
  const outDir = join(tempDir(), 'run');
  const soak = new Soak({ workloads: [fixture('clean-plugin.mjs')], outDir, durationS: 6, intervalS: 0.5, threads: 1, seed: 7 });
  let samples = 0;
  const seen: string[] = [];
  soak.on('start', (dir) => seen.push(`start ${dir === outDir}`));
  soak.on('sample', (s) => {
    samples++;
    if (samples === 1) seen.push(`sample ${s.workload}`);
  });
  soak.on('event', (e) => seen.push(`event ${e.event}`));
  soak.on('tick', (t) => {
    if (t.elapsedS >= 1 && !seen.includes('tick')) seen.push('tick');
  });
  soak.on('phase', (phase) => seen.push(`phase ${phase}`));
  const result = await soak.run();
  assert.equal(result.outDir, outDir);
  assert.equal(result.summary.run.seed, 7);
  assert.equal(result.summary.workloads[0]?.name, 'clean-plugin');
  assert.ok(samples >= 10, `${samples} samples`);
  // The typed events arrive in the run's order: start, the worker's start, samples and ticks, warm-up over, cooldown.
  assert.equal(seen[0], 'start true');
  assert.ok(seen.indexOf('event start') > 0 && seen.includes('sample clean-plugin') && seen.includes('tick'), seen.join(', '));
  assert.ok(seen.indexOf('phase steady') < seen.indexOf('phase cooldown'), seen.join(', '));
  assert.ok(([ExitCode.pass, ExitCode.leak] as number[]).includes(result.exitCode));
  for (const file of ['samples.csv', 'events.csv', 'summary.json', 'summary.md']) assert.ok(existsSync(join(outDir, file)), file);
});

test('defineWorkload is the identity, for type checking', () => {
  const w = { name: 'x', run: () => undefined };
  assert.equal(defineWorkload(w), w);
});
