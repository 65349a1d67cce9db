// The cards' titles and equations (src/webview/equations.ts), as a new user reads them: NumPy
// indices consistent with the 1-based position, the cell kinds' inputs named as inputs, no
// "gates" in an RNN, per-step weight-gradient cards that say what they hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensorDoc } from '../../src/webview/equations';
import { positionText } from '../../src/webview/store';

const run = { dims: { n_x: 3, n_a: 5, n_y: 2, m: 10, T_x: 4 }, T_b: 4 };

describe('equations on the cards', () => {
  it('a backward step writes the NumPy index of the step the header shows (t = 3 of 4 ↔ da[:, :, 2])', () => {
    assert.equal(positionText(run, { phase: 'backward', t: 2 }), 'Backward · t = 3 of 4');
    const d = tensorDoc('lstm', 'backward', 'da_next', { kind: 'lstm', t: 2, T_b: 4 });
    assert.match(d.eq, /da\[:, :, 2\]/);
    assert.match(d.eq, /t = 3 is index 2/);
    assert.doesNotMatch(d.eq, /da\[:, :, t\]/);
    const last = tensorDoc('rnn', 'backward', 'da_next', { kind: 'rnn', t: 3, T_b: 4 });
    assert.match(last.eq, /da\[:, :, 3\]/);
    assert.match(last.eq, /last step/);
  });

  it('lstm_cell / rnn_cell: da_next and dc_next are the fixture’s inputs, not carried from t+1', () => {
    const dc = tensorDoc('lstm', 'backward', 'dc_next', { kind: 'lstm_cell', t: 0, T_b: 1 });
    assert.doesNotMatch(dc.eq, /dc_prev/);
    assert.match(dc.eq, /fixture/);
    const da = tensorDoc('rnn', 'backward', 'da_next', { kind: 'rnn_cell', t: 0, T_b: 1 });
    assert.doesNotMatch(da.eq, /da_prev/);
    assert.match(da.eq, /fixture/);
  });

  it('an RNN has no gates: dtanh is not under “Gate gradients”', () => {
    const d = tensorDoc('rnn', 'backward', 'dtanh', { kind: 'rnn', t: 1, T_b: 4 });
    assert.doesNotMatch(d.group, /[Gg]ate/);
    assert.equal(tensorDoc('lstm', 'backward', 'dft', { kind: 'lstm', t: 1, T_b: 4 }).group, 'Gate gradients');
  });

  it('per-step weight-gradient cards say they hold this step’s contribution', () => {
    for (const [cell, name] of [['lstm', 'dWf'], ['lstm', 'dbo'], ['rnn', 'dWax']] as const) {
      const d = tensorDoc(cell, 'backward', name, { kind: cell, t: 1, T_b: 4 });
      assert.doesNotMatch(d.label, /this step\)/);
      assert.match(d.label, /contribution of step t = 2/);
      assert.doesNotMatch(d.eq, /\+=/);
      assert.match(d.eq, new RegExp(`^${name}⟨t⟩ = `));
    }
  });
});
