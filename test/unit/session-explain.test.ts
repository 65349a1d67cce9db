// Equations expanded with the numbers (src/session/explain.ts), against the reference values of
// test/fixtures/*_cell_coursera.expected.json (written by /work/shared/reference/rnn_reference.py):
// every element's value equals the reference, and the listed terms + the rest + the bias sum to
// the shown pre-activation within 1e-12.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canExplain,
  explain,
  explainLstmBackward,
  explainLstmForward,
  explainRnnBackward,
  explainRnnForward,
  num,
  sumText,
  weightedSum,
  type Explanation,
  type Mat,
  type Tensors,
} from '../../src/session/explain';

import { checkSum, close, get, load } from './explain-helpers';

/** A whole tensor computed element by element through `explain`, as a matrix. */
function tensorOf(rows: number, cols: number, one: (i: number, j: number) => Explanation | undefined): Mat {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const e = one(i, j);
      assert.ok(e);
      data[i * cols + j] = e.value;
    }
  return { rows, cols, data };
}

describe('explain: LSTM cell (lstm_cell_coursera)', () => {
  const { ts, want } = load('lstm_cell_coursera');
  const n_a = ts.a_prev.rows;
  const n_x = ts.xt.rows;
  const m = ts.xt.cols;

  it('gates: σ/tanh of the shown pre-activation equals the reference, terms sum to it', () => {
    for (const g of ['ft', 'it', 'cct', 'ot'])
      for (let i = 0; i < n_a; i++)
        for (let j = 0; j < m; j++) {
          const e = explainLstmForward(g, ts, i, j);
          assert.ok(e);
          checkSum(e, n_a + n_x);
          close(e.value, get(want[g], i, j), e.target);
        }
  });

  it('c_next, a_next and ŷ from the reference gates equal the reference', () => {
    const all: Tensors = { ...ts, ft: want.ft, it: want.it, cct: want.cct, ot: want.ot, c_next: want.c_next, a_next: want.a_next };
    for (const name of ['c_next', 'a_next', 'yt_pred']) {
      const rows = name === 'yt_pred' ? want.yt_pred.rows : n_a;
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < m; j++) {
          const e = explainLstmForward(name, all, i, j);
          assert.ok(e);
          close(e.value, get(want[name], i, j), e.target);
          if (name === 'yt_pred') checkSum(e, n_a);
        }
    }
    const e = explainLstmForward('c_next', all, 3, 1);
    assert.ok(e);
    assert.deepEqual(e.factors.map((f) => f.name), ['ft[3,1]', 'c_prev[3,1]', 'it[3,1]', 'cct[3,1]']);
    assert.equal(explainLstmForward('xt', all, 0, 0), undefined, 'an input has no equation');
  });

  it('backward: the gate gradients summed over the batch are the reference db*, dc_prev / da_prev / dxt equal it', () => {
    const fwd: Tensors = { ...ts, ft: want.ft, it: want.it, cct: want.cct, ot: want.ot, c_next: want.c_next, a_next: want.a_next };
    const grads: Record<string, Mat> = {};
    for (const g of ['dft', 'dit', 'dcct', 'dot']) grads[g] = tensorOf(n_a, m, (i, j) => explainLstmBackward(g, fwd, i, j));
    for (const [g, db] of [['dft', 'dbf'], ['dit', 'dbi'], ['dcct', 'dbc'], ['dot', 'dbo']] as const)
      for (let i = 0; i < n_a; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += get(grads[g], i, j);
        close(s, get(want[db], i, 0), `Σ_j ${g}[${i},j] vs ${db}`);
      }
    const all: Tensors = { ...fwd, ...grads };
    for (const [name, rows] of [['dc_prev', n_a], ['da_prev', n_a], ['dxt', n_x]] as const)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < m; j++) {
          const e = explainLstmBackward(name, all, i, j);
          assert.ok(e);
          close(e.value, get(want[name], i, j), e.target);
          if (name !== 'dc_prev') checkSum(e, 4 * n_a);
        }
  });
});

describe('explain: RNN cell (rnn_cell_coursera)', () => {
  const { ts, want } = load('rnn_cell_coursera');
  const n_a = ts.a_prev.rows;
  const n_x = ts.xt.rows;
  const m = ts.xt.cols;

  it('a_next = tanh(Waa a_prev + Wax xt + ba) and ŷ equal the reference', () => {
    for (let i = 0; i < n_a; i++)
      for (let j = 0; j < m; j++) {
        const e = explainRnnForward('a_next', ts, i, j);
        assert.ok(e);
        checkSum(e, n_a + n_x);
        close(e.value, get(want.a_next, i, j), e.target);
        assert.match(e.numbers, /^tanh\(.+\) = /);
      }
    const all: Tensors = { ...ts, a_next: want.a_next };
    for (let i = 0; i < want.yt_pred.rows; i++)
      for (let j = 0; j < m; j++) {
        const e = explainRnnForward('yt_pred', all, i, j);
        assert.ok(e);
        close(e.value, get(want.yt_pred, i, j), e.target);
      }
  });

  it('backward: dtanh summed over the batch is dba; da_prev and dxt equal the reference', () => {
    const all: Tensors = { ...ts, a_next: want.a_next };
    const dtanh = tensorOf(n_a, m, (i, j) => explainRnnBackward('dtanh', all, i, j));
    for (let i = 0; i < n_a; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += get(dtanh, i, j);
      close(s, get(want.dba, i, 0), `Σ_j dtanh[${i},j] vs dba`);
    }
    const withD: Tensors = { ...all, dtanh };
    for (const [name, rows] of [['da_prev', n_a], ['dxt', n_x]] as const)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < m; j++) {
          const e = explainRnnBackward(name, withD, i, j);
          assert.ok(e);
          checkSum(e, n_a);
          close(e.value, get(want[name], i, j), e.target);
        }
  });
});

describe('explain: the sum and its text', () => {
  it('keeps the largest products, a NaN product first, and names each factor', () => {
    const W: Mat = { rows: 1, cols: 7, data: Float64Array.from([1, -8, 2, NaN, 0.5, 3, -0.25]) };
    const z: Mat = { rows: 7, cols: 1, data: Float64Array.from([1, 1, 1, 1, 1, 1, 1]) };
    const b: Mat = { rows: 1, cols: 1, data: Float64Array.from([0.1]) };
    const s = weightedSum([{ W, wName: 'W', z, zName: 'z' }], 0, 0, { b, name: 'b' });
    assert.deepEqual(s.top.map((t) => t.wName), ['W[0,3]', 'W[0,1]', 'W[0,5]', 'W[0,2]', 'W[0,0]']);
    assert.equal(s.restCount, 2);
    assert.equal(s.rest, 0.25);
    assert.ok(Number.isNaN(s.pre));
    const text = sumText(s);
    assert.equal(text[0], 'b[0] = 0.1');
    assert.equal(text[2], 'W[0,1]·z[1,0] = −8·1 = −8');
    assert.equal(text[text.length - 1], 'the other 2 terms sum to 0.25');
  });

  it('says which expansions the inputs at hand allow (the panel has no weights)', () => {
    const { ts, want } = load('lstm_cell_coursera');
    const step: Tensors = { xt: ts.xt, a_prev: ts.a_prev, c_prev: ts.c_prev, ft: want.ft, it: want.it, cct: want.cct, ot: want.ot, c_next: want.c_next, a_next: want.a_next };
    assert.equal(canExplain('lstm', false, 'c_next', step), true);
    assert.equal(canExplain('lstm', false, 'ft', step), false, 'no Wf, bf');
    assert.equal(explain('lstm', false, 'ft', step, 0, 0), undefined);
    assert.equal(explain('lstm', false, 'xt', step, 0, 0), undefined);
    const e = explain('lstm', false, 'ft', ts, 0, 0);
    assert.ok(e);
    close(e.value, get(want.ft, 0, 0), 'ft[0,0]');
  });

  it('prints four significant digits, exponents outside 1e-4…1e6, and the non-finite', () => {
    assert.equal(num(0.78312345), '0.7831');
    assert.equal(num(-1.2844), '−1.284');
    assert.equal(num(1.5e-7), '1.500e−7');
    assert.equal(num(0), '0');
    assert.equal(num(Infinity), '+∞');
    assert.equal(num(NaN), 'NaN');
  });
});
