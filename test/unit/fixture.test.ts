/**
 * The fixture reader: the bad-fixture corpus (message and LINE:COL of every expected problem,
 * positions worked out by hand from the files), the good fixtures read into the right arrays,
 * the lenient parts of the format ((n,) biases, Python's NaN tokens, optional da/c0), the size
 * limit, the fixture writer's round trip and the schema's agreement with the reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFixture, formatDiagnostic, type ParseFixtureResult } from '../../src/fixture/parse';
import { readFixtureFile } from '../../src/fixture/readFile';
import { fixtureToString } from '../../src/fixture/write';
import { daIsLazyOnes, daValues, randomProblem, type FixtureDiagnostic, type NdArray, type Problem } from '../../src/engine/index';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const BAD = join(FIXTURES, 'bad');
const COURSERA = [
  'rnn_cell_coursera', 'rnn_coursera_forward', 'rnn_coursera_backward',
  'lstm_cell_coursera', 'lstm_coursera_forward', 'lstm_coursera_backward',
];

function ok(r: ParseFixtureResult): Problem {
  if (!r.ok) assert.fail(`expected a Problem, got:\n${r.diagnostics.map((d) => formatDiagnostic('f', d)).join('\n')}`);
  return r.problem;
}
function errors(r: ParseFixtureResult): FixtureDiagnostic[] {
  if (r.ok) assert.fail('expected diagnostics, got a Problem');
  return r.diagnostics.filter((d) => d.severity === 'error');
}

/** line:column of an offset, counted here independently of the reader. */
function lineCol(text: string, offset: number): string {
  let line = 1, start = 0;
  for (let i = 0; i < offset; i++) {
    if (text[i] === '\n') { line++; start = i + 1; }
  }
  return `${line}:${offset - start + 1}`;
}

type Nested = number | Nested[];
/** Independent flatten of a nested list (row-major) with its shape. */
function flat(v: Nested): { shape: number[]; data: number[] } {
  const shape: number[] = [];
  for (let c: Nested = v; Array.isArray(c); c = c[0]!) shape.push(c.length);
  const data: number[] = [];
  const walk = (x: Nested): void => { if (Array.isArray(x)) x.forEach(walk); else data.push(x); };
  walk(v);
  return { shape, data };
}
function sameArray(a: NdArray, shape: number[], data: ArrayLike<number>, what: string): void {
  assert.deepEqual(a.shape, shape, `${what} shape`);
  assert.equal(a.data.length, data.length, `${what} length`);
  for (let i = 0; i < data.length; i++) {
    if (!Object.is(a.data[i], data[i])) assert.fail(`${what}[${i}] = ${a.data[i]}, expected ${data[i]}`);
  }
}

// ------------------------------------------------------------------------------------------------
// The bad corpus: [file, expected errors as [LINE:COL, message fragment]]; exactly these errors.

const CORPUS: [string, [string, string][]][] = [
  ['empty.json', [['1:1', 'empty file']]],
  ['whitespace_only.json', [['1:1', 'empty file']]],
  ['syntax_trailing_comma.json', [['14:1', 'syntax error: expected a property name in double quotes (trailing comma?)']]],
  ['syntax_truncated.json', [['8:25', "unexpected end of file: expected ',' or ']' (is the file truncated?)"]]],
  ['syntax_comment.json', [['3:3', 'comments are not allowed in JSON']]],
  ['syntax_lowercase_nan.json', [['5:11', "unexpected symbol 'nan'"]]],
  ['top_level_array.json', [['1:1', 'expected a JSON object at the top level']]],
  ['unknown_kind.json', [['2:11', 'unknown kind "gru": expected one of "rnn", "lstm", "rnn_cell", "lstm_cell"']]],
  ['kind_wrong_case.json', [['2:11', 'unknown kind "LSTM"'], ['2:11', 'did you mean "lstm"?']]],
  ['missing_kind.json', [['1:1', "missing key 'kind'"]]],
  ['missing_a0.json', [['1:1', "missing key 'a0': the initial hidden state, shape (n_a, m)"]]],
  ['unknown_param_typo.json', [['7:5', "unknown parameter 'Wxa' — did you mean 'Wax'?"]]],
  ['unknown_top_key.json', [['14:3', "unknown key 'notes'"]]],
  ['ragged_x.json', [['4:58', 'x[1][0] has 2 entries, expected 3 like x[0][0]: ragged array']]],
  ['null_in_x.json', [['4:77', 'x[1][0][2] is null, expected a number']]],
  ['string_in_waa.json', [['8:87', 'parameters.Waa[2][1] is the string "0.5", expected a number']]],
  ['lstm_wf_unstacked.json', [['6:5', 'parameters.Wf has shape (4, 3), expected (n_a, n_a+n_x) = (4, 7): did you forget to stack [a_prev; x]?']]],
  ['wax_transposed.json', [['7:5', 'parameters.Wax has shape (3, 4), expected (n_a, n_x) = (4, 3): is it transposed?']]],
  ['da_longer_than_x.json', [['13:3', 'da has 5 time steps but T_x = 3 (from x): da cannot be longer than x']]],
  ['dims_disagree.json', [['6:12', 'dims.n_a is 5 but the arrays say n_a = 4 (from a0)']]],
  ['x_two_dimensional.json', [['4:3', 'x is a 2-D list (3, 2), expected 3-D (n_x, m, T_x)']]],
  ['a0_wrong_batch.json', [['5:3', 'a0 has shape (4, 5), expected (n_a, m) = (4, 2) (m = 2 from x)']]],
  ['cell_uses_x.json', [['3:3', `unknown key 'x': kind "rnn_cell" calls it 'xt'`]]],
  ['empty_bias.json', [['10:12', 'parameters.ba[0] is an empty list']]],
  ['parameters_not_object.json', [['6:17', 'parameters must be an object with Wax, Waa, Wya, ba, by; found a list']]],
  [
    'several_problems.json',
    [
      ['4:44', 'x[0][1][1] is null, expected a number'],
      ['8:5', 'parameters.Waa has shape (4, 3), expected (n_a, n_a) = (4, 4)'],
      ['16:12', 'dims.T_x is 9 but the arrays say T_x = 3 (from x)'],
      ['18:3', "unknown key 'extra'"],
    ],
  ],
];

test('bad corpus: every file in test/fixtures/bad has a table entry', () => {
  const files = readdirSync(BAD).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(files, CORPUS.map(([f]) => f).sort());
});

for (const [file, expected] of CORPUS) {
  test(`bad corpus: ${file}`, () => {
    const text = readFileSync(join(BAD, file), 'utf8');
    const r = parseFixture(text, file);
    const errs = errors(r);
    // kind_wrong_case has one diagnostic carrying two expected fragments
    const distinct = new Set(expected.map(([pos]) => pos)).size === 1 && file === 'kind_wrong_case.json' ? 1 : expected.length;
    assert.equal(errs.length, distinct, `error count; got:\n${errs.map((d) => formatDiagnostic(file, d)).join('\n')}`);
    for (const [pos, fragment] of expected) {
      const hit = errs.find((d) => `${d.line}:${d.column}` === pos && d.message.includes(fragment));
      assert.ok(hit, `expected ${file}:${pos}: …${fragment}…; got:\n${errs.map((d) => formatDiagnostic(file, d)).join('\n')}`);
    }
    for (const d of errs) {
      assert.equal(`${d.line}:${d.column}`, lineCol(text, d.offset), 'line:column agrees with offset');
      assert.ok(!/\n\s+at /.test(d.message), 'no stack trace in messages');
      assert.ok(formatDiagnostic(file, d).startsWith(`${file}:${d.line}:${d.column}: `));
    }
  });
}

test('diagnostics carry the key path', () => {
  const errs = errors(parseFixture(readFileSync(join(BAD, 'null_in_x.json'), 'utf8'), 'f.json'));
  assert.equal(errs[0]!.path, 'x[1][0][2]');
  const e2 = errors(parseFixture(readFileSync(join(BAD, 'lstm_wf_unstacked.json'), 'utf8'), 'f.json'));
  assert.equal(e2[0]!.path, 'parameters.Wf');
  assert.equal(e2[0]!.length, '"Wf"'.length, 'the key is underlined');
});

test('many bad numbers in one array are capped with a count', () => {
  const x = Array.from({ length: 2 }, () => Array.from({ length: 3 }, () => Array.from({ length: 10 }, () => null)));
  const text = JSON.stringify({ kind: 'rnn', x, a0: [[0, 0, 0]], parameters: { Wax: [[1, 2]], Waa: [[1]], Wya: [[1]], ba: [1], by: [1] } });
  const errs = errors(parseFixture(text, 'f.json'));
  assert.equal(errs.filter((d) => d.message.endsWith('is null, expected a number')).length, 8);
  assert.ok(errs.some((d) => d.message === 'x: 52 more problems not shown'));
});

test('deep nesting is refused with a position, not a stack overflow', () => {
  const text = '{"kind": "rnn", "x": ' + '['.repeat(100000);
  const errs = errors(parseFixture(text, 'f.json'));
  assert.equal(errs.length, 1);
  assert.match(errs[0]!.message, /nested more than 256 levels/);
  assert.equal(errs[0]!.offset, 21 + 255);
});

test('non-string input and odd values never throw', () => {
  for (const v of [undefined, null, 42, {}]) {
    const r = parseFixture(v as unknown as string, 'f.json');
    assert.equal(r.ok, false);
  }
  for (const t of ['null', 'true', '"rnn"', '3', '{"kind": null}', '{"__proto__": {"kind": "rnn"}}', '{"kind":"rnn","constructor":1}']) {
    assert.equal(parseFixture(t, 'f.json').ok, false, t);
  }
});

// ------------------------------------------------------------------------------------------------
// Good fixtures

for (const name of COURSERA) {
  test(`reads ${name} into the fixture's arrays`, () => {
    const text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
    const j = JSON.parse(text);
    const r = parseFixture(text, `${name}.json`);
    const p = ok(r);
    assert.equal(r.ok && r.warnings.length, 0);
    assert.equal(p.kind, j.kind);
    assert.equal(p.name, name);
    assert.equal(p.description, j.description);
    assert.equal(p.daDefaulted, false);
    const cellKind = j.kind.endsWith('_cell');
    const x = flat(cellKind ? j.xt : j.x);
    const T = cellKind ? 1 : x.shape[2]!;
    assert.deepEqual(p.dims, { n_x: x.shape[0], n_a: flat(cellKind ? j.a_prev : j.a0).shape[0], n_y: 2, m: x.shape[1], T_x: T });
    assert.deepEqual({ ...p.dims, T_x: j.dims.T_x ?? 1 }, { ...j.dims, T_x: j.dims.T_x ?? 1 });
    sameArray(p.x, [x.shape[0]!, x.shape[1]!, T], x.data, 'x');
    const a0 = flat(cellKind ? j.a_prev : j.a0);
    sameArray(p.a0, a0.shape, a0.data, 'a0');
    const da = flat(cellKind ? j.da_next : j.da);
    sameArray(p.da, cellKind ? [...da.shape, 1] : da.shape, da.data, 'da');
    for (const [k, v] of Object.entries(j.parameters as Record<string, Nested>)) {
      const f = flat(v);
      sameArray((p.parameters as Record<string, NdArray>)[k]!, f.shape, f.data, k);
    }
    if (j.kind === 'lstm_cell') {
      const c = flat(j.c_prev), dc = flat(j.dc_next);
      sameArray(p.c0!, c.shape, c.data, 'c0');
      sameArray(p.dcFinal!, dc.shape, dc.data, 'dcFinal');
    } else if (j.kind === 'lstm') {
      sameArray(p.c0!, [p.dims.n_a, p.dims.m], new Float64Array(p.dims.n_a * p.dims.m), 'c0 zeros');
      assert.equal(p.dcFinal, undefined);
    } else {
      assert.equal(p.c0, undefined);
    }
  });
}

/** A small valid RNN fixture object (n_x=2, n_a=3, n_y=2, m=2, T_x=3). */
function smallRnn(): Record<string, unknown> {
  const v = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + i / 8);
  return {
    kind: 'rnn',
    x: [[v(3, 0), v(3, 1)], [v(3, 2), v(3, 3)]],
    a0: [v(2, 0), v(2, 1), v(2, 2)],
    parameters: {
      Wax: [v(2, 0), v(2, 1), v(2, 2)],
      Waa: [v(3, 0), v(3, 1), v(3, 2)],
      Wya: [v(3, 0), v(3, 1)],
      ba: [[0.5], [0.25], [0.125]],
      by: [[1], [2]],
    },
    da: [[v(3, 0), v(3, 1)], [v(3, 2), v(3, 3)], [v(3, 4), v(3, 5)]],
  };
}

test('biases given as (n,) are accepted and normalised to (n, 1)', () => {
  const a = smallRnn();
  const b = structuredClone(a) as { parameters: Record<string, unknown> };
  b.parameters.ba = [0.5, 0.25, 0.125];
  b.parameters.by = [1, 2];
  const pa = ok(parseFixture(JSON.stringify(a), 'a.json'));
  const pb = ok(parseFixture(JSON.stringify(b), 'b.json'));
  const P = pb.parameters as Record<string, NdArray>;
  sameArray(P.ba!, [3, 1], [0.5, 0.25, 0.125], 'ba');
  sameArray(P.by!, [2, 1], [1, 2], 'by');
  sameArray((pa.parameters as Record<string, NdArray>).ba!, [3, 1], [0.5, 0.25, 0.125], 'ba (n,1)');
  // a (1, n) row is not a column
  const c = structuredClone(a) as { parameters: Record<string, unknown> };
  c.parameters.ba = [[0.5, 0.25, 0.125]];
  const errs = errors(parseFixture(JSON.stringify(c), 'c.json'));
  assert.match(errs[0]!.message, /parameters\.ba has shape \(1, 3\), expected \(n_a, 1\) = \(3, 1\): is it transposed\?/);
});

test("Python's NaN / Infinity / -Infinity tokens are accepted with a positioned warning", () => {
  const text = JSON.stringify(smallRnn(), null, 1)
    .replace('"x": [\n  [\n   [\n    0,', '"x": [\n  [\n   [\n    NaN,')
    .replace('0.125,\n    0.25\n   ],\n   [\n    1,', '0.125,\n    0.25\n   ],\n   [\n    -Infinity,');
  assert.ok(text.includes('NaN') && text.includes('-Infinity'), 'test text was rewritten');
  const r = parseFixture(text.replace('"by": [\n   [\n    1', '"by": [\n   [\n    Infinity'), 'nan.json');
  const p = ok(r);
  assert.ok(Number.isNaN(p.x.data[0]));
  assert.equal(p.x.data[3], -Infinity); // x[0][1][0]
  assert.equal((p.parameters as Record<string, NdArray>).by!.data[0], Infinity);
  if (!r.ok) return;
  const xw = r.warnings.find((w) => w.path === 'x[0][0][0]');
  assert.ok(xw, 'warning on x');
  assert.match(xw.message, /x holds 2 non-finite values \(NaN\/Infinity\), first at x\[0\]\[0\]\[0\]/);
  const t2 = r.warnings.length ? text : '';
  assert.equal(`${xw.line}:${xw.column}`, lineCol(t2, t2.indexOf('NaN')));
  assert.ok(r.warnings.some((w) => w.path === 'parameters.by[0][0]'));
  assert.equal(p.warnings.length, r.warnings.length);
  assert.ok(p.warnings[0]!.startsWith('nan.json:'), 'Problem.warnings are formatted');
});

test('the strings "NaN", "Infinity", "-Infinity" (as exports write them) are read as numbers', () => {
  const a = smallRnn() as { x: unknown[][][] };
  a.x[1]![1]![2] = 'Infinity';
  a.x[0]![0]![1] = 'NaN';
  const p = ok(parseFixture(JSON.stringify(a), 'f.json'));
  assert.ok(Number.isNaN(p.x.data[1]));
  assert.equal(p.x.data[11], Infinity);
});

test('a non-finite token where an integer is needed is an error', () => {
  const text = JSON.stringify({ ...smallRnn(), dims: { n_x: 2, m: 0 } }).replace('"m":0', '"m":NaN');
  const errs = errors(parseFixture(text, 'f.json'));
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.message, 'dims.m must be a positive integer, found NaN');
});

test('numbers too large for float64 read as Infinity with a warning', () => {
  const text = JSON.stringify(smallRnn()).replace('"by":[[1]', '"by":[[1e400]');
  const r = parseFixture(text, 'f.json');
  const p = ok(r);
  assert.equal((p.parameters as Record<string, NdArray>).by!.data[0], Infinity);
  assert.ok(r.ok && r.warnings.some((w) => /parameters\.by\[0\]\[0\] is too large for float64/.test(w.message)));
});

test('no da: ones, daDefaulted and the warning "no da: using ones (L = Σa)"', () => {
  const a = smallRnn();
  delete a.da;
  const r = parseFixture(JSON.stringify(a), 'f.json');
  const p = ok(r);
  assert.equal(p.daDefaulted, true);
  // the ones are not held (655 MB at T = 10,000 of the issue-13 LSTM): a marker the engine reads as ones
  assert.equal(daIsLazyOnes(p), true);
  assert.deepEqual(p.da.shape, [3, 2, 3]);
  assert.equal(p.da.data.length, 0);
  sameArray(daValues(p), [3, 2, 3], new Array(18).fill(1), 'da');
  assert.ok(r.ok && r.warnings.some((w) => w.message === 'no da: using ones (L = Σa)' && w.line === 1 && w.column === 1));
});

test('da shorter than x is accepted (T_b < T_x)', () => {
  const a = smallRnn() as { da: number[][][] };
  a.da = a.da.map((r) => r.map((c) => c.slice(0, 2)));
  const p = ok(parseFixture(JSON.stringify(a), 'f.json'));
  assert.deepEqual(p.da.shape, [3, 2, 2]);
  assert.equal(p.dims.T_x, 3);
});

test('lstm: c0 optional (zeros); lstm_cell: c_prev, da_next, dc_next optional', () => {
  const P = randomProblem({ kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 2, T: 2, seed: 4 });
  const text = fixtureToString(P);
  const p = ok(parseFixture(text, 'f.json'));
  sameArray(p.c0!, [3, 2], new Array(6).fill(0), 'c0');
  const j = JSON.parse(text);
  const cell = { kind: 'lstm_cell', xt: j.x.map((r: number[][]) => r.map((c) => c[0])), a_prev: j.a0, parameters: j.parameters };
  const r = parseFixture(JSON.stringify(cell), 'cell.json');
  const pc = ok(r);
  assert.deepEqual(pc.dims, { n_x: 2, n_a: 3, n_y: 2, m: 2, T_x: 1 });
  sameArray(pc.da, [3, 2, 1], new Array(6).fill(1), 'da_next ones');
  sameArray(pc.dcFinal!, [3, 2], new Array(6).fill(0), 'dc_next zeros');
  assert.ok(r.ok && r.warnings.some((w) => w.message === 'no da_next: using ones (L = Σa)'));
  const bad = errors(parseFixture(JSON.stringify({ ...cell, dims: { T_x: 2 } }), 'cell.json'));
  assert.match(bad[0]!.message, /dims\.T_x is 2 but the arrays say T_x = 1 \(from the cell kind\)/);
});

test('name defaults to the file name without .rnn.json / .json', () => {
  const a = smallRnn();
  assert.equal(ok(parseFixture(JSON.stringify(a), '/some/dir/my_run.rnn.json')).name, 'my_run');
  assert.equal(ok(parseFixture(JSON.stringify(a), 'C:\\x\\other.json')).name, 'other');
  assert.equal(ok(parseFixture(JSON.stringify({ ...a, name: 'given' }), 'x.json')).name, 'given');
});

test('BOM and CRLF line endings: accepted, positions still right', () => {
  const a = smallRnn();
  ok(parseFixture('\ufeff' + JSON.stringify(a), 'f.json'));
  const lines = JSON.stringify({ ...a, kind: 'gru' }, null, 2).split('\n');
  const crlf = lines.join('\r\n');
  const errs = errors(parseFixture(crlf, 'f.json'));
  assert.equal(errs.length, 1);
  assert.equal(`${errs[0]!.line}:${errs[0]!.column}`, '2:11');
});

test('fixture writer → reader round trip is bit-exact (rnn and lstm, with -0)', () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const P = randomProblem({ kind, n_x: 3, n_a: 4, n_y: 2, m: 3, T: 5, seed: 11 });
    P.x.data[1] = -0;
    P.x.data[2] = 1e-310; // subnormal
    P.x.data[3] = -1.7976931348623157e308;
    const p = ok(parseFixture(fixtureToString(P, { description: 'd' }), 'f.json'));
    assert.equal(p.kind, kind);
    assert.equal(p.description, 'd');
    sameArray(p.x, P.x.shape, P.x.data, 'x');
    sameArray(p.a0, P.a0.shape, P.a0.data, 'a0');
    sameArray(p.da, P.da.shape, P.da.data, 'da');
    for (const [k, v] of Object.entries(P.parameters as Record<string, NdArray>)) {
      sameArray((p.parameters as Record<string, NdArray>)[k]!, v.shape, v.data, k);
    }
  }
});

// ------------------------------------------------------------------------------------------------
// Files

test('readFixtureFile: files above the size limit are refused before reading', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-fixture-'));
  const f = join(dir, 'big.rnn.json');
  writeFileSync(f, 'this is not JSON at all, and is 64 bytes long'.padEnd(63, '.') + '\n');
  const r = await readFixtureFile(f, { maxBytes: 63 });
  const errs = errors(r);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!.message, /^file is 64 bytes \(64 bytes\), above the 63 bytes fixture size limit: refused before reading/);
  // under the limit the same file is read (and its syntax error reported)
  const r2 = await readFixtureFile(f, { maxBytes: 64 });
  assert.match(errors(r2)[0]!.message, /^syntax error/);
  // default limit is 512 MiB
  const good = join(dir, 'good.rnn.json');
  writeFileSync(good, JSON.stringify(smallRnn()));
  assert.equal(ok(await readFixtureFile(good)).name, 'good');
});

test('readFixtureFile: missing file and directory give one clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-fixture-'));
  assert.equal(errors(await readFixtureFile(join(dir, 'nope.json')))[0]!.message, 'cannot read the fixture: no such file or directory');
  mkdirSync(join(dir, 'sub.json'));
  assert.match(errors(await readFixtureFile(join(dir, 'sub.json')))[0]!.message, /is a directory/);
});

test('examples/: all parse without errors; the Coursera ones are the test fixtures', () => {
  const dir = join(ROOT, 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.rnn.json'));
  assert.ok(files.length >= 8);
  for (const f of files) ok(parseFixture(readFileSync(join(dir, f), 'utf8'), f));
  for (const n of COURSERA) {
    assert.equal(readFileSync(join(dir, `${n}.rnn.json`), 'utf8'), readFileSync(join(FIXTURES, `${n}.json`), 'utf8'));
  }
});

test('media/fixture.schema.json: keys per kind agree with the reader', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'media', 'fixture.schema.json'), 'utf8'));
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const meta = ['$schema', 'kind', 'name', 'description', 'dims', 'parameters'];
  const want: Record<string, { top: string[]; params: string[] }> = {
    rnn: { top: [...meta, 'x', 'a0', 'da'], params: ['Wax', 'Waa', 'Wya', 'ba', 'by'] },
    lstm: { top: [...meta, 'x', 'a0', 'c0', 'da'], params: ['Wf', 'bf', 'Wi', 'bi', 'Wc', 'bc', 'Wo', 'bo', 'Wy', 'by'] },
    rnn_cell: { top: [...meta, 'xt', 'a_prev', 'da_next'], params: ['Wax', 'Waa', 'Wya', 'ba', 'by'] },
    lstm_cell: { top: [...meta, 'xt', 'a_prev', 'c_prev', 'da_next', 'dc_next'], params: ['Wf', 'bf', 'Wi', 'bi', 'Wc', 'bc', 'Wo', 'bo', 'Wy', 'by'] },
  };
  for (const v of schema.allOf) {
    const kind = v.if.properties.kind.const as string;
    const props = v.then.properties;
    assert.deepEqual(Object.keys(props).sort(), want[kind]!.top.sort(), kind);
    assert.deepEqual(Object.keys(props.parameters.properties).sort(), want[kind]!.params.sort(), kind);
    for (const [k, p] of Object.entries(props as Record<string, { description?: string }>)) assert.ok(p.description, `${kind}.${k} has a description`);
    // the reader accepts what the schema says is allowed: every valid key set of this kind parses
    for (const k of Object.keys(props)) assert.ok(want[kind]!.top.includes(k));
  }
  // every key of the six fixtures is known to the schema
  for (const n of COURSERA) {
    const j = JSON.parse(readFileSync(join(FIXTURES, `${n}.json`), 'utf8'));
    const v = schema.allOf.find((x: { if: { properties: { kind: { const: string } } } }) => x.if.properties.kind.const === j.kind);
    for (const k of Object.keys(j)) assert.ok(k in v.then.properties, `${n}: ${k}`);
  }
});
