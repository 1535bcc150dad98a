/**
 * The layout's rule, checked on the source: each folder of src/ imports only the folders below it
 * (the table in the README's layout section), and no module imports itself back through others.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers/cli.js';

const src = join(repoRoot, 'src');

/** What each unit may import besides itself; a unit is a folder of src/, or a file at its top. */
const allowed: Readonly<Record<string, readonly string[]>> = {
  units: [],
  random: [],
  workload: [],
  thread: [],
  analysis: ['units', 'random'],
  sampling: ['workload'],
  worker: ['sampling', 'workload', 'random'],
  errors: ['analysis'],
  options: ['analysis', 'errors'],
  snapshot: ['errors', 'thread'],
  'run-dir': ['analysis', 'sampling', 'snapshot', 'errors', 'options', 'units'],
  report: ['run-dir', 'snapshot', 'analysis', 'units'],
  controller: ['worker', 'sampling', 'run-dir', 'analysis', 'errors', 'options', 'units', 'workload'],
  doctor: ['controller', 'options', 'random', 'workload'],
  commands: ['doctor', 'controller', 'report', 'run-dir', 'snapshot', 'analysis', 'sampling', 'errors', 'options', 'units', 'workload', 'thread'],
  metrics: ['commands', 'controller', 'analysis', 'errors', 'options'],
  cli: ['metrics', 'commands', 'doctor', 'controller', 'report', 'run-dir', 'snapshot', 'analysis', 'sampling', 'errors', 'options', 'units', 'workload'],
  index: ['metrics', 'commands', 'report', 'run-dir', 'snapshot', 'analysis', 'errors', 'options', 'workload'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function unitOf(file: string): string {
  const [first = '', ...rest] = relative(src, file).split('/');
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

/** Every relative import of a module (type-only ones too: they shape the layers as much), as source paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => normalize(join(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts'))));
}

const files = sourceFiles(src);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test('every folder of src/ imports only the layers the README lists for it', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const from = unitOf(file);
    const may = allowed[from];
    assert.ok(may !== undefined, `${relative(src, file)}: its folder has no row in the table of layers`);
    for (const target of imports) {
      const to = unitOf(target);
      if (to !== from && !may.includes(to)) wrong.push(`${relative(src, file)} imports ${relative(src, target)} (${from} may not import ${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no module imports itself back through others', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(src, f)).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('the check sees imports: a module of every layer above the bottom imports something', () => {
  for (const unit of ['analysis', 'run-dir', 'report', 'controller', 'commands', 'cli']) {
    assert.ok(
      files.some((f) => unitOf(f) === unit && (graph.get(f)?.length ?? 0) > 0),
      `${unit} has modules with imports`,
    );
  }
});
