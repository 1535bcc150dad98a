/** `--config` and soak.config.json / .mjs: one test per rule, and real runs that take their settings from one. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig, withConfig } from '../src/cli/config.js';
import { UsageError } from '../src/errors.js';
import { explain, fixture, readSummary, runCli, tempDir } from './helpers/cli.js';

const bad = (raw: unknown, message: RegExp): void =>
  assert.throws(
    () => parseConfig(raw, 'soak.config.json'),
    (err: unknown) => err instanceof UsageError && message.test(err.message),
  );

test('a config holds the flags by their names, lists and switches as JSON lists and booleans, numbers as text', () => {
  const flags = parseConfig({ workload: 'cache,webhook', threads: 4, 'max-slope': '2MB/h', strict: true, param: ['cache.capacity=10'] }, 'c.json');
  assert.deepEqual(flags, { workload: ['cache', 'webhook'], threads: '4', 'max-slope': '2MB/h', strict: true, param: ['cache.capacity=10'] });
});

test("config params per workload and for every workload become --param specs, before the config's own param list", () => {
  const flags = parseConfig({ params: { cache: { capacity: 5000, ttlMs: 100 }, leak: 'none' }, param: ['x=1'] }, 'c.json');
  assert.deepEqual(flags.param, ['cache.capacity=5000', 'cache.ttlMs=100', 'leak=none', 'x=1']);
});

test('plugin paths and the run directory in a config elsewhere are relative to the config file', () => {
  const flags = parseConfig({ workload: ['cache', './w.mjs'], out: 'runs/a' }, 'ci/soak.config.json', 'ci');
  assert.deepEqual(flags, { workload: ['cache', './ci/w.mjs'], out: './ci/runs/a' });
});

test("flags given override the config; the config's params come first so --param wins", () => {
  const merged = withConfig(
    { threads: '8', param: ['cache.capacity=1'] },
    { path: 'c.json', flags: { threads: '2', duration: '1m', param: ['cache.capacity=9'] } },
  );
  assert.deepEqual(merged, { threads: '8', duration: '1m', param: ['cache.capacity=9', 'cache.capacity=1'] });
});

test('a config that is not an object', () => bad([1, 2], /^--config soak\.config\.json: must hold an object of flag names and values$/));
test('a config with an unknown key names the key and the file', () =>
  bad({ thread: 2 }, /^--config soak\.config\.json: unknown key 'thread'; keys are the flags of soak run \(workload, duration/));
test('a config switch that is not a boolean', () => bad({ strict: 'yes' }, /^--config soak\.config\.json: 'strict' must be true or false \(got "yes"\)$/));
test('a config value of the wrong type', () => bad({ threads: [2] }, /^--config soak\.config\.json: 'threads' must be a string or a number \(got \[2\]\)$/));
test('a config list of the wrong type', () =>
  bad({ workload: [1] }, /^--config soak\.config\.json: 'workload' must be a string or a list of strings \(got \[1\]\)$/));
test('config params that are not an object', () => bad({ params: 'a=1' }, /^--config soak\.config\.json: 'params' must be an object/));
test('a config param value that is not a scalar', () =>
  bad({ params: { cache: { capacity: [1] } } }, /^--config soak\.config\.json: 'params\.cache\.capacity' must be a string, number or boolean/));

test('soak run takes its workloads, duration and params from soak.config.json in the working directory; flags override it', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'soak.config.json'),
    JSON.stringify({ workload: [fixture('clean-plugin.mjs')], duration: '8s', interval: '1s', threads: 1, params: { 'clean-plugin': { ring: 64 } } }),
  );
  const out = join(dir, 'run');
  const result = await runCli(['run', '--threads', '2', '--out', out], dir);
  assert.ok(result.code === 0 || result.code === 1, explain(result, out));
  assert.match(result.stderr, /^soak: settings from soak\.config\.json \(flags override them\)\n/);
  const summary = readSummary(out);
  assert.deepEqual(
    summary.workloads.map((w) => [w.name, w.params['ring'], w.workers.length]),
    [['clean-plugin', 64, 2]],
  );
  assert.equal(summary.run.durationS, 8);
  assert.deepEqual(summary.run.argv.slice(-4, -2), ['--config', 'soak.config.json'], 'the command line that reproduces it names the config');
});

test("--config FILE.mjs: a module's default export, plugin paths relative to it", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'ci'));
  writeFileSync(join(dir, 'ci', 'soak.config.mjs'), `export default { workload: '${fixture('clean-plugin.mjs')}', duration: '6s', quiet: true };\n`);
  const out = join(dir, 'run');
  const result = await runCli(['run', '--config', join('ci', 'soak.config.mjs'), '--out', out], dir);
  assert.ok(result.code === 0 || result.code === 1, explain(result, out));
  assert.equal(result.stderr.includes('settings from'), false, 'quiet from the config');
  assert.equal(readSummary(out).run.durationS, 6);
});

test('--config with no such file', async () => {
  const dir = tempDir();
  const result = await runCli(['run', '--config', 'nope.json', '--out', join(dir, 'run')], dir);
  assert.equal(result.code, 2, explain(result));
  assert.equal(result.stderr, "soak run: --config: no file at 'nope.json'; give a soak.config.json or soak.config.mjs\n");
});

test('a soak.config.json that is not JSON stops the run with one line, nothing written', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'soak.config.json'), '{ "duration": ');
  const result = await runCli(['run', '--out', join(dir, 'run')], dir);
  assert.equal(result.code, 2, explain(result));
  assert.match(result.stderr, /^soak run: --config soak\.config\.json: is not valid JSON \(.*\)\n$/);
});

test("a bad value in a config reads as the flag's own error", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'soak.config.json'), JSON.stringify({ threads: 0 }));
  const result = await runCli(['run', '--out', join(dir, 'run')], dir);
  assert.equal(result.code, 2, explain(result));
  assert.equal(result.stderr, 'soak run: --threads must be a positive integer (got 0)\n');
});
