/**
 * soak.pid: the process recording a run directory, so that a second `--resume` of a run that is
 * still going (a systemd restart racing a manual one) is refused instead of writing the same CSV
 * twice. A lock left by a killed process (its pid is gone) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'soak.pid';

/** The pid of a live process recording the directory, if any (not this one). */
export function recordingProcess(outDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(outDir, LOCK_FILE), 'utf8'), 10);
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export function lockRun(outDir: string): void {
  writeFileSync(join(outDir, LOCK_FILE), `${process.pid}\n`);
}

export function unlockRun(outDir: string): void {
  rmSync(join(outDir, LOCK_FILE), { force: true });
}
