/** The V8 flags the controller sets for its workers: defaults, the snapshot run's, and flags node was given left alone. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyWorkerV8Flags } from '../src/controller/v8-flags.js';

test('a run keeps bytecode; only a snapshot run turns pretenuring and page promotion off', () => {
  assert.deepEqual(applyWorkerV8Flags(false, []), ['--no-flush-bytecode']);
  assert.deepEqual(applyWorkerV8Flags(true, []), ['--no-flush-bytecode', '--no-allocation-site-pretenuring', '--no-page-promotion']);
});

test("a flag on node's command line is left as given, in either spelling", () => {
  assert.deepEqual(applyWorkerV8Flags(true, ['--flush_bytecode', '--allocation-site-pretenuring', '--page_promotion']), [
    '--flush_bytecode',
    '--allocation-site-pretenuring',
    '--page_promotion',
  ]);
  assert.deepEqual(applyWorkerV8Flags(true, ['--allocation_site_pretenuring']), [
    '--no-flush-bytecode',
    '--allocation_site_pretenuring',
    '--no-page-promotion',
  ]);
});
