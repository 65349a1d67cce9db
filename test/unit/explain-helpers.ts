// Shared by the explain tests: the *_cell_coursera fixtures and their expected values as matrices
// (the reference values were written by rnn_reference.py), and the check every weighted sum must
// pass (bias + listed terms + rest = the shown pre-activation within 1e-12, the top 5 by magnitude).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Explanation, Mat } from '../../src/session/explain';

const FIX = join(import.meta.dirname, '..', 'fixtures');
type Nested = number[][];
const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIX, f), 'utf8'));
const isMatrix = (v: unknown): v is Nested => Array.isArray(v) && Array.isArray(v[0]);
const mat = (v: unknown): Mat => {
  assert.ok(isMatrix(v));
  return { rows: v.length, cols: v[0].length, data: Float64Array.from(v.flat()) };
};
export const get = (m: Mat, i: number, j: number) => m.data[i * m.cols + j];

/** A fixture's arrays and parameters (`ts`) and its expected arrays (`want`), by name. */
export function load(name: string): { ts: Record<string, Mat>; want: Record<string, Mat> } {
  const fx = read(`${name}.json`);
  const ex = read(`${name}.expected.json`);
  const ts: Record<string, Mat> = {};
  for (const [k, v] of Object.entries(fx)) if (isMatrix(v)) ts[k] = mat(v);
  const params = fx.parameters;
  assert.ok(params && typeof params === 'object');
  for (const [k, v] of Object.entries(params)) ts[k] = mat(v);
  const want: Record<string, Mat> = {};
  for (const [k, v] of Object.entries(ex)) if (isMatrix(v)) want[k] = mat(v);
  return { ts, want };
}

export const close = (got: number, want: number, what: string, tol = 1e-12) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

/** The listed terms, the rest and the bias add up to the shown pre-activation; terms by magnitude. */
export function checkSum(e: Explanation, nTerms: number): void {
  const s = e.sum;
  assert.ok(s, `${e.target} has a sum`);
  const listed = s.bias + s.top.reduce((a, t) => a + t.product, 0) + s.rest;
  assert.ok(Math.abs(listed - s.pre) <= 1e-12, `${e.target}: listed ${listed} vs pre ${s.pre}`);
  assert.equal(s.top.length, Math.min(5, nTerms));
  assert.equal(s.top.length + s.restCount, nTerms);
  for (let k = 1; k < s.top.length; k++) assert.ok(Math.abs(s.top[k - 1].product) >= Math.abs(s.top[k].product));
  for (const t of s.top) assert.equal(t.product, t.w * t.z);
}
