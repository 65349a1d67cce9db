/**
 * Fixtures made of NumPy files: a JSON fixture referencing .npy/.npz arrays and a .npz that is a
 * fixture itself run exactly as the same numbers written as JSON lists (lstm_plain.rnn.json, made
 * by the same script); bad references and bad archives give one positioned line each; an x
 * written as (m, n_x, T) is said first and alone; outputs in a fixture point to the check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/cli';
import { run } from '../../src/engine/index';
import { exportToString } from '../../src/export/caches';
import { readFixtureFile } from '../../src/fixture/readFile';
import { parseFixture } from '../../src/fixture/parse';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'npy');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (c) => void (out += c), stderr: (t) => void (err += t) };
  const code = await main(argv, io);
  return { code, out, err };
}

function withoutName(exportText: string): unknown {
  const e = JSON.parse(exportText) as Record<string, unknown>;
  delete e.fixture;
  return e;
}

test('npz fixture: a JSON fixture with array references and a .npz fixture run exactly as the plain JSON', async () => {
  const plain = await readFixtureFile(join(DIR, 'lstm_plain.rnn.json'));
  assert.ok(plain.ok);
  const want = withoutName(exportToString(run(plain.problem)));
  for (const name of ['lstm_refs.rnn.json', 'lstm_fixture.npz', 'lstm_fixture_compressed.npz']) {
    const r = await readFixtureFile(join(DIR, name));
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.diagnostics));
    assert.equal(r.problem.kind, 'lstm', name);
    assert.deepEqual(withoutName(exportToString(run(r.problem))), want, name);
  }
  const viaCli = await cli(['run', join(DIR, 'lstm_fixture.npz')]);
  assert.equal(viaCli.code, 0, viaCli.err);
  assert.deepEqual(withoutName(viaCli.out), want);
});

test('npz fixture: bad references are one positioned error each (missing file, missing key, malformed, pickle)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-npz-'));
  for (const f of ['lstm_fixture.npz', 'object.npy', 'lstm_x.npy']) copyFileSync(join(DIR, f), join(dir, f));
  const params = ['Wf', 'bf', 'Wi', 'bi', 'Wc', 'bc', 'Wo', 'bo', 'Wy', 'by'].map((k) => `"${k}": {"npz": "lstm_fixture.npz", "key": "${k}"}`);
  params[1] = '"bf": {"npz": "lstm_fixture.npz", "key": "nope"}';
  params[2] = '"Wi": {"npz": "lstm_fixture.npz"}';
  const text = `{"kind": "lstm",\n "x": {"npy": "missing.npy"},\n "a0": {"npy": "object.npy"},\n "parameters": {${params.join(',\n  ')}}}\n`;
  const path = join(dir, 'bad.rnn.json');
  writeFileSync(path, text);
  const r = await cli(['run', path]);
  assert.equal(r.code, 2);
  const lines = r.err.trim().split('\n');
  assert.match(lines[0]!, /bad\.rnn\.json:2:7: x: cannot read missing\.npy: no such file$/);
  assert.match(lines[1]!, /bad\.rnn\.json:3:8: a0: object\.npy holds Python objects .*never unpickles/);
  assert.match(lines[2]!, /bad\.rnn\.json:5:\d+: parameters\.bf: lstm_fixture\.npz has no array 'nope' \(it has .*Wf/);
  assert.match(lines[3]!, /bad\.rnn\.json:6:\d+: parameters\.Wi: \{"npz": "lstm_fixture\.npz"\} needs the array's name too/);
  assert.match(lines[4]!, /4 problems found; nothing was run/);
  assert.equal(lines.length, 5);
  // Without a file resolver (text only), a reference is refused, not misread.
  const pure = parseFixture(text, 'bad.rnn.json');
  assert.equal(pure.ok, false);
  if (!pure.ok) assert.match(pure.diagnostics[0]!.message, /refers to a NumPy file/);
});

test('npz fixture: bombs, pickles, truncated archives: exit 2, FILE: key: message, no stack', async () => {
  const cases: [string, RegExp][] = [
    ['bomb.npz', /^bomb\.npz: x: inflates to more than the 16 bytes of data its header declares/],
    ['object.npz', /^object\.npz: x: holds Python objects/],
    ['truncated.npz', /^truncated\.npz: is truncated or corrupt/],
    ['huge_header.npz', /^huge_header\.npz: x: declares shape \(1048576, 1048576\)/],
  ];
  for (const [name, re] of cases) {
    const r = await cli(['run', join(DIR, name)]);
    assert.equal(r.code, 2, name);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 2, r.err);
    assert.match(lines[0]!.replace(DIR + '/', ''), re);
    assert.doesNotMatch(r.err, /\bat .*\.ts:\d+/);
  }
});

test('fixture: an x written as (m, n_x, T_x) is said once, and no other array is blamed (fails before the fix: 2 errors on a0 and Wax)', async () => {
  const r = await cli(['run', join(DIR, 'rnn_x_transposed.npz')]);
  assert.equal(r.code, 2);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 2, r.err);
  assert.match(lines[0]!, /x has shape \(4, 3, 2\), which looks like \(m, n_x, T_x\): x must be \(n_x, m, T_x\) = \(3, 4, 2\).*x\.transpose\(1, 0, 2\)/);
  // The same in JSON, for a cell kind.
  const json = `{"kind": "rnn_cell", "xt": [[1, 2], [3, 4], [5, 6]], "a_prev": [[0, 0, 0]],
    "parameters": {"Wax": [[1, 2]], "Waa": [[1]], "Wya": [[1]], "ba": [0], "by": [0]}}`;
  const p = parseFixture(json, 'cell.json');
  assert.equal(p.ok, false);
  if (!p.ok) {
    assert.equal(p.diagnostics.length, 1, JSON.stringify(p.diagnostics));
    assert.match(p.diagnostics[0]!.message, /xt has shape \(3, 2\), which looks like \(m, n_x\): xt must be \(n_x, m\) = \(2, 3\).*xt\.T/);
  }
});

test("fixture: outputs in a fixture ('a', 'y_pred', 'caches', 'dWax', …) say so and point to Check My Implementation", () => {
  for (const k of ['a', 'y_pred', 'caches', 'c', 'dWax', 'gradients']) {
    const json = `{"kind": "rnn", "x": [[[1]]], "a0": [[0]], "${k}": [[1]], "parameters": {"Wax": [[1]], "Waa": [[1]], "Wya": [[1]], "ba": [0], "by": [0]}}`;
    const p = parseFixture(json, 'f.json');
    assert.equal(p.ok, false, k);
    if (!p.ok) {
      assert.equal(p.diagnostics.length, 1, k);
      assert.match(p.diagnostics[0]!.message, new RegExp(`^'${k}' is an output .*do not belong in a fixture.*Check My Implementation`), k);
      assert.doesNotMatch(p.diagnostics[0]!.message, /did you mean/);
    }
  }
});
