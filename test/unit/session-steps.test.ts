/**
 * The step payloads the panel shows, checked against the reference `*.expected.json` values
 * (NumPy), and — for the RNN backward, whose per-step values the reference does not list — against
 * an independent back-propagation written here from the reference forward values.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cellBackwardAt, createRunner, randomProblem } from '../../src/engine';
import type { Problem } from '../../src/engine/types';
import { parseFixture } from '../../src/fixture/parse';
import type { TensorPayload } from '../../src/protocol/messages';
import { NonFiniteScanner, nonFiniteWarning } from '../../src/session/nonFinite';
import { RunningSums } from '../../src/session/runningSums';
import { parseStepInput } from '../../src/session/stepInput';
import {
  BACKWARD_LSTM, BACKWARD_RNN, BACKWARD_SUMS_LSTM, BACKWARD_SUMS_RNN, FORWARD_LSTM, FORWARD_RNN, TOTALS_LSTM, TOTALS_RNN,
  gradientNorms, stepPayload, toNestedLists, windowOf, type RunView,
} from '../../src/session/steps';

const DIR = join(import.meta.dirname, '..', 'fixtures');
const FIXTURES = [
  'rnn_cell_coursera', 'rnn_coursera_forward', 'rnn_coursera_backward',
  'lstm_cell_coursera', 'lstm_coursera_forward', 'lstm_coursera_backward',
];

type Nested = number | Nested[];
/** A reference array, indexable as at(i, j) or at(i, j, t). */
function ref(v: Nested): (...ix: number[]) => number {
  return (...ix) => {
    let cur: Nested = v;
    for (const i of ix) cur = (cur as Nested[])[i];
    assert.equal(typeof cur, 'number');
    return cur as number;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reference JSON of any shape
function load(name: string): { problem: Problem; fixture: Record<string, any>; expected: Record<string, any> } {
  const text = readFileSync(join(DIR, `${name}.json`), 'utf8');
  const parsed = parseFixture(text, `${name}.json`);
  assert.ok(parsed.ok, `fixture ${name} should parse`);
  return {
    problem: parsed.problem,
    fixture: JSON.parse(text),
    expected: JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')),
  };
}

function fullRun(problem: Problem): RunView {
  const r = createRunner(problem, { keepGateGrads: false });
  r.advance(Infinity);
  return { problem, forward: r.forward, backward: r.backward, forwardDone: r.forwardDone, backwardDone: r.backwardDone, finished: r.finished };
}

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: got ${a}, expected ${b}`);

function tensors(p: TensorPayload[] | string): Map<string, TensorPayload> {
  assert.notEqual(typeof p, 'string', `unexpected refusal: ${String(p)}`);
  return new Map((p as TensorPayload[]).map((x) => [x.name, x]));
}

/** Compare a payload to a reference value `want(i, j)` over its whole shape. */
function expectTensor(t: TensorPayload | undefined, rows: number, cols: number, want: (i: number, j: number) => number, what: string) {
  assert.ok(t, `${what} missing`);
  assert.equal(t.rows, rows, `${what} rows`);
  assert.equal(t.cols, cols, `${what} cols`);
  const d = new Float64Array(t.data);
  assert.equal(d.length, rows * cols, `${what} size`);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) close(d[i * cols + j], want(i, j), `${what}[${i}][${j}]`);
}

for (const name of FIXTURES) {
  describe(`session payloads: ${name}`, () => {
    const { problem, fixture, expected } = load(name);
    const run = fullRun(problem);
    const { n_x, n_a, n_y, m, T_x } = problem.dims;
    const lstm = problem.cell === 'lstm';
    const cellKind = problem.kind.endsWith('_cell');
    const T_b = problem.da.shape[2];
    // Reference forward values as (i, j, t); the cell kinds list them without the time axis.
    const E = (key: string) => (cellKind ? ((i: number, j: number) => ref(expected[key])(i, j)) : ref(expected[key]));
    const X = cellKind ? (i: number, j: number) => ref(fixture.xt)(i, j) : ref(fixture.x);
    const A0 = ref(cellKind ? fixture.a_prev : fixture.a0);
    const aKey = cellKind ? 'a_next' : 'a', yKey = cellKind ? 'yt_pred' : 'y_pred', cKey = cellKind ? 'c_next' : 'c';

    it('forward steps: names in contract order and values equal the reference', () => {
      for (let t = 0; t < T_x; t++) {
        const p = stepPayload(run, 'forward', t);
        const got = tensors(p);
        assert.deepEqual([...got.keys()], lstm ? [...FORWARD_LSTM] : [...FORWARD_RNN]);
        expectTensor(got.get('xt'), n_x, m, (i, j) => X(i, j, t), `xt@${t}`);
        expectTensor(got.get('a_prev'), n_a, m, (i, j) => (t === 0 ? A0(i, j) : E(aKey)(i, j, t - 1)), `a_prev@${t}`);
        expectTensor(got.get('a_next'), n_a, m, (i, j) => E(aKey)(i, j, t), `a_next@${t}`);
        expectTensor(got.get('yt_pred'), n_y, m, (i, j) => E(yKey)(i, j, t), `yt_pred@${t}`);
        if (lstm) {
          for (const g of ['ft', 'it', 'cct', 'ot']) expectTensor(got.get(g), n_a, m, (i, j) => E(g)(i, j, t), `${g}@${t}`);
          expectTensor(got.get('c_next'), n_a, m, (i, j) => E(cKey)(i, j, t), `c_next@${t}`);
          const C0 = fixture.c_prev ?? fixture.c0;
          expectTensor(got.get('c_prev'), n_a, m, (i, j) => (t > 0 ? E(cKey)(i, j, t - 1) : C0 ? ref(C0)(i, j) : 0), `c_prev@${t}`);
        }
      }
    });

    it('backward steps: dxt per step, da_prev at t = 0 and the summed dW/db equal the reference', () => {
      const sums = new Map<string, Float64Array>();
      for (let t = T_b - 1; t >= 0; t--) {
        const got = tensors(stepPayload(run, 'backward', t));
        assert.deepEqual([...got.keys()], lstm ? [...BACKWARD_LSTM, ...BACKWARD_SUMS_LSTM] : [...BACKWARD_RNN, ...BACKWARD_SUMS_RNN]);
        const dx = cellKind ? (i: number, j: number) => ref(expected.dxt)(i, j) : (i: number, j: number) => ref(expected.dx)(i, j, t);
        expectTensor(got.get('dxt'), n_x, m, dx, `dxt@${t}`);
        for (const [k, v] of got) {
          if (!/^d[Wb]/.test(k)) continue;
          const d = new Float64Array(v.data);
          const s = sums.get(k) ?? new Float64Array(d.length);
          for (let q = 0; q < d.length; q++) s[q] += d[q];
          sums.set(k, s);
          assert.equal(v.rows, n_a, `${k} rows`);
        }
        if (t === 0) {
          const want = ref(cellKind ? expected.da_prev : expected.da0);
          expectTensor(got.get('da_prev'), n_a, m, (i, j) => want(i, j), 'da_prev@0');
          if (lstm && cellKind) expectTensor(got.get('dc_prev'), n_a, m, (i, j) => ref(expected.dc_prev)(i, j), 'dc_prev@0');
        }
      }
      for (const [k, s] of sums) {
        const want = ref(expected[k]);
        const cols = s.length / n_a;
        for (let i = 0; i < n_a; i++) for (let j = 0; j < cols; j++) close(s[i * cols + j], want(i, j), `Σ_t ${k}[${i}][${j}]`);
      }
    });

    it('totals equal the reference gradients, with NumPy shapes', () => {
      const got = tensors(stepPayload(run, 'totals', 0));
      assert.deepEqual([...got.keys()], lstm ? [...TOTALS_LSTM] : [...TOTALS_RNN]);
      expectTensor(got.get('da0'), n_a, m, (i, j) => ref(cellKind ? expected.da_prev : expected.da0)(i, j), 'da0');
      for (const k of got.keys()) {
        if (!/^d[Wb]/.test(k)) continue;
        const want = ref(expected[k]);
        const cols = expected[k][0].length;
        expectTensor(got.get(k), n_a, cols, (i, j) => want(i, j), k);
      }
    });

    it('windows are units × time of one batch column, equal to the reference', () => {
      for (const batch of [0, m - 1]) {
        const w = windowOf(run, 'a', batch, 0, T_x);
        assert.notEqual(typeof w, 'string');
        if (typeof w === 'string') return;
        assert.deepEqual([w.t0, w.t1, w.rows], [0, T_x, n_a]);
        for (let i = 0; i < n_a; i++) for (let t = 0; t < T_x; t++) close(w.data[i * T_x + t], E(aKey)(i, batch, t), `a window[${i}][${t}]`);
        const y = windowOf(run, 'y', batch, 0, T_x);
        if (typeof y === 'string') assert.fail(y);
        for (let i = 0; i < n_y; i++) for (let t = 0; t < T_x; t++) close(y.data[i * T_x + t], E(yKey)(i, batch, t), `y window[${i}][${t}]`);
      }
      assert.equal(typeof windowOf(run, 'a', m, 0, 1), 'string', 'batch out of range');
      assert.equal(typeof windowOf(run, 'nope', 0, 0, 1), 'string', 'unknown tensor');
      assert.equal(typeof windowOf(run, 'c', 0, 0, 1), lstm ? 'object' : 'string', 'c exists only for LSTM');
    });

    it('refuses out-of-range stops instead of throwing', () => {
      for (const [phase, t] of [['forward', T_x], ['forward', -1], ['backward', T_b], ['totals', 1], ['forward', 0.5]] as const) {
        assert.equal(typeof stepPayload(run, phase, t), 'string', `${phase} ${t}`);
      }
    });
  });
}

describe('RNN backward per step against an independent BPTT', () => {
  for (const name of ['rnn_coursera_backward', 'rnn_coursera_forward']) {
    it(name, () => {
      const { problem, fixture, expected } = load(name);
      const run = fullRun(problem);
      const { n_a, m } = problem.dims;
      const T_b = problem.da.shape[2];
      const a = ref(expected.a), da = ref(fixture.da), Waa = ref(fixture.parameters.Waa);
      // da_next(T_b-1) = da[:, :, T_b-1]; dtanh = (1 - a²) da_next; da_prev = Waaᵀ dtanh.
      let carry = Array.from({ length: n_a }, () => new Array<number>(m).fill(0));
      const norms = gradientNorms(run);
      for (let t = T_b - 1; t >= 0; t--) {
        const daNext = carry.map((row, i) => row.map((c, j) => c + da(i, j, t)));
        const dtanh = daNext.map((row, i) => row.map((v, j) => v * (1 - a(i, j, t) ** 2)));
        const daPrev = daNext.map((row, k) => row.map((_, j) => {
          let s = 0;
          for (let i = 0; i < n_a; i++) s += Waa(i, k) * dtanh[i][j];
          return s;
        }));
        const got = tensors(stepPayload(run, 'backward', t));
        expectTensor(got.get('da_next'), n_a, m, (i, j) => daNext[i][j], `da_next@${t}`);
        expectTensor(got.get('dtanh'), n_a, m, (i, j) => dtanh[i][j], `dtanh@${t}`);
        expectTensor(got.get('da_prev'), n_a, m, (i, j) => daPrev[i][j], `da_prev@${t}`);
        close(norms.da[t], Math.sqrt(daNext.flat().reduce((s, v) => s + v * v, 0)), `‖da‖@${t}`);
        carry = daPrev;
      }
      assert.equal(norms.from, 0);
      assert.equal(norms.dc, undefined);
    });
  }
});

/** The session's view of a runner that is still computing (what the worker hands it). */
function liveView(problem: Problem, r: ReturnType<typeof createRunner>): RunView {
  return {
    problem,
    get forward() { return r.forward; },
    get backward() { return r.backward; },
    get forwardDone() { return r.forwardDone; },
    get backwardDone() { return r.backwardDone; },
    get finished() { return r.finished; },
  };
}

describe('a run that is still filling', () => {
  const { problem } = load('lstm_coursera_forward');
  const r = createRunner(problem, { keepGateGrads: false });
  const view = liveView(problem, r);

  it('serves only the computed steps, clips windows, and has no totals yet', () => {
    r.advance(Infinity, 3);
    assert.equal(r.forwardDone, 3);
    assert.equal(typeof stepPayload(view, 'forward', 2), 'object');
    assert.match(stepPayload(view, 'forward', 3) as string, /not computed yet/);
    assert.match(stepPayload(view, 'backward', problem.da.shape[2] - 1) as string, /not computed yet/);
    assert.match(stepPayload(view, 'totals', 0) as string, /not computed yet/);
    const w = windowOf(view, 'a', 1, 1, 7);
    if (typeof w === 'string') assert.fail(w);
    assert.deepEqual([w.t0, w.t1, w.data.length], [1, 3, problem.dims.n_a * 2]);
    assert.equal(typeof windowOf(view, 'da', 0, 0, 7), 'string', 'no backward steps yet');
    assert.ok(gradientNorms(view).da.every((v) => Number.isNaN(v)), 'no norms before the backward');
  });

  it('after the forward and some backward steps, the latest backward steps are reachable', () => {
    r.advance(Infinity, problem.dims.T_x - 3);
    r.advance(Infinity, 2);
    const T_b = problem.da.shape[2];
    const from = T_b - r.backwardDone;
    assert.ok(r.backwardDone >= 1 && from < T_b);
    assert.equal(typeof stepPayload(view, 'backward', T_b - 1), 'object');
    if (from > 0) assert.equal(typeof stepPayload(view, 'backward', from - 1), 'string');
    const n = gradientNorms(view);
    assert.equal(n.from, from);
    assert.ok(Number.isFinite(n.da[T_b - 1]) && n.dc && Number.isFinite(n.dc[T_b - 1]));
    r.advance(Infinity);
    assert.equal(typeof stepPayload(view, 'totals', 0), 'object');
  });
});

describe('payload helpers', () => {
  it('toNestedLists gives NumPy row-major nested lists', () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6]).buffer;
    assert.deepEqual(toNestedLists([{ name: 'W', rows: 2, cols: 3, data }]), { W: [[1, 2, 3], [4, 5, 6]] });
  });

  it('NonFiniteScanner marks the first forward step with a NaN or Infinity', () => {
    const { problem } = load('rnn_coursera_forward');
    const run = fullRun(problem);
    const clean = new NonFiniteScanner();
    assert.equal(clean.update(run), undefined);
    const { n_a, m } = problem.dims;
    run.forward.a[2 * n_a * m + 3] = Infinity; // step 2
    run.forward.a[3 * n_a * m] = NaN; // step 3 (later: must not win)
    // index 3 of step 2's (n_a, m) slice: unit floor(3/m), column 3 % m
    const hit = new NonFiniteScanner().update(run);
    assert.deepEqual(hit, { phase: 'forward', t: 2, tensor: 'a', row: Math.floor(3 / m), col: 3 % m, value: Infinity });
    assert.equal(
      nonFiniteWarning(hit!),
      `the run produced a non-finite value: a[${Math.floor(3 / m)}, ${3 % m}, 2] = Infinity at forward step t=2 (the first one; later values it feeds are not meaningful): look for overflowing weights or inputs`,
    );
  });

  it('parseStepInput reads 1-based steps of the panel', () => {
    assert.deepEqual(parseStepInput('3', 4, 4), { phase: 'forward', t: 2 });
    assert.deepEqual(parseStepInput(' f1 ', 4, 4), { phase: 'forward', t: 0 });
    assert.deepEqual(parseStepInput('b4', 4, 4), { phase: 'backward', t: 3 });
    assert.deepEqual(parseStepInput('Totals', 4, 4), { phase: 'totals', t: 0 });
    for (const bad of ['0', '5', 'b5', 'b0', 'x1', '', '1.5', '-1']) assert.equal(parseStepInput(bad, 4, 4), undefined, bad);
  });
});

describe('running sums of the weight gradients (backward steps)', () => {
  const near = (a: number, b: number, what: string, tol = 1e-10) =>
    assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: got ${a}, expected ${b}`);

  for (const name of ['lstm_coursera_backward', 'rnn_coursera_backward']) {
    it(`${name}: R(0) equals the reference final gradients`, () => {
      const { problem, expected } = load(name);
      const run = fullRun(problem);
      const got = tensors(stepPayload(run, 'backward', 0));
      const grads = problem.cell === 'lstm' ? ['dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo'] : ['dWax', 'dWaa', 'dba'];
      for (const g of grads) {
        const want = expected[g] as number[][];
        const p = got.get(`sum_${g}`);
        assert.ok(p, `sum_${g} missing`);
        assert.deepEqual([p.rows, p.cols], [want.length, want[0].length], `sum_${g} shape`);
        const d = new Float64Array(p.data);
        for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.cols; j++) near(d[i * p.cols + j], want[i][j], `sum_${g}[${i}][${j}] at t = 0`);
      }
    });

    it(`${name}: R(T_b-1) equals the last step's contribution, computed here from the reference forward values`, () => {
      const { problem, fixture, expected } = load(name);
      const run = fullRun(problem);
      const { n_x, n_a, m } = problem.dims;
      const T = problem.da.shape[2], t = T - 1;
      const da = ref(fixture.da), x = ref(fixture.x), a = ref(expected.a);
      const aPrev = (k: number, j: number) => (t === 0 ? ref(fixture.a0)(k, j) : a(k, j, t - 1));
      // Gate-gradient rows per gate; at the last step da_next = da[:, :, t] and dc_next = 0.
      const D: Record<string, number[][]> = {};
      const grid = (f: (i: number, j: number) => number) => Array.from({ length: n_a }, (_, i) => Array.from({ length: m }, (_, j) => f(i, j)));
      if (problem.cell === 'rnn') {
        D.a = grid((i, j) => da(i, j, t) * (1 - a(i, j, t) ** 2));
      } else {
        const c = ref(expected.c), ft = ref(expected.ft), it_ = ref(expected.it), cct = ref(expected.cct), ot = ref(expected.ot);
        const dC = grid((i, j) => da(i, j, t) * ot(i, j, t) * (1 - Math.tanh(c(i, j, t)) ** 2));
        D.o = grid((i, j) => da(i, j, t) * Math.tanh(c(i, j, t)) * ot(i, j, t) * (1 - ot(i, j, t)));
        D.c = grid((i, j) => dC[i][j] * it_(i, j, t) * (1 - cct(i, j, t) ** 2));
        D.i = grid((i, j) => dC[i][j] * cct(i, j, t) * it_(i, j, t) * (1 - it_(i, j, t)));
        D.f = grid((i, j) => dC[i][j] * c(i, j, t - 1) * ft(i, j, t) * (1 - ft(i, j, t)));
      }
      // z = [a_prev; x⟨t⟩]
      const z = (k: number, j: number) => (k < n_a ? aPrev(k, j) : x(k - n_a, j, t));
      const dot = (g: string, i: number, k: number) => D[g][i].reduce((s, v, j) => s + v * z(k, j), 0);
      const want: Record<string, (i: number, k: number) => number> = problem.cell === 'rnn'
        ? { dWax: (i, k) => dot('a', i, n_a + k), dWaa: (i, k) => dot('a', i, k), dba: (i) => D.a[i].reduce((s, v) => s + v, 0) }
        : Object.fromEntries(['f', 'i', 'c', 'o'].flatMap((g) => [
          [`dW${g}`, (i: number, k: number) => dot(g, i, k)],
          [`db${g}`, (i: number) => D[g][i].reduce((s, v) => s + v, 0)],
        ]));
      const got = tensors(stepPayload(run, 'backward', t));
      for (const [g, w] of Object.entries(want)) {
        const p = got.get(`sum_${g}`)!, contribution = new Float64Array(got.get(g)!.data), d = new Float64Array(p.data);
        assert.equal(p.cols, g.startsWith('db') ? 1 : g === 'dWax' ? n_x : g === 'dWaa' ? n_a : n_a + n_x, `sum_${g} cols`);
        for (let i = 0; i < p.rows; i++) for (let k = 0; k < p.cols; k++) {
          near(d[i * p.cols + k], w(i, k), `sum_${g}[${i}][${k}] at t = T_b-1`);
          assert.equal(d[i * p.cols + k], contribution[i * p.cols + k], `sum_${g} = ${g} (this step) at t = T_b-1`);
        }
      }
    });
  }

  for (const kind of ['lstm', 'rnn'] as const) {
    it(`random ${kind}: R(t) equals the sum of contributions for every t, through checkpoints 3 steps apart`, () => {
      const problem = randomProblem({ kind, n_x: 3, n_a: 4, n_y: 2, m: 3, T: 14, seed: 7 });
      const run = fullRun(problem);
      const T_b = run.backward.T_b;
      const names = kind === 'lstm' ? ['dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo'] : ['dWax', 'dWaa', 'dba'];
      // Independent: contributions of every step, summed from the top down.
      const want: Record<string, Float64Array>[] = [];
      let acc: Record<string, Float64Array> = Object.fromEntries(names.map((g) => [g, new Float64Array(run.backward.grads[g].length)]));
      for (let t = T_b - 1; t >= 0; t--) {
        const c = cellBackwardAt(problem, run.forward, run.backward, t);
        acc = Object.fromEntries(names.map((g) => [g, acc[g].map((v, q) => v + c[g][q])]));
        want[t] = acc;
      }
      for (const g of names) for (let q = 0; q < acc[g].length; q++) near(want[0][g][q], run.backward.grads[g][q], `engine total ${g}[${q}]`);
      // No recent-sums cache, so every answer comes from a checkpoint or the frontier.
      const sums = new RunningSums(run, { spacing: 3, recent: 0 });
      assert.equal(sums.spacing, 3);
      const check = (t: number) => {
        const got = tensors(stepPayload(run, 'backward', t, sums));
        for (const g of names) {
          const d = new Float64Array(got.get(`sum_${g}`)!.data);
          assert.equal(d.length, want[t][g].length);
          for (let q = 0; q < d.length; q++) near(d[q], want[t][g][q], `R(${t}) ${g}[${q}]`);
        }
      };
      check(T_b - 1); // the frontier walks one step
      check(5); // the frontier walks down to 5, leaving checkpoints at 12, 9, 6
      const before = sums.contributions;
      for (const t of [13, 11, 10, 8, 7]) check(t); // between checkpoints: ≤ 2 extra steps each
      assert.ok(sums.contributions - before <= 2 * 5, `served from checkpoints (${sums.contributions - before} extra contributions)`);
      while (!sums.build(Infinity));
      assert.ok(sums.complete);
      const built = sums.contributions;
      for (const t of [0, 4, 2, 1, 3, 13, 6, 12, 9]) {
        const c0 = sums.contributions;
        check(t);
        assert.ok(sums.contributions - c0 <= sums.spacing - 1, `R(${t}) took ${sums.contributions - c0} extra contributions`);
      }
      assert.ok(sums.contributions - built <= 9 * 2);
    });
  }

  it('a request never computes more than maxWork contributions: far sums are left out, not blocked on', () => {
    const problem = randomProblem({ kind: 'lstm', n_x: 3, n_a: 4, n_y: 2, m: 2, T: 14, seed: 5 });
    const run = fullRun(problem);
    const sums = new RunningSums(run, { spacing: 3, recent: 0 });
    assert.equal(sums.at(0, undefined, 4), undefined, 'R(0) is 14 contributions away');
    assert.equal(sums.contributions, 0, 'declining computes nothing');
    assert.ok(sums.at(12, undefined, 4), 'R(12) is 2 contributions from R(T_b) = 0');
    while (!sums.build(Infinity));
    const c0 = sums.contributions;
    const r0 = sums.at(0, undefined, 0);
    assert.ok(r0, 'after the build R(0) is a checkpoint');
    assert.equal(sums.contributions, c0);
    for (let q = 0; q < run.backward.grads.dWf.length; q++) near(sums.part(r0, 'dWf')[q], run.backward.grads.dWf[q], `R(0) dWf[${q}]`);
    // At the payload level: a run whose budget allows one contribution per request.
    class Tight extends RunningSums {
      override get maxWorkPerRequest(): number {
        return 1;
      }
    }
    const tight = new Tight(run, { spacing: 3, recent: 0 });
    const far = tensors(stepPayload(run, 'backward', 0, tight));
    assert.ok(far.has('dWf') && far.has('da_next'), 'the step itself is still served');
    assert.ok(![...far.keys()].some((k) => k.startsWith('sum_')), 'no running sums for a far step');
    const near13 = tensors(stepPayload(run, 'backward', 13, tight));
    assert.ok(near13.has('sum_dWf'), 'the last step is one contribution away');
  });

  it('the default spacing keeps checkpoints within the memory budget (the big LSTM: 64 MiB)', () => {
    // Shapes only: the sums are never asked for, so the run needs no numbers.
    const dims = { n_x: 64, n_a: 256, n_y: 10, m: 32, T_x: 1000 };
    const fake = { problem: { cell: 'lstm', dims }, backward: { T_b: 1000 }, backwardDone: 1000 } as unknown as RunView;
    const s = new RunningSums(fake);
    const per = (4 * 256 * 320 + 4 * 256) * 8;
    assert.equal(s.size * 8, per);
    const checkpoints = Math.ceil(1000 / s.spacing);
    assert.ok(s.spacing > 1 && (checkpoints + s.recentMax + 1) * per <= 64 * 1048576, `spacing ${s.spacing}, recent ${s.recentMax}`);
    const small = new RunningSums(fullRun(load('lstm_coursera_backward').problem));
    assert.equal(small.spacing, 1, 'small runs keep every step');
  });

  it('a run still filling: sums of the reachable backward steps only', () => {
    const problem = randomProblem({ kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 2, T: 8, seed: 11 });
    const r = createRunner(problem, { keepGateGrads: false });
    const view = liveView(problem, r);
    r.advance(Infinity, 8 + 3);
    const sums = new RunningSums(view, { spacing: 2 });
    const lowest = 8 - r.backwardDone;
    assert.ok(lowest > 0 && lowest < 8, `partly done (${r.backwardDone})`);
    assert.equal(sums.build(Infinity), false, 'cannot finish before the backward');
    assert.equal(typeof stepPayload(view, 'backward', lowest, sums), 'object');
    assert.equal(typeof stepPayload(view, 'backward', lowest - 1, sums), 'string');
    r.advance(Infinity);
    const got = tensors(stepPayload(view, 'backward', 0, sums));
    for (const g of ['dWf', 'dbo']) {
      const d = new Float64Array(got.get(`sum_${g}`)!.data);
      d.forEach((v, q) => near(v, r.backward.grads[g][q], `R(0) ${g}[${q}] vs the engine's total`));
    }
  });
});
