/**
 * `npm run release:bundle -- <run-dir> [--out FILE] [--no-snapshots]`: one archive of a run
 * directory, to attach to a release (`gh release upload <tag> <archive>`).
 *
 * Writes a gzip'd tar (default `soak-<run-dir name>.tar.gz` in the working directory) whose entries
 * sit under one folder named after the run directory: every regular file of the run directory
 * (recursively; symbolic links are neither followed nor stored) and a `SHA256SUMS` file in
 * `sha256sum` format, so `cd <folder> && sha256sum -c SHA256SUMS` checks a downloaded copy.
 * `--no-snapshots` leaves `*.heapsnapshot` files out; the series cache (series-cache.bin, a copy
 * of what samples.csv holds) is always left out.
 *
 * Files are streamed twice (hashed, then packed) and never held in memory; a file that changes
 * between the two (a run still writing to the directory) fails the bundle. The archive is written
 * under a temporary name in the target directory and linked to its final name only when complete,
 * never over an existing file.
 *
 * Exit codes: 0 bundled; 1 bundling failed (nothing left under the final name); 2 refused (bad
 * arguments, not a soak run directory, a run still being recorded, --out already exists), one line
 * on stderr, nothing written.
 * The archive's path goes to stdout; everything for people goes to stderr.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, unlinkSync, type Stats } from 'node:fs';
import { link, lstat, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Header, Pack, ReadEntry } from 'tar';
import { recordingProcess } from '../src/run-dir/run-lock.js';
import { SERIES_CACHE_FILE } from '../src/run-dir/series-cache.js';
import { formatBytes } from '../src/units.js';

const USAGE = 'usage: npm run release:bundle -- <run-dir> [--out FILE] [--no-snapshots]';
const SUMS = 'SHA256SUMS';
/** GitHub refuses release assets of 2 GiB and more. */
const GITHUB_ASSET_LIMIT = 2 * 1024 ** 3;

/**
 * The user's working directory: `npm run` starts scripts in the package root and leaves the
 * directory it was called from in INIT_CWD, so paths and the default archive name follow that one
 * when run as `npm run release:bundle` (only then: a node process started by another npm script
 * inherits INIT_CWD too).
 */
const userCwd = process.env['npm_lifecycle_event'] === 'release:bundle' && process.env['INIT_CWD'] ? process.env['INIT_CWD'] : process.cwd();

/** Refusal: one line on stderr, exit 2, nothing written. */
class Refusal extends Error {}

interface Options {
  readonly runDir: string;
  readonly out: string | undefined;
  readonly snapshots: boolean;
}

interface RunFile {
  /** Path inside the run directory, `/`-separated. */
  readonly rel: string;
  readonly abs: string;
  readonly stat: Stats;
  sha256?: string;
}

interface Skipped {
  readonly rel: string;
  readonly why: string;
}

interface RunFacts {
  readonly verdict: string;
  readonly complete: boolean | undefined;
  readonly workloads: readonly { name: string; verdict: string }[];
}

function parseOptions(argv: readonly string[]): Options | 'help' {
  const parse = () =>
    parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        'no-snapshots': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? 'option';
      throw new Refusal(`unknown option ${flag} (${USAGE})`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Refusal(`--out needs a file name (${USAGE})`);
    throw new Refusal(`${message.split('\n')[0] ?? message} (${USAGE})`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [runDir, ...extra] = positionals;
  if (runDir === undefined || runDir === '') throw new Refusal(`no run directory given (${USAGE})`);
  if (extra.length > 0) throw new Refusal(`one run directory at a time, got also ${extra.join(' ')} (${USAGE})`);
  if (values.out === '') throw new Refusal(`--out needs a file name (${USAGE})`);
  return { runDir, out: values.out, snapshots: !values['no-snapshots'] };
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** The verdict and workloads from summary.json; refuses a file that is not a soak summary. */
async function readRunFacts(summaryPath: string, shown: string): Promise<RunFacts> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(summaryPath, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not valid JSON' : (errnoCode(error) ?? 'unreadable');
    throw new Refusal(`${shown}: ${why}, not a soak summary`);
  }
  if (typeof data !== 'object' || data === null || !('verdict' in data) || typeof data.verdict !== 'string') {
    throw new Refusal(`${shown}: has no "verdict", not a soak summary`);
  }
  const complete = 'complete' in data && typeof data.complete === 'boolean' ? data.complete : undefined;
  const workloads: { name: string; verdict: string }[] = [];
  if ('workloads' in data && Array.isArray(data.workloads)) {
    for (const w of data.workloads as unknown[]) {
      if (typeof w === 'object' && w !== null && 'name' in w && 'verdict' in w) {
        workloads.push({ name: String(w.name), verdict: String(w.verdict) });
      }
    }
  }
  return { verdict: data.verdict, complete, workloads };
}

/** Regular files under `root`, sorted, without following symbolic links. */
async function listFiles(root: string): Promise<{ files: RunFile[]; dirs: string[]; skipped: Skipped[] }> {
  const files: RunFile[] = [];
  const dirs: string[] = [];
  const skipped: Skipped[] = [];
  const walk = async (relDir: string): Promise<void> => {
    const entries = await readdir(relDir === '' ? root : join(root, relDir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      const abs = join(root, rel);
      if (entry.isDirectory()) {
        dirs.push(rel);
        await walk(rel);
      } else if (entry.isFile()) {
        files.push({ rel, abs, stat: await lstat(abs) });
      } else {
        skipped.push({ rel, why: entry.isSymbolicLink() ? 'symbolic link, not followed' : 'not a regular file' });
      }
    }
  };
  await walk('');
  return { files, dirs, skipped };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function unchanged(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}

/** One `sha256sum` line; names with a backslash or newline are escaped as coreutils does. */
function sumsLine(hex: string, rel: string): string {
  if (!/[\\\n\r]/.test(rel)) return `${hex}  ${rel}\n`;
  const escaped = rel.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `\\${hex}  ${escaped}\n`;
}

/** Shown paths: relative to the working directory when under it. */
function shownPath(abs: string): string {
  const rel = relative(userCwd, abs);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/** Writes `pack` to `tmp` (created, never reused) and flushes it to disk. */
async function writeArchive(pack: Pack, tmp: string): Promise<void> {
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true });
  await pipeline(pack as unknown as AsyncIterable<Buffer>, out);
}

/** Gives `tmp` the name `final` without ever replacing an existing file. */
async function publish(tmp: string, final: string, shownOut: string): Promise<void> {
  try {
    await link(tmp, final);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') throw new Refusal(`${shownOut}: already exists (created meanwhile); not overwriting`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
    // A file system without hard links: check, then rename (the small race is the best it allows).
    if ((await lstatOrUndefined(final)) !== undefined) throw new Refusal(`${shownOut}: already exists; not overwriting`);
    await rename(tmp, final);
    return;
  }
  await unlink(tmp);
}

async function bundle(options: Options): Promise<void> {
  const runDir = resolve(userCwd, options.runDir);
  const runStat = await lstatOrUndefined(runDir);
  if (runStat === undefined) throw new Refusal(`${options.runDir}: no such run directory`);
  // A symbolic link given on the command line is the user's choice: follow that one.
  const dirStat = runStat.isSymbolicLink() ? await stat(runDir).catch(() => undefined) : runStat;
  if (dirStat === undefined || !dirStat.isDirectory()) throw new Refusal(`${options.runDir}: not a directory`);
  const summaryPath = join(runDir, 'summary.json');
  const summaryStat = await lstatOrUndefined(summaryPath);
  if (summaryStat === undefined || !summaryStat.isFile()) {
    throw new Refusal(`${options.runDir}: no summary.json, not a soak run directory`);
  }
  const recorder = recordingProcess(runDir);
  if (recorder !== undefined) throw new Refusal(`${options.runDir}: still being recorded by process ${recorder}; bundle it once the run has finished`);
  const facts = await readRunFacts(summaryPath, join(options.runDir, 'summary.json'));
  const top = basename(runDir);

  if (top === '') throw new Refusal(`${options.runDir}: not a run directory`);

  const outPath = resolve(userCwd, options.out ?? `soak-${top}.tar.gz`);
  // Names the file as the user gave it, or says where the default name came from.
  const shownOut = options.out !== undefined ? `--out ${options.out}` : shownPath(outPath);
  if ((await lstatOrUndefined(outPath)) !== undefined) {
    throw new Refusal(`${shownOut}: already exists; not overwriting${options.out === undefined ? ' (choose another name with --out)' : ''}`);
  }
  const outDir = dirname(outPath);
  const outDirStat = await stat(outDir).catch(() => undefined);
  if (outDirStat === undefined || !outDirStat.isDirectory()) throw new Refusal(`${shownOut}: directory ${outDir} does not exist`);
  const inside = relative(runDir, outPath);
  if (!inside.startsWith('..') && !isAbsolute(inside)) {
    throw new Refusal(`${shownOut}: inside the run directory; write the archive elsewhere`);
  }

  const listing = await listFiles(runDir);
  const files: RunFile[] = [];
  const leftOut: RunFile[] = [];
  for (const file of listing.files) {
    if (file.rel === SUMS) listing.skipped.push({ rel: SUMS, why: 'replaced by a fresh one' });
    else if (file.rel === SERIES_CACHE_FILE)
      listing.skipped.push({ rel: SERIES_CACHE_FILE, why: 'the series read from samples.csv, for the next analysis; soak analyze makes it again' });
    else if (!options.snapshots && file.rel.endsWith('.heapsnapshot')) leftOut.push(file);
    else files.push(file);
  }

  // Pass 1: hashes, streamed.
  let sums = '';
  let newest = 0;
  for (const file of files) {
    file.sha256 = await sha256(file.abs);
    sums += sumsLine(file.sha256, file.rel);
    newest = Math.max(newest, file.stat.mtimeMs);
  }
  const sumsBuffer = Buffer.from(sums, 'utf8');

  // Pass 2: the archive, under a temporary name next to its final one.
  const tmp = join(outDir, `.${basename(outPath)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
  const onSignal = (signal: NodeJS.Signals): void => {
    try {
      unlinkSync(tmp);
    } catch {
      // not created yet, or already gone
    }
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const pack = new Pack({ cwd: runDir, prefix: top, gzip: true, portable: true, noDirRecurse: true, strict: true });
    pack.add('.');
    // SHA256SUMS first, so a reader streaming the archive has it before the files. Its time is
    // the newest file's, so the same run directory always gives the same archive.
    const sumsEntry = new ReadEntry(new Header({ path: SUMS, type: 'File', size: sumsBuffer.length, mode: 0o644, mtime: new Date(newest || Date.now()) }));
    sumsEntry.end(sumsBuffer);
    pack.add(sumsEntry);
    for (const dir of listing.dirs) pack.add(dir);
    for (const file of files) pack.add(file.rel);
    pack.end();
    await writeArchive(pack, tmp);

    for (const file of files) {
      const now = await lstatOrUndefined(file.abs);
      if (now === undefined || !unchanged(file.stat, now)) {
        throw new Error(`${file.rel} changed while it was being bundled (is a run still writing to ${options.runDir}?)`);
      }
    }
    await publish(tmp, outPath, shownOut);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  const archiveSize = (await stat(outPath)).size;
  report({ options, top, outPath, archiveSize, facts, files, leftOut, skipped: listing.skipped, sumsSize: sumsBuffer.length });
  process.stdout.write(`${outPath}\n`);
}

interface ReportInput {
  readonly options: Options;
  readonly top: string;
  readonly outPath: string;
  readonly archiveSize: number;
  readonly facts: RunFacts;
  readonly files: readonly RunFile[];
  readonly leftOut: readonly RunFile[];
  readonly skipped: readonly Skipped[];
  readonly sumsSize: number;
}

function report(input: ReportInput): void {
  const { options, top, outPath, archiveSize, facts, files, leftOut, skipped } = input;
  const lines: string[] = [];
  const unpacked = files.reduce((total, file) => total + file.stat.size, input.sumsSize);
  const shownOut = shownPath(outPath);
  lines.push(`bundled ${options.runDir} into ${shownOut}: ${files.length + 1} files, ${formatBytes(archiveSize)} (${formatBytes(unpacked)} unpacked)`);
  const perWorkload = facts.workloads.map((w) => `${w.name} ${w.verdict}`).join(', ');
  const completeness = facts.complete === false ? ', run stopped early (complete: false)' : '';
  lines.push(`  verdict: ${facts.verdict}${completeness}${perWorkload === '' ? '' : ` (${perWorkload})`}`);
  const width = Math.max(SUMS.length, ...files.map((file) => file.rel.length));
  lines.push(`  ${top}/`);
  lines.push(`    ${SUMS.padEnd(width)}  ${formatBytes(input.sumsSize)}`);
  for (const file of files) lines.push(`    ${file.rel.padEnd(width)}  ${formatBytes(file.stat.size)}`);
  if (leftOut.length > 0) {
    const bytes = leftOut.reduce((total, file) => total + file.stat.size, 0);
    lines.push(`  left out (--no-snapshots): ${leftOut.length} heap snapshot${leftOut.length === 1 ? '' : 's'}, ${formatBytes(bytes)}`);
  }
  for (const skip of skipped) lines.push(`  not bundled: ${skip.rel} (${skip.why})`);
  if (archiveSize >= GITHUB_ASSET_LIMIT) {
    lines.push(`  warning: GitHub release assets must be under 2 GB; bundle again with --no-snapshots`);
  }
  lines.push('next:');
  lines.push(`  gh release upload <tag> ${shownOut}        # e.g. gh release upload v1.4.0 ${shownOut}`);
  lines.push(`  after download: tar -xzf ${basename(outPath)} && cd ${top} && sha256sum -c ${SUMS}`);
  if (files.some((file) => file.rel === 'report.html')) {
    lines.push(`  GitHub shows no HTML from release assets: ${top}/report.html opens offline in a browser after download`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    await bundle(options);
  } catch (error) {
    if (error instanceof Refusal) {
      process.stderr.write(`release-bundle: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`release-bundle: bundling failed: ${message.split('\n')[0] ?? message}\n`);
    process.exitCode = 1;
  }
}

await main();
