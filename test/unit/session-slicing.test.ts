// The run worker's slicing (src/session/slicing.ts) against an unsliced run: the panel's caches,
// and so its export, must be `rnn-stepper run`'s bit for bit however the worker cut the run into
// short slices (forward slices cut at random here, as a time budget or x's column reader would).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { createRunner, randomProblem, run } from '../../src/engine';
import { nextSlice } from '../../src/session/slicing';

test('nextSlice: a run sliced the worker\'s way equals the unsliced run bit for bit (m = 1, narrow and wide batches, T_b < T_x)', () => {
  const shapes = [
    { m: 1, T: 300, T_b: 300 }, { m: 1, T: 200, T_b: 77 }, { m: 5, T: 60, T_b: 31 }, { m: 32, T: 40, T_b: 40 }, { m: 3, T: 1, T_b: 1 },
  ];
  let seed = 1;
  for (const kind of ['rnn', 'lstm'] as const) {
    for (const { m, T, T_b } of shapes) {
      const problem = randomProblem({ kind, n_x: 3, n_a: 5, n_y: 2, m, T, seed: seed++ });
      // da over the first T_b steps only (NumPy layout, time last)
      const rows = 5 * m, da = new Float64Array(rows * T_b);
      for (let q = 0; q < rows; q++) da.set(problem.da.data.subarray(q * T, q * T + T_b), q * T_b);
      problem.da = { shape: [5, m, T_b], data: da };
      const want = run(problem);
      const r = createRunner(problem);
      const view = { get forwardDone() { return r.forwardDone; }, get backwardDone() { return r.backwardDone; }, problem, get backward() { return r.backward; } };
      let k = 0;
      let slices = 0;
      while (!r.finished) {
        const s = nextSlice(view, 12);
        assert.ok(s.cap >= 1);
        if (r.forwardDone < T) {
          assert.ok(r.forwardDone + s.cap <= T, 'a forward slice stops at the backward');
          r.advance(Infinity, Math.min(s.cap, 1 + (k++ % 7)));
        } else r.advance(s.budgetMs, s.cap);
        slices++;
      }
      assert.ok(slices > 2 || T === 1);
      const tag = `${kind} m=${m} T=${T} T_b=${T_b}`;
      assert.deepStrictEqual(r.forward, want.forward, `${tag}: forward`);
      assert.deepStrictEqual(r.backward, want.backward, `${tag}: backward`);
    }
  }
});
