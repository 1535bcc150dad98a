/**
 * `--config FILE`, or `soak.config.json` / `soak.config.mjs` found in the working directory: defaults
 * for every flag of `soak short` and `soak run`, under the flags' own names (`"max-slope": "1MB/h"`),
 * plus `params` as an object (`{ "cache": { "capacity": 5000 }, "seed": 3 }`: per workload, or for
 * every workload that has the key) and `thresholds` per workload (`{ "cache": { "max-slope": "2MB/h" } }`).
 * Flags given on the command line override it; a config's
 * parameters come before the flags' `--param`, so those win. Values go through the flags' own
 * parsers, so a bad value reads as the flag's error. Plugin paths are relative to the config file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isModulePath } from '../controller/workload-loader.js';
import { errors } from '../errors.js';
import type { WorkloadThresholds } from '../options.js';
import { parseRateFlag, parseSizeFlag } from './flags.js';

export const CONFIG_FILES = ['soak.config.json', 'soak.config.mjs'] as const;

/** What a config may set: each flag of short and run, by the flag's name, with the JSON types it takes. */
export const FLAG_KEYS = {
  workload: 'list',
  duration: 'text',
  'max-duration': 'text',
  'min-duration': 'text',
  'look-every': 'text',
  interval: 'text',
  warmup: 'text',
  threads: 'text',
  concurrency: 'text',
  param: 'list',
  'max-slope': 'text',
  'max-growth': 'text',
  out: 'text',
  seed: 'text',
  'inject-leak': 'text',
  'max-heap-per-worker': 'text',
  'report-every': 'text',
  'stuck-after': 'text',
  'metrics-port': 'text',
  'metrics-host': 'text',
  snapshots: 'switch',
  strict: 'switch',
  quiet: 'switch',
} as const;

type FlagKey = keyof typeof FLAG_KEYS;
export type ConfigFlags = {
  -readonly [K in FlagKey]?: (typeof FLAG_KEYS)[K] extends 'list' ? string[] : (typeof FLAG_KEYS)[K] extends 'switch' ? boolean : string;
};

export interface Config {
  /** The file it came from, as given or found. */
  readonly path: string;
  readonly flags: ConfigFlags;
  /** `thresholds`: workloads judged by limits of their own. */
  readonly thresholds: Readonly<Record<string, WorkloadThresholds>>;
}

/** The config to use: the one named, or the first of CONFIG_FILES in `cwd`, or none. */
export async function findConfig(named: string | undefined, cwd: string): Promise<Config | undefined> {
  if (named !== undefined) {
    if (!existsSync(resolve(cwd, named))) throw errors.configMissing(named);
    return loadConfig(named, cwd);
  }
  const found = CONFIG_FILES.find((name) => existsSync(join(cwd, name)));
  return found === undefined ? undefined : loadConfig(found, cwd);
}

async function loadConfig(path: string, cwd: string): Promise<Config> {
  const absolute = resolve(cwd, path);
  let raw: unknown;
  if (absolute.endsWith('.mjs') || absolute.endsWith('.js')) {
    try {
      raw = ((await import(pathToFileURL(absolute).href)) as { default?: unknown }).default;
    } catch (err) {
      throw errors.configInvalid(path, `cannot be loaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
    if (raw === undefined) throw errors.configInvalid(path, 'has no default export; export default { ... }');
  } else {
    try {
      raw = JSON.parse(readFileSync(absolute, 'utf8'));
    } catch (err) {
      throw errors.configInvalid(path, `is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return { path, ...parseConfig(raw, path, relative(cwd, dirname(absolute))) };
}

/** Checks every key and type; `base` is the config's directory relative to the working directory. */
export function parseConfig(raw: unknown, path: string, base = ''): Omit<Config, 'path'> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw errors.configInvalid(path, 'must hold an object of flag names and values');
  const flags: ConfigFlags = {};
  const params: string[] = [];
  let thresholds: Record<string, WorkloadThresholds> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'params') {
      params.push(...paramSpecs(value, path));
      continue;
    }
    if (key === 'thresholds') {
      thresholds = workloadThresholds(value, path);
      continue;
    }
    if (!Object.hasOwn(FLAG_KEYS, key)) {
      throw errors.configInvalid(path, `unknown key '${key}'; keys are the flags of soak run (${Object.keys(FLAG_KEYS).join(', ')}), params and thresholds`);
    }
    const flag = key as FlagKey;
    const kind = FLAG_KEYS[flag];
    const wrong = (expected: string): never => {
      throw errors.configInvalid(path, `'${key}' must be ${expected} (got ${JSON.stringify(value)})`);
    };
    if (kind === 'switch') {
      if (typeof value !== 'boolean') wrong('true or false');
      (flags as Record<string, unknown>)[flag] = value;
    } else if (kind === 'list') {
      const items = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(items) || !items.every((v) => typeof v === 'string')) wrong('a string or a list of strings');
      const list = items as string[];
      (flags as Record<string, unknown>)[flag] = flag === 'workload' ? list.flatMap((w) => w.split(',')).map((w) => relativeTo(base, w.trim())) : list;
    } else {
      if (typeof value !== 'string' && typeof value !== 'number') wrong('a string or a number');
      (flags as Record<string, unknown>)[flag] = flag === 'out' ? relativeTo(base, String(value), true) : String(value);
    }
  }
  if (params.length > 0) flags.param = [...params, ...(flags.param ?? [])];
  return { flags, thresholds };
}

/** `thresholds`: `{ workload: { "max-slope": "2MB/h", "max-growth": "80MB" } }`, read by the flags' own parsers. */
function workloadThresholds(value: unknown, path: string): Record<string, WorkloadThresholds> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) {
    throw errors.configInvalid(path, `'thresholds' must be an object such as { "cache": { "max-slope": "2MB/h" } } (got ${JSON.stringify(value)})`);
  }
  const parsers = {
    'max-slope': (text: string) => ({ maxSlopeBytesPerHour: parseRateFlag('--max-slope', text) * 3600 }),
    'max-growth': (text: string) => ({ maxGrowthBytes: parseSizeFlag('--max-growth', text) }),
  } as const;
  const result: Record<string, WorkloadThresholds> = {};
  for (const [workload, own] of Object.entries(value)) {
    if (!isObject(own)) throw errors.configInvalid(path, `'thresholds.${workload}' must be an object of max-slope and max-growth (got ${JSON.stringify(own)})`);
    let parsed: WorkloadThresholds = {};
    for (const [key, text] of Object.entries(own)) {
      const where = `thresholds.${workload}.${key}`;
      if (!Object.hasOwn(parsers, key)) throw errors.configInvalid(path, `unknown key '${where}'; a workload's thresholds are max-slope and max-growth`);
      if (typeof text !== 'string') throw errors.configInvalid(path, `'${where}' must be a string such as "2MB/h" or "80MB" (got ${JSON.stringify(text)})`);
      try {
        parsed = { ...parsed, ...parsers[key as keyof typeof parsers](text) };
      } catch (err) {
        // The flag parser's requirement, under the config's key.
        const requirement = err instanceof Error ? err.message.replace(/^--max-(slope|growth) /, '') : String(err);
        throw errors.configInvalid(path, `'${where}' ${requirement}`);
      }
    }
    result[workload] = parsed;
  }
  return result;
}

/** `params`: `{ key: value }` for every workload that has the key, `{ workload: { key: value } }` for one. */
function paramSpecs(value: unknown, path: string): string[] {
  const scalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.configInvalid(path, `'params' must be an object such as { "cache": { "capacity": 5000 } } (got ${JSON.stringify(value)})`);
  }
  const specs: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (scalar(v)) {
      specs.push(`${key}=${String(v)}`);
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw errors.configInvalid(path, `'params.${key}' must be a value or an object of values (got ${JSON.stringify(v)})`);
    }
    for (const [param, p] of Object.entries(v)) {
      if (!scalar(p)) throw errors.configInvalid(path, `'params.${key}.${param}' must be a string, number or boolean (got ${JSON.stringify(p)})`);
      specs.push(`${key}.${param}=${String(p)}`);
    }
  }
  return specs;
}

/** A plugin path (or the run directory) given in a config elsewhere, as seen from the working directory. */
function relativeTo(base: string, spec: string, always = false): string {
  if (base === '' || isAbsolute(spec) || !(always || isModulePath(spec))) return spec;
  const joined = join(base, spec);
  return joined.startsWith('.') || isAbsolute(joined) ? joined : `./${joined}`;
}

/** The flags as given, with the config's values where a flag was not given. */
export function withConfig<T extends ConfigFlags>(args: T, config: Config | undefined): T {
  if (config === undefined) return args;
  const merged: Record<string, unknown> = { ...args };
  for (const [key, value] of Object.entries(config.flags)) {
    if (key === 'param') merged[key] = [...(value as string[]), ...((args.param as string[] | undefined) ?? [])];
    else if (merged[key] === undefined) merged[key] = value;
  }
  return merged as T;
}
