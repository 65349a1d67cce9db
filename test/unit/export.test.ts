/**
 * The caches export: exact key sets per kind, NumPy layout with time last (checked by indexing the
 * engine's step-major buffers here, independently of the writer), bit-exact numbers (Object.is on
 * every value, -0 and non-finite included), the published reference values, the LSTM gate
 * gradients when the run did not keep them, chunked streaming, and atomic writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellBackwardAt, randomProblem, run, type NdArray, type Problem, type RunResult } from '../../src/engine/index';
import { exportChunks, exportToString, formatNumber, writeExport } from '../../src/export/caches';
import { writeExportFile, writeFileAtomic } from '../../src/export/writeAtomic';
import { parseFixture } from '../../src/fixture/parse';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const COURSERA = [
  'rnn_cell_coursera', 'rnn_coursera_forward', 'rnn_coursera_backward',
  'lstm_cell_coursera', 'lstm_coursera_forward', 'lstm_coursera_backward',
];

function load(name: string): Problem {
  const r = parseFixture(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'), `${name}.json`);
  if (!r.ok) throw new Error(`fixture ${name} did not parse`);
  return r.problem;
}

type Nested = number | string | Nested[];
const decode = (v: number | string): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : (v as number));

function shapeOf(v: Nested): number[] {
  const s: number[] = [];
  for (let c: Nested = v; Array.isArray(c); c = c[0]!) s.push(c.length);
  return s;
}

/** Compares an exported (n, m, T) list with a step-major (T, n, m) buffer, value by value. */
function sameSeq(e: Nested, buf: Float64Array, n: number, m: number, T: number, what: string): void {
  assert.deepEqual(shapeOf(e), [n, m, T], `${what} shape`);
  const l = e as number[][][];
  for (let i = 0; i < n; i++) {
    assert.equal(l[i]!.length, m, `${what}[${i}] length`);
    for (let j = 0; j < m; j++) {
      assert.equal(l[i]![j]!.length, T, `${what}[${i}][${j}] length`);
      for (let t = 0; t < T; t++) {
        const got = decode(l[i]![j]![t]!), want = buf[t * n * m + i * m + j]!;
        if (!Object.is(got, want)) assert.fail(`${what}[${i}][${j}][${t}] = ${got}, engine has ${want}`);
      }
    }
  }
}

/** Compares an exported (rows, cols) list with a row-major buffer. */
function sameMat(e: Nested, buf: ArrayLike<number>, rows: number, cols: number, what: string): void {
  assert.deepEqual(shapeOf(e), [rows, cols], `${what} shape`);
  const l = e as number[][];
  for (let r = 0; r < rows; r++) {
    assert.equal(l[r]!.length, cols, `${what}[${r}] length`);
    for (let k = 0; k < cols; k++) {
      const got = decode(l[r]![k]!), want = buf[r * cols + k]!;
      if (!Object.is(got, want)) assert.fail(`${what}[${r}][${k}] = ${got}, engine has ${want}`);
    }
  }
}

const RNN_GRADS = ['dWax', 'dWaa', 'dba'];
const LSTM_GRADS = ['dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo'];

/** Every value of the export against the run's buffers, under the key names. */
function checkAgainstRun(text: string, res: RunResult): void {
  const e = JSON.parse(text);
  const { problem: p, forward: f, backward: b } = res;
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  const T_b = b.T_b;
  const lstm = p.cell === 'lstm';
  const cell = p.kind.endsWith('_cell');
  assert.equal(e.format, 'rnn-stepper.caches');
  assert.equal(e.version, 1);
  assert.equal(e.kind, p.kind);
  assert.deepEqual(e.dims, { n_x, n_a, n_y, m, T_x });
  assert.equal(e.fixture, p.name);
  assert.deepEqual(Object.keys(e), ['format', 'version', 'kind', 'dims', 'fixture', 'forward', 'backward', 'gradients']);
  if (!cell) {
    assert.deepEqual(Object.keys(e.forward), lstm ? ['a', 'y_pred', 'c', 'ft', 'it', 'cct', 'ot'] : ['a', 'y_pred']);
    assert.deepEqual(Object.keys(e.backward), lstm ? ['da', 'dc', 'dft', 'dit', 'dcct', 'dot'] : ['da']);
    assert.deepEqual(Object.keys(e.gradients), ['dx', 'da0', ...(lstm ? ['dc0', ...LSTM_GRADS] : RNN_GRADS)]);
    if (lstm) sameMat(e.gradients.dc0, b.dc0!, n_a, m, 'dc0');
    sameSeq(e.forward.a, f.a, n_a, m, T_x, 'a');
    sameSeq(e.forward.y_pred, f.y, n_y, m, T_x, 'y_pred');
    if (lstm) for (const k of ['c', 'ft', 'it', 'cct', 'ot'] as const) sameSeq(e.forward[k], f[k]!, n_a, m, T_x, k);
    sameSeq(e.backward.da, b.da, n_a, m, T_b, 'da');
    if (lstm) sameSeq(e.backward.dc, b.dc!, n_a, m, T_b, 'dc');
    sameSeq(e.gradients.dx, b.dx, n_x, m, T_b, 'dx');
    sameMat(e.gradients.da0, b.da0, n_a, m, 'da0');
  } else {
    assert.deepEqual(Object.keys(e.forward), lstm ? ['a_next', 'yt_pred', 'c_next', 'ft', 'it', 'cct', 'ot'] : ['a_next', 'yt_pred']);
    assert.deepEqual(Object.keys(e.backward), lstm ? ['da_next', 'dc_next', 'dft', 'dit', 'dcct', 'dot'] : ['da_next']);
    assert.deepEqual(Object.keys(e.gradients), ['dxt', 'da_prev', ...(lstm ? ['dc_prev', ...LSTM_GRADS] : RNN_GRADS)]);
    sameMat(e.forward.a_next, f.a, n_a, m, 'a_next');
    sameMat(e.forward.yt_pred, f.y, n_y, m, 'yt_pred');
    if (lstm) {
      sameMat(e.forward.c_next, f.c!, n_a, m, 'c_next');
      for (const k of ['ft', 'it', 'cct', 'ot'] as const) sameMat(e.forward[k], f[k]!, n_a, m, k);
      sameMat(e.backward.dc_next, b.dc!, n_a, m, 'dc_next');
      sameMat(e.gradients.dc_prev, b.dc0!, n_a, m, 'dc_prev');
    }
    sameMat(e.backward.da_next, b.da, n_a, m, 'da_next');
    sameMat(e.gradients.dxt, b.dx, n_x, m, 'dxt');
    sameMat(e.gradients.da_prev, b.da0, n_a, m, 'da_prev');
  }
  for (const k of lstm ? LSTM_GRADS : RNN_GRADS) {
    const cols = k.startsWith('db') ? 1 : k === 'dWax' ? n_x : k === 'dWaa' ? n_a : n_a + n_x;
    sameMat(e.gradients[k], b.grads[k]!, n_a, cols, k);
  }
}

for (const name of COURSERA) {
  test(`export of ${name}: keys, layout and every number bit-exact`, () => {
    const res = run(load(name));
    checkAgainstRun(exportToString(res), res);
  });
}

test('export of random problems with -0, subnormals, huge values and NaN: bit-exact', () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const P = randomProblem({ kind, n_x: 3, n_a: 4, n_y: 3, m: 2, T: 5, seed: 3 });
    P.x.data[0] = -0;
    P.x.data[1] = 5e-324;
    P.x.data[2] = 1e300;
    P.x.data[7] = NaN; // spreads: the export must write "NaN" strings and stay valid JSON
    const res = run(P);
    const text = exportToString(res);
    assert.ok(text.includes('"NaN"'));
    checkAgainstRun(text, res);
  }
});

test('formatNumber: shortest round-trip text, -0 kept, non-finite as strings', () => {
  assert.equal(formatNumber(0.1), '0.1');
  assert.equal(formatNumber(-0), '-0');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(1e21), '1e+21');
  assert.equal(formatNumber(NaN), '"NaN"');
  assert.equal(formatNumber(Infinity), '"Infinity"');
  assert.equal(formatNumber(-Infinity), '"-Infinity"');
  for (const v of [Math.PI, 1 / 3, 2 ** -1074, Number.MAX_VALUE, -123.456e-200]) assert.ok(Object.is(JSON.parse(formatNumber(v)), v));
});

test('export matches the published reference values (test/fixtures/*.expected.json) within 1e-10', () => {
  for (const name of COURSERA) {
    const e = JSON.parse(exportToString(run(load(name))));
    const exp = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8'));
    let checked = 0;
    for (const [k, v] of Object.entries(exp as Record<string, Nested>)) {
      if (k === 'name' || k === 'kind' || k === 'dims') continue;
      const mine = e.forward[k] ?? e.backward[k] ?? e.gradients[k];
      assert.ok(mine !== undefined, `${name}: export has ${k}`);
      assert.deepEqual(shapeOf(mine), shapeOf(v), `${name}.${k} shape`);
      const a = (mine as Nested[]).flat(3) as number[], b = (v as Nested[]).flat(3) as number[];
      for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-10, `${name}.${k}[${i}]: ${a[i]} vs ${b[i]}`);
      checked++;
    }
    assert.ok(checked >= 7, `${name}: ${checked} arrays compared`);
  }
});

test('LSTM gate gradients without keepGateGrads equal the kept ones and cellBackwardAt, bit for bit', () => {
  for (const P of [load('lstm_coursera_backward'), load('lstm_coursera_forward'), load('lstm_cell_coursera'),
    randomProblem({ kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 2, T: 6, seed: 9 })]) {
    const kept = run(P, { keepGateGrads: true });
    const lean = run(P, { keepGateGrads: false });
    assert.equal(lean.backward.dft, undefined, 'the lean run has no gate buffers');
    const eLean = JSON.parse(exportToString(lean));
    const eKept = JSON.parse(exportToString(kept));
    assert.deepEqual(eLean, eKept);
    const { n_a, m } = P.dims;
    const T_b = lean.backward.T_b;
    const cell = P.kind === 'lstm_cell';
    for (const g of ['dft', 'dit', 'dcct', 'dot'] as const) {
      const fromCell = new Float64Array(T_b * n_a * m);
      for (let t = 0; t < T_b; t++) fromCell.set(cellBackwardAt(P, lean.forward, lean.backward, t)[g]!, t * n_a * m);
      if (cell) sameMat(eLean.backward[g], fromCell, n_a, m, g);
      else sameSeq(eLean.backward[g], fromCell, n_a, m, T_b, g);
      if (cell) sameMat(eKept.backward[g], kept.backward[g]!, n_a, m, g);
      else sameSeq(eKept.backward[g], kept.backward[g]!, n_a, m, T_b, g);
    }
  }
});

test('export with da shorter than x: backward arrays have T_b steps, forward T_x', () => {
  const P = randomProblem({ kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 2, T: 5, seed: 2 });
  const da: NdArray = { shape: [3, 2, 3], data: new Float64Array(18) };
  for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) for (let t = 0; t < 3; t++) da.data[(i * 2 + j) * 3 + t] = P.da.data[(i * 2 + j) * 5 + t]!;
  P.da = da;
  const res = run(P, { keepGateGrads: false });
  const e = JSON.parse(exportToString(res));
  assert.deepEqual(shapeOf(e.forward.a), [3, 2, 5]);
  assert.deepEqual(shapeOf(e.backward.dft), [3, 2, 3]);
  assert.deepEqual(shapeOf(e.gradients.dx), [2, 2, 3]);
  checkAgainstRun(exportToString(res), res);
});

test('streaming: small chunks concatenate to the same text; async sinks are awaited in order', async () => {
  const res = run(load('lstm_coursera_forward'));
  const whole = exportToString(res);
  const chunks = [...exportChunks(res, { chunkChars: 200 })];
  assert.ok(chunks.length > 50, `${chunks.length} chunks`);
  assert.ok(chunks.slice(0, -1).every((c) => c.length >= 200 && c.length < 200 + 2000), 'chunks are near the requested size');
  assert.equal(chunks.join(''), whole);
  const got: string[] = [];
  await writeExport(res, async (c) => {
    await new Promise((r) => setImmediate(r));
    got.push(c);
  }, { chunkChars: 1000 });
  assert.equal(got.join(''), whole);
});

test('atomic write: new file, replace, and a failure leaves the old file and no temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-export-'));
  const target = join(dir, 'out.caches.json');
  const res = run(load('rnn_coursera_backward'));
  await writeExportFile(res, target, { chunkChars: 256 });
  assert.equal(readFileSync(target, 'utf8'), exportToString(res));

  writeFileSync(target, 'OLD CONTENT');
  await assert.rejects(
    writeFileAtomic(target, async (write) => {
      await write('{"partial": ');
      throw new Error('disk on fire');
    }),
    /disk on fire/,
  );
  assert.equal(readFileSync(target, 'utf8'), 'OLD CONTENT');
  assert.deepEqual(readdirSync(dir), ['out.caches.json'], 'temp file removed');

  // a failure inside the export generator itself (a broken run) behaves the same
  const broken = { ...res, backward: { ...res.backward, grads: {} } } as RunResult;
  await assert.rejects(writeExportFile(broken, target), /no gradient dWax/);
  assert.equal(readFileSync(target, 'utf8'), 'OLD CONTENT');
  assert.deepEqual(readdirSync(dir), ['out.caches.json']);

  await assert.rejects(writeExportFile(res, join(dir, 'missing', 'x.json')), /cannot write .*x\.json: no such file or directory/);
  assert.deepEqual(readdirSync(dir), ['out.caches.json']);

  await writeExportFile(res, target);
  assert.equal(readFileSync(target, 'utf8'), exportToString(res));
});
