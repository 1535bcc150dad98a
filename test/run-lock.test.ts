/** soak.pid: a live recorder is seen, a dead one's lock is stale, and so is a live pid that is another process now. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { processIdentity, recordingProcess } from '../src/run-dir/run-lock.js';
import { tempDir } from './helpers/cli.js';

const lockModule = new URL('../src/run-dir/run-lock.js', import.meta.url).href;

test('a live recorder is seen; its lock is stale once its pid is another process or gone', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The recorder: another process that takes the lock and waits.
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `(await import(${JSON.stringify(lockModule)})).lockRun(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await once(child.stdout, 'data');
  const pid = child.pid ?? 0;
  try {
    const [pidLine, identity] = readFileSync(join(dir, 'soak.pid'), 'utf8').split('\n');
    assert.equal(pidLine, String(pid));
    assert.equal(recordingProcess(dir), pid);
    if (processIdentity(process.pid) !== undefined) {
      assert.equal(identity, processIdentity(pid), 'the boot id and start time are recorded');
      // The same pid, started at another time (after a reboot, in a new PID namespace): not the recorder.
      const [boot] = (identity ?? '').split(':');
      writeFileSync(join(dir, 'soak.pid'), `${pid}\n${boot}:1\n`);
      assert.equal(recordingProcess(dir), undefined);
    }
    // A lock of an older soak, the pid alone: a live pid is taken as the recorder.
    writeFileSync(join(dir, 'soak.pid'), `${pid}\n`);
    assert.equal(recordingProcess(dir), pid);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  assert.equal(recordingProcess(dir), undefined, 'a dead pid');
});

test('no lock, this process, or a lock that is not a pid: nobody else is recording', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(recordingProcess(dir), undefined);
  writeFileSync(join(dir, 'soak.pid'), `${process.pid}\n${processIdentity(process.pid) ?? ''}\n`);
  assert.equal(recordingProcess(dir), undefined);
  writeFileSync(join(dir, 'soak.pid'), 'garbage\n');
  assert.equal(recordingProcess(dir), undefined);
});
