/** What the benchmarks share: one phase in a fresh Node of its own, timed and with its peak RSS, and the median of rounds. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a phase's script prints on its stdout when it ends: its own JSON, at least these. */
export interface ChildMeasure {
  readonly seconds: number;
  readonly peakBytes: number;
}

/**
 * Runs a module script (it must print its measure as JSON on stdout) in a fresh Node. The script
 * is a file in `dir`, not `--input-type=module -e`: worker threads inherit the execArgv, and a
 * worker started from a file refuses --input-type.
 */
export function measureInChild<M extends ChildMeasure>(script: string, dir: string, label: string): Promise<M> {
  const file = join(dir, 'phase.mjs');
  writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as M) : reject(new Error(`${label} exited ${code}`))));
  });
}

/**
 * A child script's expression (it awaits, in a module) for its peak RSS in bytes: the process's own
 * high-water mark, VmHWM in /proc/self/status. Not `process.resourceUsage().maxRSS`: Linux carries
 * the parent's maxrss into a child across fork and exec, so every child of a bench that once held
 * 400 MB reported at least 400 MB (measured here: the child of a 504 MB parent, maxRSS 504 MB,
 * VmHWM 39 MB). maxRSS where /proc is not.
 */
export const PEAK_RSS_BYTES = `(await (async () => {
  try {
    const { readFileSync } = await import('node:fs');
    const found = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (found !== null) return Number(found[1]) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
})())`;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
