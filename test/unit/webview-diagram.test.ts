// The cell diagram's layout and values (src/webview/diagramLayout.ts): every wire and node names a
// tensor the step payload carries (or an intermediate the figure computes), node ids are unique,
// and the intermediates equal the reference: dC·ft = dc_prev and it·cct + ft·c_prev = c_next
// (test/fixtures/lstm_cell_coursera.expected.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BACKWARD_LSTM, BACKWARD_RNN, FORWARD_LSTM, FORWARD_RNN } from '../../src/session/steps';
import { diagramOf, wireValue, type StepTensor } from '../../src/webview/diagramLayout';

const INTERMEDIATE = new Set(['it·cct', 'ft·c_prev', 'tanh(c_next)', 'da_next·ot', 'dtanhC', 'dC']);
const FIX = join(import.meta.dirname, '..', 'fixtures');
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && Array.isArray(v[0]);

function tensors(): Map<string, StepTensor> {
  const out = new Map<string, StepTensor>();
  for (const f of ['lstm_cell_coursera.json', 'lstm_cell_coursera.expected.json']) {
    const j: Record<string, unknown> = JSON.parse(readFileSync(join(FIX, f), 'utf8'));
    for (const [k, v] of Object.entries(j)) if (isMatrix(v)) out.set(k, { rows: v.length, cols: v[0].length, data: Float64Array.from(v.flat()) });
  }
  return out;
}

describe('cell diagram', () => {
  for (const cell of ['rnn', 'lstm'] as const)
    for (const backward of [false, true])
      it(`${cell} ${backward ? 'backward' : 'forward'}: wires and nodes name step tensors, ids unique, wires join nodes`, () => {
        const d = diagramOf(cell, backward);
        const names = new Set<string>(
          backward ? [...(cell === 'lstm' ? BACKWARD_LSTM : BACKWARD_RNN), ...(cell === 'lstm' ? FORWARD_LSTM : FORWARD_RNN)] : cell === 'lstm' ? FORWARD_LSTM : FORWARD_RNN,
        );
        const ids = new Set(d.nodes.map((n) => n.id));
        assert.equal(ids.size, d.nodes.length);
        for (const w of d.wires) {
          assert.ok(ids.has(w.from) && ids.has(w.to), `${w.from} → ${w.to}`);
          assert.ok(names.has(w.tensor) || INTERMEDIATE.has(w.tensor), `wire tensor ${w.tensor}`);
        }
        for (const n of d.nodes) if (n.tensor) assert.ok(names.has(n.tensor), `node tensor ${n.tensor}`);
        for (const n of d.nodes) if (n.value) assert.ok(names.has(n.value) || INTERMEDIATE.has(n.value), `node value ${n.value}`);
        for (const n of d.nodes) assert.ok(n.x >= 0 && n.x <= d.width && n.y >= 0 && n.y <= d.height, `${n.id} inside`);
      });

  it('the intermediates equal the reference (lstm_cell_coursera)', () => {
    const ts = tensors();
    const get = (n: string) => ts.get(n);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 10; j++) {
        const at = (n: string) => {
          const m = ts.get(n);
          assert.ok(m, n);
          return m.data[i * m.cols + j];
        };
        const dC = wireValue('dC', get, i, j);
        assert.ok(dC !== undefined);
        assert.ok(Math.abs(dC * at('ft') - at('dc_prev')) <= 1e-12, `dC·ft vs dc_prev [${i},${j}]`);
        const branch = wireValue('dtanhC', get, i, j);
        assert.ok(branch !== undefined && Math.abs(branch + at('dc_next') - dC) <= 1e-15, `dC = dc_next + tanh branch [${i},${j}]`);
        const sum = (wireValue('it·cct', get, i, j) ?? NaN) + (wireValue('ft·c_prev', get, i, j) ?? NaN);
        assert.ok(Math.abs(sum - at('c_next')) <= 1e-12, `c_next [${i},${j}]`);
        assert.equal(wireValue('tanh(c_next)', get, i, j), Math.tanh(at('c_next')));
      }
    assert.equal(wireValue('xt', get, 4, 0), undefined, 'x has 3 rows: unit 4 has no x value');
    assert.equal(wireValue('yt_pred', get, 4, 0), undefined, 'ŷ has 2 rows');
  });
});
