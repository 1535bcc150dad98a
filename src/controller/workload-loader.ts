/**
 * Resolves `--workload` names and plugin paths to modules, checks their exports, and applies
 * `--param` overrides. Runs on the controller before anything is written, so every mistake here
 * is a usage error.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errors } from '../errors.js';
import type { ParamOverride } from '../options.js';
import type { ParamValue, Params, Workload } from '../workload.js';

export const builtInWorkloads = ['webhook', 'cache', 'circuit-breaker', 'refresh-manager'] as const;

export interface LoadedWorkload {
  readonly name: string;
  /** file: URL the workers import. */
  readonly url: string;
  readonly builtIn: boolean;
  readonly description: string;
  readonly defaults: Params;
  /** Defaults with the overrides applied. */
  readonly params: Params;
  readonly paramDocs: Readonly<Record<string, string>>;
  readonly paramChoices: Readonly<Record<string, readonly ParamValue[]>>;
}

const NAME_PATTERN = /^[a-z0-9-]+$/;

export function isModulePath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.[cm]?[jt]s$/.test(spec);
}

/** Loads one workload module by built-in name or path, without overrides. */
export async function loadWorkload(spec: string): Promise<LoadedWorkload> {
  const builtIn = !isModulePath(spec);
  let url: URL;
  if (builtIn) {
    if (!(builtInWorkloads as readonly string[]).includes(spec)) throw errors.unknownWorkload(spec, builtInWorkloads);
    url = new URL(`../../workloads/${spec}.js`, import.meta.url);
  } else {
    const path = resolve(spec);
    if (!existsSync(path) || !statSync(path).isFile()) throw errors.pluginMissing(spec);
    if (/\.[cm]?ts$/.test(path)) {
      throw errors.pluginInvalid(spec, 'is TypeScript; compile it to JavaScript (tsc) and give the .js file');
    }
    url = pathToFileURL(path);
  }
  let module: { default?: unknown };
  try {
    module = (await import(url.href)) as { default?: unknown };
  } catch (err) {
    throw errors.pluginInvalid(spec, `could not be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const workload = checkWorkload(spec, module.default);
  const defaults = { ...(workload.params ?? {}) };
  return {
    name: workload.name,
    url: url.href,
    builtIn,
    description: workload.description ?? '',
    defaults,
    params: defaults,
    paramDocs: { ...(workload.paramDocs ?? {}) } as Record<string, string>,
    paramChoices: { ...(workload.paramChoices ?? {}) } as Record<string, readonly ParamValue[]>,
  };
}

function checkWorkload(spec: string, candidate: unknown): Workload {
  if (typeof candidate !== 'object' || candidate === null) {
    throw errors.pluginInvalid(spec, 'has no default export; export default { name, run } (see defineWorkload)');
  }
  const w = candidate as Partial<Workload>;
  if (typeof w.run !== 'function') throw errors.pluginInvalid(spec, 'exports no run function; its default export needs run(state, ctx)');
  if (typeof w.name !== 'string' || !NAME_PATTERN.test(w.name)) {
    throw errors.pluginInvalid(spec, `has name ${JSON.stringify(w.name)}; a workload name must match [a-z0-9-]+`);
  }
  for (const hook of ['setup', 'teardown', 'emitters'] as const) {
    if (w[hook] !== undefined && typeof w[hook] !== 'function')
      throw errors.pluginInvalid(spec, `exports ${hook} that is not a function; make it one or leave it out`);
  }
  if (w.params !== undefined) {
    if (typeof w.params !== 'object' || w.params === null) throw errors.pluginInvalid(spec, 'has params that are not an object');
    for (const [key, value] of Object.entries(w.params)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw errors.pluginInvalid(spec, `has parameter '${key}' whose default is not a string, number or boolean`);
      }
    }
  }
  return w as Workload;
}

/** Loads every workload and applies the overrides; names must be unique within a run. */
export async function loadWorkloads(specs: readonly string[], overrides: readonly ParamOverride[]): Promise<LoadedWorkload[]> {
  const loaded: LoadedWorkload[] = [];
  for (const spec of specs) {
    const workload = await loadWorkload(spec);
    if (loaded.some((w) => w.name === workload.name)) {
      throw errors.pluginInvalid(spec, `is named '${workload.name}' like another workload in this run; names must be unique`);
    }
    loaded.push(workload);
  }
  return applyParams(loaded, overrides);
}

export function applyParams(workloads: readonly LoadedWorkload[], overrides: readonly ParamOverride[]): LoadedWorkload[] {
  const params = new Map(workloads.map((w) => [w.name, { ...w.defaults }]));
  for (const override of overrides) {
    if (override.workload !== undefined && !params.has(override.workload)) {
      throw errors.paramValue(override.spec, `no workload named '${override.workload}' in this run (running: ${workloads.map((w) => w.name).join(', ')})`);
    }
    const targets = workloads.filter((w) => (override.workload === undefined || w.name === override.workload) && Object.hasOwn(w.defaults, override.key));
    if (targets.length === 0) {
      throw errors.unknownParam(
        override.spec,
        workloads.map((w) => ({ name: w.name, params: Object.keys(w.defaults) })),
      );
    }
    for (const target of targets) {
      const value = convertParam(override, target.defaults[override.key] as ParamValue, target.paramChoices[override.key]);
      (params.get(target.name) as Params)[override.key] = value;
    }
  }
  return workloads.map((w) => ({ ...w, params: params.get(w.name) ?? w.defaults }));
}

/** Gives the text the type of the parameter's default, and checks it against the allowed values. */
function convertParam(override: ParamOverride, defaultValue: ParamValue, choices: readonly ParamValue[] | undefined): ParamValue {
  let value: ParamValue;
  switch (typeof defaultValue) {
    case 'number':
      value = Number(override.value);
      if (override.value.trim() === '' || !Number.isFinite(value)) {
        throw errors.paramValue(override.spec, `expected a number, got '${override.value}'`);
      }
      break;
    case 'boolean':
      if (override.value !== 'true' && override.value !== 'false') {
        throw errors.paramValue(override.spec, `expected true or false, got '${override.value}'`);
      }
      value = override.value === 'true';
      break;
    default:
      value = override.value;
  }
  if (choices !== undefined && !choices.includes(value)) {
    throw errors.paramValue(override.spec, `'${override.value}' is not one of ${choices.join(', ')}`);
  }
  return value;
}

/** Parses `key=value` or `workload.key=value`. */
export function parseParamSpec(spec: string): ParamOverride {
  const match = /^(?:([a-z0-9-]+)\.)?([A-Za-z_][\w-]*)=(.*)$/s.exec(spec);
  if (!match) throw errors.paramValue(spec, 'expected key=value or workload.key=value');
  const [, workload, key = '', value = ''] = match;
  return workload === undefined ? { key, value, spec } : { workload, key, value, spec };
}
