// The VS Code side of "Check my implementation": the panel protocol's guards, where findings go
// (def line, raising line, helper file), and the panel's cursor for a divergence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult, FunctionReport } from '../../src/check/types';
import { findings, headline } from '../../src/extension/check/findings';
import { cursorFor, toPanelData } from '../../src/extension/check/panelData';
import { parseFromWebview, parseToWebview } from '../../src/protocol/parseMessages';

const base = (name: FunctionReport['name'], extra: Partial<FunctionReport> = {}): FunctionReport => ({
  name, status: 'match', first_divergence: null, diagnosis: [], error: null, ...extra,
});

const result: CheckResult = {
  report: {
    format: 'rnn-stepper.check', version: 1, ok: false,
    functions: [
      base('rnn_cell_forward', {
        status: 'mismatch',
        first_divergence: { tensor: 'a_next', step: 2, index: [1, 0], mine: 0.5, reference: 0.25, abs_err: 0.25, rel_err: 1, shape_mine: [2, 2], shape_reference: [2, 2] },
        diagnosis: [{ id: 'bias-missing', message: 'ba is not added.' }],
      }),
      base('rnn_forward'),
      base('rnn_cell_backward', { status: 'error', error: { message: "NameError: name 'x' is not defined", file: '/w/rnn_utils.py', line: 7 } }),
      base('rnn_backward', { status: 'missing' }),
    ],
  },
  details: [{
    function: 'rnn_cell_forward', tensor: 'a_next', step: 2,
    mine: { shape: [2, 2], data: new Float64Array([1, 2, 0.5, 4]) }, reference: { shape: [2, 2], data: new Float64Array([1, 2, 0.25, 4]) },
    mismatches: [2], divergentSteps: [2, 3],
  }],
  definitions: [
    { name: 'rnn_cell_forward', file: '/w/rnn.py', line: 10 },
    { name: 'rnn_cell_backward', file: '/w/rnn.py', line: 30 },
  ],
  notes: [],
};

describe('check findings', () => {
  it('a mismatch goes to its def line with the catalogue id as code and in the message', () => {
    const f = findings(result, '/w/rnn.py');
    assert.equal(f.length, 2, 'matching and missing functions have no finding');
    assert.deepEqual([f[0].file, f[0].line, f[0].code], ['/w/rnn.py', 10, 'bias-missing']);
    assert.match(f[0].message, /^rnn_cell_forward does not match the reference: a_next at t=2 \[1, 0\]: yours 0\.5, reference 0\.25/);
    assert.match(f[0].message, /Likely bias-missing: ba is not added\./);
  });
  it('an error goes to the raising line (a helper file) and points back at the def', () => {
    const e = findings(result, '/w/rnn.py')[1];
    assert.deepEqual([e.file, e.line, e.code], ['/w/rnn_utils.py', 7, 'error']);
    assert.deepEqual(e.definedAt, { file: '/w/rnn.py', line: 30, cell: undefined });
  });
  it('headline of a shape mismatch names both shapes', () => {
    const f = base('rnn_backward', {
      status: 'mismatch',
      first_divergence: { tensor: 'dba', step: null, index: null, mine: null, reference: null, abs_err: null, rel_err: null, shape_mine: [5], shape_reference: [5, 1] },
    });
    assert.equal(headline(f), 'dba: shape (5,), expected (5, 1)');
  });
});

describe('check panel data', () => {
  it('maps a divergence to the panel cursor: forward, backward by time index, totals for whole gradients', () => {
    assert.deepEqual(cursorFor('lstm_forward', 3), { phase: 'forward', t: 2 });
    assert.deepEqual(cursorFor('rnn_cell_backward', 4), { phase: 'backward', t: 3 });
    assert.deepEqual(cursorFor('rnn_backward', null), { phase: 'totals', t: 0 });
  });
  it('survives the webview guard, and the guard refuses a tensor whose buffer does not fit', () => {
    const check = toPanelData(result, '/w/rnn.py', { rtol: 1e-5, atol: 1e-8 });
    assert.deepEqual(check.marks, [{ phase: 'forward', t: 1 }, { phase: 'forward', t: 2 }]);
    assert.deepEqual(check.functions[0].jump, { phase: 'forward', t: 1, tensor: 'a_next' });
    const ok = parseToWebview({ type: 'check', check });
    assert.equal(typeof ok, 'object');
    const bad = { ...check, tensors: [{ ...check.tensors[0], rows: 3 }] };
    assert.equal(parseToWebview({ type: 'check', check: bad }), 'bad check tensor');
    const outside = { ...check, tensors: [{ ...check.tensors[0], mismatches: [4] }] };
    assert.equal(parseToWebview({ type: 'check', check: outside }), 'bad check tensor');
    assert.deepEqual(parseToWebview({ type: 'check', check: null }), { type: 'check', check: null });
  });
  it('validates the panel requests', () => {
    assert.deepEqual(parseFromWebview({ type: 'checkRun' }), { type: 'checkRun' });
    assert.equal(typeof parseFromWebview({ type: 'checkRun', path: '/etc/passwd' }), 'string');
    assert.deepEqual(parseFromWebview({ type: 'checkOpen', function: 'lstm_backward' }), { type: 'checkOpen', function: 'lstm_backward' });
    assert.equal(typeof parseFromWebview({ type: 'checkOpen', function: '__import__' }), 'string');
  });
});
