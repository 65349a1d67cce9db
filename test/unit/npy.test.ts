/**
 * .npy and .npz files written by NumPy (test/fixtures/npy/make_npy.py, Debian's python3-numpy):
 * every supported dtype, byte order and memory order reads bit for bit as NumPy reads it
 * (values.json holds NumPy's own float64 bits); malicious and broken files are refused with a
 * message, and a zip bomb costs no more memory than the array its header declares.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { npyBytes, parseNpy } from '../../src/fixture/npy';
import { readNpz } from '../../src/fixture/npz';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'npy');
const bytes = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
const expected: Record<string, { shape: number[]; bits: string[] }> = JSON.parse(readFileSync(join(DIR, 'values.json'), 'utf8'));

function bitsOf(data: Float64Array): string[] {
  const b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out: string[] = [];
  for (let k = 0; k < data.length; k++) out.push(Buffer.from(b.subarray(k * 8, k * 8 + 8)).toString('hex'));
  return out;
}

for (const [name, want] of Object.entries(expected)) {
  test(`npy: ${name} reads as NumPy reads it, bit for bit`, () => {
    const r = parseNpy(bytes(name));
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.deepEqual(r.array.shape, want.shape);
    assert.deepEqual(bitsOf(r.array.data), want.bits);
  });
}

test('npy: float32, Fortran order and big endian are the cases the layouts exist for', () => {
  const f = parseNpy(bytes('f32_big_endian_fortran.npy'));
  assert.ok(f.ok);
  assert.equal(f.array.dtype, '>f4');
  assert.equal(f.array.fortranOrder, true);
  // same numbers as the C-order little-endian float32 file
  const c = parseNpy(bytes('f32.npy'));
  assert.ok(c.ok);
  assert.deepEqual(bitsOf(f.array.data), bitsOf(c.array.data));
});

test('npy: 64-bit integers beyond 2^53 are counted as inexact', () => {
  const r = parseNpy(bytes('i64.npy'));
  assert.ok(r.ok);
  assert.equal(r.array.inexact, 0); // 2^40 and -2^50 are exact
});

test('npy: object arrays (pickles), structured, complex and truncated files are refused with a clear message', () => {
  const cases: [string, RegExp][] = [
    ['object.npy', /Python objects .*never unpickles/],
    ['structured.npy', /structured dtype/],
    ['complex.npy', /complex/],
    ['truncated.npy', /truncated: its header declares shape \(3, 4, 2\) of <f8 \(192 bytes of data\), the file has 181/],
    ['f64_c.npy', /above the 100-byte limit/],
  ];
  for (const [name, re] of cases) {
    const r = parseNpy(bytes(name), name === 'f64_c.npy' ? 100 : Infinity);
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.message, re, name);
  }
  for (const junk of [new Uint8Array(0), new Uint8Array([0x93, 0x4e]), new TextEncoder().encode('{"kind": "rnn"}')]) {
    const r = parseNpy(junk);
    assert.equal(r.ok, false);
  }
});

test('npy: the writer round-trips (NumPy reading it is checked in the export test)', () => {
  const data = new Float64Array([1.5, -0, NaN, Infinity, 5e-324, 2 / 3]);
  const r = parseNpy(npyBytes([2, 3], data));
  assert.ok(r.ok);
  assert.deepEqual(r.array.shape, [2, 3]);
  assert.deepEqual(bitsOf(r.array.data), bitsOf(data));
});

test('npz: np.savez and np.savez_compressed archives read every array exactly', () => {
  for (const name of ['lstm_fixture.npz', 'lstm_fixture_compressed.npz']) {
    const r = readNpz(bytes(name));
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.deepEqual([...r.arrays.keys()].sort(), ['Wc', 'Wf', 'Wi', 'Wo', 'Wy', 'a0', 'bc', 'bf', 'bi', 'bo', 'by', 'da', 'x']);
    const x = parseNpy(bytes('lstm_x.npy'));
    assert.ok(x.ok);
    assert.deepEqual(r.arrays.get('x')!.shape, [3, 4, 3]);
    assert.deepEqual(bitsOf(r.arrays.get('x')!.data), bitsOf(x.array.data));
  }
  const only = readNpz(bytes('lstm_fixture_compressed.npz'), { keys: ['a0'] });
  assert.ok(only.ok);
  assert.deepEqual([...only.arrays.keys()], ['a0']);
  assert.equal(only.names.length, 13);
});

test('npz: a zip bomb is refused after inflating no more than the array its header declares (plus one piece)', () => {
  const before = process.memoryUsage().arrayBuffers;
  const r = readNpz(bytes('bomb.npz'));
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /entry 'x' inflates to more than the 16 bytes of data its header declares .*zip bomb/);
  // The bomb expands to 64 MB; the reader stops within one 2 KB compressed piece (≤ ~2 MB out, plus the inflater's growing buffers).
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 << 20);
});

test('npz: a header declaring a huge array is refused before anything is allocated', () => {
  const r = readNpz(bytes('huge_header.npz'), { maxBytes: 512 << 20 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /declares shape \(1048576, 1048576\)/);
});

test('npz: pickles, truncated archives and non-zip files are refused', () => {
  const obj = readNpz(bytes('object.npz'));
  assert.equal(obj.ok, false);
  if (!obj.ok) assert.match(obj.message, /entry 'x' holds Python objects/);
  const cut = readNpz(bytes('truncated.npz'));
  assert.equal(cut.ok, false);
  if (!cut.ok) assert.match(cut.message, /truncated/);
  const notZip = readNpz(bytes('f64_c.npy'));
  assert.equal(notZip.ok, false);
  if (!notZip.ok) assert.match(notZip.message, /not a \.npz file/);
  // every prefix of a valid archive is refused cleanly (never throws, never accepted half-read)
  const whole = bytes('lstm_fixture_compressed.npz');
  for (let n = 0; n < whole.length; n += 97) {
    const r = readNpz(whole.subarray(0, n));
    assert.equal(r.ok, false, `prefix of ${n} bytes`);
  }
});
