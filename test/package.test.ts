/**
 * The package as a user installs it: `npm pack`, the tarball installed into an empty directory,
 * `npx soak short` run there, and a TypeScript plugin that imports `soak/workload` type-checked
 * against the installed types (and one with a mistake rejected, so the check is real).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { readSummary, repoRoot, tempDir } from './helpers/cli.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

/** Runs a command; resolves with its exit code and output whatever the code. */
async function exec(file: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const plugin = (body: string): string => `import { defineWorkload, type WorkloadContext } from 'soak/workload';

export default defineWorkload({
  name: 'typed',
  params: { size: 100 },
  setup(params: { size: number }) { return new Map<number, number>(); },
${body}
});
`;

test('the packed package installs clean, runs soak short, and types a plugin that imports soak/workload', async () => {
  const dir = tempDir();
  const packed = await exec(npm, ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], repoRoot);
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = join(dir, packed.stdout.trim().split('\n').pop() ?? '');
  assert.ok(existsSync(tarball), `no tarball at ${tarball}`);

  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const installed = await exec(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  assert.equal(installed.code, 0, installed.stderr);

  // Only what runs: no compiled tests, benchmarks, fixtures or source maps.
  const soakDir = join(app, 'node_modules', 'soak');
  assert.deepEqual(readdirSync(join(soakDir, 'dist')).sort(), ['src', 'workloads']);
  assert.equal(existsSync(join(soakDir, 'dist', 'src', 'index.js.map')), false);
  assert.ok(existsSync(join(soakDir, 'dist', 'src', 'workload.d.ts')));

  const out = join(app, 'run');
  const soaked = await exec('npx', ['--no-install', 'soak', 'short', '--duration', '30s', '--quiet', '--out', out], app);
  assert.ok(soaked.code === 0 || soaked.code === 1, `soak short exited ${soaked.code}: ${soaked.stderr}`);
  const summary = readSummary(out);
  assert.equal(summary.complete, true);
  assert.deepEqual(
    summary.workloads.map((w) => w.name),
    ['webhook', 'cache', 'circuit-breaker', 'refresh-manager'],
  );
  for (const w of summary.workloads) {
    assert.notEqual(w.verdict, 'error', `${w.name}: ${w.reason}`);
    assert.ok(w.opsTotal > 0, `${w.name} ran no operation`);
  }

  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: [] },
      include: ['plugin.ts'],
    }),
  );
  writeFileSync(join(app, 'plugin.ts'), plugin('  run(cache, ctx: WorkloadContext) { cache.set(Math.floor(ctx.random() * 1e6), Date.now()); },'));
  const typed = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  assert.equal(typed.code, 0, `${typed.stdout}${typed.stderr}`);
  // The check is real: a run that treats the state as the wrong type is refused.
  writeFileSync(join(app, 'plugin.ts'), plugin('  run(cache) { cache.push(1); },'));
  const refused = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  assert.notEqual(refused.code, 0, 'a plugin with a type error passed the check');
  assert.match(refused.stdout, /plugin\.ts.*Property 'push' does not exist on type 'Map<number, number>'/);
});
