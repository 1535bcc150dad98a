/**
 * systemd/: the units as installed by scripts/install-systemd.sh pass `systemd-analyze verify` and
 * carry their hardening; soak-long-start, run for real on the built CLI, resumes the same run
 * directory after a kill -9 and starts a new one only once the run is finished.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CliResult, explain, interimAt, readSummary, repoRoot, runProcess, tempDir, until } from './helpers/cli.js';

const installScript = join(repoRoot, 'scripts', 'install-systemd.sh');
const startScript = join(repoRoot, 'systemd', 'soak-long-start');
const units = ['soak-long.service', 'soak-long-resume.service', 'soak-long.timer'];
const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** A shell script in a child process, its output collected; `onSpawn` sees the child. */
function runSh(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, onSpawn?: (child: ChildProcess) => void): Promise<CliResult> {
  return runProcess('sh', [script, ...args], { cwd: repoRoot, env, ...(onSpawn === undefined ? {} : { onSpawn }) });
}

/** A unit file's settings: section -> key -> every value given, in order. */
function parseUnit(path: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      sections.set(header[1] ?? '', section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section !== undefined && eq > 0, `${path}: a setting in a section: ${line}`);
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

const events = (dir: string): string[] =>
  readFileSync(join(dir, 'events.csv'), 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[5] ?? '');

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

const sampleRows = (dir: string): number => (read(join(dir, 'samples.csv')) ?? '').split('\n').length - 1;

test('install-systemd.sh --root installs units that systemd-analyze verify passes, hardened, and keeps an existing soak-long.env', async (t) => {
  const root = tempDir('soak-systemd-root-');
  const installed = await runSh(installScript, ['--root', root]);
  assert.equal(installed.code, 0, explain(installed));
  const unitDir = join(root, 'etc', 'systemd', 'system');
  for (const unit of units) assert.ok(existsSync(join(unitDir, unit)), `${unit} installed:\n${installed.stdout}`);
  const start = join(root, 'usr', 'local', 'lib', 'soak', 'soak-long-start');
  assert.equal(readFileSync(start, 'utf8'), readFileSync(startScript, 'utf8'));
  const envFile = join(root, 'etc', 'soak', 'soak-long.env');
  const soakBin = /^SOAK_BIN=(.+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1];
  assert.ok(soakBin !== undefined, 'soak-long.env names the soak command');
  // The checkout's CLI through a shim at /usr/local/lib/soak/soak, or a soak on PATH.
  const binInRoot = soakBin === '/usr/local/lib/soak/soak' ? join(root, soakBin) : soakBin;
  const version = spawnSync(binInRoot, ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, `${binInRoot} --version: ${version.stderr}`);

  // Idempotent, and the user's settings survive a second install.
  writeFileSync(envFile, 'SOAK_BIN=/opt/soak/bin/soak\nSOAK_ARGS=--workload cache\n');
  const again = await runSh(installScript, ['--root', root]);
  assert.equal(again.code, 0, explain(again));
  assert.match(again.stdout, /unchanged .*soak-long\.service/);
  assert.equal(readFileSync(envFile, 'utf8'), 'SOAK_BIN=/opt/soak/bin/soak\nSOAK_ARGS=--workload cache\n');
  const bad = await runSh(installScript, ['--root', join(root, 'missing')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^install-systemd\.sh: --root .*missing is not a directory\n$/);

  // Hardening, restart = resume, and the exit codes that are results, not failures.
  for (const name of ['soak-long.service', 'soak-long-resume.service']) {
    const service = parseUnit(join(unitDir, name)).get('Service');
    assert.ok(service !== undefined, name);
    const one = (key: string): string | undefined => service.get(key)?.at(-1);
    for (const [key, value] of [
      ['Type', 'exec'],
      ['DynamicUser', 'yes'],
      ['StateDirectory', 'soak'],
      ['ReadWritePaths', '%S/soak'],
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectControlGroups', 'yes'],
      ['RestrictSUIDSGID', 'yes'],
      ['LockPersonality', 'yes'],
      ['Restart', 'on-failure'],
      ['RestartPreventExitStatus', '1 2 4'],
      ['SuccessExitStatus', '1 4'],
      ['KillMode', 'mixed'],
      ['KillSignal', 'SIGTERM'],
      ['EnvironmentFile', '-/etc/soak/soak-long.env'],
    ]) {
      assert.equal(one(key ?? ''), value, `${name}: ${key}=`);
    }
    assert.equal(service.get('MemoryDenyWriteExecute'), undefined, `${name}: V8's JIT needs W+X pages`);
    assert.match(one('ExecStart') ?? '', /^\/usr\/local\/lib\/soak\/soak-long-start( --resume-only)?$/);
    assert.match(one('TimeoutStopSec') ?? '', /^[1-9]\d*min$/);
  }
  const timer = parseUnit(join(unitDir, 'soak-long.timer'));
  assert.equal(timer.get('Timer')?.get('Unit')?.[0], 'soak-long.service');
  assert.equal(timer.get('Timer')?.get('Persistent')?.[0], 'true');
  assert.ok(timer.get('Timer')?.get('OnCalendar') !== undefined);
  assert.equal(parseUnit(join(unitDir, 'soak-long-resume.service')).get('Install')?.get('WantedBy')?.[0], 'multi-user.target');

  if (!systemdAnalyze) {
    t.skip('systemd-analyze is not installed (.ci/run installs it)');
    return;
  }
  // verify --root resolves every unit and command inside the root: the standard units it checks
  // the dependencies against too, and the ExecStart the install put there (it must be executable).
  const systemUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((dir) => existsSync(dir));
  if (systemUnits !== undefined) cpSync(systemUnits, join(root, systemUnits), { recursive: true, verbatimSymlinks: true });
  const verify = spawnSync('systemd-analyze', ['verify', `--root=${root}`, ...units], { cwd: root, encoding: 'utf8' });
  assert.equal(verify.status, 0, `systemd-analyze verify:\n${verify.stderr}`);
  assert.equal(verify.stderr, '', 'no warnings about the units');
  // ...and fails when that command is not there, so the pass above means something.
  chmodSync(start, 0o644);
  const broken = spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'soak-long.service'], { cwd: root, encoding: 'utf8' });
  assert.notEqual(broken.status, 0);
  assert.match(broken.stderr, /soak-long-start is not executable/);
});

test('soak-long-start: after kill -9 it resumes the same run directory to its deadline; once that run is finished it starts a new one; --resume-only passes signals on', async () => {
  const state = tempDir('soak-systemd-state-');
  const shim = join(tempDir(), 'soak');
  writeFileSync(shim, `#!/bin/sh\nexec '${process.execPath}' '${join(repoRoot, 'dist', 'src', 'cli', 'main.js')}' "$@"\n`, { mode: 0o755 });
  const env = {
    ...process.env,
    SOAK_BIN: shim,
    SOAK_ARGS: '--workload cache --threads 1 --duration 20s --interval 1s --report-every 5s',
  };
  const current = (): string | undefined => read(join(state, 'current'));

  // Nothing to resume: --resume-only does nothing, and says so.
  const idle = await runSh(startScript, ['--resume-only', '--state-dir', state], env);
  assert.equal(idle.code, 0, explain(idle));
  assert.match(idle.stderr, /no unfinished run to resume/);
  assert.equal(current(), undefined);

  // A new run: soak-long-start execs soak, so its pid is the one in soak.pid.
  let wrapper: ChildProcess | undefined;
  const firstRun = runSh(startScript, ['--state-dir', state], env, (child) => (wrapper = child));
  await until('the first run to start recording', () => {
    const dir = current();
    return dir !== undefined && read(join(dir, 'soak.pid')) !== undefined && sampleRows(dir) >= 1;
  });
  const run = current() ?? '';
  assert.match(run, new RegExp(`^${state}/runs/long-\\d{8}T\\d{6}Z$`));
  assert.equal(read(join(run, 'soak.pid'))?.split('\n')[0], String(wrapper?.pid));
  await until('some samples', () => sampleRows(run) >= 4);
  wrapper?.kill('SIGKILL');
  const killed = await firstRun;
  assert.equal(killed.signal, 'SIGKILL', explain(killed));

  // What Restart=on-failure does: start again; the same directory is resumed and finished.
  const resumed = await runSh(startScript, ['--state-dir', state], env);
  assert.ok(resumed.code === 0 || resumed.code === 1, explain(resumed, run));
  assert.match(resumed.stderr, /soak-long-start: resuming /);
  assert.equal(current(), run);
  assert.equal(events(run).filter((e) => e === 'resume').length, 1);
  const summary = readSummary(run);
  assert.equal(summary.complete, true);
  assert.equal(summary.run.resumes?.length, 1);
  assert.ok(!existsSync(join(run, 'soak.pid')));

  // Started once more (the timer's next week): that run is finished, so a new one begins, with the
  // SOAK_ARGS of now. No timed interim reports in it: the one below is SIGUSR2's.
  const laterEnv = { ...env, SOAK_ARGS: '--workload cache --threads 1 --duration 20s --interval 1s --report-every 10m' };
  const secondRun = runSh(startScript, ['--state-dir', state], laterEnv, (child) => (wrapper = child));
  await until('a second run', () => {
    const dir = current();
    return dir !== undefined && dir !== run && sampleRows(dir) >= 1;
  });
  const next = current() ?? '';
  assert.notEqual(next, run);
  wrapper?.kill('SIGTERM');
  const stopped = await secondRun;
  assert.ok(stopped.code === 0 || stopped.code === 1, explain(stopped, next));
  assert.match(stopped.stderr, /is a finished run/, 'soak said why it did not resume');
  assert.match(stopped.stderr, /starting a new run in /);
  assert.equal(readSummary(next).complete, false);
  assert.equal(readSummary(run).complete, true, 'the finished run is left as it was');

  // At boot (--resume-only) the SIGTERM-stopped run is resumed; soak-long-start stays its parent
  // and passes SIGUSR2 (an interim report) and SIGTERM (a clean stop) on to it.
  assert.equal(interimAt(next), undefined, 'a partial summary, not an interim one');
  const rowsBefore = sampleRows(next);
  const atBoot = runSh(startScript, ['--resume-only', '--state-dir', state], laterEnv, (child) => (wrapper = child));
  await until('the resumed run to record', () => {
    const pid = read(join(next, 'soak.pid'))?.split('\n')[0];
    return pid !== undefined && pid !== String(wrapper?.pid) && sampleRows(next) >= rowsBefore + 2;
  });
  wrapper?.kill('SIGUSR2');
  await until('the SIGUSR2 report', () => interimAt(next) !== undefined, 10_000);
  wrapper?.kill('SIGTERM');
  const bootStopped = await atBoot;
  assert.ok(bootStopped.code === 0 || bootStopped.code === 1, explain(bootStopped, next));
  assert.equal(bootStopped.signal, null, 'it waited for soak and exited with its status');
  assert.equal(current(), next);
  assert.ok(!existsSync(join(next, 'soak.pid')), 'soak stopped cleanly');
  assert.equal(readSummary(next).complete, false);
  assert.equal(events(next).filter((e) => e === 'resume').length, 1);
});
