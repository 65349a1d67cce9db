// The cache budget (setting rnnStepper.cacheMemoryMB) counts the run's inputs, and a da of ones
// that is not held (a fixture without da) counts for nothing: at the default 1024 MB the issue-13
// LSTM keeps every step at T = 1000 (with da) and is checkpointed within the budget, inputs
// included, at T = 10,000 without da; at a 384 MB setting the T = 1000 run is checkpointed every
// chunk (4 steps). Shapes only: no array of these sizes is allocated.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkpointedBytes, fullCacheBytes, lazyOnesDa, type Problem } from '../../src/engine';
import { cacheBudget, checkpointSpacing, DEFAULT_CACHE_MEMORY_MB, holdsAllCaches, inputBytes, KEEP_WINDOWS, runRefusal, sumsBudget } from '../../src/worker/runChoice';

const empty = new Float64Array(0);
const nd = (...shape: number[]) => ({ shape, data: empty });

/** The issue-13 LSTM (n_x=64 n_a=256 n_y=10 m=32) at T steps, with or without da (shapes only). */
function issueLstm(T: number, withDa: boolean): Problem {
  const n_x = 64, n_a = 256, n_y = 10, m = 32;
  const W = () => nd(n_a, n_a + n_x), b = () => nd(n_a, 1);
  return {
    kind: 'lstm', cell: 'lstm', name: 'issue13', dims: { n_x, n_a, n_y, m, T_x: T },
    x: nd(n_x, m, T), a0: nd(n_a, m), c0: nd(n_a, m),
    parameters: { Wf: W(), bf: b(), Wi: W(), bi: b(), Wc: W(), bc: b(), Wo: W(), bo: b(), Wy: nd(n_y, n_a), by: nd(n_y, 1) },
    // (a held da: a non-empty array of the right shape stands for it; only shapes are read here)
    da: withDa ? { shape: [n_a, m, T], data: new Float64Array(1) } : lazyOnesDa(n_a, m, T),
    daDefaulted: !withDa,
    warnings: [],
  };
}

const MB = 1e6;
const setting = DEFAULT_CACHE_MEMORY_MB * MB;

test('inputs: a da of ones not held is not counted (T=10,000: 167 MB without da, 822 MB with)', () => {
  const lazy = inputBytes(issueLstm(10000, false)), held = inputBytes(issueLstm(10000, true));
  assert.equal(held - lazy, 8 * 256 * 32 * 10000);
  assert.ok(lazy > 164 * MB && lazy < 170 * MB, `${lazy / MB} MB`);
});

test('T=1000 with da keeps every step at the default budget, inputs counted', () => {
  const p = issueLstm(1000, true);
  assert.ok(holdsAllCaches(p, cacheBudget(p, setting)), `${fullCacheBytes(p) / MB} MB of caches, ${inputBytes(p) / MB} MB of inputs`);
});

test('T=1000 with da at a 384 MB setting: windows of one chunk (4 steps), sums that can be prefetched, all within the setting', () => {
  const setting = 384 * MB;
  const p = issueLstm(1000, true);
  const budget = cacheBudget(p, setting);
  assert.ok(!holdsAllCaches(p, budget), `${fullCacheBytes(p) / MB} MB of caches, ${inputBytes(p) / MB} MB of inputs`);
  assert.equal(checkpointSpacing(p, budget), 4, 'one chunk of 128 columns');
  const sums = sumsBudget(p, budget);
  // (sumsLayout at T_b = 1000: from 50 sums of 2.65 MB on, a span is prefetched around the cursor)
  assert.ok(sums >= 128 * 1048576, `${sums / MB} MB for the sums`);
  const held = checkpointedBytes(p, 4, KEEP_WINDOWS + 1);
  assert.ok(inputBytes(p) + held + sums <= setting, `inputs ${inputBytes(p) / MB} + windows ${held / MB} + sums ${sums / MB} MB`);
});

test('T=10,000 without da at the default budget: checkpointed, its checkpoints, windows and inputs within the setting', () => {
  const p = issueLstm(10000, false);
  const budget = cacheBudget(p, setting);
  assert.equal(budget, setting - inputBytes(p));
  assert.ok(!holdsAllCaches(p, budget));
  const k = checkpointSpacing(p, budget);
  const held = checkpointedBytes(p, k, KEEP_WINDOWS + 1);
  assert.ok(inputBytes(p) + held <= setting, `inputs ${inputBytes(p) / MB} MB + held ${held / MB} MB (spacing ${k})`);
  assert.equal(runRefusal(p, 4096, DEFAULT_CACHE_MEMORY_MB, 'maxMemoryMB'), undefined);
  // refused under a small maximum: the figure counts the inputs actually held
  const why = runRefusal(p, 500, DEFAULT_CACHE_MEMORY_MB, 'maxMemoryMB');
  assert.match(why ?? '', /\(167 MB of inputs, /);
});
