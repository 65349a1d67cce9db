/**
 * Test helpers for the engine tests: a small local fixture loader (JSON.parse + flatten into
 * NdArray) and array comparison. The real, validating reader is src/fixture/parse.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { BackwardCaches, FixtureKind, ForwardCaches, NdArray, Problem } from '../../src/engine/types';
import { stepMajorToNd } from '../../src/engine/layout';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

type Nested = number | Nested[];

export function toNd(v: Nested): NdArray {
  const shape: number[] = [];
  let cur: Nested = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const data = new Float64Array(shape.reduce((p, d) => p * d, 1));
  let k = 0;
  const walk = (x: Nested): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else data[k++] = x;
  };
  walk(v);
  assert.equal(k, data.length, 'ragged array in fixture');
  return { shape, data };
}

const reshape = (a: NdArray, shape: number[]): NdArray => ({ shape, data: a.data });

/** Reads test/fixtures/NAME.json into a Problem (cell kinds become one-step runs). */
export function loadFixture(name: string, dir = FIXTURES): Problem {
  const j = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  const kind: FixtureKind = j.kind;
  const cellKind = kind === 'rnn_cell' || kind === 'lstm_cell';
  const cell = kind.startsWith('lstm') ? 'lstm' : 'rnn';
  const parameters: Record<string, NdArray> = {};
  for (const [k, v] of Object.entries(j.parameters)) {
    const a = toNd(v as Nested);
    parameters[k] = a.shape.length === 1 ? reshape(a, [a.shape[0], 1]) : a;
  }
  let x = toNd(cellKind ? j.xt : j.x);
  const a0 = toNd(cellKind ? j.a_prev : j.a0);
  const [n_x, m] = x.shape;
  const n_a = a0.shape[0];
  if (cellKind) x = reshape(x, [n_x, m, 1]);
  const T_x = x.shape[2];
  const n_y = (cell === 'rnn' ? parameters.Wya : parameters.Wy).shape[0];
  let da: NdArray;
  let daDefaulted = false;
  const daRaw = cellKind ? j.da_next : j.da;
  if (daRaw !== undefined) {
    da = toNd(daRaw);
    if (cellKind) da = reshape(da, [n_a, m, 1]);
  } else {
    da = { shape: [n_a, m, T_x], data: new Float64Array(n_a * m * T_x).fill(1) };
    daDefaulted = true;
  }
  const p: Problem = {
    kind, cell, name: j.name ?? name, dims: { n_x, n_a, n_y, m, T_x }, x, a0,
    parameters: parameters as Problem['parameters'], da, daDefaulted, warnings: [],
  };
  if (cell === 'lstm') {
    const c0raw = cellKind ? j.c_prev : j.c0;
    p.c0 = c0raw !== undefined ? toNd(c0raw) : { shape: [n_a, m], data: new Float64Array(n_a * m) };
    if (cellKind && j.dc_next !== undefined) p.dcFinal = toNd(j.dc_next);
  }
  return p;
}

export function loadExpected(name: string, dir = FIXTURES): Record<string, NdArray> {
  const j = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8'));
  const out: Record<string, NdArray> = {};
  for (const [k, v] of Object.entries(j)) if (Array.isArray(v)) out[k] = toNd(v as Nested);
  return out;
}

/** Asserts same shape and every entry within `tol` (absolute), NaN only where NaN is expected. */
export function assertClose(name: string, got: NdArray, want: NdArray, tol = 1e-10): void {
  assert.deepEqual(got.shape, want.shape, `${name}: shape`);
  let worst = 0, at = -1;
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i], w = want.data[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      assert.ok(Number.isNaN(w) && Number.isNaN(g), `${name}[${i}]: got ${g}, want ${w}`);
      continue;
    }
    if (g === w) continue;
    const e = Math.abs(g - w);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  assert.ok(worst <= tol, `${name}: max abs error ${worst} at flat index ${at} (got ${got.data[at]}, want ${want.data[at]}) > ${tol}`);
}

/** Keeps the first T_b steps of da (NumPy layout (n_a, m, T)). */
export function truncateDa(p: Problem, T_b: number): Problem {
  const [n_a, m, T] = p.da.shape;
  const data = new Float64Array(n_a * m * T_b);
  for (let r = 0; r < n_a * m; r++) for (let t = 0; t < T_b; t++) data[r * T_b + t] = p.da.data[r * T + t];
  return { ...p, da: { shape: [n_a, m, T_b], data } };
}

/** Gives an LSTM problem a non-zero c0 and dcFinal (deterministic), so their paths are exercised. */
export function withCellState(p: Problem): Problem {
  if (p.cell !== 'lstm') return p;
  const n = p.a0.data.length;
  const c0 = new Float64Array(n).map((_, i) => 0.5 * Math.sin(1 + 3 * i));
  const dc = new Float64Array(n).map((_, i) => Math.cos(2 + 5 * i));
  return { ...p, c0: { shape: [...p.a0.shape], data: c0 }, dcFinal: { shape: [...p.a0.shape], data: dc } };
}

/** Every output of a run under the names the expected files use. */
export function outputs(p: Problem, f: ForwardCaches, b: BackwardCaches): Record<string, NdArray> {
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  const cellKind = p.kind.endsWith('_cell');
  const seq = (buf: Float64Array, n: number, T: number): NdArray =>
    cellKind ? { shape: [n, m], data: buf.slice(0, n * m) } : stepMajorToNd(buf, n, m, T);
  const out: Record<string, NdArray> = {};
  out[cellKind ? 'a_next' : 'a'] = seq(f.a, n_a, T_x);
  out[cellKind ? 'yt_pred' : 'y_pred'] = seq(f.y, n_y, T_x);
  out[cellKind ? 'dxt' : 'dx'] = seq(b.dx, n_x, b.T_b);
  out[cellKind ? 'da_prev' : 'da0'] = { shape: [n_a, m], data: b.da0 };
  if (p.cell === 'lstm') {
    out[cellKind ? 'c_next' : 'c'] = seq(f.c!, n_a, T_x);
    for (const g of ['ft', 'it', 'cct', 'ot'] as const) out[g] = seq(f[g]!, n_a, T_x);
    if (cellKind) out.dc_prev = { shape: [n_a, m], data: b.dc0! };
  }
  for (const [k, v] of Object.entries(b.grads)) {
    const cols = k.startsWith('db') ? 1 : k === 'dWax' ? n_x : k === 'dWaa' ? n_a : n_a + n_x;
    out[k] = { shape: [n_a, cols], data: v };
  }
  return out;
}

export function checkAll(name: string, got: Record<string, NdArray>, want: Record<string, NdArray>, tol = 1e-10): number {
  let n = 0;
  for (const [k, w] of Object.entries(want)) {
    assert.ok(k in got, `${name}: engine has no output for expected key ${k}`);
    assertClose(`${name}.${k}`, got[k], w, tol);
    n++;
  }
  return n;
}

