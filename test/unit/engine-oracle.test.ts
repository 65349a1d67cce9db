/**
 * The engine against a plain mathjs implementation (test/unit/oracle-mathjs.ts) on small random
 * shapes, including m = 1, T = 1, n_a = 1 and T_b < T_x, on both backends; and a direct central
 * difference through the engine's own forward() for a few parameter entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forward, run, randomProblem, setBackend, stepMajorToNd, wasmAvailable, type NdArray, type Problem } from '../../src/engine/index';
import { oracleRun } from './oracle-mathjs';
import { assertClose, truncateDa, withCellState } from './engine-helpers';

const SHAPES: [number, number, number, number, number, number][] = [
  // n_x, n_a, n_y, m, T_x, T_b
  [3, 5, 2, 10, 4, 4],
  [2, 1, 1, 1, 1, 1],
  [4, 3, 2, 1, 6, 6],
  [3, 5, 2, 10, 7, 4],
  [1, 1, 3, 2, 5, 2],
  // chunks of 8 steps, x/da gathered 32 steps at a time: several gathers, chunks inside a gather, T_b < T_x
  [2, 3, 2, 16, 75, 70],
  [6, 7, 3, 3, 9, 9],
  [5, 9, 4, 5, 3, 1],
];

function engineOutputs(p: Problem): { forward: Record<string, NdArray>; grads: Record<string, NdArray> } {
  const r = run(p);
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  const f = r.forward, b = r.backward;
  const fo: Record<string, NdArray> = { a: stepMajorToNd(f.a, n_a, m, T_x), y_pred: stepMajorToNd(f.y, n_y, m, T_x) };
  if (p.cell === 'lstm') for (const k of ['c', 'ft', 'it', 'cct', 'ot'] as const) fo[k] = stepMajorToNd(f[k]!, n_a, m, T_x);
  const g: Record<string, NdArray> = { dx: stepMajorToNd(b.dx, n_x, m, b.T_b), da0: { shape: [n_a, m], data: b.da0 } };
  if (b.dc0) g.dc0 = { shape: [n_a, m], data: b.dc0 };
  for (const [k, v] of Object.entries(b.grads)) {
    const cols = k.startsWith('db') ? 1 : k === 'dWax' ? n_x : k === 'dWaa' ? n_a : n_a + n_x;
    g[k] = { shape: [n_a, cols], data: v };
  }
  return { forward: fo, grads: g };
}

const backends = wasmAvailable() ? (['js', 'wasm-simd'] as const) : (['js'] as const);
for (const backend of backends) {
  for (const kind of ['rnn', 'lstm'] as const) {
    test(`${kind} [${backend}] equals the mathjs oracle on ${SHAPES.length} random shapes`, () => {
      setBackend(backend);
      try {
        SHAPES.forEach(([n_x, n_a, n_y, m, T, T_b], si) => {
          const p = withCellState(truncateDa(randomProblem({ kind, n_x, n_a, n_y, m, T, seed: 10 + si }), T_b));
          const want = oracleRun(p);
          const got = engineOutputs(p);
          for (const part of ['forward', 'grads'] as const) {
            const keys = Object.keys(want[part]);
            assert.deepEqual(Object.keys(got[part]).sort(), keys.sort(), `${part} keys`);
            for (const k of keys) assertClose(`shape#${si} ${k}`, got[part][k], want[part][k], 1e-12);
          }
        });
      } finally {
        setBackend('auto');
      }
    });
  }
}

test('central differences through forward() agree with a few analytic weight gradients', () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const p = withCellState(truncateDa(randomProblem({ kind, n_x: 4, n_a: 6, n_y: 3, m: 3, T: 6, seed: 99 }), 4));
    const { n_a, m } = p.dims;
    const T_b = 4;
    const loss = (q: Problem): number => {
      const f = forward(q);
      let L = 0;
      const a = stepMajorToNd(f.a, n_a, m, q.dims.T_x);
      for (let r = 0; r < n_a * m; r++) for (let t = 0; t < T_b; t++) L += q.da.data[r * T_b + t] * a.data[r * q.dims.T_x + t];
      if (q.dcFinal) for (let i = 0; i < n_a * m; i++) L += q.dcFinal.data[i] * f.c![(T_b - 1) * n_a * m + i];
      return L;
    };
    const grads = run(p).backward.grads;
    const params = p.parameters as unknown as Record<string, NdArray>;
    const names = kind === 'rnn' ? ['Wax', 'Waa', 'ba'] : ['Wf', 'bi', 'Wc', 'bo'];
    for (const name of names) {
      for (const e of [0, 5, params[name].data.length - 1]) {
        const h = 1e-5;
        const orig = params[name].data;
        const perturbed = (d: number): Problem => {
          const data = orig.slice();
          data[e] += d;
          return { ...p, parameters: { ...params, [name]: { shape: params[name].shape, data } } as unknown as Problem['parameters'] };
        };
        const num = (loss(perturbed(h)) - loss(perturbed(-h))) / (2 * h);
        const an = grads[`d${name}`][e];
        assert.ok(Math.abs(num - an) <= 1e-6 * Math.max(1, Math.abs(an)), `${kind} d${name}[${e}]: analytic ${an}, numeric ${num}`);
      }
    }
  }
});
