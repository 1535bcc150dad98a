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
});

test('Soak.run() soaks a plugin, emits samples and resolves with the summary and exit code', async () => {
  const outDir = join(tempDir(), 'run');
  const soak = new Soak({ workloads: [fixture('clean-plugin.mjs')], outDir, durationS: 6, intervalS: 0.5, threads: 1, seed: 7 });
  let samples = 0;
  soak.on('sample', () => samples++);
  const result = await soak.run();
  assert.equal(result.outDir, outDir);
  assert.equal(result.summary.run.seed, 7);
  assert.equal(result.summary.workloads[0]?.name, 'clean-plugin');
  assert.ok(samples >= 10, `${samples} samples`);
  assert.ok(([ExitCode.pass, ExitCode.leak] as number[]).includes(result.exitCode));
  for (const file of ['samples.csv', 'events.csv', 'summary.json', 'summary.md']) assert.ok(existsSync(join(outDir, file)), file);
});

test('defineWorkload is the identity, for type checking', () => {
  const w = { name: 'x', run: () => undefined };
  assert.equal(defineWorkload(w), w);
});
