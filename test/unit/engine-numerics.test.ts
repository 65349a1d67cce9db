/** Numerical edge cases: softmax far apart, NaN propagation, and the two backends agreeing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, randomProblem, setBackend, softmax, stepMajorToNd, wasmAvailable, type Problem } from '../../src/engine/index';
import { truncateDa, withCellState } from './engine-helpers';
import { softmaxColumns } from '../../src/engine/core';
import { loadWasmKernels } from '../../src/engine/wasm';

test('softmax: two columns ~745 apart give the per-column answer, no NaN', () => {
  const e = Math.E;
  const y = softmax({ shape: [2, 2], data: Float64Array.from([0, 745, 1, 746]) });
  const want = [1 / (1 + e), 1 / (1 + e), e / (1 + e), e / (1 + e)];
  y.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-15, `y[${i}] = ${v}, want ${want[i]}`));
});

test('forward: output logits ~800 apart across the batch give no NaN in y', () => {
  // a = tanh(10·x) = ±0.99999999587, logits 400·a and 401·a: columns ~800 apart
  const p: Problem = {
    kind: 'rnn', cell: 'rnn', name: 'far', dims: { n_x: 1, n_a: 1, n_y: 2, m: 2, T_x: 1 },
    x: { shape: [1, 2, 1], data: Float64Array.from([-1, 1]) }, a0: { shape: [1, 2], data: new Float64Array(2) },
    parameters: {
      Wax: { shape: [1, 1], data: Float64Array.from([10]) }, Waa: { shape: [1, 1], data: Float64Array.from([0]) },
      Wya: { shape: [2, 1], data: Float64Array.from([400, 401]) }, ba: { shape: [1, 1], data: new Float64Array(1) },
      by: { shape: [2, 1], data: new Float64Array(2) },
    },
    da: { shape: [1, 2, 1], data: Float64Array.from([1, 1]) }, daDefaulted: true, warnings: [],
  };
  const f = run(p).forward;
  for (let j = 0; j < 2; j++) {
    const a = f.a[j];
    const y0 = 1 / (1 + Math.exp(a)), y1 = 1 / (1 + Math.exp(-a));
    assert.ok(Math.abs(f.y[j] - y0) < 1e-14 && Math.abs(f.y[2 + j] - y1) < 1e-14, `column ${j}: ${f.y[j]}, ${f.y[2 + j]}`);
  }
});

for (const kind of ['rnn', 'lstm'] as const) {
  test(`${kind}: NaN in x spreads exactly where it should, without throwing`, () => {
    const n_x = 3, n_a = 4, m = 3, T = 5, t0 = 2, jNaN = 1;
    const p = randomProblem({ kind, n_x, n_a, n_y: 2, m, T, seed: 5 });
    p.x.data[(0 * m + jNaN) * T + t0] = NaN; // x[0][jNaN][t0]
    const r = run(p);
    const a = stepMajorToNd(r.forward.a, n_a, m, T), y = stepMajorToNd(r.forward.y, 2, m, T);
    const dx = stepMajorToNd(r.backward.dx, n_x, m, T);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < m; j++) {
        const bad = j === jNaN && t >= t0;
        for (let i = 0; i < n_a; i++) assert.equal(Number.isNaN(a.data[(i * m + j) * T + t]), bad, `a[${i}][${j}][${t}]`);
        for (let i = 0; i < 2; i++) assert.equal(Number.isNaN(y.data[(i * m + j) * T + t]), bad, `y[${i}][${j}][${t}]`);
        // the gradient reaching column jNaN is NaN at every step (it flows back from t0 on)
        for (let i = 0; i < n_x; i++) assert.equal(Number.isNaN(dx.data[(i * m + j) * T + t]), j === jNaN, `dx[${i}][${j}][${t}]`);
      }
    }
    for (let i = 0; i < n_a * m; i++) assert.equal(Number.isNaN(r.backward.da0[i]), i % m === jNaN, `da0 flat ${i}`);
    for (const [k, g] of Object.entries(r.backward.grads)) assert.ok(g.every((v) => Number.isNaN(v)), `${k} sums over the batch: all NaN`);
  });
}

test('js and wasm-simd backends give the same numbers (to 1e-12 relative)', { skip: !wasmAvailable() }, () => {
  const shapes: [('rnn' | 'lstm'), number, number, number, number, number, number][] = [
    ['rnn', 17, 33, 5, 7, 9, 9], ['lstm', 13, 21, 4, 1, 11, 7], ['lstm', 9, 18, 3, 6, 5, 5], ['rnn', 40, 64, 10, 1, 30, 30],
    ['lstm', 32, 64, 10, 16, 12, 12],
    // several gathers of x/da (gatherSteps > chunk length), a ragged last chunk, T_b < T_x
    ['lstm', 5, 6, 3, 16, 70, 61], ['rnn', 7, 9, 2, 20, 45, 45],
  ];
  for (const [kind, n_x, n_a, n_y, m, T, T_b] of shapes) {
    const p = withCellState(truncateDa(randomProblem({ kind, n_x, n_a, n_y, m, T, seed: 3 }), T_b));
    setBackend('js');
    const a = run(p);
    setBackend('wasm-simd');
    const b = run(p);
    setBackend('auto');
    const pairs: [string, Float64Array, Float64Array][] = [
      ['a', a.forward.a, b.forward.a], ['y', a.forward.y, b.forward.y], ['dx', a.backward.dx, b.backward.dx],
      ['da0', a.backward.da0, b.backward.da0], ['da', a.backward.da, b.backward.da],
      ...Object.keys(a.backward.grads).map((k) => [k, a.backward.grads[k], b.backward.grads[k]] as [string, Float64Array, Float64Array]),
    ];
    if (kind === 'lstm') pairs.push(['c', a.forward.c!, b.forward.c!], ['dft', a.backward.dft!, b.backward.dft!], ['dc0', a.backward.dc0!, b.backward.dc0!]);
    for (const [name, u, v] of pairs) {
      assert.equal(u.length, v.length);
      let scale = 0;
      for (const x of u) scale = Math.max(scale, Math.abs(x));
      for (let i = 0; i < u.length; i++) {
        assert.ok(Math.abs(u[i] - v[i]) <= 1e-12 * Math.max(scale, 1e-300), `${kind} ${name}[${i}]: js ${u[i]} vs wasm ${v[i]}`);
      }
    }
  }
});

test('wasm tanh is within 3 ulp of Math.tanh over [-25, 25]; ±0, ±Infinity, NaN and tiny values come out right', { skip: !wasmAvailable() }, () => {
  const k = loadWasmKernels()!;
  const xs = [0, -0, Infinity, -Infinity, NaN, 1e-300, -5e-324, 1e-8, 0.2746, 19.06, 19.1, 700, -710];
  for (let i = 0; i <= 100000; i++) xs.push(-25 + i / 2000);
  const ws = k.workspace(xs.length, 1);
  const p = ws.alloc(xs.length);
  p.set(xs);
  ws.tanhInPlace!(p, xs.length);
  xs.forEach((x, i) => {
    const want = Math.tanh(x), got = p[i];
    if (Number.isNaN(want) || want === 0) return assert.ok(Object.is(got, want), `tanh(${x}) = ${got}, want ${want}`);
    assert.ok(Math.abs(got - want) <= 3 * 2.220446049250313e-16 * Math.abs(want), `tanh(${x}) = ${got}, want ${want}`);
  });
});

test('wasm softmax over columns matches the JS one, NaN and ±Infinity columns included', { skip: !wasmAvailable() }, () => {
  const k = loadWasmKernels()!;
  for (const [n, m] of [[64, 32], [3, 7], [1, 1], [5, 1], [10, 33]]) {
    const ws = k.workspace(n * m, 1);
    const Z = ws.alloc(n * m);
    for (let i = 0; i < n * m; i++) Z[i] = Math.sin(i * 7.1) * 800;
    if (m > 2) { Z[1] = NaN; Z[m + 2] = Infinity; Z[2 * m - 1] = -Infinity; }
    // (the last column: a lane of the last f64x2 pair, or alone when m is odd)
    if (m > 2 && n > 2) Z[3 * m - 1] = NaN;
    const J = Float64Array.from(Z);
    softmaxColumns(J, 0, n, m);
    ws.softmaxColumns!(Z, n, m);
    for (let i = 0; i < n * m; i++) {
      if (Number.isNaN(J[i])) assert.ok(Number.isNaN(Z[i]), `${n}x${m} [${i}]: ${Z[i]}, want NaN`);
      else assert.ok(Math.abs(Z[i] - J[i]) <= 1e-15, `${n}x${m} [${i}]: ${Z[i]}, want ${J[i]}`);
    }
  }
});
