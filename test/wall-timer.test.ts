/**
 * The run's deadline, ticks, looks and interim reports are due at wall-clock times. A plain
 * setTimeout runs on libuv's cached millisecond clock and fires before Date.now() reaches its due
 * time for most fractional delays here (about two in three): a 12 s run once measured 11.999 s.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { WallTimer } from '../src/controller/wall-timer.js';

function fireAt(dueMs: number): Promise<number> {
  return new Promise((resolve) => new WallTimer(dueMs, () => resolve(Date.now())));
}

test('a WallTimer never runs before its due time', async () => {
  const early: string[] = [];
  for (let i = 0; i < 100; i++) {
    const due = Date.now() + 2 + (i % 7) + i / 100;
    const firedAt = await fireAt(due);
    if (firedAt < due) early.push(`${firedAt} < ${due}`);
  }
  assert.deepEqual(early, []);
});

test('a cancelled WallTimer does not run, and an unref one does not hold the process open', async () => {
  let ran = false;
  new WallTimer(Date.now() + 5, () => {
    ran = true;
  }).cancel();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(ran, false);
  const script = `import { WallTimer } from ${JSON.stringify(new URL('../src/controller/wall-timer.js', import.meta.url).href)}; new WallTimer(Date.now() + 60000, () => {}, { unref: true });`;
  const started = Date.now();
  execFileSync(process.execPath, ['--input-type=module', '-e', script]);
  assert.ok(Date.now() - started < 30_000, 'the process exited without waiting for the timer');
});
