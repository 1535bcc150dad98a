/** Bad input through the real CLI: one line on stderr naming the problem, exit code 2, nothing overwritten. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { explain, fixture, readSummary, runCli, tempDir } from './helpers/cli.js';

async function usageError(args: string[], message: RegExp): Promise<void> {
  const out = join(tempDir(), 'run');
  const result = await runCli([...args, '--out', out]);
  assert.equal(result.code, 2, explain(result));
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0] ?? '', message);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(out), false, 'nothing written');
}

test('an unknown command', () =>
  usageError(
    ['frobnicate'],
    /^soak: unknown command 'frobnicate'; commands are short, long, run, analyze, compare, report, snapshot-diff, calibrate, list, doctor/,
  ));
test('compare without its runs names both', () =>
  usageError(['compare'], /^soak compare: missing <baseline> <candidate>; usage: soak compare <baseline> <candidate>$/));
test('compare with one run names the other', () =>
  usageError(['compare', tempDir()], /^soak compare: missing <candidate>; usage: soak compare <baseline> <candidate>$/));
test('analyze without its run directory names it', () => usageError(['analyze'], /^soak analyze: missing <run>; usage: soak analyze <run>$/));
test('a switch given a value other than true or false', () =>
  usageError(
    ['run', '--workload', 'cache', '--snapshots=yes'],
    /^soak run: --snapshots is a switch: give it alone or as --snapshots=true or =false \(got 'yes'\)$/,
  ));
test('an unknown flag', () => usageError(['run', '--frobnicate', '3'], /^soak run: Unknown arguments?: frobnicate/));
test('--max-duration with --duration', () =>
  usageError(
    ['short', '--duration', '2m', '--max-duration', '5m'],
    /^soak short: --max-duration must be given without --duration \(--duration runs a fixed length, --max-duration decides early\)/,
  ));
test('--min-duration on a fixed-length run', () =>
  usageError(['run', '--min-duration', '1m'], /^soak run: --min-duration must be used with --max-duration \(got '1m'\)$/));
test('--look-every on a fixed-length short', () =>
  usageError(
    ['short', '--duration', '2m', '--look-every', '10s'],
    /^soak short: --look-every must be used with --max-duration \(not with --duration\) \(got '10s'\)$/,
  ));
test('a malformed --max-duration', () =>
  usageError(['run', '--max-duration', 'soon'], /^soak run: --max-duration must be a duration such as 90s, 10m or 24h \(got 'soon'\)$/));
test('a --max-duration too short for any look', () =>
  usageError(['short', '--max-duration', '30s'], /^soak short: --max-duration must be at least twice the warm-up plus 20 samples/));
test('a first look inside the warm-up', () =>
  usageError(['short', '--min-duration', '20s'], /^soak short: --min-duration must be at least the warm-up plus 20 samples \(50s here\) \(got 20\)$/));
test('looks closer than 5 samples', () =>
  usageError(['short', '--look-every', '2s'], /^soak short: --look-every must be at least 5 sample intervals \(5s here\) \(got 2\)$/));
test('an unknown workload', () =>
  usageError(
    ['run', '--workload', 'nosuch'],
    /^soak run: --workload: unknown workload 'nosuch'; built-in workloads are webhook, cache, circuit-breaker, refresh-manager/,
  ));
test('a malformed duration', () => usageError(['run', '--duration', '10x'], /^soak run: --duration must be a duration such as 90s, 10m or 24h \(got '10x'\)$/));
test('a malformed interval', () => usageError(['run', '--interval', 'often'], /^soak run: --interval must be a duration/));
test('a malformed size', () => usageError(['run', '--max-growth', 'lots'], /^soak run: --max-growth must be a size such as 50MB \(got 'lots'\)$/));
test('a negative value, which yargs reads as short flags, is named with its option', () =>
  usageError(
    ['short', '--max-slope', '-1MB/h'],
    /^soak short: --max-slope -1MB\/h: a value cannot start with '-' \(it reads as flags\); soak takes no negative values here$/,
  ));

test('a rate without a time unit', () =>
  usageError(['run', '--max-slope', '1MB'], /^soak run: --max-slope must be a rate such as 1MB\/h or 2KB\/s \(got '1MB'\)$/));
test('a malformed injected leak', () => usageError(['run', '--inject-leak', 'much'], /^soak run: --inject-leak must be a rate/));
test('zero threads', () => usageError(['run', '--threads', '0'], /^soak run: --threads must be a positive integer \(got 0\)$/));
test('threads that are not a number', () => usageError(['run', '--threads', 'two'], /^soak run: --threads must be an integer \(got 'two'\)$/));
test('zero concurrency', () => usageError(['run', '--concurrency', '0'], /^soak run: --concurrency must be a positive integer \(got 0\)$/));
test('an interval too long for the duration', () =>
  usageError(['run', '--duration', '10s', '--interval', '5s'], /^soak run: --interval must be at most a third of the duration/));
test('a plugin path that does not exist', () =>
  usageError(['run', '--workload', './nope/missing.mjs'], /^soak run: --workload: no file at '\.\/nope\/missing\.mjs'/));
test('a plugin that exports no run', () => usageError(['run', '--workload', fixture('no-run.mjs')], /exports no run function/));
for (const hook of ['setup', 'teardown', 'emitters']) {
  test(`a plugin whose ${hook} is not a function`, () => {
    const file = join(tempDir(), 'w.mjs');
    writeFileSync(file, `export default { name: 'w', run() {}, ${hook}: { lifecycle: null } };`);
    return usageError(
      ['run', '--workload', file],
      new RegExp(`^soak run: --workload: '.*w\\.mjs' exports ${hook} that is not a function; make it one or leave it out$`),
    );
  });
}
test('a TypeScript plugin', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'w.ts'), 'export default {}');
  return usageError(['run', '--workload', join(dir, 'w.ts')], /is TypeScript; compile it to JavaScript/);
});
test('a parameter that does not exist', () =>
  usageError(['run', '--workload', 'cache', '--param', 'nosuch=1'], /^soak run: --param nosuch=1: no such parameter \(known parameters: cache: /));
test('a parameter value of the wrong type', () => usageError(['run', '--workload', 'cache', '--param', 'cache.capacity=big'], /expected a number, got 'big'/));
test('a leak switch value that does not exist', () =>
  usageError(['run', '--workload', 'cache', '--param', 'leak=everything'], /'everything' is not one of none/));

test('an --out directory that already holds a run is left untouched', async () => {
  const out = join(tempDir(), 'run');
  mkdirSync(out);
  writeFileSync(join(out, 'samples.csv'), 'earlier run\n');
  writeFileSync(join(out, 'summary.json'), '{"earlier":true}\n');
  const result = await runCli(['run', '--workload', 'cache', '--duration', '10s', '--out', out]);
  assert.equal(result.code, 2, explain(result));
  assert.match(result.stderr, /^soak run: --out: '.*run' already holds a run \(samples\.csv\); choose another directory or remove it\n$/);
  assert.equal(readFileSync(join(out, 'samples.csv'), 'utf8'), 'earlier run\n');
  assert.equal(readFileSync(join(out, 'summary.json'), 'utf8'), '{"earlier":true}\n');
});

test('an --out path that is a file', async () => {
  const file = join(tempDir(), 'taken');
  writeFileSync(file, 'keep me\n');
  const result = await runCli(['run', '--workload', 'cache', '--duration', '10s', '--out', file]);
  assert.equal(result.code, 2, explain(result));
  assert.match(result.stderr, /^soak run: --out: cannot create '.*taken' \(EEXIST: .*\); give a directory you can write to\n$/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me\n');
});

test('an --out path under /proc, where no directory can be made, is refused at once', { skip: !existsSync('/proc/self') }, async () => {
  // Node 20's recursive mkdir spins there for ever, deaf to signals: the kill only ends a regression.
  const result = await runCli(['run', '--workload', 'cache', '--duration', '10s', '--out', '/proc/soak-cli-test/run'], undefined, (child) => {
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  });
  assert.equal(result.code, 2, explain(result));
  assert.match(result.stderr, /^soak run: --out: cannot create '\/proc\/soak-cli-test\/run' \(ENOENT: .*\); give a directory you can write to\n$/);
});

test('a plugin whose setup throws fails the run with exit code 3 and says which', async () => {
  const out = join(tempDir(), 'run');
  const result = await runCli(['run', '--workload', fixture('setup-throws.mjs'), '--duration', '10s', '--quiet', '--out', out]);
  assert.equal(result.code, 3, explain(result));
  assert.match(result.stderr, /soak run: workload 'setup-throws' setup failed in setup-throws#\d: cannot reach the config service/);
  const summary = readSummary(out);
  assert.equal(summary.verdict, 'error');
  assert.equal(summary.complete, false);
});

test('soak list shows every built-in workload with its parameters and leak switches', async () => {
  const result = await runCli(['list']);
  assert.equal(result.code, 0, explain(result));
  for (const name of ['webhook', 'cache', 'circuit-breaker', 'refresh-manager']) assert.match(result.stdout, new RegExp(`^${name}: \\S`, 'm'));
  assert.match(result.stdout, /^ {2}leak=none .*\(one of: none, /m);
  assert.match(result.stdout, /^ {2}transport=inproc .*\(one of: inproc, http\)/m);
});

test("soak list --workload shows a plugin's parameters as it shows the built-ins'", async () => {
  const result = await runCli(['list', '--workload', `${join('test', 'fixtures', 'shapes', 'sawtooth.mjs')},cache`]);
  assert.equal(result.code, 0, explain(result));
  assert.match(result.stdout, /^sawtooth: Batch exporter/m);
  assert.match(result.stdout, /^ {2}leak=none .*\(one of: none, dead-letter\)/m);
  assert.match(result.stdout, /^cache: /m);
  assert.doesNotMatch(result.stdout, /^webhook: /m, 'only the workloads given');
  const json = await runCli(['list', '--json', '--workload', join('test', 'fixtures', 'shapes', 'sawtooth.mjs')]);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { name: string; params: Record<string, unknown> }[]).map((w) => [w.name, w.params['periodS']]),
    [['sawtooth', 8]],
  );
});

test('soak list --workload with a missing plugin', async () => {
  const result = await runCli(['list', '--workload', './nope/missing.mjs']);
  assert.equal(result.code, 2, explain(result));
  assert.match(result.stderr, /^soak list: --workload: no file at '\.\/nope\/missing\.mjs'/);
});
