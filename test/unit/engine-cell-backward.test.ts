/**
 * `cellBackwardAt` on every kernel backend the runtime has, against the run's own backward pass:
 * the quantities the run stores (gate gradients, dc_prev, dxt, da_prev at step 0) must be the same
 * float64s, because the export and the panel show them side by side with the run's caches. The
 * per-step dW/db contributions are not stored by the run; they are checked against an independent
 * plain-loop d·zᵀ and their sum against the run's gradients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cellBackwardAt, ndToStepMajor, randomProblem, run, setBackend, wasmAvailable, wasmFmaAvailable, type BackendChoice,
} from '../../src/engine/index';
import { truncateDa, withCellState } from './engine-helpers';

const backends: BackendChoice[] = ['js', ...(wasmAvailable() ? ['wasm-simd' as const] : []), ...(wasmFmaAvailable() ? ['wasm-fma' as const] : [])];

function same(got: Float64Array | undefined, want: ArrayLike<number>, what: string): void {
  assert.ok(got, `${what}: missing`);
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}[${i}]: ${got[i]} is not bit-identical to the run's ${want[i]}`);
  }
}

function near(got: Float64Array | undefined, want: ArrayLike<number>, tol: number, what: string): void {
  assert.ok(got, `${what}: missing`);
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

for (const kind of ['lstm', 'rnn'] as const) {
  test(`${kind}: cellBackwardAt equals the run's backward bit for bit on ${backends.join(', ')}`, () => {
    for (const backend of backends) {
      setBackend(backend);
      try {
        // n_a=12, n_x=7, m=5 (odd: the kernels' remainder paths): H·19·5 multiply-adds a step, over
        // the wasm threshold; T_b < T_x and a nonzero c0 (LSTM) take the step-0 branches.
        const p = withCellState(truncateDa(randomProblem({ kind, n_x: 7, n_a: 12, n_y: 3, m: 5, T: 9, seed: 11 }), 7));
        const kept = run(p, { keepGateGrads: true });
        const lean = run(p, { keepGateGrads: false });
        const { n_x, n_a, m, T_x } = p.dims;
        const S = n_a * m, nz = n_a + n_x, T_b = 7, H = kind === 'lstm' ? 4 * n_a : n_a;
        const f = kept.forward, b = kept.backward;
        const up = ndToStepMajor(p.da);
        const sums: Record<string, Float64Array> = {};
        for (let t = T_b - 1; t >= 0; t--) {
          const at = `${backend} step ${t}`;
          const g = cellBackwardAt(p, lean.forward, lean.backward, t);
          same(g.dxt, b.dx.subarray(t * n_x * m, (t + 1) * n_x * m), `${at} dxt`);
          if (t === 0) same(g.da_prev, b.da0, `${at} da_prev`);
          else near(g.da_prev, b.da.subarray((t - 1) * S, t * S).map((v, i) => v - up[(t - 1) * S + i]), 1e-13, `${at} da_prev`);
          const D = new Float64Array(H * m);
          if (kind === 'lstm') {
            (['dft', 'dit', 'dcct', 'dot'] as const).forEach((k, gi) => {
              const want = b[k];
              assert.ok(want);
              same(g[k], want.subarray(t * S, (t + 1) * S), `${at} ${k}`);
              D.set(want.subarray(t * S, (t + 1) * S), gi * S);
            });
            const dc = b.dc;
            assert.ok(dc && b.dc0);
            same(g.dc_prev, t === 0 ? b.dc0 : dc.subarray((t - 1) * S, t * S), `${at} dc_prev`);
          } else {
            for (let q = 0; q < S; q++) D[q] = b.da[t * S + q] * (1 - f.a[t * S + q] ** 2);
            same(g.dtanh, D, `${at} dtanh`);
          }
          // d·zᵀ and Σ_batch d in plain loops, z = [a_prev; x⟨t⟩]
          const aPrev = t === 0 ? p.a0.data : f.a.subarray((t - 1) * S, t * S);
          const dW = new Float64Array(H * nz), db = new Float64Array(H);
          for (let r = 0; r < H; r++) {
            for (let j = 0; j < m; j++) {
              const d = D[r * m + j];
              db[r] += d;
              for (let k = 0; k < n_a; k++) dW[r * nz + k] += d * aPrev[k * m + j];
              for (let k = 0; k < n_x; k++) dW[r * nz + n_a + k] += d * p.x.data[(k * m + j) * T_x + t];
            }
          }
          const names = kind === 'lstm' ? ['f', 'i', 'c', 'o'] : [''];
          names.forEach((gn, gi) => {
            const rows = dW.subarray(gi * n_a * nz, (gi + 1) * n_a * nz);
            if (kind === 'lstm') near(g[`dW${gn}`], rows, 1e-13, `${at} dW${gn}`);
            else {
              near(g.dWaa, Float64Array.from({ length: n_a * n_a }, (_, i) => rows[Math.floor(i / n_a) * nz + (i % n_a)]), 1e-13, `${at} dWaa`);
              near(g.dWax, Float64Array.from({ length: n_a * n_x }, (_, i) => rows[Math.floor(i / n_x) * nz + n_a + (i % n_x)]), 1e-13, `${at} dWax`);
            }
            near(g[kind === 'lstm' ? `db${gn}` : 'dba'], db.subarray(gi * n_a, (gi + 1) * n_a), 1e-13, `${at} db${gn}`);
          });
          for (const k of Object.keys(b.grads)) {
            sums[k] ??= new Float64Array(b.grads[k].length);
            g[k].forEach((v, i) => { sums[k][i] += v; });
          }
        }
        for (const k of Object.keys(b.grads)) near(sums[k], b.grads[k], 1e-12, `${backend} Σ ${k}`);
      } finally {
        setBackend('auto');
      }
    }
  });
}
