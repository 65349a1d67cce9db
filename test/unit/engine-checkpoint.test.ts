/**
 * Checkpointed runs (src/engine/checkpoint.ts) against the full-cache run(): every window of
 * forward and backward caches, the parameter gradients, da0 and dc0 bit for bit with the same
 * kernels (js, wasm-simd, and wasm-fma where relaxed SIMD validates), for RNN and LSTM, T_b < T_x,
 * batch of one, spacings of one chunk, several chunks, and more than the run; the memory model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomProblem, run, setBackend, type BackendName, type Problem, type RunResult } from '../../src/engine/index';
import {
  CheckpointedRun, checkpointedBytes, fullCacheBytes, spacingForBudget,
} from '../../src/engine/checkpoint';
import { truncateDa, withCellState } from './engine-helpers';
import { testedBackends } from './kernel-helpers';

/** Same bits (NaN payloads aside, none here); reports the first differing index. */
function sameBits(name: string, got: Float64Array | undefined, want: Float64Array | undefined): void {
  assert.ok(got && want, `${name}: missing`);
  assert.equal(got.length, want.length, `${name}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${name}[${i}]: ${got[i]} differs from the full run's ${want[i]}`);
  }
}

function withBackend<T>(b: BackendName, f: () => T): T {
  setBackend(b);
  try {
    return f();
  } finally {
    setBackend('auto');
  }
}

const FWD = ['a', 'y', 'c', 'ft', 'it', 'cct', 'ot'] as const;
const BWD = ['da', 'dc', 'dx', 'dft', 'dit', 'dcct', 'dot'] as const;

/** Every window of `ck` against the full run's caches, walking down and up (windows recomputed). */
function checkWindows(p: Problem, full: RunResult, ck: CheckpointedRun): void {
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  const rowsF: Record<string, number> = { a: n_a, y: n_y, c: n_a, ft: n_a, it: n_a, cct: n_a, ot: n_a };
  const rowsB: Record<string, number> = { da: n_a, dc: n_a, dx: n_x, dft: n_a, dit: n_a, dcct: n_a, dot: n_a };
  const order = [...Array(T_x).keys()];
  for (const t of [...order.slice().reverse(), ...order]) {
    const w = ck.forwardWindow(t);
    assert.ok(w.start <= t && t < w.end);
    for (const k of FWD) {
      const arr = full.forward[k];
      if (!arr) continue;
      const n = rowsF[k] * m;
      sameBits(`forward ${k}@${t}`, w.caches[k]?.subarray((t - w.start) * n, (t - w.start + 1) * n), arr.subarray(t * n, (t + 1) * n));
    }
  }
  const T_b = full.backward.T_b;
  const bOrder = [...Array(T_b).keys()];
  for (const t of [...bOrder.slice().reverse(), ...bOrder]) {
    const w = ck.backwardWindow(t);
    assert.ok(w.start <= t && t < w.end);
    for (const k of BWD) {
      const arr = full.backward[k];
      if (!arr) continue;
      const n = rowsB[k] * m;
      sameBits(`backward ${k}@${t}`, w.caches[k]?.subarray((t - w.start) * n, (t - w.start + 1) * n), arr.subarray(t * n, (t + 1) * n));
    }
  }
}

const CASES: { label: string; make: () => Problem }[] = [
  { label: 'rnn m=3 T=50, T_b=37', make: () => truncateDa(randomProblem({ kind: 'rnn', n_x: 5, n_a: 8, n_y: 3, m: 3, T: 50, seed: 11 }), 37) },
  { label: 'lstm m=1 T=300 (chunks of 128 steps), c0 and dcFinal set', make: () => withCellState(randomProblem({ kind: 'lstm', n_x: 3, n_a: 6, n_y: 2, m: 1, T: 300, seed: 12 })) },
  { label: 'lstm m=16 T=70, T_b=45 (packed 8-column kernel paths)', make: () => truncateDa(withCellState(randomProblem({ kind: 'lstm', n_x: 9, n_a: 20, n_y: 4, m: 16, T: 70, seed: 13 })), 45) },
  // T_b a multiple of the spacing (4, one chunk at m = 32): every backward window starts on a
  // checkpoint and recomputes only its own k forward steps
  { label: 'lstm m=32 T=40 (backward windows start on checkpoints)', make: () => withCellState(randomProblem({ kind: 'lstm', n_x: 6, n_a: 10, n_y: 3, m: 32, T: 40, seed: 15 })) },
  { label: 'rnn m=40 T=9 (one chunk)', make: () => randomProblem({ kind: 'rnn', n_x: 7, n_a: 33, n_y: 5, m: 40, T: 9, seed: 14 }) },
];

for (const backend of testedBackends()) {
  for (const c of CASES) {
    test(`[${backend}] checkpointed ${c.label}: windows, gradients, da0, dc0 bit-identical to run() at several spacings`, () => {
      const p = c.make();
      const full = withBackend(backend, () => run(p));
      const base = Math.ceil(128 / p.dims.m);
      for (const spacing of [1, 2 * base + 1, 10_000]) {
        const ck = withBackend(backend, () => CheckpointedRun.run(p, { spacing }));
        assert.equal(ck.spacing % base, 0, 'spacing rounded to whole chunks');
        for (const k of Object.keys(full.backward.grads)) sameBits(`${k} (spacing ${ck.spacing})`, ck.grads[k], full.backward.grads[k]);
        sameBits('da0', ck.da0, full.backward.da0);
        if (p.cell === 'lstm') sameBits('dc0', ck.dc0, full.backward.dc0);
        withBackend(backend, () => checkWindows(p, full, ck));
        // the windows' arrays are reused window after window: the run's results stay its own
        for (const k of Object.keys(full.backward.grads)) sameBits(`${k} after the windows`, ck.grads[k], full.backward.grads[k]);
        sameBits('da0 after the windows', ck.da0, full.backward.da0);
        if (p.cell === 'lstm') sameBits('dc0 after the windows', ck.dc0, full.backward.dc0);
      }
    });
  }
}

test('checkpoints hold far less than the full cache of a long run, and the spacing follows the budget', () => {
  // the bench's LSTM shape at T = 1000 (only sizes are used, nothing is run)
  const p = randomProblem({ kind: 'lstm', n_x: 1, n_a: 256, n_y: 1, m: 32, T: 1000, seed: 1 });
  p.x = { shape: [128, 32, 1000], data: new Float64Array(0) };
  p.dims = { ...p.dims, n_x: 128, n_y: 64 };
  const full = fullCacheBytes(p);
  assert.ok(full > 700e6 && full < 900e6, `full cache ${full / 1e6} MB (the issue's ~786 MB)`);
  const k = spacingForBudget(p, 200e6);
  assert.equal(k % 4, 0, 'whole chunks (4 steps at m = 32)');
  assert.ok(checkpointedBytes(p, k) <= 200e6 && checkpointedBytes(p, k + 4) > 200e6, `spacing ${k} is the largest that fits`);
  assert.ok(spacingForBudget(p, 50e6) < k);
  assert.ok(spacingForBudget(p, 2e9) >= 1000, 'a budget that holds everything: one window');
  const least = spacingForBudget(p, 0);
  assert.equal(least % 4, 0, 'a budget nothing fits: whole chunks still');
  for (const other of [4, 8, 16, 40, 100, 200, 1000]) {
    assert.ok(checkpointedBytes(p, least) <= checkpointedBytes(p, other), `nothing fits: the spacing holding the least (${least} against ${other})`);
  }
});

test('a long run: the bytes are not monotonic in the spacing (many checkpoints, or big windows), the budget is still met', () => {
  // the LSTM at T = 10,000 (sizes only): one chunk of spacing would hold ~650 MB of checkpoints
  const p = randomProblem({ kind: 'lstm', n_x: 64, n_a: 256, n_y: 10, m: 32, T: 2, seed: 1 });
  p.dims = { ...p.dims, T_x: 10_000 };
  p.x = { shape: [64, 32, 10_000], data: new Float64Array(0) };
  p.da = { shape: [256, 32, 10_000], data: new Float64Array(0) };
  assert.ok(checkpointedBytes(p, 4, 3) > 600e6, 'the smallest spacing does not fit');
  const k = spacingForBudget(p, 300e6, 3);
  assert.ok(k > 4 && checkpointedBytes(p, k, 3) <= 300e6, `spacing ${k} holds ${checkpointedBytes(p, k, 3) / 1e6} MB`);
  assert.ok(checkpointedBytes(p, k + 4, 3) > 300e6, 'and it is the largest that fits');
  const tight = spacingForBudget(p, 50e6, 3);
  assert.ok(tight > 4 && checkpointedBytes(p, tight, 3) < 400e6, `a budget nothing meets: the spacing holding the least (${tight}), not one chunk`);
});

test('windows outside the run are one clear error', () => {
  const p = truncateDa(randomProblem({ kind: 'rnn', n_x: 2, n_a: 3, n_y: 2, m: 2, T: 10, seed: 1 }), 6);
  const ck = CheckpointedRun.run(p, { spacing: 64 });
  assert.throws(() => ck.forwardWindow(10), /forwardWindow: step 10 is outside 0\.\.9/);
  assert.throws(() => ck.backwardWindow(6), /backwardWindow: step 6 is outside 0\.\.5/);
  assert.throws(() => ck.forwardWindow(1.5), /outside/);
});

test('advance() computes window by window: forward checkpoints first, then the backward from the top; results only when finished', () => {
  const p = truncateDa(withCellState(randomProblem({ kind: 'lstm', n_x: 4, n_a: 6, n_y: 3, m: 32, T: 22, seed: 5 })), 19);
  const full = run(p);
  const ck = new CheckpointedRun(p, { spacing: 8 }); // 8 steps = two chunks of 4 at m = 32
  assert.equal(ck.finished, false);
  assert.throws(() => ck.grads, /not finished/);
  assert.throws(() => ck.backwardWindow(0), /not computed yet/);
  const seen: [number, number][] = [];
  while (!ck.advance(0)) seen.push([ck.forwardDone, ck.backwardDone]);
  assert.deepEqual(seen, [[8, 0], [16, 0], [22, 0], [22, 8], [22, 16]], 'one window per advance(0)');
  assert.equal(ck.backwardDone, 19);
  for (const k of Object.keys(full.backward.grads)) sameBits(k, ck.grads[k], full.backward.grads[k]);
  sameBits('dc0', ck.dc0, full.backward.dc0);
  checkWindows(p, full, ck);
});

test('advance(budget, maxForwardSteps) stays within the room for the whole call (x read as the run goes)', () => {
  const p = randomProblem({ kind: 'lstm', n_x: 4, n_a: 6, n_y: 3, m: 32, T: 40, seed: 6 });
  const ck = new CheckpointedRun(p, { spacing: 8 });
  ck.advance(Infinity, 20);
  assert.equal(ck.forwardDone, 16, 'two windows of 8 fit in 20 steps, a third does not');
  ck.advance(Infinity, 7);
  assert.equal(ck.forwardDone, 16, 'a window of 8 waits for 8 steps of room');
  ck.advance(Infinity, 8);
  assert.equal(ck.forwardDone, 24);
});
