// The panel's new expansions against the reference values of test/fixtures/*_cell_coursera.expected.json
// (written by test/fixtures/generated/rnn_reference.py): the pre-activation tensors through their
// activation equal the reference gates / a_next / ŷ; each pre-activation element's expansion
// (bias + listed terms + rest) equals the card's value within 1e-12; a step's dW / db entries
// expanded over the batch equal the reference gradients (a cell fixture is one step: its
// contribution is the whole gradient).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explain, sigmoid, type Mat } from '../../src/session/explain';
import { PARAMETERS, PRE_ACTIVATIONS, preActivations } from '../../src/session/explainTensors';

import { checkSum, close, get, load } from './explain-helpers';

/** softmax of column j of the logits. */
const softmax = (z: Mat, i: number, j: number) => {
  let mx = -Infinity;
  for (let r = 0; r < z.rows; r++) mx = Math.max(mx, get(z, r, j));
  let den = 0;
  for (let r = 0; r < z.rows; r++) den += Math.exp(get(z, r, j) - mx);
  return Math.exp(get(z, i, j) - mx) / den;
};

describe('pre-activation tensors and their expansions', () => {
  it('LSTM: σ/tanh of z_ft z_it z_cct z_ot are the reference gates, softmax(z_y) is ŷ; every element expands to itself', () => {
    const { ts, want } = load('lstm_cell_coursera');
    const step = { ...ts, a_next: want.a_next };
    const z = preActivations('lstm', step);
    assert.deepEqual([...z.keys()], [...PRE_ACTIVATIONS.lstm]);
    const n_a = ts.a_prev.rows, n_x = ts.xt.rows, m = ts.xt.cols;
    for (const [name, gate, act] of [['z_ft', 'ft', sigmoid], ['z_it', 'it', sigmoid], ['z_cct', 'cct', Math.tanh], ['z_ot', 'ot', sigmoid]] as const) {
      const zm = z.get(name);
      assert.ok(zm);
      for (let i = 0; i < n_a; i++)
        for (let j = 0; j < m; j++) {
          close(act(get(zm, i, j)), get(want[gate], i, j), `${gate}[${i},${j}]`);
          const e = explain('lstm', false, name, step, i, j);
          assert.ok(e, name);
          checkSum(e, n_a + n_x);
          assert.equal(e.value, get(zm, i, j), `${e.target} is the card's value`);
          assert.match(e.equation, /^Σ_k W[fico]\[/);
        }
    }
    const zy = z.get('z_y');
    assert.ok(zy);
    for (let i = 0; i < zy.rows; i++)
      for (let j = 0; j < m; j++) {
        close(softmax(zy, i, j), get(want.yt_pred, i, j), `yt_pred[${i},${j}]`);
        const e = explain('lstm', false, 'z_y', step, i, j);
        assert.ok(e);
        checkSum(e, n_a);
        assert.equal(e.value, get(zy, i, j));
      }
  });

  it('RNN: tanh(z_a) is a_next, softmax(z_y) is ŷ; every element expands to itself', () => {
    const { ts, want } = load('rnn_cell_coursera');
    const step = { ...ts, a_next: want.a_next };
    const z = preActivations('rnn', step);
    assert.deepEqual([...z.keys()], [...PRE_ACTIVATIONS.rnn]);
    const za = z.get('z_a'), zy = z.get('z_y');
    assert.ok(za && zy);
    const n_a = ts.a_prev.rows, n_x = ts.xt.rows, m = ts.xt.cols;
    for (let i = 0; i < n_a; i++)
      for (let j = 0; j < m; j++) {
        close(Math.tanh(get(za, i, j)), get(want.a_next, i, j), `a_next[${i},${j}]`);
        const e = explain('rnn', false, 'z_a', step, i, j);
        assert.ok(e);
        checkSum(e, n_a + n_x);
        assert.equal(e.value, get(za, i, j));
      }
    for (let i = 0; i < zy.rows; i++) for (let j = 0; j < m; j++) close(softmax(zy, i, j), get(want.yt_pred, i, j), `yt_pred[${i},${j}]`);
  });

  it('without the parameters there are no pre-activations (the panel waits for them)', () => {
    const { ts, want } = load('lstm_cell_coursera');
    const step: Record<string, Mat> = { xt: ts.xt, a_prev: ts.a_prev, a_next: want.a_next };
    assert.equal(preActivations('lstm', step).size, 0);
    for (const p of PARAMETERS.lstm) assert.ok(ts[p], `the fixture has ${p}`);
  });
});

describe('weight-gradient entries expanded over the batch', () => {
  it('LSTM: dW*[i,k] = Σ_j d*[i,j]·z[k,j] and db*[i] = Σ_j d*[i,j] equal the reference', () => {
    const { ts, want } = load('lstm_cell_coursera');
    const all: Record<string, Mat> = { ...ts, ...want };
    const n_a = ts.a_prev.rows, n_x = ts.xt.rows, m = ts.xt.cols;
    // The gate gradients from their own (already tested) expansions.
    for (const g of ['dft', 'dit', 'dcct', 'dot']) {
      const data = new Float64Array(n_a * m);
      for (let i = 0; i < n_a; i++)
        for (let j = 0; j < m; j++) {
          const e = explain('lstm', true, g, all, i, j);
          assert.ok(e);
          data[i * m + j] = e.value;
        }
      all[g] = { rows: n_a, cols: m, data };
    }
    for (const g of ['f', 'i', 'c', 'o']) {
      for (let i = 0; i < n_a; i++) {
        for (let k = 0; k < n_a + n_x; k++) {
          const e = explain('lstm', true, `dW${g}`, all, i, k);
          assert.ok(e, `dW${g}[${i},${k}]`);
          checkSum(e, m);
          close(e.value, get(want[`dW${g}`], i, k), e.target);
          const zName = k < n_a ? `a_prev[${k},` : `xt[${k - n_a},`;
          for (const t of e.sum?.top ?? []) assert.ok(t.zName.startsWith(zName), `${t.zName} names row ${k} of z`);
        }
        const b = explain('lstm', true, `db${g}`, all, i, 0);
        assert.ok(b);
        checkSum(b, m);
        close(b.value, get(want[`db${g}`], i, 0), b.target);
      }
    }
  });

  it('RNN: dWax, dWaa and dba entries equal the reference', () => {
    const { ts, want } = load('rnn_cell_coursera');
    const all: Record<string, Mat> = { ...ts, ...want };
    const n_a = ts.a_prev.rows, n_x = ts.xt.rows, m = ts.xt.cols;
    const data = new Float64Array(n_a * m);
    for (let i = 0; i < n_a; i++)
      for (let j = 0; j < m; j++) {
        const e = explain('rnn', true, 'dtanh', all, i, j);
        assert.ok(e);
        data[i * m + j] = e.value;
      }
    all.dtanh = { rows: n_a, cols: m, data };
    for (let i = 0; i < n_a; i++) {
      for (const [name, cols] of [['dWax', n_x], ['dWaa', n_a]] as const)
        for (let k = 0; k < cols; k++) {
          const e = explain('rnn', true, name, all, i, k);
          assert.ok(e);
          checkSum(e, m);
          close(e.value, get(want[name], i, k), e.target);
        }
      const b = explain('rnn', true, 'dba', all, i, 0);
      assert.ok(b);
      close(b.value, get(want.dba, i, 0), b.target);
    }
  });
});
