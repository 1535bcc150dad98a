/** Whole or not at all: a reader (or a crash) never sees half a derived file of a run directory. */
import { renameSync, writeFileSync } from 'node:fs';

export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

export function writeJsonAtomically(path: string, value: unknown): void {
  writeAtomically(path, `${JSON.stringify(value, null, 2)}\n`);
}
