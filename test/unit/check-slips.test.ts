/**
 * The planted slips (test/fixtures/impl/slip_*.py, each the reference with one catalogue slip
 * edited in by make_slips.py): every one is found at the function where it is and named there;
 * a correct implementation written differently passes; two slips in one file are both found.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImplementation, CATALOGUE_IDS } from '../../src/check/index';
import { readFixtureFile } from '../../src/fixture/readFile';
import { HARNESS, IMPL, PYTHON, ROOT } from './check-helpers';

interface Planted {
  first: string;
  expect: Record<string, string[]>;
}
const manifest: Record<string, Planted> = JSON.parse(readFileSync(join(IMPL, 'slips.json'), 'utf8'));

test('every catalogue id has a planted slip, and the manifest names only catalogue ids', () => {
  const planted = Object.values(manifest).flatMap((p) => Object.values(p.expect).flat());
  assert.deepEqual([...new Set(planted)].sort(), [...CATALOGUE_IDS].sort());
});

describe('planted slips', { concurrency: 3 }, () => {
  for (const [file, planted] of Object.entries(manifest)) {
    it(`${file}: first divergence in ${planted.first}, named ${JSON.stringify(planted.expect)}`, async () => {
      const { report } = await checkImplementation({ implPath: join(IMPL, file), python: PYTHON, harnessPath: HARNESS });
      assert.equal(report.ok, false);
      const firstBad = report.functions.find((f) => f.status !== 'match');
      assert.equal(firstBad?.name, planted.first, JSON.stringify(report.functions.map((f) => [f.name, f.status])));
      assert.equal(firstBad?.status, 'mismatch');
      for (const [fn, ids] of Object.entries(planted.expect)) {
        const r = report.functions.find((f) => f.name === fn);
        assert.equal(r?.status, 'mismatch', `${fn} is a mismatch`);
        assert.ok(r?.first_divergence, `${fn} has a first divergence`);
        // The planted slip is the best explanation (first), and it is the only one for a single slip.
        assert.deepEqual(r?.diagnosis.map((d) => d.id), ids, `${fn} diagnosis`);
        for (const d of r?.diagnosis ?? []) assert.match(d.message, /Fix: /);
      }
    });
  }
});

test('a correct implementation with other summation orders and layouts passes every function', async () => {
  const { report } = await checkImplementation({ implPath: join(IMPL, 'alt_correct.py'), python: PYTHON, harnessPath: HARNESS });
  assert.deepEqual(report.functions.map((f) => f.status), new Array(8).fill('match'));
  assert.equal(report.ok, true);
});

test('first divergence values: ours are the expected file, theirs are what their code computes', async () => {
  const fixture = join(ROOT, 'test', 'fixtures', 'rnn_cell_coursera.json');
  const r = await readFixtureFile(fixture);
  assert.ok(r.ok);
  const { report, details } = await checkImplementation({
    implPath: join(IMPL, 'slip_bias-missing.py'), problem: r.problem, python: PYTHON, harnessPath: HARNESS,
  });
  assert.deepEqual(report.functions.map((f) => f.name), ['rnn_cell_forward', 'rnn_cell_backward']);
  const d = report.functions[0]?.first_divergence;
  assert.ok(d);
  assert.equal(d.tensor, 'a_next');
  assert.equal(d.step, 1);
  assert.deepEqual(d.index, [0, 0]);
  const expected = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'rnn_cell_coursera.expected.json'), 'utf8'));
  assert.ok(typeof d.reference === 'number' && Math.abs(d.reference - expected.a_next[0][0]) <= 1e-12);
  // Their value, computed by running their file directly in Python on the fixture's inputs.
  const script = [
    'import importlib.util, json, numpy as np',
    `spec = importlib.util.spec_from_file_location("slip", ${JSON.stringify(join(IMPL, 'slip_bias-missing.py'))})`,
    'mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)',
    `f = json.load(open(${JSON.stringify(fixture)}))`,
    'p = {k: np.array(v, dtype=float) for k, v in f["parameters"].items()}',
    'a, y, _ = mod.rnn_cell_forward(np.array(f["xt"]), np.array(f["a_prev"]), p)',
    'print(repr(float(a[0, 0])))',
  ].join('\n');
  const theirs = Number(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' }).trim());
  assert.equal(d.mine, theirs);
  assert.ok(typeof d.abs_err === 'number' && Math.abs(d.abs_err - Math.abs(theirs - expected.a_next[0][0])) < 1e-15);
  // The panel's detail: the whole a_next, theirs and ours, and every mismatching cell.
  const det = details.find((x) => x.function === 'rnn_cell_forward');
  assert.ok(det?.mine);
  assert.deepEqual(det.reference.shape, [5, 10]);
  const want: number[] = expected.a_next.flat();
  det.reference.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12, `a_next cell ${i}: ${v} vs ${want[i]}`));
  assert.equal(det.mismatches.length, 50);
  assert.deepEqual(det.divergentSteps, [1]);
});

test('a sequence slip: the divergent steps, in the function the user wrote it in', async () => {
  const { report, details } = await checkImplementation({ implPath: join(IMPL, 'slip_da-not-carried.py'), python: PYTHON, harnessPath: HARNESS });
  const f = report.functions.find((x) => x.name === 'rnn_backward');
  // BPTT order: the last step is computed first and is right (nothing comes back from after it).
  assert.equal(f?.first_divergence?.tensor, 'dx');
  assert.equal(f?.first_divergence?.step, 3);
  assert.equal(f?.first_divergence?.index?.[2], 2);
  const det = details.find((x) => x.function === 'rnn_backward');
  assert.deepEqual(det?.divergentSteps, [1, 2, 3]);
  assert.deepEqual(det?.reference.shape, [3, 10]);
});
