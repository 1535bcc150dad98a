/** `--config` and soak.config.json / .mjs: one test per rule, and real runs that take their settings from one. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FLAG_KEYS, parseConfig, withConfig } from '../src/cli/config.js';
import { UsageError } from '../src/errors.js';
import { explain, fixture, readSummary, runCli, tempDir } from './helpers/cli.js';

const bad = (raw: unknown, message: RegExp): void =>
  assert.throws(
    () => parseConfig(raw, 'soak.config.json'),
    (err: unknown) => err instanceof UsageError && message.test(err.message),
  );

test('a config holds the flags by their names, lists and switches as JSON lists and booleans, numbers as text', () => {
  const { flags } = parseConfig({ workload: 'cache,webhook', threads: 4, 'max-slope': '2MB/h', strict: true, param: ['cache.capacity=10'] }, 'c.json');
  assert.deepEqual(flags, { workload: ['cache', 'webhook'], threads: '4', 'max-slope': '2MB/h', strict: true, param: ['cache.capacity=10'] });
});

test("config params per workload and for every workload become --param specs, before the config's own param list", () => {
  const { flags } = parseConfig({ params: { cache: { capacity: 5000, ttlMs: 100 }, leak: 'none' }, param: ['x=1'] }, 'c.json');
  assert.deepEqual(flags.param, ['cache.capacity=5000', 'cache.ttlMs=100', 'leak=none', 'x=1']);
});

test('plugin paths and the run directory in a config elsewhere are relative to the config file', () => {
  const { flags } = parseConfig({ workload: ['cache', './w.mjs'], out: 'runs/a' }, 'ci/soak.config.json', 'ci');
  assert.deepEqual(flags, { workload: ['cache', './ci/w.mjs'], out: './ci/runs/a' });
});

test("flags given override the config; the config's params come first so --param wins", () => {
  const merged = withConfig(
    { threads: '8', param: ['cache.capacity=1'] },
    { path: 'c.json', flags: { threads: '2', duration: '1m', param: ['cache.capacity=9'] }, thresholds: {} },
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

test("config thresholds per workload are read by the flags' parsers, in bytes per hour and bytes", () => {
  const { thresholds } = parseConfig({ thresholds: { cache: { 'max-slope': '2MB/h', 'max-growth': '80MB' }, webhook: { 'max-slope': '1KB/s' } } }, 'c.json');
  assert.deepEqual(thresholds, {
    cache: { maxSlopeBytesPerHour: 2 * 1024 * 1024, maxGrowthBytes: 80 * 1024 * 1024 },
    webhook: { maxSlopeBytesPerHour: 1024 * 3600 },
  });
});
test('config thresholds that are not an object', () => bad({ thresholds: ['cache'] }, /^--config soak\.config\.json: 'thresholds' must be an object such as/));
test("a workload's config thresholds that are not an object", () =>
  bad({ thresholds: { cache: '2MB/h' } }, /^--config soak\.config\.json: 'thresholds\.cache' must be an object of max-slope and max-growth/));
test("an unknown key in a workload's config thresholds", () =>
  bad(
    { thresholds: { cache: { 'max-slop': '2MB/h' } } },
    /^--config soak\.config\.json: unknown key 'thresholds\.cache\.max-slop'; a workload's thresholds are max-slope and max-growth$/,
  ));
test('a config threshold that is not a string', () =>
  bad({ thresholds: { cache: { 'max-slope': 2 } } }, /^--config soak\.config\.json: 'thresholds\.cache\.max-slope' must be a string such as "2MB\/h"/));
test("a config threshold the flag's parser refuses, under the config's key", () =>
  bad(
    { thresholds: { cache: { 'max-growth': 'lots' } } },
    /^--config soak\.config\.json: 'thresholds\.cache\.max-growth' must be a size such as 50MB \(got 'lots'\)$/,
  ));

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

test("a workload's own thresholds from the config judge it, the run's the rest; summary.json records both and soak analyze keeps them", async () => {
  const dir = tempDir();
  // The same injected leak (57 MB/h per worker) in two plugins: one has a limit far above it.
  writeFileSync(join(dir, 'soak.config.json'), JSON.stringify({ thresholds: { 'clean-plugin': { 'max-slope': '1GB/h', 'max-growth': '1GB' } }, quiet: true }));
  const out = join(dir, 'run');
  const args = [
    'run',
    '--workload',
    `${fixture('clean-plugin.mjs')},${fixture('leak-one-worker.mjs')}`,
    '--inject-leak',
    '16KB/s',
    '--duration',
    '30s',
    '--threads',
    '1',
  ];
  const result = await runCli([...args, '--out', out], dir);
  assert.equal(result.code, 1, explain(result, out));
  const summary = readSummary(out);
  const [own, other] = summary.workloads;
  assert.equal(own?.verdict, 'pass', own?.reason);
  assert.match(own?.reason ?? '', /under the 1 GB\/h limit/);
  assert.deepEqual(own?.thresholds, { maxSlopeBytesPerHour: 1024 ** 3, maxGrowthBytes: 1024 ** 3 });
  assert.equal(other?.verdict, 'leak', other?.reason);
  assert.deepEqual(other?.thresholds, summary.thresholds);
  assert.equal(summary.thresholds.maxSlopeBytesPerHour, 1024 * 1024, "the run's own limit is unchanged");
  assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /; clean-plugin's own: slope 1 GB\/h, growth 1 GB/);

  const again = await runCli(['analyze', out, '--quiet'], dir);
  assert.equal(again.code, 1, explain(again, out));
  assert.deepEqual(
    readSummary(out).workloads.map((w) => [w.verdict, w.thresholds?.maxSlopeBytesPerHour]),
    [
      ['pass', 1024 ** 3],
      ['leak', 1024 * 1024],
    ],
  );
});

test('config thresholds for a workload the run does not have: one line, exit 2, nothing written', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'soak.config.json'), JSON.stringify({ thresholds: { cahce: { 'max-slope': '2MB/h' } } }));
  const out = join(dir, 'run');
  const result = await runCli(['run', '--workload', 'cache', '--duration', '10s', '--out', out], dir);
  assert.equal(result.code, 2, explain(result));
  assert.match(
    result.stderr,
    /\nsoak run: thresholds for 'cahce': no workload of that name in this run \(its workloads: cache\); check the name in the config\n$/,
  );
  assert.equal(existsSync(out), false);
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

test('a config takes every flag of soak short, long and run but --config, --json and --resume, and no other', async () => {
  for (const command of ['short', 'long', 'run']) {
    const help = await runCli([command, '--help']);
    assert.equal(help.code, 0, explain(help));
    const flags = [...help.stdout.matchAll(/^\s+--([a-z-]+)/gm)].map((m) => m[1] ?? '');
    const notInConfig = ['help', 'version', 'config', 'json', 'resume'];
    assert.deepEqual(flags.filter((f) => !notInConfig.includes(f)).sort(), Object.keys(FLAG_KEYS).sort(), `soak ${command} --help`);
  }
});
