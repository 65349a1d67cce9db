// The expression thread holds a stop's tensors: the adapter sends each one once per stop (a Watch
// list re-evaluated, hovers, a condition at every step), a new stop sends them again, an
// expression that assigns works on copies, and a thread replaced after a time-out gets them anew.
// Against dist/evalWorker.js (built by the DAP adapter test's `before` or `npm run build`).
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

const sandbox = new EvalSandbox({ workerPath: WORKER, timeLimitMs: 500 });
after(() => sandbox.dispose());

/** A scope with one 2×2 tensor `A` and `t`, counting how often each name is looked up. */
function scope(values: number[]) {
  const asked = new Map<string, number>();
  const lookup = (name: string): ScopeValue | undefined => {
    asked.set(name, (asked.get(name) ?? 0) + 1);
    if (name === 'A') return { rows: 2, cols: 2, data: Float64Array.from(values) };
    if (name === 't') return 3;
    return undefined;
  };
  return { lookup, asked };
}

const num = async (p: Promise<{ kind: string; value?: number }>): Promise<number> => {
  const v = await p;
  assert.equal(v.kind, 'number');
  return Number(v.value);
};

test('a tensor is sent once per stop; a new stop sends it again', async () => {
  const s1 = scope([1, 2, 3, 4]);
  assert.equal(await num(sandbox.evaluate('sum(A)', s1.lookup, 'run1:forward:0')), 10);
  assert.equal(await num(sandbox.evaluate('max(A) + t', s1.lookup, 'run1:forward:0')), 7);
  assert.equal(await num(sandbox.evaluate('A[2, 1] + 0 * t', s1.lookup, 'run1:forward:0')), 3);
  assert.equal(s1.asked.get('A'), 1, 'A looked up (and sent) once for the stop');
  assert.equal(s1.asked.get('t'), 2, 'numbers are looked up each time');
  const s2 = scope([5, 6, 7, 8]);
  assert.equal(await num(sandbox.evaluate('sum(A)', s2.lookup, 'run1:forward:1')), 26, 'the next stop has its own A');
  assert.equal(s2.asked.get('A'), 1);
});

test('an assignment works on a copy: the stop keeps its values', async () => {
  const s = scope([1, 2, 3, 4]);
  const key = 'run2:backward:3';
  assert.equal(await num(sandbox.evaluate('A[1, 1] = 100; sum(A)', s.lookup, key)), 109);
  assert.equal(await num(sandbox.evaluate('A[1, 1]', s.lookup, key)), 1);
  assert.equal(await num(sandbox.evaluate('sum(A)', s.lookup, key)), 10);
});

test('a thread replaced after a time-out is sent the tensors again', async () => {
  const s = scope([1, 2, 3, 4]);
  const key = 'run3:forward:0';
  assert.equal(await num(sandbox.evaluate('sum(A)', s.lookup, key)), 10);
  // A loop (not a recursion, which ends in a stack error): the time limit replaces the thread.
  await assert.rejects(sandbox.evaluate('inv(random([900, 900]))', s.lookup, key), /took longer/);
  assert.equal(await num(sandbox.evaluate('sum(A) * 2', s.lookup, key)), 20);
});
