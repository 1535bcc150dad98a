/**
 * `npm run check:doctor` (.ci/run runs it after the suite): `soak doctor` with @clinic/doctor really
 * installed. Doctor is an optional peer dependency that `npm ci` leaves out (366 packages, about
 * 100 MB, 30-45 s from the registry here), so this installs it into a directory of its own, outside
 * this project's node_modules, names it to soak with SOAK_CLINIC_DOCTOR, and runs
 * test/doctor.test.ts with it: every test must pass and none may be skipped (the one that needs
 * doctor is skipped in `npm test`, which stays fast and off the network).
 *
 * SOAK_DOCTOR_PREFIX=DIR installs into DIR and keeps it (an install already there is reused);
 * otherwise a temporary directory is used and removed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The version soak declares it works with: its peer dependency's range. */
const range = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> }).peerDependencies?.[
  '@clinic/doctor'
];
if (range === undefined) throw new Error('package.json declares no peer dependency on @clinic/doctor');

const kept = process.env['SOAK_DOCTOR_PREFIX'];
const prefix = kept === undefined || kept === '' ? mkdtempSync(join(tmpdir(), 'soak-clinic-doctor-')) : resolve(kept);
const packageDir = join(prefix, 'node_modules', '@clinic', 'doctor');

try {
  process.exitCode = check();
} finally {
  if (kept === undefined || kept === '') rmSync(prefix, { recursive: true, force: true });
}

function check(): number {
  if (existsSync(join(packageDir, 'package.json'))) {
    process.stderr.write(`check:doctor: using @clinic/doctor in ${packageDir}\n`);
  } else {
    process.stderr.write(`check:doctor: installing @clinic/doctor@${range} into ${prefix}\n`);
    const started = performance.now();
    const install = spawnSync(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', `@clinic/doctor@${range}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (install.status !== 0) {
      process.stderr.write(`check:doctor: npm install @clinic/doctor failed (exit ${install.status ?? install.signal}); it needs the npm registry\n`);
      return 1;
    }
    process.stderr.write(`check:doctor: installed in ${((performance.now() - started) / 1000).toFixed(0)}s\n`);
  }

  const test = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join(repoRoot, 'dist', 'test', 'doctor.test.js')], {
    cwd: repoRoot,
    env: { ...process.env, SOAK_CLINIC_DOCTOR: packageDir },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  process.stdout.write(test.stdout);
  if (test.status !== 0) {
    process.stderr.write(`check:doctor: test/doctor.test.ts failed (exit ${test.status ?? test.signal})\n`);
    return 1;
  }
  if (!/^# skipped 0$/m.test(test.stdout) || !/^# pass [1-9]/m.test(test.stdout)) {
    process.stderr.write('check:doctor: a test of test/doctor.test.ts was skipped (its reason is above); with doctor installed every one must run\n');
    return 1;
  }
  process.stderr.write('check:doctor: soak doctor works with @clinic/doctor installed\n');
  return 0;
}
