// da read piece by piece from the file (src/fixture/fastStream.ts, the da thread's first try):
// the same doubles as JSON.parse bit for bit, whatever the piece size cuts through (numbers,
// blanks, brackets), and false (the caller then reads the file as before) for anything that is
// not plain numbers of the announced shape ending where the fixture's tail says da ends.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { streamRank3 } from '../../src/fixture/fastStream';
import { mulberry32 } from './random-helpers';

const enc = new TextEncoder();

/** Numbers as writers print them: shortest round trip, exponents, negatives, integers, subnormals. */
function numberText(rnd: () => number): string {
  const k = Math.floor(rnd() * 6);
  if (k === 0) return String(Math.floor(rnd() * 2000) - 1000);
  if (k === 1) return (rnd() * 2 - 1).toExponential(Math.floor(rnd() * 17)).replace('e+', rnd() < 0.5 ? 'e+' : 'E');
  if (k === 2) return String(5e-324 * Math.floor(1 + rnd() * 1000));
  return String((rnd() * 2 - 1) * 10 ** Math.floor(rnd() * 40 - 20));
}

/** A file: a prefix, the array (blanks and line breaks as `json.dumps(indent=…)` or none), the end. */
function file(shape: [number, number, number], seed: number, pretty: boolean): { bytes: Uint8Array; start: number; end: number; want: number[] } {
  const rnd = mulberry32(seed);
  const [R0, R1, T] = shape;
  const want: number[] = [];
  const blocks: string[] = [];
  for (let i = 0; i < R0; i++) {
    const rows: string[] = [];
    for (let j = 0; j < R1; j++) {
      const nums: string[] = [];
      for (let t = 0; t < T; t++) {
        const s = numberText(rnd);
        nums.push(s);
        want.push(JSON.parse(s) as number);
      }
      rows.push('[' + nums.join(pretty ? ', ' : ',') + ']');
    }
    blocks.push('[' + rows.join(pretty ? ',\n    ' : ',') + ']');
  }
  const prefix = '{"kind": "rnn", "x": [[[1]]],\n  "da": ';
  const arr = '[' + blocks.join(pretty ? ',\n  ' : ',') + ']';
  const text = prefix + arr + (pretty ? '\n}\n' : '}');
  return { bytes: enc.encode(text), start: prefix.length, end: prefix.length + arr.length, want };
}

const reader = (bytes: Uint8Array) => (b: Uint8Array, off: number, n: number, pos: number): number => {
  const k = Math.max(0, Math.min(n, bytes.length - pos));
  b.set(bytes.subarray(pos, pos + k), off);
  return k;
};

test('streamed da: the doubles of JSON.parse bit for bit, for pieces cutting anywhere', () => {
  for (const [seed, shape, pretty] of [[1, [3, 4, 50], true], [2, [2, 5, 333], false], [3, [1, 1, 1], true], [4, [4, 1, 7], false]] as const) {
    const f = file([...shape], seed, pretty);
    for (const piece of [4096, 4099, 5000, 1 << 20]) {
      const into = new Float64Array(f.want.length);
      assert.equal(streamRank3(reader(f.bytes), f.start, f.end, shape, into, piece), true, `seed ${seed}, piece ${piece}`);
      for (let q = 0; q < into.length; q++) assert.ok(Object.is(into[q], f.want[q]), `seed ${seed} piece ${piece} [${q}]: ${into[q]} vs ${f.want[q]}`);
    }
  }
});

test('streamed da: declines what the one-pass reader declines, and a da that does not end where the tail says', () => {
  const ok = '{"da": [[[1, 2], [3, 4]]]}';
  // (da from its `[` to the last `]` before the final `}`, as the fast reader finds it from the tail)
  const run = (text: string, shape: [number, number, number] = [1, 2, 2], extra = 0) =>
    streamRank3(reader(enc.encode(text)), text.indexOf('[[['), text.lastIndexOf(']') + 1 + extra, shape, new Float64Array(shape[0] * shape[1] * shape[2]), 4096);
  assert.equal(run(ok), true);
  assert.equal(run(ok.replace('3', 'NaN')), false, 'NaN token (the lenient reader and its warning take it)');
  assert.equal(run(ok.replace('3, 4', '3')), false, 'ragged row');
  assert.equal(run(ok, [1, 2, 3]), false, 'another shape');
  assert.equal(run(ok, [2, 2, 2]), false, 'fewer blocks than announced');
  assert.equal(run(ok.replace('4]', '"4"]')), false, 'a string');
  const keyAfter = '{"da": [[[1, 2], [3, 4]]], "b": [1]}';
  assert.equal(run(keyAfter), false, 'the array ends before where da should end (a key after it)');
  assert.equal(run(ok.replace('[[[1, 2], [3, 4]]]', '[[[1, 2], [3, 4]], []]')), false, 'an empty block');
});

test('streamed da: a number longer than the margin across a piece boundary is declined, not cut', () => {
  const long = '1.' + '0'.repeat(5000) + '1';
  const text = `{"da": [[[${long}, 2]]]}`;
  const start = text.indexOf('[[['), end = text.lastIndexOf(']') + 1;
  const into = new Float64Array(2);
  const r = streamRank3(reader(enc.encode(text)), start, end, [1, 1, 2], into, 4096);
  // either read whole (the number fits a piece after the refill) or declined: never a cut number
  if (r) assert.deepEqual([...into], [JSON.parse(long) as number, 2]);
  const longer = '1.' + '0'.repeat(9000) + '1';
  const text2 = `{"da": [[[${longer}, 2]]]}`;
  assert.equal(streamRank3(reader(enc.encode(text2)), text2.indexOf('[[['), text2.lastIndexOf(']') + 1, [1, 1, 2], new Float64Array(2), 4096), false);
});
