// A fixture without `da` (L = Σ a: da is ones): its ones are never held (at T = 10,000 of the
// issue-13 LSTM they would be 655 MB). Every reader gives the lazy marker (`lazyOnesDa`) with the
// validator's warning, the fast reader takes such files (same Problem and warnings as parseFixture,
// the positioned errors of parseFixture when it declines), and every consumer reads the marker as
// ones: the run, the checkpointed run, the gradient check, the check's reference and the export
// are bit for bit those of the same fixture with explicit ones.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main, type CliIO } from '../../src/cli/cli';
import { buildReference } from '../../src/check/reference';
import { CheckpointedRun, daIsLazyOnes, daValues, gradcheck, randomProblem, run, type Problem } from '../../src/engine';
import { exportToString } from '../../src/export/caches';
import { fastParseFixture } from '../../src/fixture/fastParse';
import { ColumnReader } from '../../src/fixture/lazyColumns';
import { parseFixture } from '../../src/fixture/parse';
import { readFixtureFile } from '../../src/fixture/readFile';
import { fixtureToString } from '../../src/fixture/write';
import { loadFixtureStaged } from '../../src/worker/stagedLoad';

const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'rnn-noda-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Kind = 'rnn' | 'lstm';
const problemOf = (kind: Kind, T = 5, seed = 3): Problem => randomProblem({ kind, n_x: 3, n_a: 4, n_y: 2, m: 3, T, seed });
/** The fixture's text without da (as `rnn-stepper new` writes a problem whose da is defaulted). */
const withoutDa = (p: Problem): string => fixtureToString({ ...p, daDefaulted: true });
/** The same problem with da = ones written out. */
const withOnes = (p: Problem): Problem => ({ ...p, da: { shape: [...p.da.shape], data: new Float64Array(p.da.data.length).fill(1) }, daDefaulted: false });

function assertLazy(p: Problem, what: string): void {
  assert.ok(daIsLazyOnes(p), `${what}: da is the lazy ones marker`);
  assert.equal(p.da.data.length, 0, `${what}: the ones are not materialised`);
  assert.equal(p.daDefaulted, true, what);
}

test('no da: the fast reader gives parseFixture\'s Problem and warning exactly (rnn, lstm; blanks and CRLF before the object)', () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const p = problemOf(kind);
    const base = withoutDa(p);
    assert.ok(!base.includes('"da"'));
    for (const [what, text] of [
      ['plain', base],
      ['blank lines first', `\n\n   ${base}`],
      ['CRLF and a lone CR first', `\r\n\r \t${base}`],
      ['CRLF throughout', base.replace(/\n/g, '\r\n')],
    ] as const) {
      const slow = parseFixture(text, 'f.rnn.json');
      assert.ok(slow.ok, `${kind} ${what}`);
      assertLazy(slow.problem, `${kind} ${what}: parseFixture`);
      for (const opts of [{}, { deferDa: true }]) {
        const fast = fastParseFixture(enc.encode(text), 'f.rnn.json', opts);
        assert.ok(fast, `${kind} ${what}: the fast reader takes a file without da`);
        assert.equal(fast.deferredDa, undefined);
        assertLazy(fast.problem, `${kind} ${what}: fast`);
        assert.deepStrictEqual(fast.problem, slow.problem, `${kind} ${what}`);
        assert.deepStrictEqual(fast.warnings, slow.warnings, `${kind} ${what}: the warning, where parseFixture puts it`);
      }
      // x read column by column (the split reader of big files): the same numbers once read
      const lazy = fastParseFixture(enc.encode(text), 'f.rnn.json', { deferDa: true, deferX: true });
      assert.ok(lazy?.deferredX, `${kind} ${what}: x deferred`);
      const reader = new ColumnReader(enc.encode(text), lazy.deferredX, lazy.problem.x.data);
      assert.ok(reader.fill(Infinity) && reader.complete);
      assert.deepStrictEqual(lazy.problem, slow.problem, `${kind} ${what}: deferred x`);
    }
  }
});

test('no da: readFixtureFile, loadFixtureStaged and a .npz give the lazy ones with the warning', async () => {
  const p = problemOf('lstm');
  const file = join(dir, 'lstm_noda.rnn.json');
  writeFileSync(file, withoutDa(p));
  const r = await readFixtureFile(file, { displayName: 'lstm_noda.rnn.json' });
  assert.ok(r.ok);
  assertLazy(r.problem, 'readFixtureFile');
  assert.deepEqual(r.warnings.map((w) => [w.line, w.column, w.message]), [[1, 1, 'no da: using ones (L = Σa)']]);
  assert.deepEqual(r.problem.warnings, ['lstm_noda.rnn.json:1:1: warning: no da: using ones (L = Σa)']);

  const staged = await loadFixtureStaged(file, 1 << 30);
  assert.ok(staged.ok);
  assertLazy(staged.problem, 'loadFixtureStaged');
  assert.deepEqual(staged.warnings, ['lstm_noda.rnn.json:1:1: warning: no da: using ones (L = Σa)']);
  assert.deepEqual(staged.warningDiags.map((w) => [w.line, w.column, w.endLine, w.endColumn, w.severity]), [[1, 1, 1, 2, 'warning']]);

  const npzDir = join(import.meta.dirname, '..', 'fixtures', 'npy');
  const npz = await readFixtureFile(join(npzDir, 'lstm_fixture_noda.npz'));
  assert.ok(npz.ok, npz.ok ? '' : JSON.stringify(npz.diagnostics));
  assertLazy(npz.problem, '.npz');
  assert.deepEqual(npz.problem.da.shape, [5, 4, 3]);
  assert.deepEqual(npz.problem.warnings, ['lstm_fixture_noda.npz: warning: no da: using ones (L = Σa)']);
  // the same numbers as the .npz with da, but for da
  const withDa = await readFixtureFile(join(npzDir, 'lstm_fixture.npz'));
  assert.ok(withDa.ok);
  assert.deepStrictEqual(npz.problem.x, withDa.problem.x);
  assert.deepStrictEqual(npz.problem.parameters, withDa.problem.parameters);
  // and it runs as explicit ones
  const ones = { ...npz.problem, da: daValues(npz.problem), daDefaulted: false };
  assert.ok(exportToString(run(npz.problem)) === exportToString(run(ones)), '.npz without da: the export of explicit ones');
});

test('no da: run, checkpointed run, export, `rnn-stepper run`, gradcheck and the check\'s reference equal explicit ones bit for bit', async () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const p = problemOf(kind, 37, 8);
    const noDaFile = join(dir, `${kind}-noda.rnn.json`);
    const onesFile = join(dir, `${kind}-ones.rnn.json`);
    writeFileSync(noDaFile, withoutDa(p));
    writeFileSync(onesFile, fixtureToString(withOnes(p)));
    const lazy = await readFixtureFile(noDaFile);
    const ones = await readFixtureFile(onesFile);
    assert.ok(lazy.ok && ones.ok);
    assertLazy(lazy.problem, kind);
    assert.deepStrictEqual(daValues(lazy.problem), ones.problem.da, `${kind}: daValues gives the ones`);

    const want = exportToString(run(ones.problem));
    assert.ok(exportToString(run(lazy.problem)) === want, `${kind}: the export of the run`);
    assertLazy(lazy.problem, `${kind}: after the run`);

    // checkpointed (windows of 8 steps): the results of the full run on ones
    const ck = CheckpointedRun.run(lazy.problem, { spacing: 8 });
    const full = run(ones.problem);
    for (const [k, g] of Object.entries(full.backward.grads)) assert.deepStrictEqual(ck.grads[k], g, `${kind}: checkpointed ${k}`);
    assert.deepStrictEqual(ck.da0, full.backward.da0, `${kind}: checkpointed da0`);
    const bw = ck.backwardWindow(20);
    const onesCk = CheckpointedRun.run(ones.problem, { spacing: 8 });
    assert.deepStrictEqual(bw.caches.da, onesCk.backwardWindow(20).caches.da, `${kind}: a backward window`);

    // the CLI's export: the same bytes
    const outs: string[] = [];
    for (const f of [noDaFile, onesFile]) {
      const out = join(dir, `${kind}-${outs.length}.caches.json`);
      let err = '';
      const io: CliIO = { stdout: () => undefined, stderr: (t) => void (err += t) };
      assert.equal(await main(['run', f, '-o', out], io), 0, err);
      outs.push(readFileSync(out, 'utf8'));
    }
    assert.ok(outs[0] === outs[1], `${kind}: rnn-stepper run writes the same export`);

    // the gradient check and the check's reference read da's numbers: the ones, made there
    assert.deepStrictEqual(gradcheck(lazy.problem, { maxEntries: 4 }), gradcheck(ones.problem, { maxEntries: 4 }), `${kind}: gradcheck`);
    const refLazy = buildReference(lazy.problem), refOnes = buildReference(ones.problem);
    assert.deepStrictEqual(refLazy.problem.da, ones.problem.da, `${kind}: the harness gets da = ones`);
    assert.deepStrictEqual(refLazy.result.backward.grads, refOnes.result.backward.grads, `${kind}: the reference's gradients`);
  }
});

test('no da: where the fast reader declines, the positioned errors are parseFixture\'s, through every reader', async () => {
  const p = problemOf('lstm', 4);
  const base = withoutDa(p);
  // one per kind of error a file without da can have (each the fast reader declines)
  const edits: [string, (s: string) => string][] = [
    ['a string in x', (s) => s.replace(/("x": \[\[\[)-?[\d.e+-]+/, '$1"1"')],
    ['a ragged row of x', (s) => s.replace(/("x": \[\[\[)/, '$11, ')],
    ['a null in a0', (s) => s.replace(/("a0": \[\[)-?[\d.e+-]+/, '$1null')],
    ['a shape that disagrees (by with n_y + 1 rows)', (s) => s.replace('"by": [[', '"by": [[0.5], [')],
    ['a missing parameter', (s) => s.replace(/"bo": \[[\s\S]*?\]\],\s*/, '')],
    ['an unknown key', (s) => s.replace('{', '{"daa": 1, ')],
    ['a dims key that disagrees', (s) => s.replace(/"n_a": 4/, '"n_a": 5')],
    ['a syntax error', (s) => s.replace('"a0": [[', '"a0": [[,')],
    ['a misspelt kind', (s) => s.replace('"lstm"', '"lstn"')],
  ];
  for (const [what, edit] of edits) {
    const text = edit(base);
    assert.notEqual(text, base, `${what}: the edit applies`);
    const slow = parseFixture(text, 'bad.rnn.json');
    assert.ok(!slow.ok, `${what}: parseFixture refuses it`);
    assert.ok(slow.diagnostics[0]!.line >= 1, `${what}: positioned`);
    assert.equal(fastParseFixture(enc.encode(text), 'bad.rnn.json'), undefined, `${what}: the fast reader declines`);
    const file = join(dir, 'bad.rnn.json');
    writeFileSync(file, text);
    const r = await readFixtureFile(file, { displayName: 'bad.rnn.json' });
    assert.deepStrictEqual(r, slow, `${what}: readFixtureFile gives parseFixture's diagnostics`);
    const staged = await loadFixtureStaged(file, 1 << 30);
    assert.ok(!staged.ok, what);
    const d = slow.diagnostics[0]!;
    assert.ok(staged.message.startsWith(`bad.rnn.json:${d.line}:${d.column}: `), `${what}: ${staged.message}`);
    assert.equal(staged.diagnostics[0]?.line, d.line, what);
  }
});
