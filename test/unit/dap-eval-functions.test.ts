// Functions the expression thread replaces (src/debug/evalWorker.ts) against what they must give:
// `norm`, NumPy's default (Frobenius for a matrix), summed by the thread itself for plain numbers,
// checked bit for bit against mathjs's own 'fro' reduction written out here (Σ v² in row-major
// order, then the square root), its other norms staying mathjs's; and `range`, bounded in size,
// whose expression form (`1:3`, `A[3, :]`, both ends included) must stay the parser's.
// Against dist/evalWorker.js (built here if missing).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EvalSandbox, type ScopeValue } from '../../src/debug/evalSandbox';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'evalWorker.js');

before(() => {
  if (!existsSync(WORKER)) assert.equal(spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' }).status, 0);
});

const sandbox = new EvalSandbox({ workerPath: WORKER, timeLimitMs: 2000 });
after(() => sandbox.dispose());

// A (7, 5) tensor of values whose squares do not add up exactly in floating point (order matters).
const rows = 7;
const cols = 5;
const data = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7 + 0.3) * 10 ** ((i % 5) - 2));
const lookup = (name: string): ScopeValue | undefined => (name === 'A' ? { rows, cols, data } : undefined);

async function tensor(expression: string): Promise<number[][]> {
  const v = await sandbox.evaluate(expression, lookup, 'stop-1');
  assert.equal(v.kind, 'tensor', `${expression}: ${JSON.stringify(v)}`);
  if (v.kind !== 'tensor') return [];
  return Array.from({ length: v.rows }, (_, i) => Array.from(v.data.subarray(i * v.cols, (i + 1) * v.cols)));
}

async function value(expression: string): Promise<number> {
  const v = await sandbox.evaluate(expression, lookup, 'stop-1');
  assert.equal(v.kind, 'number', `${expression}: ${JSON.stringify(v)}`);
  return v.kind === 'number' ? v.value : Number.NaN;
}

test('norm(A) and norm(A, "fro") are the Frobenius norm, bit for bit the row-major Σ v²', async () => {
  let sum = 0;
  for (let i = 0; i < rows * cols; i++) sum += data[i]! * data[i]!;
  const want = Math.sqrt(sum);
  assert.equal(await value('norm(A)'), want);
  assert.equal(await value('norm(A, "fro")'), want);
  // Of a row (a vector) too, and of a literal nested array.
  let row = 0;
  for (let j = 0; j < cols; j++) row += data[2 * cols + j]! * data[2 * cols + j]!;
  assert.equal(await value('norm(A[3, :])'), Math.sqrt(row));
  assert.equal(await value('norm([[3, 4], [0, 12]])'), 13);
});

test('other norms and other number types stay mathjs\'s', async () => {
  let l1 = 0;
  for (let j = 0; j < cols; j++) {
    let col = 0;
    for (let i = 0; i < rows; i++) col += Math.abs(data[i * cols + j]!);
    l1 = Math.max(l1, col);
  }
  assert.ok(Math.abs((await value('norm(A, 1)')) - l1) <= 1e-15 * l1, 'norm(A, 1): the largest column sum');
  assert.equal(await value('norm([3, 4], 1)'), 7);
  assert.equal(await value('norm([3, 4], Infinity)'), 4);
  // Complex cells: mathjs's own reduction (|3+4i|² + 0 = 25).
  assert.equal(await value('norm([[3 + 4i, 0]])'), 5);
});

test('ranges in expressions include their end: a row of A is all of it, 1:3 is three numbers', async () => {
  // (the Variables view's evaluateName of a row is `A[3, :]`: "Add to Watch" must show the row)
  assert.deepEqual(await tensor('A[3, :]'), [Array.from(data.subarray(2 * cols, 3 * cols))]);
  assert.deepEqual(await tensor('A[2:3, 5]'), [[data[cols + 4]!, data[2 * cols + 4]!]], 'rows 2 and 3 of column 5 (a vector)');
  assert.deepEqual(await tensor('1:3'), [[1, 2, 3]]);
  assert.equal(await value('sum(1:4)'), 10);
  // In expressions mathjs's function form includes the end too (range(1, 3, false) does not);
  // the size bound holds in every form.
  assert.deepEqual(await tensor('range(1, 3)'), [[1, 2, 3]]);
  assert.deepEqual(await tensor('range(1, 3, 1, false)'), [[1, 2]]);
  await assert.rejects(sandbox.evaluate('1:1e9', lookup, 'stop-1'), /range would make/);
  await assert.rejects(sandbox.evaluate('range(0, 1e9)', lookup, 'stop-1'), /range would make/);
});
