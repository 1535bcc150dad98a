/**
 * The CI recipes in docs/ (a GitHub Actions matrix, a Kubernetes Job) are copied by users as they
 * are: each parses, its parts refer to each other, and the commands in it are ones soak takes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';

/** A GitHub Actions expression, as the workflow file spells it (not a template string). */
const expr = (name: string): string => ['$', '{{ ', name, ' }}'].join('');
import { builtInWorkloads } from '../src/controller/workload-loader.js';
import { repoRoot } from './helpers/cli.js';

const docs = join(repoRoot, 'docs');

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly needs?: string;
  readonly if?: string;
  readonly strategy?: { readonly 'fail-fast'?: boolean; readonly matrix: { readonly include: readonly { name: string; workload: string }[] } };
  readonly steps: readonly Step[];
}

test('the GitHub Actions recipe: a soak job per built-in workload, each uploading its run, and a report job over them all', () => {
  const workflow = parse(readFileSync(join(docs, 'github-actions-soak.yml'), 'utf8'), { strict: true, uniqueKeys: true }) as { jobs: Record<string, Job> };
  const { soak, report } = workflow.jobs;
  assert.ok(soak !== undefined && report !== undefined);
  assert.equal(soak.strategy?.['fail-fast'], false, 'one leak does not cancel the other workloads');
  assert.deepEqual(
    soak.strategy?.matrix.include.map((m) => m.workload),
    [...builtInWorkloads],
  );
  const soakStep = soak.steps.find((s) => s.run?.includes('soak short') === true);
  assert.equal(soakStep?.run, `npx soak short --workload ${expr('matrix.workload')} --out reports/${expr('matrix.name')}`);
  const upload = soak.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@') === true);
  assert.equal(upload?.with?.['path'], `reports/${expr('matrix.name')}`);
  assert.equal(upload?.with?.['name'], `soak-${expr('matrix.name')}`);
  assert.match(upload?.if ?? '', /!cancelled\(\)/, 'uploaded after a leak too');
  assert.equal(report.needs, 'soak');
  assert.match(report.if ?? '', /!cancelled\(\)/, 'the report runs when a soak job failed');
  const download = report.steps.find((s) => s.uses?.startsWith('actions/download-artifact@') === true);
  assert.equal(download?.with?.['pattern'], 'soak-*');
  assert.equal(download?.with?.['path'], 'runs');
  const reportStep = report.steps.find((s) => s.run?.includes('soak report') === true);
  assert.equal(reportStep?.run, 'npx soak report runs/*/ --out release');
});

interface PodSpec {
  readonly volumes: readonly { readonly name: string; readonly persistentVolumeClaim: { readonly claimName: string } }[];
  readonly containers: readonly {
    readonly env: readonly { readonly name: string; readonly value: string }[];
    readonly args: readonly string[];
    readonly volumeMounts: readonly { readonly name: string }[];
  }[];
}
interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec: { readonly completions?: number; readonly completionMode?: string; readonly template: { readonly spec: PodSpec } };
}

test('the Kubernetes recipe: one pod per workload on a shared volume, and a report Job that waits for all of them', () => {
  const documents = parseAllDocuments(readFileSync(join(docs, 'kubernetes-soak-job.yaml'), 'utf8'));
  for (const d of documents) assert.deepEqual(d.errors, [], 'valid YAML');
  const [claim, soak, report] = documents.map((d) => d.toJS() as Manifest);
  assert.ok(claim !== undefined && soak !== undefined && report !== undefined, 'three manifests');
  assert.deepEqual([claim.kind, soak.kind, report.kind], ['PersistentVolumeClaim', 'Job', 'Job']);
  const container = (job: Manifest) => job.spec.template.spec.containers[0];
  const env = (job: Manifest, name: string): string => container(job)?.env.find((e) => e.name === name)?.value ?? '';
  const workloads = env(soak, 'WORKLOADS').split(' ');
  assert.deepEqual(workloads, [...builtInWorkloads]);
  assert.equal(soak.spec.completions, workloads.length, 'a pod per workload');
  assert.equal(soak.spec.completionMode, 'Indexed');
  assert.equal(Number(env(report, 'EXPECTED')), workloads.length, 'the report waits for every workload');
  assert.equal(env(report, 'RELEASE'), env(soak, 'RELEASE'));
  for (const job of [soak, report]) {
    const spec = job.spec.template.spec;
    assert.equal(spec.volumes[0]?.persistentVolumeClaim.claimName, claim.metadata.name);
    assert.equal(container(job)?.volumeMounts[0]?.name, spec.volumes[0]?.name);
  }
  // The pod's own lines, in a real shell: index i soaks the i-th workload.
  const choose = (container(soak)?.args[0] ?? '').split('\n').slice(0, 2).join('\n');
  const chosen = workloads.map((_, i) =>
    execFileSync('sh', ['-c', `${choose}\necho "$1"`], {
      env: { WORKLOADS: env(soak, 'WORKLOADS'), JOB_COMPLETION_INDEX: String(i) },
      encoding: 'utf8',
    }).trim(),
  );
  assert.deepEqual(chosen, workloads);
});
