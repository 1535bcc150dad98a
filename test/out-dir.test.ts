/** makeDirs: `mkdir -p` whose every failure is final (Node's recursive mkdir spins for ever under /proc). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDirs, makeOutDir } from '../src/run-dir/out-dir.js';
import { tempDir } from './helpers/cli.js';

test('makeDirs creates every missing directory of a path, and a directory already there is left as it is', () => {
  const root = tempDir();
  const deep = join(root, 'a', 'b', 'c');
  makeDirs(deep);
  assert.ok(statSync(deep).isDirectory());
  writeFileSync(join(deep, 'kept'), 'x');
  makeDirs(deep);
  makeDirs(join(root, 'a'));
  assert.ok(existsSync(join(deep, 'kept')), 'nothing inside was touched');
});

test("makeDirs fails with the system's error where a file is in the way, creating nothing", () => {
  const root = tempDir();
  const file = join(root, 'file');
  writeFileSync(file, 'keep me\n');
  assert.throws(() => makeDirs(file), { code: 'EEXIST' });
  assert.throws(() => makeDirs(join(file, 'sub', 'dir')), { code: 'ENOTDIR' });
  assert.equal(statSync(file).isFile(), true);
});

test('makeDirs fails, and returns, under a dangling symbolic link', () => {
  const root = tempDir();
  symlinkSync(join(root, 'gone'), join(root, 'dangling'));
  assert.throws(() => makeDirs(join(root, 'dangling', 'out')));
  assert.equal(existsSync(join(root, 'gone')), false);
});

test('makeOutDir under /proc, where Node 20 recursive mkdir never returns, fails at once with the --out message', { skip: !existsSync('/proc/self') }, () => {
  // In a child with a deadline: a regression to the recursive mkdir would spin there, not hang the suite.
  const script = `import { makeOutDir } from ${JSON.stringify(new URL('../src/run-dir/out-dir.js', import.meta.url).href)};
    try { makeOutDir('/proc/soak-out-dir-test/run'); } catch (err) { process.stdout.write(err.message); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, killSignal: 'SIGKILL', encoding: 'utf8' });
  assert.equal(child.signal, null, 'it returned before its deadline');
  assert.match(child.stdout, /^--out: cannot create '\/proc\/soak-out-dir-test\/run' \(ENOENT: .*\); give a directory you can write to$/);
});

test('makeOutDir names the path as the user gave it', () => {
  const file = join(tempDir(), 'taken');
  writeFileSync(file, '');
  assert.throws(() => makeOutDir(file, 'taken'), /^UsageError: --out: cannot create 'taken' \(EEXIST/);
});
