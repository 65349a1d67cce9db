/**
 * The cell-backward reference at every step (src/check/cellBackward.ts over the engine's
 * `cellBackwardAt`: stacked weights built once, the run's matmul kernels) against the engine's
 * NumPy port `*_cell_backward`, an independent code path (it builds a one-step problem and re-runs
 * that step), with every backend the runtime has: JavaScript and the WebAssembly kernels (used
 * above 2048 multiply-adds a step).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  lstm_cell_backward, randomProblem, rnn_cell_backward, setBackend, wasmAvailable, type BackendChoice, type NdArray,
} from '../../src/engine/index';
import { worstRatio } from '../../src/check/compare';
import { buildReference, cellInputs, cellReference } from '../../src/check/reference';

const backends: BackendChoice[] = wasmAvailable() ? ['js', 'wasm-simd', 'auto'] : ['js'];

function need(t: NdArray | undefined): NdArray {
  assert.ok(t);
  return t;
}

for (const cell of ['rnn', 'lstm'] as const) {
  test(`${cell} cell backward reference equals the engine's ${cell}_cell_backward at every step (${backends.join(', ')})`, () => {
    for (const backend of backends) {
      setBackend(backend);
      try {
        // n_a=16, n_x=8, m=8: 16·4·24·8 = 12288 multiply-adds a step, over the wasm threshold.
        const p = randomProblem({ kind: cell, n_x: 8, n_a: 16, n_y: 3, m: 8, T: 5, seed: 7 });
        const ref = buildReference(p);
        const fn = cell === 'rnn' ? 'rnn_cell_backward' : 'lstm_cell_backward';
        for (let t = 4; t >= 0; t--) {
          const i = cellInputs(ref, t);
          const want: Record<string, NdArray> = cell === 'rnn'
            ? rnn_cell_backward(need(i.da_next), { a_next: need(i.a_next), a_prev: i.a_prev, xt: i.xt, parameters: i.parameters })
            : lstm_cell_backward(need(i.da_next), need(i.dc_next), {
                a_next: need(i.a_next), c_next: need(i.c_next), a_prev: i.a_prev, c_prev: need(i.c_prev), ft: need(i.ft),
                it: need(i.it), cct: need(i.cct), ot: need(i.ot), xt: i.xt, parameters: i.parameters,
              });
          const got = cellReference(ref, fn, t);
          assert.deepEqual([...got.keys()].sort(), Object.keys(want).sort());
          for (const [k, w] of Object.entries(want)) {
            const g = got.get(k);
            assert.ok(g);
            assert.deepEqual(g.shape, w.shape, `${backend} ${k} shape`);
            assert.ok(worstRatio(g, w, { rtol: 1e-12, atol: 1e-15 }) <= 1, `${backend} step ${t + 1}: ${k}`);
          }
        }
      } finally {
        setBackend('auto');
      }
    }
  });
}

test('firstBad (the inlined allclose loop) agrees with close() on every pair of special and ordinary values', async () => {
  const { firstBad } = await import('../../src/check/outcome');
  const { close } = await import('../../src/check/compare');
  const vals = [0, -0, 1, -1, 1 + 1e-6, 1 + 2e-5, 1e-9, -1e-9, 3e-8, 1e300, -1e300, 1.7e308, -1.7e308, NaN, Infinity, -Infinity];
  for (const tol of [{ rtol: 1e-5, atol: 1e-8 }, { rtol: 0, atol: 0 }, { rtol: 0.5, atol: 1 }]) {
    for (const a of vals) {
      for (const b of vals) {
        const got = firstBad(Float64Array.of(0, a), Float64Array.of(0, b), tol);
        assert.equal(got, close(a, b, tol) ? -1 : 1, `mine ${a} reference ${b} (${JSON.stringify(tol)})`);
      }
    }
  }
});

test('the reference computed in slices (progress said between them) equals the one-go run', () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const p = randomProblem({ kind, n_x: 3, n_a: 4, n_y: 2, m: 3, T: 5, seed: 2 });
    const said: string[] = [];
    // sliceMs 0: one step a slice, so every step is said
    const sliced = buildReference(p, (w) => said.push(w), 0);
    const whole = buildReference(p);
    assert.deepEqual(said, [
      ...[1, 2, 3, 4].map((k) => `forward, ${k} of 5 steps done`), ...[0, 1, 2, 3, 4].map((k) => `backward, ${k} of 5 steps done`),
    ]);
    const f = (r: typeof whole) => [r.result.forward.a, r.result.forward.y, r.result.backward.da, r.result.backward.dx, r.result.backward.da0,
      ...Object.values(r.result.backward.grads)];
    const a = f(sliced), b = f(whole);
    a.forEach((x, i) => assert.ok(worstRatio({ shape: [x.length], data: x }, { shape: [b[i].length], data: b[i] }, { rtol: 1e-12, atol: 1e-15 }) <= 1, `${kind} array ${i}`));
  }
});
