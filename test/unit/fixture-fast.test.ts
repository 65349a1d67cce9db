// The fast fixture reader (src/fixture/fast*.ts) against the reference: JSON.parse for numbers and
// parseFixture for whole fixtures (bit-identical Problems, or a fallback to it), plus the staged
// load (da read after the rest) and the engine contract the staged run relies on.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRunner, run } from '../../src/engine';
import type { Problem } from '../../src/engine/types';
import { fastParseFixture, fastReadDa } from '../../src/fixture/fastParse';
import { FAST_FALLBACK, readArray, readNumber } from '../../src/fixture/fastNumbers';
import { ColumnReader, scanRows } from '../../src/fixture/lazyColumns';
import { parseFixture } from '../../src/fixture/parse';
import { loadFixtureStaged, type DaResult } from '../../src/worker/stagedLoad';
import { mulberry32 } from './random-helpers';

const root = join(__dirname, '..', '..');
const enc = new TextEncoder();

/** A random finite double from random bits (every exponent, subnormals included). */
function randomDouble(rnd: () => number): number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (;;) {
    u[0] = Math.floor(rnd() * 2 ** 32);
    u[1] = Math.floor(rnd() * 2 ** 32);
    if (Number.isFinite(f[0]!)) return f[0]!;
  }
}

/** The same number spelt in one of the ways JSON writers spell numbers. */
function spell(v: number, rnd: () => number): string {
  if (Object.is(v, -0)) return ['-0', '-0.0', '-0e5', '-0.000E-3'][Math.floor(rnd() * 4)]!;
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return String(v);
    case 1:
      return v.toExponential(Math.floor(rnd() * 21));
    case 2:
      return v.toPrecision(1 + Math.floor(rnd() * 21)).replace(/^(-?)\./, '$10.');
    case 3:
      return Math.abs(v) < 1e21 ? v.toFixed(Math.floor(rnd() * 21)) : String(v);
    default:
      return v.toPrecision(17);
  }
}

const SPECIAL = [
  '0', '-0', '-0.0', '1e-320', '-1e-320', '4.9e-324', '5e-324', '2.2250738585072014e-308', '2.225073858507201e-308',
  '1e308', '1.7976931348623157e308', '-1.7976931348623157e308', '9007199254740993', '9007199254740992.5',
  '0.30000000000000004', '0.1', '123456789012345678901234567890', '1E5', '1e+5', '1.5e-7', '-2.5E+22',
  '0.30647199369457806', '-0.5177699590557001', '12345678901234567e-19', '1.00000000000000011102230246251565404236316680908203125',
  '0.0000000000000000000000000001', '7.2057594037927933e16', '1e23', '8.98846567431158e307',
];

test('readNumber gives JSON.parse bits: special spellings (-0, subnormals, 1e308, long mantissas, exponents)', () => {
  for (const s of SPECIAL) {
    const got = readNumber(enc.encode(s + ']'), 0);
    assert.ok(Object.is(got, JSON.parse(s)), `${s}: got ${got}, JSON.parse gives ${JSON.parse(s)}`);
  }
});

test('readNumber gives JSON.parse bits on 60 000 random doubles in random spellings', () => {
  const rnd = mulberry32(20261125);
  for (let k = 0; k < 60000; k++) {
    const v = k % 3 === 0 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6) : randomDouble(rnd);
    const s = spell(v, rnd);
    const want = JSON.parse(s) as number;
    const got = readNumber(enc.encode(s + ','), 0);
    assert.ok(Object.is(got, want), `${s}: got ${got}, JSON.parse gives ${want}`);
  }
});

test('readNumber declines what JSON does not accept or float64 cannot hold', () => {
  for (const s of ['+1', '01', '.5', '1.', '1e', '-', 'NaN', 'Infinity', '-Infinity', '1e400', '-1e400']) {
    assert.throws(() => readNumber(enc.encode(s + ']'), 0), (e) => e === FAST_FALLBACK, s);
  }
  // a valid prefix followed by junk: the array reader refuses what follows the number
  for (const s of ['[0x10]', '[1.5.3]', '[1 2]', '[1,]', '[]']) {
    assert.throws(() => readArray(enc.encode(s), 0, 1), (e) => e === FAST_FALLBACK, s);
  }
});

function fixtureFiles(): string[] {
  const ex = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.json')).map((f) => join(root, 'examples', f));
  const fx = readdirSync(join(root, 'test', 'fixtures'))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .map((f) => join(root, 'test', 'fixtures', f));
  return [...ex, ...fx];
}

test('fast reader: every example and reference fixture gives parseFixture\'s Problem exactly, or falls back (cell kinds)', () => {
  let fastCount = 0;
  for (const f of fixtureFiles()) {
    const bytes = readFileSync(f);
    const slow = parseFixture(bytes.toString('utf8'), f);
    const fast = fastParseFixture(bytes, f);
    const kind = (JSON.parse(bytes.toString('utf8')) as { kind: string }).kind;
    if (kind.endsWith('_cell')) {
      assert.equal(fast, undefined, `${f}: cell kinds take the full reader`);
      continue;
    }
    assert.ok(slow.ok && fast, f);
    assert.deepStrictEqual(fast.problem, slow.problem, f);
    fastCount++;
  }
  assert.ok(fastCount >= 8, `fast path taken ${fastCount} times`);
});

interface Gen {
  kind: 'rnn' | 'lstm';
  n_x: number;
  n_a: number;
  n_y: number;
  m: number;
  T: number;
  T_b: number;
}

/** Writes a fixture with numbers in random spellings; `mutate` may edit the object before it is written. */
function writeFixture(
  g: Gen, rnd: () => number, opts: { indent?: boolean; daLast?: boolean; withC0?: boolean; dims?: boolean; tame?: boolean } = {},
): string {
  const num = () => {
    if (opts.tame) return String((rnd() - 0.5) * 4); // no spelling that overflows to ±Infinity
    const r = rnd();
    const v = r < 0.05 ? -0 : r < 0.1 ? randomDouble(rnd) : r < 0.15 ? (rnd() - 0.5) * 1e-310 : (rnd() - 0.5) * 4;
    return spell(v, rnd);
  };
  const arr = (shape: number[]): string => {
    if (shape.length === 1) return '[' + Array.from({ length: shape[0]! }, num).join(rnd() < 0.5 ? ',' : ', ') + ']';
    return '[' + Array.from({ length: shape[0]! }, () => arr(shape.slice(1))).join(opts.indent ? ',\n  ' : ',') + ']';
  };
  const params: [string, number[]][] =
    g.kind === 'lstm'
      ? [
          ...['f', 'i', 'c', 'o'].flatMap((q): [string, number[]][] => [[`W${q}`, [g.n_a, g.n_a + g.n_x]], [`b${q}`, rnd() < 0.5 ? [g.n_a] : [g.n_a, 1]]]),
          ['Wy', [g.n_y, g.n_a]],
          ['by', [g.n_y, 1]],
        ]
      : [['Wax', [g.n_a, g.n_x]], ['Waa', [g.n_a, g.n_a]], ['Wya', [g.n_y, g.n_a]], ['ba', [g.n_a, 1]], ['by', [g.n_y]]];
  const parts = [`"kind": "${g.kind}"`, `"name": "gen \\u00e9 ${g.n_a}"`];
  if (opts.dims) parts.push(`"dims": {"n_x": ${g.n_x}, "n_a": ${g.n_a}, "m": ${g.m}}`);
  const da = `"da": ${arr([g.n_a, g.m, g.T_b])}`;
  if (!opts.daLast) parts.push(da);
  parts.push(`"x": ${arr([g.n_x, g.m, g.T])}`, `"a0": ${arr([g.n_a, g.m])}`);
  if (g.kind === 'lstm' && opts.withC0) parts.push(`"c0": ${arr([g.n_a, g.m])}`);
  parts.push(`"parameters": {${params.map(([k, s]) => `"${k}": ${arr(s)}`).join(', ')}}`);
  if (opts.daLast) parts.push(da);
  return '{\n  ' + parts.join(',\n  ') + '\n}\n';
}

function randomGen(rnd: () => number): Gen {
  const T = 1 + Math.floor(rnd() * 5);
  return {
    kind: rnd() < 0.5 ? 'rnn' : 'lstm',
    n_x: 1 + Math.floor(rnd() * 4),
    n_a: 1 + Math.floor(rnd() * 4),
    n_y: 1 + Math.floor(rnd() * 3),
    m: 1 + Math.floor(rnd() * 3),
    T,
    T_b: 1 + Math.floor(rnd() * T),
  };
}

test('fast reader: 150 random fixtures (-0, subnormals, huge and tiny exponents, (n,) biases) equal parseFixture bit for bit', () => {
  const rnd = mulberry32(7);
  for (let k = 0; k < 150; k++) {
    const g = randomGen(rnd);
    const text = writeFixture(g, rnd, { indent: rnd() < 0.5, daLast: rnd() < 0.5, withC0: rnd() < 0.5, dims: rnd() < 0.3 });
    const slow = parseFixture(text, `gen${k}.rnn.json`);
    assert.ok(slow.ok, `generated fixture ${k} is valid`);
    const fast = fastParseFixture(enc.encode(text), `gen${k}.rnn.json`);
    assert.ok(fast, `fixture ${k} takes the fast path`);
    assert.deepStrictEqual(fast.problem, slow.problem);
    // staged: same Problem once da is read into its placeholder
    const staged = fastParseFixture(enc.encode(text), `gen${k}.rnn.json`, { deferDa: true });
    assert.ok(staged);
    if (staged.deferredDa) {
      assert.ok(fastReadDa(enc.encode(text), staged.deferredDa, staged.problem.da.data));
    }
    assert.deepStrictEqual(staged.problem, slow.problem);
  }
});

const BASE = readFileSync(join(root, 'examples', 'lstm_small.rnn.json'), 'utf8');

test('fast reader falls back on everything it does not read itself; parseFixture then decides', () => {
  const edits: [string, (s: string) => string][] = [
    ['ragged row', (s) => s.replace(/\[\s*(-?[\d.e+-]+)\s*,/, '[$1, 1, ')],
    ['null leaf', (s) => s.replace(/(\[\s*)-?[\d.e+-]+/, '$1null')],
    ['string leaf', (s) => s.replace(/(\[\s*)-?[\d.e+-]+/, '$1"1"')],
    ['NaN token', (s) => s.replace(/(\[\s*)-?[\d.e+-]+/, '$1NaN')],
    ['overflow', (s) => s.replace(/(\[\s*)-?[\d.e+-]+/, '$11e400')],
    ['unknown key', (s) => s.replace('{', '{"foo": 1, ')],
    ['duplicate key', (s) => s.replace('{', '{"kind": "lstm", ')],
    ['trailing comma', (s) => s.replace(/\]\s*\}\s*$/, '],}')],
    ['BOM', (s) => '\ufeff' + s],
    ['truncated', (s) => s.slice(0, s.length - 20)],
    ['no da', (s) => s.replace(/"da"/, '"dA"')],
    ['bad kind', (s) => s.replace('"lstm"', '"lstn"')],
    ['trailing garbage', (s) => s + 'x'],
    ['comment', (s) => s.replace('{', '{ // c\n')],
  ];
  const ok = fastParseFixture(enc.encode(BASE), 'lstm_small.rnn.json');
  assert.ok(ok, 'the unedited example takes the fast path');
  for (const [what, edit] of edits) {
    const text = edit(BASE);
    assert.notEqual(text, BASE, `${what}: the edit applies`);
    assert.equal(fastParseFixture(enc.encode(text), 'lstm_small.rnn.json'), undefined, what);
    assert.equal(fastParseFixture(enc.encode(text), 'lstm_small.rnn.json', { deferDa: true }), undefined, what);
  }
});

test('fast reader: a shape that disagrees (transposed Wy, T_b > T_x, dims key off) falls back', () => {
  const rnd = mulberry32(3);
  const g: Gen = { kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 2, T: 3, T_b: 3 };
  const good = writeFixture(g, rnd, { daLast: true });
  assert.ok(fastParseFixture(enc.encode(good), 'g.json'));
  const wrongDims = good.replace('"name"', '"dims": {"n_a": 4}, "name"');
  assert.equal(fastParseFixture(enc.encode(wrongDims), 'g.json'), undefined);
  assert.equal(parseFixture(wrongDims, 'g.json').ok, false);
  const tooLong = writeFixture({ ...g, T_b: 3, T: 2 }, rnd, { daLast: true });
  assert.equal(fastParseFixture(enc.encode(tooLong), 'g.json', { deferDa: true }), undefined);
  assert.equal(parseFixture(tooLong, 'g.json').ok, false);
});

test('staged: a deferred da that is ragged is refused by fastReadDa (the full reader then reports it)', () => {
  const rnd = mulberry32(11);
  const text = writeFixture({ kind: 'rnn', n_x: 2, n_a: 2, n_y: 1, m: 2, T: 3, T_b: 3 }, rnd, { daLast: true });
  const cut = text.lastIndexOf(',', text.lastIndexOf(']]]'));
  const ragged = text.slice(0, cut) + text.slice(text.indexOf(']', cut));
  const staged = fastParseFixture(enc.encode(ragged), 'r.json', { deferDa: true });
  assert.ok(staged?.deferredDa, 'the first row of da still announces its shape');
  assert.equal(fastReadDa(enc.encode(ragged), staged.deferredDa, staged.problem.da.data), false);
  const full = parseFixture(ragged, 'r.json');
  assert.equal(full.ok, false);
});

function withTempFile<T>(text: string, f: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-fast-'));
  const p = join(dir, 'big.rnn.json');
  writeFileSync(p, text);
  return f(p).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('loadFixtureStaged on a 9+ MB file (head read first): Problem after da arrives equals parseFixture\'s', async () => {
  const rnd = mulberry32(5);
  const text = writeFixture({ kind: 'lstm', n_x: 3, n_a: 8, n_y: 2, m: 4, T: 14000, T_b: 13000 }, rnd, { daLast: true });
  assert.ok(text.length > 9 * 1048576, `size ${text.length}`);
  const slow = parseFixture(text, 'big.rnn.json');
  assert.ok(slow.ok);
  await withTempFile(text, async (path) => {
    const got = new Promise<DaResult>((res) => {
      void loadFixtureStaged(path, 1 << 30, (r) => res(r)).then((r) => {
        assert.ok(r.ok && r.daPending, 'staged');
        assert.equal(r.problem.da.data.length, 0);
        assert.deepEqual(r.problem.da.shape, [8, 4, 13000]);
        stage1 = r.problem;
      });
    });
    let stage1: Problem | undefined;
    const daRes = await got;
    assert.ok(daRes.ok && stage1);
    stage1.da = { shape: stage1.da.shape, data: daRes.data };
    stage1.name = slow.problem.name; // parseFixture was given another file name
    assert.deepStrictEqual(stage1, slow.problem);
  });
});

test('loadFixtureStaged: an invalid number deep in da is reported late, with parseFixture\'s line and column', async () => {
  const rnd = mulberry32(9);
  const good = writeFixture({ kind: 'rnn', n_x: 2, n_a: 8, n_y: 2, m: 4, T: 40000, T_b: 40000 }, rnd, { daLast: true, indent: true });
  const at = good.length - 5000;
  const comma = good.indexOf(',', at);
  const bad = good.slice(0, comma + 1) + 'null' + good.slice(good.indexOf(',', comma + 1));
  assert.ok(bad.length > 9 * 1048576);
  const slow = parseFixture(bad, 'big.rnn.json');
  assert.equal(slow.ok, false);
  await withTempFile(bad, async (path) => {
    const late = await new Promise<DaResult>((res) => {
      void loadFixtureStaged(path, 1 << 30, res).then((r) => assert.ok(r.ok && r.daPending, 'the head is valid'));
    });
    assert.equal(late.ok, false);
    if (late.ok || slow.ok) return;
    assert.deepEqual(
      late.diagnostics.map((d) => [d.line, d.column, d.message]),
      slow.diagnostics.map((d) => [d.line, d.column, d.message]),
    );
    assert.match(late.message, /^big\.rnn\.json:\d+:\d+: /);
  });
});

test('staged run: forward on a zero da placeholder, then da filled in place, gives the same run bit for bit', () => {
  const rnd = mulberry32(13);
  for (const kind of ['rnn', 'lstm'] as const) {
    const text = writeFixture({ kind, n_x: 3, n_a: 4, n_y: 2, m: 3, T: 6, T_b: 4 }, rnd, { daLast: true });
    const ref = parseFixture(text, 'r.json');
    assert.ok(ref.ok);
    const want = run(ref.problem);
    const staged = fastParseFixture(enc.encode(text), 'r.json', { deferDa: true })!;
    assert.ok(staged.deferredDa);
    const placeholder = staged.problem.da.data;
    const r = createRunner(staged.problem);
    r.advance(Infinity, 6); // exactly the forward steps: the backward has not started
    assert.equal(r.forwardDone, 6);
    assert.equal(r.backwardDone, 0);
    assert.ok(fastReadDa(enc.encode(text), staged.deferredDa, placeholder));
    r.advance(Infinity);
    assert.ok(r.finished);
    assert.deepStrictEqual(r.forward, want.forward);
    assert.deepStrictEqual(r.backward, want.backward);
  }
});

test('loadFixtureStaged: NaN/Infinity/-Infinity deep in da give parseFixture\'s warning (words, line, column) and values', async () => {
  const rnd = mulberry32(17);
  const good = writeFixture({ kind: 'lstm', n_x: 2, n_a: 8, n_y: 2, m: 4, T: 36000, T_b: 36000 }, rnd, { daLast: true, indent: true, tame: true });
  let text = good;
  for (const [back, token] of [[900000, 'NaN'], [600000, 'Infinity'], [300000, '-Infinity']] as const) {
    const re = /,\s*(-?\d[\d.eE+-]*)\s*,/g; // a number between two others of the same row
    re.lastIndex = text.length - back;
    const hit = re.exec(text)!;
    const at = hit.index + hit[0].indexOf(hit[1]!);
    text = text.slice(0, at) + token + text.slice(at + hit[1]!.length);
  }
  assert.ok(text.length > 9 * 1048576);
  const slow = parseFixture(text, 'big.rnn.json');
  assert.ok(slow.ok, 'parseFixture accepts it');
  assert.equal(slow.warnings.length, 1);
  await withTempFile(text, async (path) => {
    const late = await new Promise<DaResult>((res) => {
      void loadFixtureStaged(path, 1 << 30, res).then((r) => assert.ok(r.ok && r.daPending, 'staged'));
    });
    assert.ok(late.ok && slow.ok);
    const w = slow.warnings[0]!;
    assert.deepEqual(
      late.warningDiags.map((d) => [d.line, d.column, d.endColumn, d.path, d.message, d.severity]),
      [[w.line, w.column, w.column + w.length, w.path, w.message, 'warning']],
    );
    assert.deepEqual(late.warnings, [`big.rnn.json:${w.line}:${w.column}: warning: ${w.message}`]);
    const want = slow.problem.da.data;
    assert.equal(late.data.length, want.length);
    for (let q = 0; q < want.length; q++) assert.ok(Object.is(late.data[q], want[q]), `da[${q}]`);
  });
});

// ---- x read column by column (lazyColumns.ts): what the worker does for big staged fixtures

test('lazy x: 150 random fixtures read column by column in random blocks equal parseFixture bit for bit', () => {
  const rnd = mulberry32(21);
  let lazyRead = 0;
  for (let k = 0; k < 150; k++) {
    const g = randomGen(rnd);
    g.T = 1 + Math.floor(rnd() * 40);
    g.T_b = 1 + Math.floor(rnd() * g.T);
    const text = writeFixture(g, rnd, { indent: rnd() < 0.5, daLast: rnd() < 0.5, withC0: rnd() < 0.5, dims: rnd() < 0.3 });
    const bytes = enc.encode(text);
    const eager = fastParseFixture(bytes, `gen${k}.rnn.json`);
    const lazy = fastParseFixture(bytes, `gen${k}.rnn.json`, { deferX: true });
    if (!eager) {
      // not a plain file: the lazy reading must not accept it either (at parse or when reading x)
      if (!lazy) continue;
      const r = new ColumnReader(bytes, lazy.deferredX!, lazy.problem.x.data);
      assert.equal(r.fill(g.T), false, `fixture ${k}: the column reader declines what the one-pass reader declines`);
      continue;
    }
    assert.ok(lazy?.deferredX, `fixture ${k}: x is deferred`);
    assert.deepEqual(lazy.deferredX.shape, [g.n_x, g.m, g.T]);
    const r = new ColumnReader(bytes, lazy.deferredX, lazy.problem.x.data);
    assert.ok(Number.isNaN(lazy.problem.x.data[0]), 'columns not read yet are NaN');
    while (!r.complete) {
      const to = r.done + 1 + Math.floor(rnd() * 7);
      assert.ok(r.fill(to), `fixture ${k}: columns up to ${to}`);
      assert.equal(r.done, Math.min(to, g.T));
      // every column below done is final, every one from done on is still NaN
      const x = lazy.problem.x.data;
      for (let row = 0; row < g.n_x * g.m; row++) {
        if (r.done < g.T) assert.ok(Number.isNaN(x[row * g.T + r.done]!), `column ${r.done} of row ${row} not read yet`);
        assert.ok(!Number.isNaN(x[row * g.T + r.done - 1]!));
      }
    }
    assert.deepStrictEqual(lazy.problem, eager.problem);
    lazyRead++;
  }
  assert.ok(lazyRead > 100, `most random fixtures take the lazy path (${lazyRead})`);
});

test('lazy x: the column reader stops at the first row and column that is not a plain number of a row of length T', () => {
  // x of shape (2, 2, 4): rows r = 2·i + j
  const good = [[[1, 2, 3, 4], [5, 6, 7, 8]], [[9, 10, 11, 12], [13, 14, 15, 16]]];
  const cases: [string, string, { row: number; t: number } | undefined][] = [
    ['NaN token', '[[[1, 2, 3, 4], [5, 6, NaN, 8]], [[9, 10, 11, 12], [13, 14, 15, 16]]]', { row: 1, t: 2 }],
    ['a string', '[[[1, 2, 3, 4], [5, 6, 7, 8]], [[9, "10", 11, 12], [13, 14, 15, 16]]]', { row: 2, t: 1 }],
    ['a short row', '[[[1, 2, 3, 4], [5, 6, 7, 8]], [[9, 10, 11, 12], [13, 14, 15]]]', { row: 3, t: 2 }],
    ['a long row', '[[[1, 2, 3, 4], [5, 6, 7, 8, 9]], [[9, 10, 11, 12], [13, 14, 15, 16]]]', { row: 1, t: 3 }],
    ['null', '[[[1, 2, 3, 4], [5, 6, 7, 8]], [[9, 10, 11, 12], [13, null, 15, 16]]]', { row: 3, t: 1 }],
    ['an overflow', '[[[1, 2, 3, 1e999], [5, 6, 7, 8]], [[9, 10, 11, 12], [13, 14, 15, 16]]]', { row: 0, t: 3 }],
    ['plain', JSON.stringify(good), undefined],
  ];
  for (const [what, x, failedAt] of cases) {
    const b = enc.encode(x);
    const idx = scanRows(b, 0);
    assert.deepEqual(idx.shape, [2, 2, 4], what);
    const into = new Float64Array(16);
    const r = new ColumnReader(b, idx, into);
    assert.ok(r.fill(1), `${what}: column 0 reads`);
    const ok = r.fill(4);
    assert.equal(ok, failedAt === undefined, what);
    assert.deepEqual(r.failedAt, failedAt, what);
    if (failedAt) {
      assert.equal(r.done, 1, `${what}: only the columns every row has count`);
      assert.equal(r.forwardRoom(0, 2), 0, `${what}: no step may run on columns not read`);
    } else assert.deepEqual([...into], good.flat(2));
  }
  // structure the row scan itself refuses (the file then goes to the positioned reader at load)
  for (const bad of ['[[[1, 2], [3, 4]], [[5, 6]]]', '[[1, 2], [3, 4]]', '[[[1, [2]], [3, 4]]]', '[[[], []]]', '[[[1, 2], [3, 4]]', '[[[1 2], [3, 4]]]x']) {
    assert.throws(() => {
      const idx = scanRows(enc.encode(bad), 0);
      // (a row holding a list or a missing comma is found when its numbers are read)
      if (!new ColumnReader(enc.encode(bad), idx, new Float64Array(idx.shape[0] * idx.shape[1] * idx.shape[2])).fill(Infinity)) throw FAST_FALLBACK;
    }, (e) => e === FAST_FALLBACK, bad);
  }
});

test('lazy x: a run that only steps as far as forwardRoom allows equals the eager run bit for bit', () => {
  // Columns not read are NaN: an engine reading x further ahead than forwardRoom assumes would
  // put NaN into the caches and fail this comparison.
  const rnd = mulberry32(33);
  const shapes = [
    { m: 1, T: 300 }, { m: 3, T: 160 }, { m: 5, T: 97 }, { m: 32, T: 90 }, { m: 200, T: 12 },
  ];
  for (const kind of ['rnn', 'lstm'] as const) {
    for (const { m, T } of shapes) {
      const text = writeFixture({ kind, n_x: 3, n_a: 4, n_y: 2, m, T, T_b: T }, rnd, { daLast: true, tame: true });
      const ref = parseFixture(text, 'r.json');
      assert.ok(ref.ok);
      const bytes = enc.encode(text);
      const lazy = fastParseFixture(bytes, 'r.json', { deferX: true, deferDa: true })!;
      assert.ok(lazy.deferredX && lazy.deferredDa);
      assert.ok(fastReadDa(bytes, lazy.deferredDa, lazy.problem.da.data));
      const reader = new ColumnReader(bytes, lazy.deferredX, lazy.problem.x.data);
      const r = createRunner(lazy.problem);
      const caps: number[] = [];
      while (!r.finished) {
        const fwd = r.forwardDone < T;
        const room = fwd ? reader.forwardRoom(r.forwardDone, m) : Infinity;
        assert.ok(room > 0, `${kind} m=${m}: forwardRoom lets the forward go on (at ${r.forwardDone})`);
        assert.ok(!fwd || reader.done - r.forwardDone >= Math.min(room, T - r.forwardDone));
        caps.push(Math.min(room, 1 + Math.floor(rnd() * 9)));
        r.advance(Infinity, caps[caps.length - 1]);
      }
      assert.ok(reader.complete);
      assert.ok(caps.length > 3);
      // The same slices on the eagerly read problem (how a run is sliced changes the last bits of
      // dx: narrow products take another kernel path; this compares x's reading alone).
      const want = createRunner(ref.problem);
      for (const c of caps) want.advance(Infinity, c);
      assert.ok(want.finished);
      assert.deepStrictEqual(r.forward, want.forward, `${kind} m=${m} T=${T}: forward`);
      assert.deepStrictEqual(r.forward, want.forward, `${kind} m=${m} T=${T}: forward`);
      assert.deepStrictEqual(r.backward, want.backward, `${kind} m=${m} T=${T}: backward`);
    }
  }
});

test('fastParseFixture falls back only on its own decline: a bug inside the reader is not hidden', async () => {
  const { fastParseFixture } = await import('../../src/fixture/fastParse');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const bytes = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'rnn_coursera_backward.json'));
  // A decoder that fails as a bug would (TypeError): it must surface, not turn into "use the slow reader".
  const buggy = () => {
    throw new TypeError('bug in the fast reader');
  };
  assert.throws(() => fastParseFixture(bytes, 'f.json', { decode: buggy }), /bug in the fast reader/);
  // Input it declines (a syntax error) still falls back quietly.
  assert.equal(fastParseFixture(new TextEncoder().encode('{"kind": "rnn", "x": [1,,2]}'), 'f.json'), undefined);
});
