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

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
