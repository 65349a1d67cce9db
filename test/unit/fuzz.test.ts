/**
 * Property-based fuzzing of the fixture reader (fast-check): 10,000 mutated fixtures (truncations,
 * type swaps, removed and misspelt keys, shape changes, huge and non-finite numbers, deep nesting,
 * random text edits) never throw and never hang. Every input yields either a Problem the engine
 * can run, with arrays of the sizes its dims say, or positioned errors whose LINE:COL agrees with
 * their offset. The seed is fixed (override with FUZZ_SEED) so a failure can be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseFixture } from '../../src/fixture/parse';
import { fixtureToString } from '../../src/fixture/write';
import { randomProblem, run, type NdArray, type Problem } from '../../src/engine/index';

const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);

// Small base fixtures, one per kind.
function bases(): unknown[] {
  const out: unknown[] = [];
  for (const kind of ['rnn', 'lstm'] as const) {
    const P = randomProblem({ kind, n_x: 2, n_a: 2, n_y: 2, m: 2, T: 3, seed: 1 });
    const j = JSON.parse(fixtureToString(P));
    out.push(j);
    const cell: Record<string, unknown> = {
      kind: `${kind}_cell`,
      xt: j.x.map((r: number[][]) => r.map((c) => c[0])),
      a_prev: j.a0,
      parameters: j.parameters,
      da_next: j.da.map((r: number[][]) => r.map((c) => c[0])),
    };
    if (kind === 'lstm') {
      cell.c_prev = j.a0;
      cell.dc_next = j.a0;
    }
    out.push(cell);
  }
  return out;
}
const BASES = bases();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Slot = { parent: Json[] | { [k: string]: Json }; key: string | number };

/** Every (parent, key) slot of the document, in a fixed order. */
function slots(doc: Json): Slot[] {
  const out: Slot[] = [];
  const walk = (v: Json, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) v.forEach((c, i) => { out.push({ parent: v, key: i }); walk(c, depth + 1); });
    else for (const k of Object.keys(v)) { out.push({ parent: v, key: k }); walk(v[k]!, depth + 1); }
  };
  walk(doc, 0);
  return out;
}
const getSlot = (s: Slot): Json => (s.parent as Record<string | number, Json>)[s.key]!;
const setSlot = (s: Slot, v: Json): void => { (s.parent as Record<string | number, Json>)[s.key] = v; };

// Markers replaced in the text after JSON.stringify (so the tokens are outside strings).
const TOKENS: Record<string, string> = {
  '"@NaN@"': 'NaN', '"@Inf@"': 'Infinity', '"@-Inf@"': '-Infinity', '"@1e400@"': '1e400', '"@-1e999@"': '-1e999',
};

const special = fc.constantFrom<Json>(
  null, true, false, 0, -0, 1e308, -1e308, 5e-324, 2 ** 53, 0.1, -7, '', 'x', 'NaN', 'Infinity', '-Infinity', 'rnn', 'lstm',
  [], {}, [[]], [null], [[1, 2], [3]], { kind: 'rnn' }, '@NaN@', '@Inf@', '@-Inf@', '@1e400@', '@-1e999@',
);
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: special },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);
const KEYS = ['kind', 'x', 'xt', 'a0', 'a_prev', 'c0', 'c_prev', 'da', 'da_next', 'dc_next', 'dims', 'parameters', 'Wax',
  'Wxa', 'Waa', 'Wya', 'Wy', 'Wf', 'bf', 'ba', 'by', 'n_x', 'T_x', 'm', 'name', '__proto__', 'constructor', 'toString', ''];

type Mutation =
  | { op: 'remove'; pick: number }
  | { op: 'swap'; pick: number; value: Json }
  | { op: 'shape'; pick: number; how: 'drop' | 'dup' | 'wrap' | 'unwrap' | 'empty' | 'reverse' | 'first' }
  | { op: 'add'; pick: number; key: string; value: Json }
  | { op: 'deep'; pick: number; depth: number }
  | { op: 'kind'; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), pick: fc.nat(), value: anyValue }),
  fc.record({ op: fc.constant('shape' as const), pick: fc.nat(), how: fc.constantFrom('drop', 'dup', 'wrap', 'unwrap', 'empty', 'reverse', 'first') }),
  fc.record({ op: fc.constant('add' as const), pick: fc.nat(), key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), value: anyValue }),
  fc.record({ op: fc.constant('deep' as const), pick: fc.nat(), depth: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 1000 })) }),
  fc.record({ op: fc.constant('kind' as const), value: fc.constantFrom<Json>('rnn', 'lstm', 'rnn_cell', 'lstm_cell', 'gru', 'RNN', null, 3, ['rnn']) }),
);

type TextEdit =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; len: number }
  | { op: 'token'; at: number; token: string }
  | { op: 'nest'; at: number; depth: number; close: boolean };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(',', '[', ']', '{', '}', '"', ':', '\\', '//', '/*', '\n', '\r', '\u2028', '\ufeff', 'NaN', '-', 'e', '.', ' '), fc.string({ maxLength: 4 })) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('token' as const), at: fc.nat(), token: fc.constantFrom('NaN', 'Infinity', '-Infinity', 'nan', 'inf', 'None', '1e999', '-0', '00', '1.', '.5', '+1', '0x10') }),
  // very deep nesting, spliced into the text (beyond what JSON.stringify of an object would allow)
  fc.record({ op: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 100, max: 50_000 }), close: fc.boolean() }),
);

function applyMutation(doc: Json, m: Mutation): Json {
  if (m.op === 'kind') {
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) doc.kind = m.value;
    return doc;
  }
  const all = slots(doc);
  if (all.length === 0) return m.op === 'swap' ? m.value : doc;
  const s = all[m.pick % all.length]!;
  const v = getSlot(s);
  switch (m.op) {
    case 'remove':
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
      break;
    case 'swap':
      setSlot(s, structuredClone(m.value));
      break;
    case 'add': {
      const target = v !== null && typeof v === 'object' && !Array.isArray(v) ? v : s.parent;
      if (!Array.isArray(target)) Object.defineProperty(target, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
      else target.push(structuredClone(m.value));
      break;
    }
    case 'deep': {
      let d: Json = 1;
      for (let i = 0; i < m.depth; i++) d = [d];
      setSlot(s, d);
      break;
    }
    case 'shape':
      if (!Array.isArray(v)) {
        setSlot(s, [v]);
        break;
      }
      if (m.how === 'drop') v.pop();
      else if (m.how === 'dup' && v.length) v.push(structuredClone(v[0]!));
      else if (m.how === 'wrap') setSlot(s, [v]);
      else if (m.how === 'unwrap') setSlot(s, v[0] ?? null);
      else if (m.how === 'empty') setSlot(s, []);
      else if (m.how === 'reverse') v.reverse();
      else if (m.how === 'first') setSlot(s, v.slice(0, 1));
      break;
  }
  return doc;
}

function applyText(text: string, e: TextEdit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.op) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.len);
    case 'nest':
      return text.slice(0, at) + '['.repeat(e.depth) + '0' + (e.close ? ']'.repeat(e.depth) : '') + text.slice(at);
    case 'token': {
      // replace the number (or whatever word) starting at/after `at`
      const m = /-?[\d.eE+]+/.exec(text.slice(at));
      if (!m) return text;
      const start = at + m.index;
      return text.slice(0, start) + e.token + text.slice(start + m[0].length);
    }
  }
}

function lineCol(text: string, offset: number): [number, number] {
  let line = 1, start = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; start = i + 1; }
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      line++; start = i + 1;
    }
  }
  return [line, Math.max(offset - start, 0) + 1];
}

const size = (a: NdArray) => a.shape.reduce((p, d) => p * d, 1);

function checkProblem(p: Problem): void {
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  for (const d of [n_x, n_a, n_y, m, T_x]) assert.ok(Number.isInteger(d) && d >= 1);
  assert.deepEqual(p.x.shape, [n_x, m, T_x]);
  assert.deepEqual(p.a0.shape, [n_a, m]);
  assert.equal(p.da.shape.length, 3);
  assert.ok(p.da.shape[2]! >= 1 && p.da.shape[2]! <= T_x);
  for (const a of [p.x, p.a0, p.da, ...Object.values(p.parameters as Record<string, NdArray>)]) assert.equal(a.data.length, size(a));
  if (p.cell === 'lstm') assert.deepEqual(p.c0?.shape, [n_a, m]);
  // and the engine accepts it
  const r = run(p);
  assert.equal(r.forward.a.length, T_x * n_a * m);
}

test(`fuzz: ${NUM_RUNS} mutated fixtures never throw or hang; always a runnable Problem or positioned errors`, { timeout: 600_000 }, () => {
  let okCount = 0, errCount = 0, tokenCases = 0, deepCases = 0;
  fc.assert(
    fc.property(
      fc.nat({ max: BASES.length - 1 }),
      fc.array(mutation, { minLength: 0, maxLength: 3 }),
      fc.array(textEdit, { minLength: 0, maxLength: 2 }),
      fc.boolean(),
      (b, muts, edits, pretty) => {
        let doc = structuredClone(BASES[b]) as Json;
        for (const m of muts) doc = applyMutation(doc, m);
        let text = JSON.stringify(doc, null, pretty ? 1 : undefined) ?? '';
        for (const [k, v] of Object.entries(TOKENS)) text = text.split(k).join(v);
        for (const e of edits) text = applyText(text, e);
        if (/NaN|Infinity/.test(text)) tokenCases++;
        if (text.includes('[[[[[[[[[[')) deepCases++;

        const r = parseFixture(text, 'fuzz.json'); // must not throw
        if (r.ok) {
          okCount++;
          checkProblem(r.problem);
          for (const w of r.warnings) assert.equal(w.severity, 'warning');
        } else {
          errCount++;
          assert.ok(r.diagnostics.length >= 1);
          assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
          for (const d of r.diagnostics) {
            assert.ok(d.offset >= 0 && d.offset <= text.length, `offset ${d.offset} in [0, ${text.length}]`);
            assert.deepEqual([d.line, d.column], lineCol(text, d.offset), `position of "${d.message}"`);
            assert.ok(d.message.length > 0 && !/\n\s+at /.test(d.message));
            assert.ok(!d.message.startsWith('could not read the fixture'), `catch-all used: ${d.message}`);
          }
        }
      },
    ),
    { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
  );
  // The generators really exercised both outcomes and the special inputs.
  assert.ok(okCount > NUM_RUNS / 50, `valid results: ${okCount}`);
  assert.ok(errCount > NUM_RUNS / 2, `error results: ${errCount}`);
  assert.ok(tokenCases > NUM_RUNS / 50, `non-finite token cases: ${tokenCases}`);
  assert.ok(deepCases > NUM_RUNS / 100, `deep nesting cases: ${deepCases}`);
  console.log(`fuzz: ${NUM_RUNS} cases: ${okCount} Problems, ${errCount} diagnosed; ${tokenCases} with NaN/Infinity, ${deepCases} deeply nested`);
});
