/**
 * The parts of a stop (src/session/stepParts.ts) and the payloads served by part
 * (session/steps.ts `stepPayload(…, parts)`): the panel asks a backward stop's core alone while
 * its weight-gradient and running-sum cards are off screen. The part tests failed before the
 * change (stepPayload had no `parts`: a core request carried the whole ~5.5 MB stop, and the sums
 * were looked up, possibly computed, for every backward stop).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRunner, randomProblem } from '../../src/engine';
import type { Problem } from '../../src/engine/types';
import { parseFixture } from '../../src/fixture/parse';
import type { Phase, StepPart, TensorPayload } from '../../src/protocol/messages';
import { RunningSums } from '../../src/session/runningSums';
import { partBytes, partOf, partShapes, partsOf, stopShapes } from '../../src/session/stepParts';
import { stepPayload, type RunView } from '../../src/session/steps';

const DIR = join(import.meta.dirname, '..', 'fixtures');

function load(name: string): { problem: Problem; expected: Record<string, number[][]> } {
  const text = readFileSync(join(DIR, `${name}.json`), 'utf8');
  const parsed = parseFixture(text, `${name}.json`);
  assert.ok(parsed.ok, `fixture ${name} should parse`);
  return { problem: parsed.problem, expected: JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) };
}

function fullRun(problem: Problem): RunView {
  const r = createRunner(problem, { keepGateGrads: false });
  r.advance(Infinity);
  return { problem, forward: r.forward, backward: r.backward, forwardDone: r.forwardDone, backwardDone: r.backwardDone, finished: r.finished };
}

function payload(p: TensorPayload[] | string): TensorPayload[] {
  assert.ok(typeof p !== 'string', String(p));
  return p;
}

const bytesOf = (p: TensorPayload[]) => p.reduce((n, x) => n + x.data.byteLength, 0);

describe('parts of a stop', () => {
  for (const name of ['rnn_coursera_backward', 'lstm_coursera_backward', 'lstm_cell_coursera']) {
    it(`${name}: the shapes known from the dimensions are the payload's, part by part`, () => {
      const { problem } = load(name);
      const run = fullRun(problem);
      for (const phase of ['forward', 'backward', 'totals'] as Phase[]) {
        const whole = payload(stepPayload(run, phase, 0));
        assert.deepEqual(
          stopShapes(problem.cell, problem.dims, phase),
          whole.map(({ name: n, rows, cols }) => ({ name: n, rows, cols })),
          `${phase} shapes`,
        );
        for (const part of partsOf(phase)) {
          const got = payload(stepPayload(run, phase, 0, undefined, [part]));
          assert.deepEqual(got.map((x) => x.name), partShapes(problem.cell, problem.dims, phase, part).map((x) => x.name), `${phase} ${part}`);
          assert.ok(got.every((x) => partOf(phase, x.name) === part));
          assert.equal(bytesOf(got), partBytes(problem.cell, problem.dims, phase, part), `${phase} ${part} bytes`);
        }
      }
    });
  }

  it('each part is bit-identical to the same tensors of the whole stop, at every backward step', () => {
    const { problem } = load('lstm_coursera_backward');
    const run = fullRun(problem);
    for (let t = 0; t < run.backward.T_b; t++) {
      const whole = new Map(payload(stepPayload(run, 'backward', t)).map((x) => [x.name, new Float64Array(x.data)]));
      const parts = (['core', 'grads', 'sums'] as StepPart[]).flatMap((p) => payload(stepPayload(run, 'backward', t, undefined, [p])));
      assert.deepEqual(parts.map((x) => x.name), [...whole.keys()]);
      for (const x of parts) assert.deepEqual(new Float64Array(x.data), whole.get(x.name), `${x.name} at t = ${t}`);
    }
  });

  for (const name of ['lstm_coursera_backward', 'rnn_coursera_backward']) {
    it(`${name}: the sums part asked alone at t = 0 holds the reference final gradients`, () => {
      const { problem, expected } = load(name);
      const sums = payload(stepPayload(fullRun(problem), 'backward', 0, undefined, ['sums']));
      assert.ok(sums.length > 0);
      for (const p of sums) {
        const want = expected[p.name.slice('sum_'.length)];
        const d = new Float64Array(p.data);
        for (let i = 0; i < p.rows; i++)
          for (let j = 0; j < p.cols; j++)
            assert.ok(Math.abs(d[i * p.cols + j] - want[i][j]) <= 1e-10 * Math.max(1, Math.abs(want[i][j])), `${p.name}[${i}][${j}]`);
      }
    });
  }

  it('the running sums are not looked up for a request without the sums part', () => {
    const { problem } = load('lstm_coursera_backward');
    const run = fullRun(problem);
    const real = new RunningSums(run);
    let lookups = 0;
    const counting = Object.assign(Object.create(real) as RunningSums, {
      at: (...args: Parameters<RunningSums['at']>) => {
        lookups++;
        return real.at(...args);
      },
    });
    payload(stepPayload(run, 'backward', 1, counting, ['core', 'grads']));
    assert.equal(lookups, 0);
    payload(stepPayload(run, 'backward', 1, counting, ['sums']));
    assert.equal(lookups, 1);
  });

  it('the bench LSTM (n_x = 64, n_a = 256, m = 32): a backward core is under 600 KB of the 5.8 MB stop', () => {
    const problem = randomProblem({ kind: 'lstm', n_x: 64, n_a: 256, n_y: 10, m: 32, T: 2, seed: 3 });
    const run = fullRun(problem);
    const core = payload(stepPayload(run, 'backward', 0, undefined, ['core']));
    const whole = payload(stepPayload(run, 'backward', 0));
    assert.ok(bytesOf(core) < 600_000, `${bytesOf(core)} bytes`);
    assert.equal(bytesOf(whole), 5_799_936);
    assert.deepEqual(core.map((x) => x.name), ['da_next', 'dc_next', 'dft', 'dit', 'dcct', 'dot', 'dxt', 'da_prev', 'dc_prev']);
  });
});
