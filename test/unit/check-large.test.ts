/**
 * A sequence backward too big to re-run whole as every known slip (more than diagnose.ts's
 * MAX_WORK multiply-adds) is still diagnosed: the slips are screened on the first steps of the
 * BPTT loop and the survivors confirmed (diagnoseWindow.ts). Moderately sized problems, so the
 * survivors are re-run whole and every output, the sums included, must match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomProblem } from '../../src/engine/index';
import { checkImplementation } from '../../src/check/index';
import { candidates, stepWork } from '../../src/check/candidates';
import { buildReference } from '../../src/check/reference';
import { HARNESS, IMPL, PYTHON } from './check-helpers';

const cases = [
  { slip: 'dc-not-carried', fn: 'lstm_backward', dims: { kind: 'lstm', n_x: 16, n_a: 128, n_y: 4, m: 16, T: 150 }, step: 149 },
  { slip: 'da-not-carried', fn: 'rnn_backward', dims: { kind: 'rnn', n_x: 16, n_a: 256, n_y: 4, m: 16, T: 200 }, step: 199 },
] as const;

for (const c of cases) {
  test(`${c.fn} with ${c.slip}, too big for a whole re-run of every slip (n_a=${c.dims.n_a}, T=${c.dims.T}): still named`, async () => {
    const problem = randomProblem({ ...c.dims, seed: 3 });
    // The premise: the whole re-run of every form is over the 4e9 multiply-adds of diagnose.ts.
    const ref = buildReference(problem);
    assert.ok(stepWork(ref, c.fn) * c.dims.T * candidates(c.fn).length > 4e9);
    const { report, notes } = await checkImplementation({ implPath: join(IMPL, `slip_${c.slip}.py`), problem, python: PYTHON, harnessPath: HARNESS });
    const f = report.functions.find((x) => x.name === c.fn);
    assert.equal(f?.status, 'mismatch');
    assert.equal(f?.first_divergence?.tensor, 'dx');
    assert.equal(f?.first_divergence?.step, c.step);
    assert.deepEqual(f?.diagnosis.map((d) => d.id), [c.slip]);
    assert.ok(notes.some((n) => n.startsWith(`${c.fn}: too big to re-run whole`) && n.endsWith('re-run whole')), notes.join('\n'));
    for (const other of report.functions) if (other.name !== c.fn) assert.equal(other.status, 'match', other.name);
  });
}
