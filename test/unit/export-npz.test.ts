/**
 * The .npz export: NumPy (Debian's python3-numpy, /usr/bin/python3) loads `rnn-stepper run … -o
 * out.npz` and finds, under the flat names, the same float64 bits as the JSON export of the same
 * run (every kind, and a run with NaN and ±Infinity); `meta` holds the header; the export's `dc0`
 * (missing before) is the finite-difference derivative of the loss w.r.t. c0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/cli';
import { randomProblem, run, type Problem } from '../../src/engine/index';
import { readNpz } from '../../src/fixture/npz';
import { fixtureChunks } from '../../src/fixture/write';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const PY = '/usr/bin/python3';

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const io: CliIO = { stdout: () => undefined, stderr: (t) => void (err += t) };
  return { code: await main(argv, io), err };
}

// Loads both exports and compares every array's float64 bits; prints one line per array.
const COMPARE = String.raw`
import json, sys
import numpy as np
npz, js = sys.argv[1], sys.argv[2]
conv = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
def num(v):
    return [num(x) for x in v] if isinstance(v, list) else conv.get(v, v) if isinstance(v, str) else float(v)
e = json.load(open(js), parse_int=float)  # "-0" is the float -0.0, not the int 0
z = np.load(npz, allow_pickle=False)
meta = json.loads(str(z["meta"]))
assert meta["format"] == e["format"] and meta["kind"] == e["kind"] and meta["dims"] == e["dims"], meta
seen = {"meta"}
for sec in ("forward", "backward", "gradients"):
    for k, v in e[sec].items():
        a = np.array(num(v), dtype=np.float64)
        b = z[k]
        assert b.dtype == np.float64 and b.flags.c_contiguous, (k, b.dtype)
        assert a.shape == b.shape, (k, a.shape, b.shape)
        # bit for bit, except that JSON's "NaN" carries no sign or payload
        nan = np.isnan(a)
        assert np.array_equal(nan, np.isnan(b)), k
        assert np.array_equal(a[~nan].view(np.uint64), b[~nan].view(np.uint64)), k
        assert meta["sections"][k] == sec, k
        seen.add(k)
assert seen == set(z.files), set(z.files) ^ seen
print(len(seen) - 1)
`;

function compareWithNumpy(npz: string, json: string): number {
  const r = spawnSync(PY, ['-c', COMPARE, npz, json], { encoding: 'utf8' });
  assert.equal(r.status, 0, `NumPy comparison failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

test('npz export: np.load gives the JSON export\'s numbers bit for bit, every kind', { skip: !hasNumpy && !process.env.CI ? 'no NumPy in /usr/bin/python3' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-npz-export-'));
  const names = ['rnn_cell_coursera', 'rnn_coursera_backward', 'lstm_cell_coursera', 'lstm_coursera_backward'];
  // and a run with NaN and ±Infinity in it (x holds them)
  const p = randomProblem({ kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 2, T: 3, seed: 7 });
  p.x.data[1] = NaN;
  p.x.data[4] = Infinity;
  writeFileSync(join(dir, 'nan.rnn.json'), [...fixtureChunks(p)].join(''));
  const inputs = [...names.map((n) => join(FIXTURES, `${n}.json`)), join(dir, 'nan.rnn.json')];
  for (const input of inputs) {
    const base = join(dir, input.split('/').pop()!.replace(/\.(rnn\.)?json$/, ''));
    for (const ext of ['npz', 'json']) {
      const r = await cli(['run', input, '-o', `${base}.${ext}`]);
      assert.equal(r.code, 0, r.err);
    }
    const count = compareWithNumpy(`${base}.npz`, `${base}.json`);
    assert.ok(count >= 5, `${input}: ${count} arrays`);
    // Our own reader reads it back too (the .npz is a valid archive of .npy files).
    const back = readNpz(new Uint8Array(readFileSync(`${base}.npz`)), { except: ['meta'] });
    assert.ok(back.ok, back.ok ? '' : back.message);
    // …and an export is no fixture: run on it, its arrays are named as outputs.
    const again = await cli(['run', `${base}.npz`]);
    assert.equal(again.code, 2);
    assert.match(again.err, /is an output .*do not belong in a fixture/);
  }
});

test('export: dc0 is the derivative of the loss w.r.t. c0 (central differences on the engine\'s run)', () => {
  const p = randomProblem({ kind: 'lstm', n_x: 3, n_a: 4, n_y: 2, m: 3, T: 5, seed: 3 });
  p.c0 = { shape: [4, 3], data: new Float64Array(12).map((_, k) => Math.sin(k) * 0.5) };
  const loss = (q: Problem): number => {
    const f = run(q).forward;
    let L = 0;
    for (let k = 0; k < f.a.length; k++) L += q.da.data[daIndex(k)]! * f.a[k]!;
    return L;
  };
  // step-major (t, i, j) of a -> (i, j, t) of da
  const daIndex = (k: number) => {
    const S = 12, t = Math.floor(k / S), i = Math.floor((k % S) / 3), j = k % 3;
    return (i * 3 + j) * 5 + t;
  };
  const dc0 = run(p).backward.dc0!;
  const h = 1e-6;
  for (let q = 0; q < 12; q++) {
    const plus = structuredClone(p), minus = structuredClone(p);
    plus.c0!.data[q]! += h;
    minus.c0!.data[q]! -= h;
    const num = (loss(plus) - loss(minus)) / (2 * h);
    assert.ok(Math.abs(num - dc0[q]!) < 1e-7 * Math.max(1, Math.abs(num)), `dc0[${q}]: ${dc0[q]} vs ${num}`);
  }
});
