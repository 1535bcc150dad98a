/** User plugin modules through the real CLI: attribution to a worker, crashes and respawns, injected leaks. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { explain, fixture, readSummary, repoRoot, runCli, tempDir, until } from './helpers/cli.js';
import { capThreads, runWithoutThreads, THREAD_CAP_MISSING } from './helpers/thread-cap.js';

test('a plugin leaking in one worker only is attributed to that worker', async () => {
  const out = join(tempDir(), 'run');
  // Attribution is judged here by the growth limit: the leaking worker retains some 3-5 MB over the window, the
  // clean one some KB. Its slope alone is not significant at the worker's 98.75 % level in a run this short: its
  // growth rate wobbles with the operation rate, and the trend test's autocorrelation correction (Hamed-Rao, seen
  // at 7-22x here) left even a strictly rising heap of 15-55 samples inconclusive about 1 run in 6.
  const args = ['run', '--workload', fixture('leak-one-worker.mjs'), '--duration', '40s', '--warmup', '5s', '--max-growth', '1MB', '--threads', '2'];
  const result = await runCli([...args, '--quiet', '--out', out]);
  assert.equal(result.code, 1, explain(result, out));
  const summary = readSummary(out);
  const [workload] = summary.workloads;
  assert.equal(workload?.verdict, 'leak');
  assert.equal(workload?.workers.find((w) => w.worker === 'leak-one-worker#0')?.verdict, 'leak');
  assert.match(workload?.reason ?? '', /^leak-one-worker#0 heap/, 'the reason names the leaking worker');
  const leaking = workload?.workers.find((w) => w.worker === 'leak-one-worker#0');
  const other = workload?.workers.find((w) => w.worker === 'leak-one-worker#1');
  assert.ok(other?.slopeBytesPerHour !== null && other !== undefined);
  assert.notEqual(other.verdict, 'leak', other.reason);
  // The clean worker may still creep a few MB/h with JIT warm-up in 30 s; the leaking one grows ~100 MB/h.
  const slopes = `${leaking?.slopeBytesPerHour} B/h against ${other.slopeBytesPerHour} B/h`;
  assert.ok((other.slopeBytesPerHour ?? 0) < (leaking?.slopeBytesPerHour ?? 0) / 20, `the other worker grows far less: ${slopes}`);
});

test('a clean plugin passes and the samples follow the contract', async () => {
  const out = join(tempDir(), 'run');
  // A clean plugin still settles in its first minute (V8 feedback and code: 0.2-0.9 MB/h measured in 40 s
  // runs, ±0.4 MB/h), so at the default 1 MB/h a 40 s run is sometimes undecided; 2 MB/h decides it.
  const result = await runCli([
    'run',
    '--workload',
    fixture('clean-plugin.mjs'),
    '--duration',
    '40s',
    '--threads',
    '2',
    '--max-slope',
    '2MB/h',
    '--json',
    '--quiet',
    '--out',
    out,
  ]);
  assert.equal(result.code, 0, explain(result, out));
  const printed = JSON.parse(result.stdout) as ReturnType<typeof readSummary>;
  assert.deepEqual(printed, readSummary(out), '--json prints summary.json');
  assert.equal(printed.verdict, 'pass');
  assert.equal(printed.schemaVersion, 1);
  assert.equal(printed.complete, true);

  const [header, ...rows] = readFileSync(join(out, 'samples.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(
    header,
    'time,elapsed_s,segment,phase,workload,worker,thread_id,ops_total,errors_total,heap_used_bytes,' +
      'heap_total_bytes,external_bytes,array_buffers_bytes,active_handles,elu,latency_p50_us,latency_p99_us,rss_bytes,cpu_percent,gc_ms,code_bytes,resource_types,listener_counts',
  );
  const byWorker = new Map<string, string[][]>();
  for (const row of rows) {
    const cells = row.split(',');
    byWorker.set(cells[5] ?? '', [...(byWorker.get(cells[5] ?? '') ?? []), cells]);
  }
  assert.deepEqual([...byWorker.keys()].sort(), ['clean-plugin#0', 'clean-plugin#1', 'controller']);
  for (const [worker, cells] of byWorker) {
    // One row per interval (plus the first and the cooldown row for workers), within a few of the ideal.
    assert.ok(cells.length >= 38 && cells.length <= 43, `${worker}: ${cells.length} rows`);
    for (const c of cells) assert.match(c[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual([...new Set(cells.map((c) => c[3]))], worker === 'controller' ? ['warmup', 'steady'] : ['warmup', 'steady', 'cooldown']);
  }
  const workerRows = byWorker.get('clean-plugin#0') ?? [];
  const ops = workerRows.map((c) => Number(c[7]));
  assert.ok(
    ops.every((v, i) => i === 0 || v >= (ops[i - 1] ?? 0)),
    'ops_total only grows',
  );
  assert.ok((ops.at(-1) ?? 0) > 1000);
  assert.ok(
    workerRows.every((c) => Number(c[9]) > 0 && Number(c[17]) > Number(c[9])),
    'heap and RSS present',
  );
});

test('a run that can start no thread for its workers: exit 3, with a line saying why', (t) => {
  if (THREAD_CAP_MISSING !== undefined) {
    t.skip(THREAD_CAP_MISSING);
    return;
  }
  const out = join(tempDir(), 'run');
  const main = new URL('../src/cli/main.js', import.meta.url);
  const child = runWithoutThreads(`
    process.argv = [process.argv[0], ${JSON.stringify(fileURLToPath(main))}, 'run', '--workload', ${JSON.stringify(fixture('clean-plugin.mjs'))}, '--duration', '10s', '--quiet', '--out', ${JSON.stringify(out)}];
    await import(${JSON.stringify(main.href)});`);
  assert.equal(child.status, 3, child.stderr);
  assert.match(child.stderr, /^soak run: no new thread could be started \(EAGAIN: the machine or container caps processes and threads; .*\)$/m);
});

test("a run whose second pool can start no thread ends the first pool's threads as it fails", (t) => {
  if (THREAD_CAP_MISSING !== undefined) {
    t.skip(THREAD_CAP_MISSING);
    return;
  }
  // Room for the first pool's two workers and no more: the second pool's first worker cannot start.
  const child = runWithoutThreads(
    `
    const { Soak } = await import(${JSON.stringify(new URL('../src/index.js', import.meta.url).href)});
    const before = threads();
    let failure = '';
    const soak = new Soak({ workloads: [${JSON.stringify(fixture('clean-plugin.mjs'))}, 'cache'], threads: 2, durationS: 10, outDir: ${JSON.stringify(join(tempDir(), 'run'))} });
    await soak.run().catch((err) => (failure = err.message));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await answer({ failure, before, after: threads() });`,
    2,
  );
  assert.equal(child.status, 0, child.stderr);
  const got = JSON.parse(child.stdout) as { failure: string; before: number; after: number };
  assert.match(got.failure, /^no new thread could be started \(EAGAIN: /);
  assert.equal(got.after, got.before, 'no thread left behind');
});

// These judge what happened (events, exit codes, files, a rate the worker retains by the clock), not
// a trend at a strict level, so two at a time share the two cores: ~56 s where one after the other took
// ~110. The two above, whose verdicts rest on a clean plugin's growth over 40 s, run alone.
describe('faults, signals and output of a run', { concurrency: 2 }, () => {
  test('--inject-leak makes a clean plugin leak at about the injected rate', async () => {
    const out = join(tempDir(), 'run');
    const rate = 16 * 1024;
    // The rate is what this test measures; the verdict comes by the growth limit (400 KB injected over the window
    // against 128 KB; the clean plugin grows some KB), as in the one-worker test above: the worker-level trend test
    // left this 25-sample leak inconclusive in one suite run of several.
    const args = ['run', '--workload', fixture('clean-plugin.mjs'), '--inject-leak', '16KB/s', '--duration', '30s', '--warmup', '5s', '--max-growth', '128KB'];
    const result = await runCli([...args, '--quiet', '--out', out]);
    assert.equal(result.code, 1, explain(result, out));
    for (const worker of readSummary(out).workloads[0]?.workers ?? []) {
      const perS = (worker.slopeBytesPerHour ?? 0) / 3600;
      assert.equal(worker.verdict, 'leak');
      assert.ok(perS > rate * 0.8 && perS < rate * 1.4, `${worker.worker}: ${perS} B/s for ${rate} B/s injected`);
    }
  });

  test('--max-heap-per-worker: a leaking worker that reaches it is recorded as out of memory, judged a leak and respawned', async () => {
    const out = join(tempDir(), 'run');
    // 2 MB/s retained against a 32 MB heap: out of memory some 10-15 s into each life, after several samples.
    const args = ['run', '--workload', fixture('clean-plugin.mjs'), '--inject-leak', '2MB/s', '--max-heap-per-worker', '32MB', '--threads', '1'];
    const result = await runCli([...args, '--duration', '30s', '--quiet', '--out', out]);
    assert.equal(result.code, 1, explain(result, out));
    const events = readFileSync(join(out, 'events.csv'), 'utf8');
    assert.match(events, /clean-plugin,clean-plugin#0,\d+,crash,out of memory\n/);
    assert.match(events, /clean-plugin,clean-plugin#0,\d+,respawn,segment 1\n/);
    const summary = readSummary(out);
    assert.equal(summary.run.maxHeapPerWorkerBytes, 32 * 2 ** 20);
    const workload = summary.workloads[0];
    assert.equal(workload?.verdict, 'leak');
    assert.match(workload?.reason ?? '', /ran out of memory/);
    assert.ok((workload?.respawns ?? 0) >= 1, `respawns: ${workload?.respawns}`);
  });

  test('a worker that dies is recorded, replaced under its slot name, and its series starts a new segment', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const result = await runCli([
      'run',
      '--workload',
      fixture('crash-once.mjs'),
      '--param',
      `marker=${join(dir, 'crashed')}`,
      '--duration',
      '20s',
      '--threads',
      '2',
      '--quiet',
      '--out',
      out,
    ]);
    assert.notEqual(result.code, 3, explain(result, out));
    const events = readFileSync(join(out, 'events.csv'), 'utf8');
    assert.match(events, /crash-once,crash-once#1,\d+,crash,exit code 7\n/);
    assert.match(events, /crash-once,crash-once#1,\d+,respawn,segment 1\n/);
    const samples = readFileSync(join(out, 'samples.csv'), 'utf8');
    assert.match(samples, /,1,(warmup|steady),crash-once,crash-once#1,/);
    assert.doesNotMatch(samples, /,1,(warmup|steady),crash-once,crash-once#0,/);
    assert.equal(readSummary(out).workloads[0]?.respawns, 1);
  });

  test('SIGHUP (the terminal went away) does not stop a run: it goes to its end and writes its files', async () => {
    const out = join(tempDir(), 'run');
    const result = await runCli(['run', '--workload', fixture('clean-plugin.mjs'), '--threads', '1', '--duration', '12s', '--out', out], undefined, (child) =>
      setTimeout(() => child.kill('SIGHUP'), 4000),
    );
    assert.equal(result.signal, null, explain(result, out));
    assert.ok(result.code === 0 || result.code === 1, explain(result, out));
    const summary = readSummary(out);
    assert.equal(summary.complete, true);
    assert.ok(summary.run.elapsedS >= 12, `ran to its end: ${summary.run.elapsedS}s`);
    assert.ok(existsSync(join(out, 'report.html')));
    assert.doesNotMatch(result.stderr, /soak: verdict /, 'silent after the hang-up');
  });

  test('SIGINT stops a run early: teardown runs and the summary says it is incomplete', async () => {
    const out = join(tempDir(), 'run');
    const started = Date.now();
    const result = await runCli(['run', '--workload', fixture('clean-plugin.mjs'), '--duration', '10m', '--out', out], undefined, (child) =>
      setTimeout(() => child.kill('SIGINT'), 6000),
    );
    assert.ok(Date.now() - started < 30_000, 'stopped well before the duration');
    assert.match(result.stderr, /SIGINT: stopping, tearing down and writing the summary/);
    const summary = readSummary(out);
    assert.equal(summary.complete, false);
    assert.match(summary.error ?? '', /stopped early: SIGINT/);
    assert.match(readFileSync(join(out, 'samples.csv'), 'utf8'), /,cooldown,clean-plugin,clean-plugin#0,/);
    assert.ok(result.code === 0 || result.code === 1, explain(result, out));
  });

  test('a run writes every report, appends its summary to GITHUB_STEP_SUMMARY, and keeps stdout for --json even when the workload prints', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const stepSummary = join(dir, 'step-summary.md');
    writeFileSync(stepSummary, '## an earlier step\n');
    const result = await runCli(
      ['run', '--workload', fixture('chatty.mjs'), '--duration', '5s', '--threads', '1', '--json', '--quiet', '--out', out],
      undefined,
      undefined,
      { ...process.env, GITHUB_STEP_SUMMARY: stepSummary },
    );
    assert.ok(result.code === 0 || result.code === 1, explain(result, out));
    assert.deepEqual(JSON.parse(result.stdout), readSummary(out), 'stdout is summary.json and nothing else');
    assert.match(result.stderr, /chatty: hello from the workload/, "the workload's console.log reaches stderr");
    for (const file of ['summary.json', 'summary.md', 'report.html', 'junit.xml']) assert.ok(existsSync(join(out, file)), file);
    const appended = readFileSync(stepSummary, 'utf8');
    assert.ok(appended.startsWith('## an earlier step\n'), 'earlier content kept');
    assert.ok(appended.includes(readFileSync(join(out, 'summary.md'), 'utf8').trimEnd()), 'summary.md appended');
  });

  test('a worker that dies when no thread can be started: its crash recorded, exit 3 with one line, the samples intact', async (t) => {
    if (THREAD_CAP_MISSING !== undefined) {
      t.skip(THREAD_CAP_MISSING);
      return;
    }
    const dir = tempDir();
    const out = join(dir, 'run');
    const trigger = join(dir, 'crash-now');
    let child: ChildProcess | undefined;
    const args = ['run', '--workload', fixture('crash-on-trigger.mjs'), '--param', `trigger=${trigger}`, '--duration', '30s', '--threads', '2', '--quiet'];
    const result = runCli([...args, '--out', out], repoRoot, (c) => (child = c));
    const samples = join(out, 'samples.csv');
    // A few seconds of samples (three rows a tick), so that what is recorded can be judged after.
    await until('samples of a few seconds', () => existsSync(samples) && readFileSync(samples, 'utf8').split('\n').length > 13);
    // The run capped (its threads go on, none can be added), then worker 1 dies: piscina's replacement cannot start.
    const release = capThreads(child?.pid ?? 0);
    let ended: Awaited<typeof result>;
    try {
      writeFileSync(trigger, '');
      ended = await result;
    } finally {
      release();
    }
    assert.equal(ended.code, 3, explain(ended, out));
    assert.match(
      ended.stderr,
      /^soak run: no new thread could be started \(EAGAIN: the machine or container caps processes and threads; .*\); the run's files hold what was recorded \(soak analyze reads them, --resume continues a run\)\n$/,
    );
    assert.match(readFileSync(join(out, 'events.csv'), 'utf8'), /crash-on-trigger,crash-on-trigger#1,\d+,crash,exit code 7\n$/);
    const analyzed = await runCli(['analyze', out, '--quiet']);
    assert.notEqual(analyzed.code, 3, explain(analyzed, out));
    const [workload] = readSummary(out).workloads;
    assert.deepEqual(
      workload?.workers.map((w) => w.worker),
      ['crash-on-trigger#0', 'crash-on-trigger#1'],
    );
    assert.ok((workload?.opsTotal ?? 0) > 0);
  });
});
