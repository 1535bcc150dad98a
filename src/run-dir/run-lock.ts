/**
 * soak.pid: the process recording a run directory, so that a second `--resume` of a run that is
 * still going (a systemd restart racing a manual one) is refused instead of writing the same CSV
 * twice. A lock left by a killed process is taken over. After a reboot or in a new PID namespace
 * the dead process's pid may be alive again as another process (pids start again at each boot):
 * so the lock also records the kernel's boot id and the process's start time, and a live pid with
 * another identity is a stale lock.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'soak.pid';

/**
 * A process's identity beyond its pid: the boot id and its start time in clock ticks since boot
 * (/proc/<pid>/stat field 22), or undefined where /proc cannot tell (not Linux, or no such process).
 */
export function processIdentity(pid: number): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold both: the fields after it start at field 3.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start === undefined || boot === '' ? undefined : `${boot}:${start}`;
  } catch {
    return undefined;
  }
}

/** The pid of a live process recording the directory, if any (not this one). */
export function recordingProcess(outDir: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(outDir, LOCK_FILE), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  const recorded = lines[1]?.trim() ?? '';
  if (recorded !== '' && processIdentity(process.pid) !== undefined) return processIdentity(pid) === recorded ? pid : undefined;
  // A lock without an identity (or no /proc here): the pid alone decides.
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export function lockRun(outDir: string): void {
  writeFileSync(join(outDir, LOCK_FILE), `${process.pid}\n${processIdentity(process.pid) ?? ''}\n`);
}

export function unlockRun(outDir: string): void {
  rmSync(join(outDir, LOCK_FILE), { force: true });
}
