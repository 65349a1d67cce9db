/**
 * Property-based fuzzing of the fixture reader (fast-check): 10,000 mutated fixtures (truncations,
 * type swaps, removed and misspelt keys, shape changes, huge and non-finite numbers, deep nesting,
 * random text edits) never throw and never hang. Every input yields either a Problem the engine
 * can run, with arrays of the sizes its dims say, or positioned errors whose LINE:COL agrees with
 * their offset (computed here by a different method than the reader's scanner). A second property
 * goes through the file reader (src/fixture/readFile.ts): a size limit around the file's length,
 * non-UTF-8 bytes, a duplicate key planted at a known line, three line endings; the fast byte reader
 * must agree with the positioned text reader. The seed is fixed (override with FUZZ_SEED) so a
 * failure can be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFixture } from '../../src/fixture/parse';
import { readFixtureFile } from '../../src/fixture/readFile';
import { fixtureToString } from '../../src/fixture/write';
import { daIsLazyOnes, randomProblem, run, type NdArray, type Problem } from '../../src/engine/index';

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

/**
 * 1-based line and column of `offset`, computed independently of the reader's scanner (which walks
 * characters): split the text before the offset on the three line endings and measure the last
 * piece. If the reader's rule and this one ever disagree, the positions test fails.
 */
function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return [before.length, (before[before.length - 1] ?? '').length + 1];
}

const size = (a: NdArray) => a.shape.reduce((p, d) => p * d, 1);

function checkProblem(p: Problem): void {
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  for (const d of [n_x, n_a, n_y, m, T_x]) assert.ok(Number.isInteger(d) && d >= 1);
  assert.deepEqual(p.x.shape, [n_x, m, T_x]);
  assert.deepEqual(p.a0.shape, [n_a, m]);
  assert.equal(p.da.shape.length, 3);
  assert.ok(p.da.shape[2]! >= 1 && p.da.shape[2]! <= T_x);
  for (const a of [p.x, p.a0, p.da, ...Object.values(p.parameters as Record<string, NdArray>)]) {
    // (a fixture without da: its ones are not held, see lazyOnesDa)
    if (a === p.da && daIsLazyOnes(p)) continue;
    assert.equal(a.data.length, size(a));
  }
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

const ENDINGS = ['\n', '\r\n', '\r'] as const;
/** `arb` in a third of the cases, else undefined (so most files reach the parsers intact). */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** The text of these bytes if they are valid UTF-8 (no BOM games), else undefined. */
function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

test('fuzz: the file reader (size limit, non-UTF-8 bytes, duplicate keys, line endings) never throws and agrees with the positioned reader', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-fuzz-'));
  const file = join(dir, 'f.json');
  let limited = 0, dups = 0, nonUtf8 = 0, agreed = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: BASES.length - 1 }),
        fc.constantFrom(...ENDINGS),
        fc.boolean(),
        sometimes(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4, min: 0x80, max: 0xff }) })),
        sometimes(fc.integer({ min: -8, max: 8 })),
        async (b, eol, duplicate, garbage, limitDelta) => {
          const doc = BASES[b] as Record<string, Json>;
          let text = JSON.stringify(doc, null, 1);
          // The duplicate is planted as the last member, on its own line at column 1: its position
          // is known from how the text was built (lines counted before the endings are swapped).
          let planted: [number, number] | undefined;
          if (duplicate) {
            const key = Object.keys(doc)[0]!;
            text = `${text.slice(0, -2)},\n${JSON.stringify(key)}: ${JSON.stringify(doc[key])}\n}`;
            planted = [text.split('\n').length - 1, 1];
          }
          text = text.split('\n').join(eol);
          let bytes: Uint8Array = Buffer.from(text, 'utf8');
          if (garbage) {
            const at = garbage.at % (bytes.length + 1);
            bytes = Buffer.concat([bytes.subarray(0, at), garbage.bytes, bytes.subarray(at)]);
          }
          writeFileSync(file, bytes);
          const maxBytes = limitDelta === undefined ? undefined : Math.max(1, bytes.length + limitDelta);
          const r = await readFixtureFile(file, maxBytes === undefined ? {} : { maxBytes }); // must not throw
          if (!r.ok) for (const d of r.diagnostics) assert.ok(d.message.length > 0 && !/\n\s+at /.test(d.message), d.message);
          if (maxBytes !== undefined && bytes.length > maxBytes) {
            limited++;
            assert.equal(r.ok, false);
            if (!r.ok) assert.match(r.diagnostics[0]!.message, /size limit/);
            return;
          }
          const decoded = strictUtf8(bytes);
          if (decoded === undefined) {
            nonUtf8++;
            return; // never throws, and any diagnostic is one clean line (checked above)
          }
          // The fast byte reader and the positioned text reader must reach the same verdict.
          const slow = parseFixture(decoded, file);
          assert.equal(r.ok, slow.ok, `file reader ${r.ok ? 'accepted' : 'refused'}, text reader did not`);
          agreed++;
          if (!r.ok) {
            for (const d of r.diagnostics) assert.deepEqual([d.line, d.column], lineCol(decoded, d.offset), `position of "${d.message}"`);
          }
          if (planted && !garbage) {
            dups++;
            assert.equal(r.ok, false, 'a duplicate key must be reported');
            if (!r.ok) {
              const d = r.diagnostics.find((x) => /duplicate key/.test(x.message));
              assert.ok(d, 'a duplicate-key diagnostic');
              assert.deepEqual([d.line, d.column], planted, 'at the second copy');
            }
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_FILE_RUNS ?? 400), seed: SEED, endOnFailure: true },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(limited > 10 && dups > 10 && nonUtf8 > 10 && agreed > 50, `limited ${limited}, duplicates ${dups}, non-UTF-8 ${nonUtf8}, agreed ${agreed}`);
});
