/**
 * The faults a day-long run meets, on the real CLI: kill -9 then analyze and --resume, interim
 * reports on a timer and on SIGUSR2, SIGTERM, a stuck worker, a full disk, and every refusal of
 * --resume.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { resumePoint } from '../src/commands/resume.js';
import { seededRandom } from '../src/random.js';
import { sampleColumns } from '../src/run-dir/columns.js';
import { explain, fixture, interimAt, readSummary, repoRoot, runCli, tempDir, until } from './helpers/cli.js';
import { capThreads, THREAD_CAP_MISSING } from './helpers/thread-cap.js';

interface Row {
  readonly elapsedS: number;
  readonly segment: number;
  readonly phase: string;
  readonly worker: string;
}

/** samples.csv's rows, each checked to be whole (every column there). */
function rows(dir: string): Row[] {
  const [header, ...lines] = readFileSync(join(dir, 'samples.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(header, sampleColumns.join(','));
  return lines.map((line) => {
    const fields = line.split(',');
    assert.equal(fields.length, sampleColumns.length, `a whole row: ${line}`);
    return { elapsedS: Number(fields[1]), segment: Number(fields[2]), phase: fields[3] ?? '', worker: fields[5] ?? '' };
  });
}

const events = (dir: string): string[][] =>
  readFileSync(join(dir, 'events.csv'), 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

// Runs of one plugin or cache worker whose checks are events, files, exit codes and times of seconds,
// two at a time: ~37 s where one after the other took ~65. The full disk's run (a synchronous child,
// which would stall the others' timers) and the refusals come after.
describe('a long run killed, reporting, stuck', { concurrency: 2 }, () => {
  test('kill -9 at a random point: soak analyze reads what is there, and --resume finishes the run at its deadline with at most one sample lost', async () => {
    const out = join(tempDir(), 'run');
    const durationS = 30;
    // A seeded point between 8 s and 14 s, printed on failure so the case can be run again.
    const seed = Date.now() % 100_000;
    const killAtMs = 8000 + Math.floor(seededRandom(seed, 0, 0)() * 6000);
    let killedAtS = 0;
    const started = Date.now();
    const first = await runCli(
      ['long', '--workload', 'cache', '--threads', '1', '--duration', `${durationS}s`, '--interval', '1s', '--report-every', '5s', '--out', out, '--quiet'],
      repoRoot,
      (child: ChildProcess) =>
        setTimeout(() => {
          killedAtS = (Date.now() - started) / 1000;
          child.kill('SIGKILL');
        }, killAtMs),
    );
    const context = `seed ${seed}, killed at ${killedAtS}s`;
    assert.equal(first.signal, 'SIGKILL', explain(first));
    const before = rows(out);
    const lastBeforeS = Math.max(...before.filter((r) => r.worker === 'cache#0').map((r) => r.elapsedS));
    // The process started ~0.3 s before its clock; every second a sample: at most the one being taken is lost.
    assert.ok(killedAtS - lastBeforeS <= 2.5, `${context}: the last sample at ${lastBeforeS}s`);
    // A power cut mid-row leaves a torn last line: analyze skips it, resume cuts it off.
    appendFileSync(join(out, 'samples.csv'), `${new Date().toISOString()},${lastBeforeS + 1},0,stea`);

    const analyzed = await runCli(['analyze', out, '--quiet']);
    assert.ok(analyzed.code === 0 || analyzed.code === 1, `${context}\n${explain(analyzed)}`);
    const partial = readSummary(out);
    assert.equal(partial.complete, false, context);
    assert.equal(partial.workloads[0]?.name, 'cache');
    assert.ok(partial.workloads[0]?.opsTotal !== undefined && partial.workloads[0].opsTotal > 0, context);

    const resumed = await runCli(['long', '--resume', out, '--quiet']);
    assert.ok(resumed.code === 0 || resumed.code === 1, `${context}\n${explain(resumed, out)}`);
    const summary = readSummary(out);
    assert.equal(summary.complete, true, context);
    assert.equal(summary.interim, undefined);
    assert.equal(summary.run.durationS, durationS);
    // The original deadline: from the first start, not from the resume.
    const endedAfterS = (Date.parse(summary.run.endedAt) - Date.parse(summary.run.startedAt)) / 1000;
    assert.ok(endedAfterS >= durationS && endedAfterS < durationS + 10, `${context}: ended ${endedAfterS}s after the start`);
    assert.equal(summary.run.resumes?.length, 1, context);
    // soak's own heap, fitted per recording process.
    assert.ok(summary.controllerHeap !== null && summary.controllerHeap !== undefined && summary.controllerHeap.peakBytes > 0, context);
    const resume = summary.run.resumes?.[0];
    assert.ok(resume !== undefined && resume.gapS > 0 && resume.atS > lastBeforeS, `${context}: ${JSON.stringify(resume)}`);

    const after = rows(out);
    assert.deepEqual(after.slice(0, before.length), before, `${context}: what was recorded before the kill is kept, the torn line cut off`);
    const later = after.slice(before.length).filter((r) => r.worker === 'cache#0');
    assert.ok(later.length >= 5, `${context}: samples after the resume`);
    for (const r of later) assert.ok(r.segment >= 1 && r.elapsedS >= resume.atS - 1, `${context}: a new segment after the resume: ${JSON.stringify(r)}`);
    // The resumed worker warms up again, marked as such, before its samples count as steady.
    assert.equal(later[0]?.phase, 'warmup', context);
    const resumeEvents = events(out).filter((e) => e[5] === 'resume');
    assert.equal(resumeEvents.length, 1, context);
    assert.ok(!existsSync(join(out, 'soak.pid')), 'the lock is gone after the run');

    // A finished run is refused, and nothing in it changes.
    const samplesDigest = digest(join(out, 'samples.csv'));
    const again = await runCli(['long', '--resume', out]);
    assert.equal(again.code, 2, explain(again));
    assert.match(again.stderr, /^soak long: --resume: '.*' is a finished run/);
    assert.equal(again.stderr.trim().split('\n').length, 1);
    assert.equal(digest(join(out, 'samples.csv')), samplesDigest);
  });

  test('a worker stuck in a synchronous loop is recorded, terminated and respawned, and the run goes on', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const marker = join(dir, 'stuck-marker');
    const result = await runCli([
      'run',
      '--workload',
      fixture('stuck-once.mjs'),
      '--param',
      `marker=${marker}`,
      '--duration',
      '15s',
      '--stuck-after',
      '2s',
      '--out',
      out,
      '--quiet',
    ]);
    assert.equal(result.code, 0, explain(result, out));
    assert.ok(existsSync(marker), 'a worker got stuck');
    const list = events(out);
    const stuck = list.filter((e) => e[5] === 'crash' && (e[6] ?? '').startsWith('"stuck: no time slice returned within 2s'));
    assert.equal(stuck.length, 1, JSON.stringify(list));
    const slot = stuck[0]?.[3] ?? '';
    assert.ok(
      list.some((e) => e[5] === 'respawn' && e[3] === slot),
      'respawned',
    );
    const later = rows(out).filter((r) => r.worker === slot && r.segment >= 1);
    assert.ok(later.length >= 5, `the new worker of ${slot} records samples`);
    const summary = readSummary(out);
    assert.equal(summary.workloads[0]?.respawns, 1);
  });

  test('interim reports: on the timer and on SIGUSR2, complete false; SIGTERM stops with a partial report the run can be resumed from', async () => {
    const out = join(tempDir(), 'run');
    let child: ChildProcess | undefined;
    const result = runCli(
      ['long', '--workload', fixture('clean-plugin.mjs'), '--duration', '5m', '--interval', '1s', '--report-every', '4s', '--out', out, '--quiet'],
      repoRoot,
      (c) => (child = c),
    );
    await until('the first interim report', () => interimAt(out) !== undefined);
    const first = readSummary(out);
    assert.equal(first.complete, false);
    assert.equal(first.interim, true);
    assert.ok(first.run.elapsedS >= 3.5 && first.run.elapsedS < 8, `the first report at ${first.run.elapsedS}s`);
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /Interim report: the run is still going, at .* of 5m/);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Interim report: the run is still going/);
    const firstAt = first.run.elapsedS;
    // SIGUSR2 asks for one now, between the timer's.
    await until('a second interim report', () => (interimAt(out) ?? 0) >= firstAt + 3.5, 10_000);
    const timedAt = interimAt(out) ?? 0;
    await sleep(1200);
    child?.kill('SIGUSR2');
    await until('the SIGUSR2 report', () => (interimAt(out) ?? 0) > timedAt);
    // The timer's reports come at multiples of 4 s from the start; this one came between them.
    const phase = (interimAt(out) ?? 0) % 4;
    assert.ok(phase > 0.5 && phase < 3.5, `a report at ${interimAt(out)}s, between the timer's`);
    // soak analyze leaves a run that is being recorded to its recorder, and analyses it into another directory.
    const live = await runCli(['analyze', out]);
    assert.equal(live.code, 2, explain(live));
    assert.match(
      live.stderr,
      new RegExp(`^soak analyze: '.*run' is still being recorded by process ${child?.pid}, which rewrites its reports; kill -USR2 ${child?.pid} asks .*\n$`),
    );
    const elsewhere = join(tempDir(), 'peek');
    const peek = await runCli(['analyze', out, '--out', elsewhere, '--quiet']);
    assert.notEqual(peek.code, 2, explain(peek));
    assert.equal(readSummary(elsewhere).complete, false);
    child?.kill('SIGTERM');
    const stopped = await result;
    assert.equal(stopped.code, 0, explain(stopped, out));
    const summary = readSummary(out);
    assert.equal(summary.complete, false);
    assert.equal(summary.interim, undefined, 'the final report is no interim one');
    assert.match(summary.error ?? '', /stopped early: SIGTERM/);
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /This run did not complete/);
    // A run stopped by SIGTERM (a reboot, systemctl stop) can be continued.
    const point = await resumePoint(out, Date.now());
    assert.ok(point.lastElapsedS > 8, `recorded up to ${point.lastElapsedS}s`);
  });

  test('an interim report whose thread cannot start (a limit on processes) is reported, and the run goes on to its end', async (t) => {
    if (THREAD_CAP_MISSING !== undefined) {
      t.skip(THREAD_CAP_MISSING);
      return;
    }
    const out = join(tempDir(), 'run');
    let child: ChildProcess | undefined;
    const result = runCli(
      ['run', '--workload', fixture('clean-plugin.mjs'), '--threads', '1', '--duration', '8s', '--interval', '1s', '--out', out],
      repoRoot,
      (c) => (child = c),
    );
    // Capped once its pool runs: its threads go on, none can be added.
    await until('the first samples', () => existsSync(join(out, 'samples.csv')) && readFileSync(join(out, 'samples.csv'), 'utf8').split('\n').length > 4);
    const release = capThreads(child?.pid ?? 0);
    let ended: Awaited<typeof result>;
    try {
      child?.kill('SIGUSR2');
      ended = await result;
    } finally {
      release();
    }
    assert.equal(ended.code, 0, explain(ended, out));
    assert.match(ended.stderr, /soak: warning: the interim report at \S+ failed: the report's thread could not start \(.*EAGAIN.*\)/);
    const summary = readSummary(out);
    assert.equal(summary.complete, true);
    assert.notEqual(summary.verdict, 'error', summary.error);
  });
});

test('a full disk (the file-size limit) stops the run with exit code 3, the CSVs intact and what to do said', async () => {
  const out = join(tempDir(), 'run');
  // ulimit -f counts 1 KB blocks in bash: samples.csv reaches 4 KB in about 12 s of one worker.
  const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  const result = spawnSync(
    'bash',
    ['-c', `ulimit -f 4; exec "${process.execPath}" "${cli}" run --workload cache --threads 1 --duration 60s --out "${out}" --quiet`],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(result.status, 3, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0] ?? '', /reached the size limit \(ulimit -f\); raise it, then continue with --resume /);
  const recorded = rows(out);
  assert.ok(recorded.length >= 10, `what was recorded is there (${recorded.length} rows)`);
  assert.deepEqual(
    readdirSync(out).filter((f) => f.endsWith('.tmp')),
    [],
    'no half-written temporary left',
  );
  // What was recorded reads back.
  const analyzed = await runCli(['analyze', out, '--quiet']);
  assert.ok(analyzed.code !== 2, explain(analyzed));
  assert.equal(readSummary(out).complete, false);
});

test('--resume refuses what it cannot continue: one line, exit code 2, nothing written', async (t) => {
  const dir = tempDir();
  const fakeRun = (name: string, settings: Record<string, unknown>): string => {
    const path = join(dir, name);
    mkdirSync(path);
    writeFileSync(join(path, 'samples.csv'), `${sampleColumns.join(',')}\n`);
    const options = { workloads: ['cache'], durationS: 3600, intervalS: 1, warmup: 'auto', threads: 1, concurrency: 1 };
    writeFileSync(
      join(path, 'run.json'),
      JSON.stringify({
        schemaVersion: 1,
        startedAt: new Date().toISOString(),
        resumes: [],
        ...settings,
        options: { ...options, ...(settings['options'] as object) },
      }),
    );
    return path;
  };
  const cases: [string, () => string, string[], RegExp][] = [
    ['a missing directory', () => join(dir, 'nothing-here'), [], /--resume: '.*nothing-here' is not a directory/],
    [
      'a directory that is not a run',
      () => {
        mkdirSync(join(dir, 'empty'));
        return join(dir, 'empty');
      },
      [],
      /is not a run soak can resume \(no run\.json\)/,
    ],
    [
      'an unreadable run.json',
      () => {
        const p = fakeRun('broken', {});
        writeFileSync(join(p, 'run.json'), '{"schemaVersion": 7}');
        return p;
      },
      [],
      /has a run\.json soak cannot read \(schemaVersion 7, expected 1\)/,
    ],
    [
      'a run past its deadline',
      () => fakeRun('late', { startedAt: new Date(Date.now() - 7200_000).toISOString() }),
      [],
      /was due to end at .*; soak analyze .* reports what it recorded/,
    ],
    ['a run that decides as it goes', () => fakeRun('short', { options: { looks: { firstS: 60, everyS: 20 } } }), [], /decides as it goes/],
    [
      'a run another process is recording',
      () => {
        const p = fakeRun('busy', {});
        writeFileSync(join(p, 'soak.pid'), `${process.pid}\n`);
        return p;
      },
      [],
      new RegExp(`is being recorded by process ${process.pid}`),
    ],
    ['a flag that would change the settings', () => fakeRun('flags', {}), ['--threads', '4'], /--threads cannot be given with --resume/],
    ['a config', () => fakeRun('config', {}), ['--config', 'soak.config.json'], /--config cannot be given with --resume/],
  ];
  for (const [name, make, flags, message] of cases) {
    await t.test(name, async () => {
      const path = make();
      const before = existsSync(join(path, 'samples.csv')) ? digest(join(path, 'samples.csv')) : undefined;
      const result = await runCli(['long', '--resume', path, ...flags]);
      assert.equal(result.code, 2, explain(result));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, message);
      if (before !== undefined) assert.equal(digest(join(path, 'samples.csv')), before);
      assert.ok(!existsSync(join(path, 'summary.json')));
    });
  }
});
