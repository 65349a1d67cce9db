/** The engine's API around the math: runner, cellBackwardAt, layouts, randomProblem, gradcheck, benchmark. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  benchmark, cellBackwardAt, createRunner, flopCount, gradcheck, ndToStepMajor, randomProblem, run, setBackend, stepMajorToNd,
  wasmAvailable,
  type Problem,
} from '../../src/engine/index';
import { truncateDa, withCellState } from './engine-helpers';

const close = (u: ArrayLike<number>, v: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(u.length, v.length, `${what}: length`);
  for (let i = 0; i < u.length; i++) assert.ok(Math.abs(u[i] - v[i]) <= tol, `${what}[${i}]: ${u[i]} vs ${v[i]}`);
};

test('layout: (n, m, T) <-> step-major, known values and round trip', () => {
  const n = 2, m = 3, T = 4;
  const data = new Float64Array(n * m * T);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let t = 0; t < T; t++) data[(i * m + j) * T + t] = 100 * i + 10 * j + t;
  const sm = ndToStepMajor({ shape: [n, m, T], data });
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let t = 0; t < T; t++) assert.equal(sm[t * n * m + i * m + j], 100 * i + 10 * j + t);
  const back = stepMajorToNd(sm, n, m, T);
  assert.deepEqual(back.shape, [n, m, T]);
  assert.deepEqual([...back.data], [...data]);
});

test('randomProblem: reproducible, named, scaled by 1/sqrt(fan_in)', () => {
  const a = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 10, T: 4, seed: 7 });
  const b = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 10, T: 4, seed: 7 });
  const c = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 10, T: 4, seed: 8 });
  assert.equal(a.name, 'rnn_3x5x2_m10_T4_seed7');
  assert.deepEqual([...a.x.data], [...b.x.data]);
  assert.deepEqual([...a.da.data], [...b.da.data]);
  assert.notDeepEqual([...a.x.data], [...c.x.data]);
  const l = randomProblem({ kind: 'lstm', n_x: 64, n_a: 64, n_y: 10, m: 2, T: 20, seed: 1 });
  assert.equal(l.name, 'lstm_64x64x10_m2_T20_seed1');
  const W = (l.parameters as Record<string, { data: Float64Array; shape: number[] }>).Wf;
  assert.deepEqual(W.shape, [64, 128]);
  const mean = W.data.reduce((p, q) => p + q, 0) / W.data.length;
  const sd = Math.sqrt(W.data.reduce((p, q) => p + (q - mean) ** 2, 0) / W.data.length);
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(sd * Math.sqrt(128) - 1) < 0.05, `mean ${mean}, sd·sqrt(128) ${sd * Math.sqrt(128)}`);
  const x = l.x.data;
  const xs = Math.sqrt(x.reduce((p, q) => p + q * q, 0) / x.length);
  assert.ok(Math.abs(xs - 1) < 0.1, `x rms ${xs}`);
});

for (const kind of ['rnn', 'lstm'] as const) {
  test(`${kind}: streaming runner in small slices equals run(), with progress invariants`, () => {
    const p = withCellState(truncateDa(randomProblem({ kind, n_x: 5, n_a: 8, n_y: 3, m: 2, T: 150, seed: 2 }), 120));
    const ref = run(p);
    const r = createRunner(p);
    let lastF = 0, lastB = 0, calls = 0;
    assert.equal(r.forwardDone, 0);
    while (!r.advance(0, 7)) {
      calls++;
      assert.ok(r.forwardDone >= lastF && r.backwardDone >= lastB, 'progress is monotonic');
      assert.ok(r.forwardDone + r.backwardDone > lastF + lastB, 'advance(0) still makes progress');
      if (r.backwardDone > 0) assert.equal(r.forwardDone, 150, 'backward starts after the forward');
      // every reported backward step already has its final dx
      const t = 120 - r.backwardDone;
      if (r.backwardDone > 0) close(r.backward.dx.subarray(t * 10, (t + 1) * 10), ref.backward.dx.subarray(t * 10, (t + 1) * 10), 1e-12, `dx step ${t}`);
      lastF = r.forwardDone; lastB = r.backwardDone;
    }
    assert.ok(calls > 10);
    assert.equal(r.backwardDone, 120);
    close(r.forward.a, ref.forward.a, 0, 'a');
    close(r.backward.dx, ref.backward.dx, 1e-12, 'dx');
    for (const k of Object.keys(ref.backward.grads)) close(r.backward.grads[k], ref.backward.grads[k], 1e-11, k);
  });

  test(`${kind} [wasm-simd]: streaming runner in uneven slices (partial chunks, gathered steps reused) equals run()`, { skip: !wasmAvailable() }, () => {
    // m = 16: chunks of 8 steps, x/da gathered 16 at a time; slices of 5 steps cut chunks anywhere
    const p = withCellState(truncateDa(randomProblem({ kind, n_x: 6, n_a: 9, n_y: 3, m: 16, T: 53, seed: 4 }), 47));
    setBackend('wasm-simd');
    try {
      const ref = run(p);
      const r = createRunner(p, { keepGateGrads: false });
      while (!r.advance(Infinity, 5)) { /* slices */ }
      close(r.forward.a, ref.forward.a, 0, 'a');
      close(r.backward.da, ref.backward.da, 0, 'da');
      close(r.backward.dx, ref.backward.dx, 1e-12, 'dx');
      for (const k of Object.keys(ref.backward.grads)) close(r.backward.grads[k], ref.backward.grads[k], 1e-11, k);
    } finally {
      setBackend('auto');
    }
  });

  test(`${kind}: cellBackwardAt matches the caches, and its contributions sum to the gradients`, () => {
    const p = withCellState(truncateDa(randomProblem({ kind, n_x: 4, n_a: 6, n_y: 2, m: 3, T: 8, seed: 4 }), 6));
    const full = run(p, { keepGateGrads: true });
    const lean = run(p, { keepGateGrads: false });
    assert.equal(lean.backward.dft, undefined);
    const { n_x, n_a, m } = p.dims;
    const S = n_a * m;
    const sums: Record<string, Float64Array> = {};
    for (let t = 0; t < 6; t++) {
      const g = cellBackwardAt(p, lean.forward, lean.backward, t);
      close(g.dxt, full.backward.dx.subarray(t * n_x * m, (t + 1) * n_x * m), 1e-13, `dxt@${t}`);
      if (t > 0) {
        // what step t sends back is what step t-1 received on top of its upstream da
        const up = ndToStepMajor(p.da);
        const recv = full.backward.da.subarray((t - 1) * S, t * S).map((v, i) => v - up[(t - 1) * S + i]);
        close(g.da_prev, recv, 1e-12, `da_prev@${t}`);
      } else {
        close(g.da_prev, full.backward.da0, 1e-13, 'da_prev@0');
      }
      if (kind === 'lstm') {
        for (const k of ['dft', 'dit', 'dcct', 'dot'] as const) close(g[k], full.backward[k]!.subarray(t * S, (t + 1) * S), 0, `${k}@${t}`);
        if (t === 0) close(g.dc_prev, full.backward.dc0!, 1e-13, 'dc_prev@0');
      }
      for (const k of Object.keys(full.backward.grads)) {
        sums[k] ??= new Float64Array(g[k].length);
        g[k].forEach((v, i) => { sums[k][i] += v; });
      }
    }
    for (const k of Object.keys(full.backward.grads)) close(sums[k], full.backward.grads[k], 1e-12, `Σ ${k}`);
    assert.throws(() => cellBackwardAt(p, lean.forward, lean.backward, 6), /outside the back-propagated range/);
  });
}

test('da longer than the forward pass is rejected with a clear message', () => {
  const p = randomProblem({ kind: 'rnn', n_x: 2, n_a: 3, n_y: 2, m: 1, T: 3, seed: 1 });
  const bad: Problem = { ...p, da: { shape: [3, 1, 4], data: new Float64Array(12) } };
  assert.throws(() => run(bad), /1 <= T_b <= T_x = 3/);
});

const GC_SHAPES: [number, number, number, number, number, number][] = [
  [3, 5, 2, 10, 4, 4], [2, 1, 1, 1, 1, 1], [4, 3, 2, 1, 6, 6], [3, 5, 2, 4, 7, 3], [1, 1, 2, 3, 5, 5],
];
for (const kind of ['rnn', 'lstm'] as const) {
  test(`gradcheck ${kind}: every gradient agrees with central differences (m=1, T=1, n_a=1, T_b<T_x)`, () => {
    for (const [n_x, n_a, n_y, m, T, T_b] of GC_SHAPES) {
      const p = withCellState(truncateDa(randomProblem({ kind, n_x, n_a, n_y, m, T, seed: 21 }), T_b));
      const rows = gradcheck(p, { maxEntries: Infinity });
      const names = rows.map((r) => r.name);
      assert.deepEqual(names, kind === 'rnn'
        ? ['dx', 'da0', 'dWax', 'dWaa', 'dba']
        : ['dx', 'da0', 'dc0', 'dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo']);
      for (const r of rows) {
        assert.equal(r.checked, r.total, `${r.name}: small arrays are checked in full`);
        assert.ok(r.maxAbsGrad > 0, `${r.name}: gradient is not identically zero`);
        assert.ok(r.maxRelErr < 1e-7, `${kind} (${n_x},${n_a},${n_y},${m},${T},${T_b}) ${r.name}: rel err ${r.maxRelErr}`);
      }
      const dx = rows[0];
      assert.deepEqual(dx.shape, [n_x, m, T_b]);
    }
  });
}

test('gradcheck samples large arrays with a seed (reproducible)', () => {
  const p = randomProblem({ kind: 'lstm', n_x: 6, n_a: 10, n_y: 2, m: 3, T: 4, seed: 2 });
  const a = gradcheck(p, { maxEntries: 7, seed: 3 }), b = gradcheck(p, { maxEntries: 7, seed: 3 });
  const dWf = a.find((r) => r.name === 'dWf')!;
  assert.equal(dWf.checked, 7);
  assert.equal(dWf.total, 160);
  assert.deepEqual(a, b);
  for (const r of a) assert.ok(r.maxRelErr < 1e-7, `${r.name}: ${r.maxRelErr}`);
});

test('benchmark: returns medians, flop count and backend (no timing assertions)', () => {
  const p = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 10, T: 4 });
  const b = benchmark(p, { repeat: 3, warmup: 1 });
  // forward 4·(2·5·8·10 + 2·2·5·10) + backward 4·(4·5·8·10) = 4·(800+200) + 4·1600
  assert.equal(flopCount(p), 4000 + 6400);
  assert.equal(b.gflop, 10400 / 1e9);
  assert.equal(b.repeat, 3);
  assert.ok(b.backend === 'js' || b.backend === 'wasm-simd' || b.backend === 'wasm-fma');
  for (const k of ['forward_ms', 'backward_ms', 'total_ms', 'gflops'] as const) assert.ok(Number.isFinite(b[k]) && b[k] >= 0, k);
  assert.ok(b.peak_rss_mb === null || b.peak_rss_mb > 0);
});
