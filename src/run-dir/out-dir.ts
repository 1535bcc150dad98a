/** Creating the directory a command writes into, with the one error every command gives when it cannot. */
import { mkdirSync } from 'node:fs';
import { errors } from '../errors.js';

/** `shown` is the path as the user gave it, for the message. */
export function makeOutDir(dir: string, shown: string = dir): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw errors.outUnusable(shown, err instanceof Error ? err.message : String(err));
  }
}
