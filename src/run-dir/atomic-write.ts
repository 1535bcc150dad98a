/** Whole or not at all: a reader (or a crash) never sees half a derived file of a run directory. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (err) {
    // A full disk leaves no half-written temporary beside the file it was to replace.
    rmSync(temporary, { force: true });
    throw err;
  }
}
export function writeJsonAtomically(path: string, value: unknown): void {
  writeAtomically(path, `${JSON.stringify(value, null, 2)}\n`);
}
