// The panel's parameters and gradient check, the DOM-free parts: the data client asks for the
// parameters once per run and drops a reply of another run; the protocol guards of requestParams,
// params, gradcheckRun/Cancel and gradcheck (untrusted panel; indices inside their shapes); where a
// probed entry is shown (dx → backward step t's dxt, weight gradients → the totals) and the worst
// entries (NaN first).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview } from '../../src/protocol/messages';
import { parseFromWebview, parseToWebview } from '../../src/protocol/parseMessages';
import type { GradcheckPanelData } from '../../src/protocol/gradcheck';
import { DataClient } from '../../src/webview/client';
import { placeOf, worstEntries } from '../../src/webview/views/gradcheckView';

const f64 = (...v: number[]) => new Float64Array(v).buffer;

describe('data client: the run’s parameters', () => {
  it('asks once per run, keeps the reply of its run only, asks again after a re-run', () => {
    const sent: FromWebview[] = [];
    const c = new DataClient((m) => sent.push(m), () => 0);
    // Read through a function: assert.equal(c.params, undefined) would narrow the property for good.
    const held = () => c.params;
    c.reset(4);
    assert.equal(c.ensureParams(), true);
    assert.equal(c.ensureParams(), false, 'on its way');
    assert.equal(sent.length, 1);
    const req = sent[0];
    assert.ok(req.type === 'requestParams' && req.runId === 4);
    assert.equal(c.onParams({ type: 'params', inReplyTo: req.messageId, runId: 3, tensors: [] }), false, 'another run');
    assert.equal(c.params, undefined);
    assert.equal(c.onParams({ type: 'params', inReplyTo: req.messageId, runId: 4, tensors: [{ name: 'by', rows: 2, cols: 1, data: f64(0.5, -1) }] }), true);
    assert.deepEqual([...(held()?.get('by')?.data ?? [])], [0.5, -1]);
    assert.equal(c.ensureParams(), false, 'here');
    c.reset(5);
    assert.equal(c.params, undefined);
    assert.equal(c.ensureParams(), true);
  });
});

const data = (over: Partial<GradcheckPanelData> = {}): GradcheckPanelData => ({
  runId: 1, state: 'done', done: 3, total: 3, current: '', message: '', eps: 1e-6, samples: 64, seed: 0, tol: 1e-7, ms: 12,
  rows: [
    { name: 'dx', shape: [3, 2, 4], checked: 2, total: 24, maxRelErr: 2e-9, maxAbsGrad: 1, entries: [
      { index: [2, 1, 3], analytic: 1, numeric: 1, relErr: 2e-9 },
      { index: [0, 0, 0], analytic: 1, numeric: 1, relErr: 1e-11 },
    ] },
    { name: 'dWf', shape: [5, 8], checked: 1, total: 40, maxRelErr: NaN, maxAbsGrad: 1, entries: [{ index: [4, 7], analytic: NaN, numeric: 1, relErr: NaN }] },
  ],
  ...over,
});

describe('protocol: parameters and gradient check messages', () => {
  it('panel → host: requestParams, gradcheckRun, gradcheckCancel with exactly their fields', () => {
    assert.deepEqual(parseFromWebview({ type: 'requestParams', messageId: 3, runId: 1 }), { type: 'requestParams', messageId: 3, runId: 1 });
    assert.equal(typeof parseFromWebview({ type: 'requestParams', messageId: 3, runId: 1, extra: 1 }), 'string');
    assert.equal(typeof parseFromWebview({ type: 'requestParams', messageId: -1, runId: 1 }), 'string');
    assert.deepEqual(parseFromWebview({ type: 'gradcheckRun', runId: 2 }), { type: 'gradcheckRun', runId: 2 });
    assert.equal(typeof parseFromWebview({ type: 'gradcheckRun', runId: '2' }), 'string');
    assert.equal(typeof parseFromWebview({ type: 'gradcheckRun' }), 'string');
    assert.deepEqual(parseFromWebview({ type: 'gradcheckCancel' }), { type: 'gradcheckCancel' });
    assert.equal(typeof parseFromWebview({ type: 'gradcheckCancel', now: true }), 'string');
  });

  it('host → panel: params tensors must hold their bytes; a gradcheck index outside its shape is refused', () => {
    assert.equal(typeof parseToWebview({ type: 'params', inReplyTo: 1, runId: 1, tensors: [{ name: 'Wf', rows: 2, cols: 2, data: f64(1, 2, 3) }] }), 'string');
    assert.notEqual(typeof parseToWebview({ type: 'params', inReplyTo: 1, runId: 1, tensors: [{ name: 'Wf', rows: 1, cols: 2, data: f64(1, 2) }] }), 'string');
    const ok = parseToWebview({ type: 'gradcheck', gradcheck: data() });
    assert.ok(typeof ok !== 'string' && ok.type === 'gradcheck' && ok.gradcheck.rows.length === 2);
    const outside = data();
    outside.rows[1].entries[0].index = [5, 0];
    assert.equal(typeof parseToWebview({ type: 'gradcheck', gradcheck: outside }), 'string');
    const wrongRank = data();
    wrongRank.rows[0].entries[0].index = [2, 1];
    assert.equal(typeof parseToWebview({ type: 'gradcheck', gradcheck: wrongRank }), 'string');
    assert.equal(typeof parseToWebview({ type: 'gradcheck', gradcheck: data({ state: 'exploded' as 'done' }) }), 'string');
  });
});

describe('gradient check view: where an entry is shown, the worst first', () => {
  it('dx[i, j, t] is backward step t’s dxt[i, j]; da0 and dW*[i, k] are on the totals', () => {
    assert.deepEqual(placeOf('dx', [2, 1, 3]), { phase: 'backward', t: 3, tensor: 'dxt', i: 2, j: 1 });
    assert.deepEqual(placeOf('da0', [4, 0]), { phase: 'totals', t: 0, tensor: 'da0', i: 4, j: 0 });
    assert.deepEqual(placeOf('dWf', [4, 7]), { phase: 'totals', t: 0, tensor: 'dWf', i: 4, j: 7 });
  });

  it('lists the entries by relative error, a NaN first', () => {
    const w = worstEntries(data());
    assert.deepEqual(w.map((x) => `${x.gradient}[${x.e.index.join(',')}]`), ['dWf[4,7]', 'dx[2,1,3]', 'dx[0,0,0]']);
    assert.equal(worstEntries(data(), 1).length, 1);
  });
});
