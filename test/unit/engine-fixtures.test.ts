/**
 * The six reference fixtures (published Coursera numbers, computed by the NumPy reference):
 * every array in NAME.expected.json within 1e-10, through run(), the streaming runner,
 * cellBackwardAt and the NumPy-style ports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  run, createRunner, cellBackwardAt, setBackend,
  rnn_forward, rnn_backward, lstm_forward, lstm_backward, rnn_cell_forward, rnn_cell_backward,
  lstm_cell_forward, lstm_cell_backward,
  type NdArray, type Problem,
} from '../../src/engine/index';
import { assertClose, checkAll, loadExpected, loadFixture, outputs } from './engine-helpers';
import { testedBackends } from './kernel-helpers';

const NAMES = [
  'rnn_cell_coursera', 'rnn_coursera_forward', 'rnn_coursera_backward',
  'lstm_cell_coursera', 'lstm_coursera_forward', 'lstm_coursera_backward',
];

for (const backend of testedBackends()) {
  for (const name of NAMES) {
    test(`fixture ${name} [${backend}]: run() matches every expected array within 1e-10`, () => {
      setBackend(backend);
      const p = loadFixture(name);
      const want = loadExpected(name);
      const r = run(p);
      const n = checkAll(name, outputs(p, r.forward, r.backward), want);
      assert.ok(n >= 7, `only ${n} arrays compared`);
      setBackend('auto');
    });
  }
}

for (const name of NAMES) {
  test(`fixture ${name}: streaming runner, one step per advance, gives the same numbers`, () => {
    const p = loadFixture(name);
    const want = loadExpected(name);
    const r = createRunner(p, { keepGateGrads: false });
    let calls = 0;
    while (!r.advance(1e9, 1)) {
      calls++;
      assert.ok(calls < 1000);
      assert.ok(r.forwardDone <= p.dims.T_x);
    }
    assert.equal(r.forwardDone, p.dims.T_x);
    assert.equal(r.backwardDone, p.da.shape[2]);
    assert.equal(r.backward.dft, undefined, 'keepGateGrads:false must not store gate gradients');
    checkAll(name, outputs(p, r.forward, r.backward), want);
  });
}

test('cellBackwardAt on the cell fixtures equals the reference cell backward', () => {
  for (const name of ['rnn_cell_coursera', 'lstm_cell_coursera']) {
    const p = loadFixture(name);
    const want = loadExpected(name);
    const r = run(p);
    const g = cellBackwardAt(p, r.forward, r.backward, 0);
    const { n_x, n_a, m } = p.dims;
    const shapeOf = (k: string): number[] =>
      k === 'dxt' ? [n_x, m] : k.startsWith('db') ? [n_a, 1] : k === 'dWax' ? [n_a, n_x] : k === 'dWaa' ? [n_a, n_a]
        : k.startsWith('dW') ? [n_a, n_a + n_x] : [n_a, m];
    let n = 0;
    for (const k of Object.keys(want)) {
      if (!(k.startsWith('d'))) continue;
      assert.ok(g[k], `${name}: cellBackwardAt lacks ${k}`);
      assertClose(`${name}.${k}`, { shape: shapeOf(k), data: g[k] }, want[k]);
      n++;
    }
    assert.ok(n >= 5);
  }
});

test('NumPy-style ports reproduce the fixtures', () => {
  const P = (p: Problem) => p.parameters as unknown as Record<string, NdArray>;
  {
    const p = loadFixture('rnn_coursera_backward'), w = loadExpected('rnn_coursera_backward');
    const [a, y, caches] = rnn_forward(p.x, p.a0, P(p));
    assertClose('a', a, w.a); assertClose('y_pred', y, w.y_pred);
    const g = rnn_backward(p.da, caches);
    for (const k of ['dx', 'da0', 'dWax', 'dWaa', 'dba'] as const) assertClose(k, g[k], w[k]);
  }
  {
    const p = loadFixture('lstm_coursera_backward'), w = loadExpected('lstm_coursera_backward');
    const [a, y, c, caches] = lstm_forward(p.x, p.a0, P(p));
    assertClose('a', a, w.a); assertClose('y', y, w.y_pred); assertClose('c', c, w.c);
    const g = lstm_backward(p.da, caches);
    for (const k of ['dx', 'da0', 'dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo']) assertClose(k, g[k], w[k]);
  }
  {
    const p = loadFixture('rnn_cell_coursera'), w = loadExpected('rnn_cell_coursera');
    const xt = { shape: [p.dims.n_x, p.dims.m], data: p.x.data };
    const da_next = { shape: [p.dims.n_a, p.dims.m], data: p.da.data };
    const [a_next, yt, cache] = rnn_cell_forward(xt, p.a0, P(p));
    assertClose('a_next', a_next, w.a_next); assertClose('yt_pred', yt, w.yt_pred);
    const g = rnn_cell_backward(da_next, cache);
    for (const k of ['dxt', 'da_prev', 'dWax', 'dWaa', 'dba'] as const) assertClose(k, g[k], w[k]);
  }
  {
    const p = loadFixture('lstm_cell_coursera'), w = loadExpected('lstm_cell_coursera');
    const xt = { shape: [p.dims.n_x, p.dims.m], data: p.x.data };
    const da_next = { shape: [p.dims.n_a, p.dims.m], data: p.da.data };
    const [a_next, c_next, yt, cache] = lstm_cell_forward(xt, p.a0, p.c0!, P(p));
    assertClose('a_next', a_next, w.a_next); assertClose('c_next', c_next, w.c_next); assertClose('yt', yt, w.yt_pred);
    for (const k of ['ft', 'it', 'cct', 'ot'] as const) assertClose(k, cache[k], w[k]);
    const g = lstm_cell_backward(da_next, p.dcFinal!, cache);
    for (const k of ['dxt', 'da_prev', 'dc_prev', 'dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo']) assertClose(k, g[k], w[k]);
  }
});
