/** Runs the real, compiled CLI in a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../src/run-dir/summary.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  cwd = repoRoot,
  onSpawn?: (child: ChildProcess) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliResult> {
  return runScript(cliPath, args, { cwd, env, ...(onSpawn === undefined ? {} : { onSpawn }) });
}

/** Any compiled script of this package (dist/...), in a child process, its output collected. */
export function runScript(
  script: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void },
): Promise<CliResult> {
  return runProcess(process.execPath, [script, ...args], options);
}

/** Any command in a child process (a shell script, say), its output collected; `onSpawn` sees the child. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** This test file's temporary directories: removed when it ends with every test passed, kept (for explain()'s paths) when one failed. */
const tempDirs: string[] = [];

export function tempDir(prefix = 'soak-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // One suite run writes ~200 MB of runs (a generated day of samples alone is 172 MB) into the machine's temp directory.
  if (tempDirs.push(dir) === 1) process.once('exit', (code) => code === 0 && removeAll(tempDirs));
  return dir;
}

function removeAll(dirs: readonly string[]): void {
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // An exit handler must not throw (the file would read as failed): what is left is the OS's to clear.
    }
  }
}

export function fixture(name: string): string {
  return join(repoRoot, 'test', 'fixtures', name);
}

export function readSummary(outDir: string): Summary {
  return JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as Summary;
}

/** Where a run failed, the CLI's own words help more than an assertion message. */
export function explain(result: CliResult, outDir?: string): string {
  let text = `exit ${result.code}\nstderr:\n${result.stderr}`;
  if (outDir !== undefined) {
    try {
      text += `\nsummary.md:\n${readFileSync(join(outDir, 'summary.md'), 'utf8')}`;
    } catch {
      // no summary written
    }
  }
  return text;
}

/** Resolves once `check` holds, polling; fails after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The run time of the interim report in `dir`'s summary.json, if the summary there is one. */
export function interimAt(dir: string): number | undefined {
  try {
    const s = readSummary(dir);
    return s.interim === true ? s.run.elapsedS : undefined;
  } catch {
    return undefined;
  }
}
