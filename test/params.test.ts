import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyParams, isModulePath, parseParamSpec, type LoadedWorkload } from '../src/controller/workload-loader.js';
import { UsageError } from '../src/errors.js';

function workload(name: string, defaults: LoadedWorkload['defaults'], choices: LoadedWorkload['paramChoices'] = {}): LoadedWorkload {
  return { name, url: 'file:///x.js', builtIn: true, description: '', defaults, params: defaults, paramDocs: {}, paramChoices: choices };
}

const cache = workload('cache', { capacity: 1000, leak: 'none', lazy: true }, { leak: ['none', 'side-index'] });
const webhook = workload('webhook', { maxBatch: 100, leak: 'none' }, { leak: ['none', 'dedup', 'listener'] });

test('parseParamSpec reads key=value and workload.key=value', () => {
  assert.deepEqual(parseParamSpec('capacity=5'), { key: 'capacity', value: '5', spec: 'capacity=5' });
  assert.deepEqual(parseParamSpec('cache.leak=side-index'), { workload: 'cache', key: 'leak', value: 'side-index', spec: 'cache.leak=side-index' });
  assert.deepEqual(parseParamSpec('url=a=b'), { key: 'url', value: 'a=b', spec: 'url=a=b' });
});

test('parseParamSpec rejects text without key=value', () => {
  assert.throws(() => parseParamSpec('capacity'), /--param capacity: expected key=value/);
});

test('an untargeted parameter goes to every workload that has it, typed like its default', () => {
  const [c, w] = applyParams([cache, webhook], [parseParamSpec('leak=none'), parseParamSpec('capacity=50'), parseParamSpec('lazy=false')]);
  assert.equal(c?.params['capacity'], 50);
  assert.equal(c?.params['lazy'], false);
  assert.equal(w?.params['leak'], 'none');
  assert.equal(w?.params['capacity'], undefined);
  assert.equal(cache.params['capacity'], 1000, 'the loaded defaults are left alone');
});

test('a targeted parameter goes to that workload only', () => {
  const [c, w] = applyParams([cache, webhook], [parseParamSpec('webhook.leak=dedup')]);
  assert.equal(c?.params['leak'], 'none');
  assert.equal(w?.params['leak'], 'dedup');
});

test('a parameter no workload has is a usage error listing the known ones', () => {
  assert.throws(
    () => applyParams([cache], [parseParamSpec('size=3')]),
    (err: unknown) => err instanceof UsageError && /--param size=3: no such parameter \(known parameters: cache: capacity, leak, lazy\)/.test(err.message),
  );
});

test('a parameter aimed at a workload not in the run is a usage error', () => {
  assert.throws(() => applyParams([cache], [parseParamSpec('webhook.leak=dedup')]), /no workload named 'webhook' in this run/);
});

test('a value of the wrong type is a usage error', () => {
  assert.throws(() => applyParams([cache], [parseParamSpec('capacity=lots')]), /--param capacity=lots: expected a number, got 'lots'/);
  assert.throws(() => applyParams([cache], [parseParamSpec('lazy=yes')]), /expected true or false/);
});

test('a value outside the declared choices is a usage error', () => {
  assert.throws(() => applyParams([cache], [parseParamSpec('leak=dedup')]), /'dedup' is not one of none, side-index/);
});

test('module paths are told from workload names', () => {
  assert.equal(isModulePath('cache'), false);
  assert.equal(isModulePath('circuit-breaker'), false);
  assert.equal(isModulePath('./x.mjs'), true);
  assert.equal(isModulePath('plugin.js'), true);
  assert.equal(isModulePath('/abs/path/w'), true);
});
