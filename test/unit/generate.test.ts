/**
 * The fixture generator shared by `rnn-stepper new` and the New Fixture wizard: every kind and
 * initialisation writes a file the reader accepts; `coursera` with seed 1 at the notebook's sizes
 * reproduces the committed Coursera fixtures' tensors (NumPy's legacy MT19937 + polar normals;
 * within a few ulps, see below); `random` sequences are the engine's randomProblem (so old `new` files are
 * unchanged); vanishing/exploding do what they say to ‖da⟨t⟩‖; the CLI takes the cell kinds
 * (refused before) and never writes what `run` would refuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/cli';
import { randomProblem, run, type FixtureKind, type NdArray } from '../../src/engine/index';
import { checkGenerateOptions, generateFixture, INITS } from '../../src/fixture/generate';
import { parseFixture } from '../../src/fixture/parse';
import { fixtureToString } from '../../src/fixture/write';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (c) => void (out += c), stderr: (t) => void (err += t) };
  return { code: await main(argv, io), out, err };
}

const KINDS: FixtureKind[] = ['rnn', 'lstm', 'rnn_cell', 'lstm_cell'];

test('generate: every kind × initialisation writes a fixture the reader reads back to the same numbers', () => {
  for (const kind of KINDS) {
    for (const init of INITS) {
      const o = { kind, n_x: 3, n_a: 4, n_y: 2, m: 3, T: kind.endsWith('_cell') ? 1 : 5, seed: 7, init };
      assert.deepEqual(checkGenerateOptions(o, 512 << 20), []);
      const { problem, description } = generateFixture(o);
      const text = fixtureToString(problem, { description });
      const r = parseFixture(text, 'x.rnn.json');
      assert.ok(r.ok, `${kind}/${init}: ${r.ok ? '' : r.diagnostics[0]?.message}`);
      assert.equal(r.problem.kind, kind);
      assert.deepEqual(r.problem.x.data, problem.x.data, `${kind}/${init} x`);
      for (const [k, v] of Object.entries(problem.parameters as Record<string, NdArray>)) {
        assert.deepEqual((r.problem.parameters as Record<string, NdArray>)[k]!.data, v.data, `${kind}/${init} ${k}`);
      }
    }
  }
});

/**
 * Equal to NumPy's numbers within a few ulps; V8's Math.log (fdlibm) and the C library's log differ
 * in the last bit on a few percent of inputs, so a few draws are an ulp or two off (the polar method multiplies the error).
 */
function sameWithinUlp(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  let exact = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (a === e) exact++;
    else assert.ok(Math.abs(a - e) <= 2 ** -50 * Math.abs(e), `${what}[${i}]: ${a} vs NumPy's ${e}`);
  }
  assert.ok(exact >= 0.75 * expected.length, `${what}: only ${exact} of ${expected.length} exact`);
}

test("generate: coursera seed 1 at the notebook's sizes gives the Coursera fixtures' tensors (within a few ulps)", () => {
  const cases: [string, FixtureKind, number][] = [['rnn_coursera_forward', 'rnn', 4], ['lstm_coursera_forward', 'lstm', 7]];
  for (const [name, kind, T] of cases) {
    const want = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
    const { problem } = generateFixture({ kind, n_x: 3, n_a: 5, n_y: 2, m: 10, T, seed: 1, init: 'coursera' });
    const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
    sameWithinUlp(problem.x.data, flat(want.x), `${name} x`);
    sameWithinUlp(problem.a0.data, flat(want.a0), `${name} a0`);
    for (const [k, v] of Object.entries(problem.parameters as Record<string, NdArray>)) {
      if (kind === 'lstm' && (k === 'Wy' || k === 'by') && flat(want.parameters[k]).every((z) => z === 0)) continue;
      sameWithinUlp(v.data, flat(want.parameters[k]), `${name} ${k}`);
    }
  }
});

test('generate: random sequences are the engine\'s randomProblem (files written by earlier versions are unchanged)', () => {
  const { problem } = generateFixture({ kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 4, T: 3, seed: 5, init: 'random' });
  const old = randomProblem({ kind: 'lstm', n_x: 2, n_a: 3, n_y: 2, m: 4, T: 3, seed: 5 });
  assert.deepEqual(problem.x.data, old.x.data);
  assert.deepEqual(problem.da.data, old.da.data);
});

test('generate: vanishing shrinks and exploding grows ‖da⟨t⟩‖ going back in time (RNN, T = 30)', () => {
  const ratio = (init: 'vanishing' | 'exploding'): number => {
    const { problem } = generateFixture({ kind: 'rnn', n_x: 4, n_a: 32, n_y: 2, m: 8, T: 30, seed: 2, init });
    // only the last step's upstream gradient, so what reaches t = 1 is carried through time
    const da = problem.da.data;
    for (let k = 0; k < da.length; k++) if (k % 30 !== 29) da[k] = 0;
    const b = run(problem).backward;
    const S = 32 * 8;
    const norm = (t: number) => Math.hypot(...b.da.subarray(t * S, (t + 1) * S));
    return norm(0) / norm(29);
  };
  assert.ok(ratio('vanishing') < 1e-6, `vanishing: ${ratio('vanishing')}`);
  assert.ok(ratio('exploding') > 10, `exploding: ${ratio('exploding')}`);
});

test('new: the cell kinds are written and run (refused before), and nothing run would refuse is written', async () => {
  for (const kind of ['rnn_cell', 'lstm_cell']) {
    const r = await cli(['new', '--kind', kind, '--init', 'saturated']);
    assert.equal(r.code, 0, r.err);
    const p = parseFixture(r.out, 'new.json');
    assert.ok(p.ok);
    assert.equal(p.problem.kind, kind);
  }
  const tooBig = await cli(['new', '--kind', 'lstm', '--n-a', '4000', '-T', '1000', '-m', '64']);
  assert.equal(tooBig.code, 2);
  assert.match(tooBig.err, /above the 512 MB fixture size limit/);
  assert.equal(tooBig.out, '');
  const cellT = await cli(['new', '--kind', 'rnn_cell', '-T', '3']);
  assert.equal(cellT.code, 2);
  assert.match(cellT.err, /one time step/);
  const badSeed = await cli(['new', '--kind', 'rnn', '--seed', '99999999999']);
  assert.equal(badSeed.code, 2);
});
