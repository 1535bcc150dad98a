/**
 * scripts/release-bundle.ts on a real run directory, checked with the system `tar` and
 * `sha256sum` a person downloading the release asset would use.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { explain, repoRoot, runCli, runScript, tempDir, type CliResult } from './helpers/cli.js';
import { lockRun } from '../src/run-dir/run-lock.js';
import { SERIES_CACHE_FILE } from '../src/run-dir/series-cache.js';

const script = join(repoRoot, 'dist', 'scripts', 'release-bundle.js');

function runBundle(args: readonly string[], cwd: string, onSpawn?: (child: ChildProcess) => void, npmEnv: Record<string, string> = {}): Promise<CliResult> {
  // Run as from a shell, not as from `npm test` (whose npm_* variables a child inherits).
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|INIT_CWD$)/i.test(key)));
  return runScript(script, args, { cwd, env: { ...env, ...npmEnv }, ...(onSpawn === undefined ? {} : { onSpawn }) });
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Regular files under `root` (no symbolic links), `/`-separated, sorted. */
function regularFiles(root: string, rel = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(rel === '' ? root : join(root, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) found.push(...regularFiles(root, path));
    else if (entry.isFile()) found.push(path);
  }
  return found.sort();
}

/** File entries (not directories) of a .tar.gz, as the system tar lists them. */
function tarFiles(archive: string): string[] {
  return execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .sort();
}

function extract(archive: string, into: string): void {
  mkdirSync(into);
  execFileSync('tar', ['-xzf', archive, '-C', into]);
}

/** SHA256SUMS as a map of path to hash; fails on a line that is not `<64 hex>  <path>`. */
function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    assert.ok(match, `malformed SHA256SUMS line: ${line}`);
    sums.set(match[2]!, match[1]!);
  }
  return sums;
}

function oneLine(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('release bundle', () => {
  let work: string;
  let runDir: string;
  let runFiles: string[];

  before(async () => {
    work = tempDir('soak-release-');
    runDir = join(work, 'run');
    const result = await runCli(['run', '--workload', 'cache', '--threads', '1', '--duration', '15s', '--out', runDir, '--quiet']);
    assert.ok(result.code === 0 || result.code === 1, explain(result, runDir));
    writeFileSync(join(runDir, 'x.heapsnapshot'), Buffer.from(JSON.stringify({ snapshot: { meta: {} }, nodes: [1, 2, 3] })));
    mkdirSync(join(runDir, 'extra'));
    writeFileSync(join(runDir, 'extra', 'notes.txt'), 'kept in a subfolder\n');
    symlinkSync('summary.json', join(runDir, 'link-to-summary.json'));
    // A run's analysis of 4 MB of samples or more leaves one: a copy of samples.csv's series, never bundled.
    writeFileSync(join(runDir, SERIES_CACHE_FILE), 'SOAKSC');
    runFiles = regularFiles(runDir).filter((f) => f !== SERIES_CACHE_FILE);
    assert.ok(runFiles.includes('summary.json') && runFiles.includes('samples.csv'), `a real run directory: ${runFiles.join(', ')}`);
    assert.ok(!runFiles.includes('link-to-summary.json'));
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('archives every regular file but the series cache under one top folder, with SHA256SUMS that match', async () => {
    const outDir = join(work, 'full');
    mkdirSync(outDir);
    const archive = join(outDir, 'bundle.tar.gz');
    const result = await runBundle([runDir, '--out', archive], work);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), archive, 'the archive path on stdout');
    assert.deepEqual(readdirSync(outDir), ['bundle.tar.gz'], 'no temporary file left beside the archive');
    assert.match(result.stderr, /verdict: (pass|leak|inconclusive)/);
    assert.match(result.stderr, /gh release upload/);
    assert.match(result.stderr, /not bundled: series-cache\.bin \(the series read from samples\.csv/);

    const allEntries = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l !== '');
    for (const entry of allEntries) assert.ok(entry === 'run/' || entry.startsWith('run/'), `entry outside the top folder: ${entry}`);
    assert.deepEqual(tarFiles(archive), [...runFiles, 'SHA256SUMS'].map((f) => `run/${f}`).sort());

    const extracted = join(work, 'full-x');
    extract(archive, extracted);
    for (const file of runFiles) {
      assert.ok(readFileSync(join(extracted, 'run', file)).equals(readFileSync(join(runDir, file))), `${file} extracted as it was`);
    }
    const sums = parseSums(readFileSync(join(extracted, 'run', 'SHA256SUMS'), 'utf8'));
    assert.deepEqual([...sums.keys()].sort(), runFiles, 'SHA256SUMS lists every file');
    for (const [file, hash] of sums) assert.equal(hash, sha256(join(extracted, 'run', file)), `sha256 of ${file}`);
    // The documented check: sha256sum -c in the extracted folder.
    execFileSync('sha256sum', ['--check', '--strict', '--quiet', 'SHA256SUMS'], { cwd: join(extracted, 'run') });
  });

  it('names the archive after the run directory by default, in the working directory', async () => {
    const cwd = join(work, 'default');
    mkdirSync(cwd);
    const result = await runBundle([`${runDir}/`], cwd);
    assert.equal(result.code, 0, result.stderr);
    const expected = resolve(cwd, 'soak-run.tar.gz');
    assert.equal(result.stdout.trim(), expected);
    assert.ok(existsSync(expected));
    assert.deepEqual(readdirSync(cwd), ['soak-run.tar.gz']);
  });

  it("under `npm run release:bundle`, paths are the calling directory's (INIT_CWD), not the package root", async () => {
    const caller = join(work, 'caller');
    const packageRoot = join(work, 'package-root');
    mkdirSync(caller);
    mkdirSync(packageRoot);
    const npm = { npm_lifecycle_event: 'release:bundle', INIT_CWD: caller };
    const result = await runBundle(['../run'], packageRoot, undefined, npm);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), join(caller, 'soak-run.tar.gz'));
    assert.deepEqual(readdirSync(caller), ['soak-run.tar.gz']);
    assert.deepEqual(readdirSync(packageRoot), []);
  });

  it('--no-snapshots leaves the heap snapshots out, of the archive and of SHA256SUMS', async () => {
    const archive = join(work, 'lean.tar.gz');
    const result = await runBundle([runDir, '--out', archive, '--no-snapshots'], work);
    assert.equal(result.code, 0, result.stderr);
    const expected = runFiles.filter((f) => !f.endsWith('.heapsnapshot'));
    assert.ok(expected.length < runFiles.length, 'the fixture has a snapshot to leave out');
    assert.deepEqual(tarFiles(archive), [...expected, 'SHA256SUMS'].map((f) => `run/${f}`).sort());
    const extracted = join(work, 'lean-x');
    extract(archive, extracted);
    assert.deepEqual([...parseSums(readFileSync(join(extracted, 'run', 'SHA256SUMS'), 'utf8')).keys()].sort(), expected);
    assert.match(result.stderr, /left out \(--no-snapshots\): 1 heap snapshot/);
  });

  it('never overwrites: a second bundle to the same --out exits 2 and leaves the first intact', async () => {
    const outDir = join(work, 'twice');
    mkdirSync(outDir);
    const archive = join(outDir, 'bundle.tar.gz');
    const first = await runBundle([runDir, '--out', archive], work);
    assert.equal(first.code, 0, first.stderr);
    const before = readFileSync(archive);
    writeFileSync(join(runDir, 'extra', 'later.txt'), 'the run directory changed since\n');
    try {
      const second = await runBundle([runDir, '--out', archive], work);
      assert.equal(second.code, 2, second.stderr);
      oneLine(second.stderr);
      assert.match(second.stderr, /already exists/);
      assert.equal(second.stdout, '');
      assert.ok(readFileSync(archive).equals(before), 'the first archive is byte-identical');
      assert.deepEqual(readdirSync(outDir), ['bundle.tar.gz'], 'nothing else written');
    } finally {
      rmSync(join(runDir, 'extra', 'later.txt'));
    }
  });

  it('refuses a missing directory, a directory that is not a run, and unknown flags: exit 2, one line, nothing written', async () => {
    const cwd = join(work, 'refusals');
    mkdirSync(cwd);
    const notARun = join(work, 'not-a-run');
    mkdirSync(notARun);
    writeFileSync(join(notARun, 'samples.csv'), 'time\n');
    // A run whose recorder is alive (this process, as the bundler sees it) is still being written.
    const live = join(work, 'live-run');
    mkdirSync(live);
    writeFileSync(join(live, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    lockRun(live);
    const cases: [string[], RegExp][] = [
      [[live], new RegExp(`live-run: still being recorded by process ${process.pid}; bundle it once the run has finished`)],
      [[join(work, 'missing')], /no such run directory/],
      [[notARun], /no summary\.json/],
      [[notARun, '--out', join(cwd, 'x.tar.gz')], /no summary\.json/],
      [[runDir, '--snapshotz'], /unknown option --snapshotz/],
      [[], /no run directory given/],
    ];
    for (const [args, message] of cases) {
      const result = await runBundle(args, cwd);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      oneLine(result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.deepEqual(readdirSync(cwd), [], `${args.join(' ')} wrote nothing`);
    }
  });

  it('an interrupted bundle leaves no archive, not even a partial one', async () => {
    const bigRun = join(work, 'big-run');
    mkdirSync(bigRun);
    writeFileSync(join(bigRun, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    // A sparse 512 MB "snapshot": no disk used, but seconds of packing to interrupt.
    closeSync(openSync(join(bigRun, 'big.heapsnapshot'), 'w'));
    truncateSync(join(bigRun, 'big.heapsnapshot'), 512 * 1024 * 1024);
    const outDir = join(work, 'interrupted');
    mkdirSync(outDir);
    let sawPartial = false;
    const result = await runBundle([bigRun, '--out', join(outDir, 'big.tar.gz')], work, (child) => {
      const poll = setInterval(() => {
        if (readdirSync(outDir).some((name) => name.endsWith('.partial'))) {
          sawPartial = true;
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 5);
      child.on('close', () => clearInterval(poll));
    });
    assert.ok(sawPartial, `the archive was being written under a temporary name (exit ${result.code}, ${result.stderr})`);
    assert.equal(result.signal, 'SIGINT', `stopped by the signal: ${result.code} ${result.stderr}`);
    assert.deepEqual(readdirSync(outDir), [], 'neither the archive nor its temporary file is left');
  });
});
