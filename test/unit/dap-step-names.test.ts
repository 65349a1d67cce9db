// Step breakpoints by name (src/debug/stepNames.ts): the frame names parse to their steps, t is
// 1-based in the name and 0-based in the cursor, conditions are not steps, and names round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStepName, stepCondition, stepName } from '../../src/debug/stepNames';

test('step names parse to cursors; conditions and malformed names do not', () => {
  assert.deepEqual(parseStepName('forward t=3'), { phase: 'forward', t: 2 });
  assert.deepEqual(parseStepName('lstm_forward t=1'), { phase: 'forward', t: 0 });
  assert.deepEqual(parseStepName('  Backward  t = 12 '), { phase: 'backward', t: 11 });
  assert.deepEqual(parseStepName('rnn_backward t=2'), { phase: 'backward', t: 1 });
  assert.deepEqual(parseStepName('totals'), { phase: 'totals', t: 0 });
  assert.deepEqual(parseStepName('lstm_backward totals'), { phase: 'totals', t: 0 });
  for (const cond of ['t == 3', 'phase == "forward" and t == 3', 'forward t=0', 'forward t=', 'forward t=3 and t == 3', 'max(ft) > 0.99', 'totals > 1'])
    assert.equal(parseStepName(cond), undefined, cond);
});

test('stepName round-trips and stepCondition names the same step', () => {
  for (const c of [{ phase: 'forward', t: 0 }, { phase: 'backward', t: 6 }, { phase: 'totals', t: 0 }] as const) {
    assert.deepEqual(parseStepName(stepName(c)), c);
  }
  assert.equal(stepCondition({ phase: 'backward', t: 1 }), 'phase == "backward" and t == 2');
});
