/**
 * The variant catalogue in plain Node: the correct recipe reproduces the engine (so a variant
 * differs from the reference only by its slip), every slip changes the outputs of the functions
 * it is listed for (else it could never be told apart), shape-only slips give the shapes the
 * diagnosis relies on; and the allclose rule of the comparison.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { courseraProblems } from '../../src/check/check';
import { close, worstRatio } from '../../src/check/compare';
import { runVariant } from '../../src/check/diagnose';
import { PLANS, stepOrder } from '../../src/check/plan';
import { buildReference, cellReference, sequenceReference, type Reference } from '../../src/check/reference';
import type { FunctionName, Tensor } from '../../src/check/types';
import { CORRECT } from '../../src/check/variants/classic';
import { CATALOGUE } from '../../src/check/variants/index';
import { LSTM_FUNCTIONS, RNN_FUNCTIONS } from '../../src/check/types';

const refs = courseraProblems().map((p) => buildReference(p));
const refFor = (fn: FunctionName): Reference => {
  const r = refs.find((x) => x.problem.cell === (fn.startsWith('lstm') ? 'lstm' : 'rnn'));
  assert.ok(r);
  return r;
};
const tol = { rtol: 1e-5, atol: 1e-8 };

function steps(ref: Reference, fn: FunctionName): Array<number | null> {
  const p = PLANS[fn];
  if (!p.cell) return [null];
  return stepOrder(p.backward, p.backward ? ref.result.backward.T_b : ref.problem.dims.T_x);
}

function engine(ref: Reference, fn: FunctionName, t: number | null): Map<string, Tensor> {
  return t === null ? sequenceReference(ref, fn) : cellReference(ref, fn, t);
}

test('the correct recipe equals the engine for all eight functions at every step (1e-12)', () => {
  for (const fn of [...RNN_FUNCTIONS, ...LSTM_FUNCTIONS]) {
    const ref = refFor(fn);
    for (const t of steps(ref, fn)) {
      const mine = runVariant(ref, fn, CORRECT, t);
      const want = engine(ref, fn, t);
      for (const name of PLANS[fn].outputs) {
        const a = mine.get(name), b = want.get(name);
        assert.ok(a && b, `${fn} ${name}`);
        assert.deepEqual(a.shape, b.shape, `${fn} ${name} shape`);
        assert.ok(worstRatio(a, b, { rtol: 1e-12, atol: 1e-14 }) <= 1, `${fn} ${name} at ${t}`);
      }
    }
  }
});

test('every slip changes the outputs of every function it is listed for, and every form of it some function', () => {
  for (const v of CATALOGUE) {
    const changed = new Set<number>();
    for (const fn of v.functions) {
      const ref = refFor(fn);
      let differs = false;
      v.forms.forEach((form, k) => {
        for (const t of steps(ref, fn)) {
          let out: Map<string, Tensor>;
          try {
            out = runVariant(ref, fn, { ...CORRECT, ...form.recipe }, t);
          } catch {
            continue; // cannot even run: as different as it gets, but not a result to compare
          }
          const want = engine(ref, fn, t);
          if (PLANS[fn].outputs.some((n) => worstRatio(out.get(n) ?? want.get(n)!, want.get(n)!, tol) > 1)) {
            differs = true;
            changed.add(k);
          }
        }
      });
      assert.ok(differs, `${v.id} changes nothing in ${fn}`);
    }
    v.forms.forEach((f, k) => assert.ok(changed.has(k), `${v.id} form ${f.what ?? k} changes nothing`));
  }
});

test('shape-only slips: (n,) biases, transposed weights, whole stacked W', () => {
  const byId = (id: string) => CATALOGUE.find((v) => v.id === id)!;
  const rnn = refFor('rnn_cell_backward'), lstm = refFor('lstm_cell_backward');
  const keep = runVariant(rnn, 'rnn_cell_backward', { ...CORRECT, ...byId('db-keepdims').forms[0]!.recipe }, 0);
  assert.deepEqual(keep.get('dba')?.shape, [5]);
  const tr = runVariant(rnn, 'rnn_cell_backward', { ...CORRECT, ...byId('dW-transposed').forms[0]!.recipe }, 0);
  assert.deepEqual(tr.get('dWax')?.shape, [3, 5]);
  const whole = runVariant(lstm, 'lstm_cell_backward', { ...CORRECT, ...byId('no-weight-slice').forms[0]!.recipe }, 0);
  assert.deepEqual(whole.get('da_prev')?.shape, [8, 10]);
  assert.deepEqual(whole.get('dxt')?.shape, [8, 10]);
});

test('allclose: |mine - ref| <= atol + rtol |ref|, NaN never, equal infinities yes', () => {
  assert.equal(close(1 + 1e-6, 1, tol), true);
  assert.equal(close(1 + 2e-5, 1, tol), false);
  assert.equal(close(5e-9, 0, tol), true);
  assert.equal(close(2e-8, 0, tol), false);
  assert.equal(close(NaN, NaN, tol), false);
  assert.equal(close(Infinity, Infinity, tol), true);
  assert.equal(close(-Infinity, Infinity, tol), false);
});
