/** Creating the directory a command writes into, with the one error every command gives when it cannot. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errors } from '../errors.js';

/** `shown` is the path as the user gave it, for the message. */
export function makeOutDir(dir: string, shown: string = dir): void {
  try {
    makeDirs(dir);
  } catch (err) {
    throw errors.outUnusable(shown, err instanceof Error ? err.message : String(err));
  }
}

/**
 * `mkdir -p` without Node's recursive mkdir, which never returns where a directory exists but cannot
 * hold the one asked for: procfs answers ENOENT for `/proc/x`, and Node 20's walk then creates the
 * parent (EEXIST) and tries the child again, for ever, on a full core and deaf to signals (its loop
 * is in C++); it has also been reported to give ENOENT for a full disk (nodejs/node#42808). Here
 * the missing directories are found by walking up to one that exists, then created one by one, top
 * down: the first failure is final and is the system's own (ENOENT, ENOTDIR, EACCES, ENOSPC, EROFS).
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  // The path itself is taken by a file: the system's EEXIST says so.
  if (missing.length === 0 && !statSync(at).isDirectory()) mkdirSync(at);
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (err) {
      // Made meanwhile by another process: what was wanted.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && isDirectory(path)) continue;
      throw err;
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
