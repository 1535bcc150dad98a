/**
 * `soak doctor` through the real CLI. Without @clinic/doctor (as `npm ci` leaves this project):
 * one line naming the install, exit 2, nothing written; bad input is exit 2 before anything else.
 * With it (SOAK_CLINIC_DOCTOR naming an installed copy's package directory, as `npm run
 * check:doctor` does in .ci/run): doctor's HTML report of the cache workload, naming it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { explain, repoRoot, runCli, tempDir } from './helpers/cli.js';

const installed = process.env['SOAK_CLINIC_DOCTOR'];
/** The environment of a soak that has no @clinic/doctor: none beside it, none named. */
const { SOAK_CLINIC_DOCTOR: _named, ...withoutDoctor } = process.env;

/** True when this project's own node_modules holds @clinic/doctor (an `npm install --no-save` left there). */
function installedInProject(): boolean {
  try {
    createRequire(join(repoRoot, 'dist', 'src', 'commands', 'doctor.js')).resolve('@clinic/doctor');
    return true;
  } catch {
    return false;
  }
}

async function usageError(args: string[], message: RegExp, env: NodeJS.ProcessEnv = withoutDoctor): Promise<void> {
  const out = join(tempDir(), 'run');
  const result = await runCli(['doctor', ...args, '--out', out], repoRoot, undefined, env);
  assert.equal(result.code, 2, explain(result));
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0] ?? '', message);
  assert.equal(result.stdout, '');
  assert.equal(existsSync(out), false, 'nothing written');
}

test(
  'without @clinic/doctor: one line saying how to install it, exit 2, nothing written',
  { skip: installedInProject() ? "@clinic/doctor is installed in this project's node_modules (npm ci removes it)" : false },
  () =>
    usageError(
      ['--workload', 'cache', '--duration', '2s'],
      /^soak doctor: @clinic\/doctor is not installed: npm install --no-save @clinic\/doctor \(it is not installed with soak to keep the install light\), or set SOAK_CLINIC_DOCTOR to the directory of an installed copy$/,
    ),
);

test('an unknown workload is exit 2 before doctor is looked for', () =>
  usageError(['--workload', 'nope'], /^soak doctor: --workload: unknown workload 'nope'; built-in workloads are webhook, cache, /));

test('bad input: no workload, two workloads, a bad duration, an unknown parameter', async () => {
  await usageError([], /^soak doctor: --workload must be one workload, a built-in name or a plugin module path .*\(got undefined\)$/);
  await usageError(['--workload', 'cache,webhook'], /^soak doctor: --workload must be one workload, .*\(got 'cache,webhook'\)$/);
  await usageError(['--workload', 'cache', '--duration', 'soon'], /^soak doctor: --duration must be a duration such as 30s or 2m \(got 'soon'\)$/);
  await usageError(['--workload', 'cache', '--duration', '500ms'], /^soak doctor: --duration must be at least 1s \(got '500ms'\)$/);
  await usageError(['--workload', 'cache', '--param', 'nope=1'], /^soak doctor: --param nope=1: no such parameter \(known parameters: cache: capacity, /);
  await usageError(['--workload', 'cache', '--concurrency', 'many'], /^soak doctor: --concurrency must be an integer \(got 'many'\)$/);
});

test('SOAK_CLINIC_DOCTOR naming a directory without the package is exit 2', () =>
  usageError(['--workload', 'cache'], /^soak doctor: SOAK_CLINIC_DOCTOR: no @clinic\/doctor package at '.+'; set it to the package's directory/, {
    ...withoutDoctor,
    SOAK_CLINIC_DOCTOR: tempDir(),
  }));

test('an --out that holds a doctor report is refused and left as it was', async () => {
  const out = tempDir();
  writeFileSync(join(out, 'doctor.html'), 'an earlier report');
  const result = await runCli(['doctor', '--workload', 'cache', '--out', out], repoRoot, undefined, withoutDoctor);
  assert.equal(result.code, 2, explain(result));
  assert.equal(result.stderr, `soak doctor: --out: '${out}' already holds a doctor report (doctor.html); choose another directory or remove it\n`);
  assert.deepEqual(readdirSync(out), ['doctor.html']);
  assert.equal(readFileSync(join(out, 'doctor.html'), 'utf8'), 'an earlier report');
});

test("with @clinic/doctor: the cache workload for 10s on the main thread, doctor's HTML report in the run directory, naming it", {
  skip: installed === undefined ? "set SOAK_CLINIC_DOCTOR to an installed @clinic/doctor's package directory (npm run check:doctor does)" : false,
  timeout: 180_000,
}, async () => {
  const parent = tempDir();
  const out = join(parent, 'run');
  mkdirSync(out);
  const result = await runCli(['doctor', '--workload', 'cache', '--duration', '10s', '--out', out], repoRoot);
  assert.equal(result.code, 0, explain(result));
  const html = join(out, 'doctor.html');
  const pointer = result.stderr.trimEnd().split('\n').pop() ?? '';
  assert.match(pointer, /^soak doctor: cache: \d+ operations, 0 errors in 10s; Clinic Doctor's report: (.+) \(open it in a browser\)$/);
  assert.equal(/report: (.+) \(open/.exec(pointer)?.[1], html, 'the line points to the HTML file');
  const text = readFileSync(html, 'utf8');
  // Doctor's own report: its page, its embedded samples and its analysis.
  assert.match(text, /^\s*<!DOCTYPE html>/);
  assert.match(text, /<script type="application\/json" id="clinic-data">/);
  assert.match(text, /"processStat":/);
  assert.match(text, /"analysis":\s*\{"interval":/);
  assert.match(text, /nc-header__logo-text">Doctor</);
  // ...named for the workload it ran.
  assert.match(text, /<title>soak doctor: cache \(Clinic Doctor\)<\/title>/);
  const record = JSON.parse(readFileSync(join(out, 'doctor.json'), 'utf8')) as {
    workload: string;
    concurrency: number;
    outcome: { kind: string; opsTotal: number; elapsedS: number };
  };
  assert.equal(record.workload, 'cache');
  assert.equal(record.concurrency, 4);
  assert.equal(record.outcome.kind, 'ran');
  assert.ok(record.outcome.opsTotal > 0, 'operations ran');
  assert.ok(record.outcome.elapsedS >= 10 && record.outcome.elapsedS < 12, `ran for the duration (${record.outcome.elapsedS}s)`);
  // Doctor's trace files were collected into its data directory, none left behind.
  assert.deepEqual(readdirSync(out).sort(), ['doctor.clinic-doctor', 'doctor.html', 'doctor.json']);
  assert.deepEqual(
    readdirSync(repoRoot).filter((f) => f.startsWith('node_trace.')),
    [],
  );
});
