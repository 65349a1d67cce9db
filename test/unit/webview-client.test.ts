import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview } from '../../src/protocol/messages';
import { CHUNK, DataClient } from '../../src/webview/client';
import { Lru } from '../../src/webview/lru';
import { short } from '../../src/webview/format';

type Req<T extends FromWebview['type']> = Extract<FromWebview, { type: T }>;

function client() {
  const sent: FromWebview[] = [];
  let now = 0;
  const c = new DataClient((m) => sent.push(m), () => now);
  c.reset(3);
  return { c, sent, tick: (ms: number) => (now += ms) };
}

const f64 = (...v: number[]) => new Float64Array(v).buffer;

/** A window reply whose value at (row r, step t) is r * 1000 + t: easy to check by hand. */
function windowReply(req: Req<'requestWindow'>, rows: number) {
  const n = req.t1 - req.t0;
  const d = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) for (let k = 0; k < n; k++) d[r * n + k] = r * 1000 + req.t0 + k;
  return { type: 'window' as const, inReplyTo: req.messageId, runId: req.runId, tensor: req.tensor, batch: req.batch, t0: req.t0, t1: req.t1, rows, data: d.buffer };
}

describe('webview data client: steps', () => {
  it('requests a step once, caches the reply, and can retry after a lost reply', () => {
    const { c, sent, tick } = client();
    assert.equal(c.ensureStep('forward', 2), true);
    assert.equal(c.ensureStep('forward', 2), false, 'already in flight');
    assert.equal(sent.length, 1);
    const req = sent[0] as Req<'requestStep'>;
    assert.deepEqual({ ...req, messageId: 0 }, { type: 'requestStep', messageId: 0, runId: 3, phase: 'forward', t: 2, parts: ['core'] });
    tick(5000);
    assert.equal(c.ensureStep('forward', 2), true, 'retried after the timeout');
    const req2 = sent[1] as Req<'requestStep'>;
    const step = c.onStep({ type: 'step', inReplyTo: req2.messageId, runId: 3, phase: 'forward', t: 2, tensors: [{ name: 'xt', rows: 2, cols: 1, data: f64(0.5, -Infinity) }] });
    assert.ok(step);
    assert.deepEqual([...c.getStep('forward', 2)!.tensors[0].data], [0.5, -Infinity]);
    assert.equal(c.ensureStep('forward', 2), false, 'cached');
  });

  it('drops replies of another run and payloads whose size does not match rows × cols', () => {
    const { c } = client();
    assert.equal(c.onStep({ type: 'step', inReplyTo: 1, runId: 2, phase: 'forward', t: 0, tensors: [] }), undefined);
    assert.equal(c.onStep({ type: 'step', inReplyTo: 1, runId: 3, phase: 'forward', t: 0, tensors: [{ name: 'xt', rows: 2, cols: 2, data: f64(1, 2, 3) }] }), undefined);
    assert.equal(c.getStep('forward', 0), undefined);
  });

  it('reset for a new run forgets cached steps', () => {
    const { c } = client();
    c.onStep({ type: 'step', inReplyTo: 9, runId: 3, phase: 'totals', t: 0, tensors: [] });
    assert.ok(c.getStep('totals', 0));
    c.reset(4);
    assert.equal(c.getStep('totals', 0), undefined);
  });
});

describe('webview data client: windows in chunks', () => {
  it('asks only for the computed part, chunk-aligned, and re-asks for a chunk that was partial', () => {
    assert.equal(CHUNK, 64);
    const { c, sent } = client();
    // Visible 60..140, computed 0..100: chunks [0,64) and [64,100).
    assert.equal(c.ensureWindow('a', 1, 60, 140, 0, 100), 2);
    const r1 = sent.map((m) => m as Req<'requestWindow'>).map((m) => [m.tensor, m.batch, m.t0, m.t1]);
    assert.deepEqual(r1, [['a', 1, 0, 64], ['a', 1, 64, 100]]);
    for (const m of sent.splice(0)) c.onWindow(windowReply(m as Req<'requestWindow'>, 3));
    assert.equal(c.ensureWindow('a', 1, 60, 140, 0, 100), 0, 'all cached');
    // More computed: the partial chunk and the new one.
    assert.equal(c.ensureWindow('a', 1, 60, 140, 0, 140), 2);
    assert.deepEqual(sent.map((m) => [(m as Req<'requestWindow'>).t0, (m as Req<'requestWindow'>).t1]), [[64, 128], [128, 140]]);
  });

  it('backward windows: only the computed tail [T_b - done, T_b) is asked for', () => {
    const { c, sent } = client();
    c.ensureWindow('da', 0, 0, 200, 150, 200);
    assert.deepEqual(sent.map((m) => [(m as Req<'requestWindow'>).t0, (m as Req<'requestWindow'>).t1]), [[150, 192], [192, 200]]);
  });

  it('reads a window back from chunks, with the uncomputed columns flagged', () => {
    const { c, sent } = client();
    c.ensureWindow('ft', 0, 0, 130, 0, 100);
    for (const m of sent.splice(0)) c.onWindow(windowReply(m as Req<'requestWindow'>, 2));
    const out = { data: new Float64Array(2 * 40), have: new Uint8Array(40) };
    const rows = c.readWindow('ft', 0, 80, 120, out);
    assert.equal(rows, 2);
    for (let k = 0; k < 40; k++) {
      const t = 80 + k;
      assert.equal(out.have[k], t < 100 ? 1 : 0, `have[${k}]`);
      if (t < 100) {
        assert.equal(out.data[k], t);
        assert.equal(out.data[40 + k], 1000 + t);
      }
    }
  });

  it('splits a reply that spans several chunks', () => {
    const { c } = client();
    c.onWindow(windowReply({ type: 'requestWindow', messageId: 50, runId: 3, tensor: 'c', batch: 2, t0: 10, t1: 140 }, 1));
    const out = { data: new Float64Array(130), have: new Uint8Array(130) };
    c.readWindow('c', 2, 10, 140, out);
    assert.equal(out.have.reduce((a, b) => a + b, 0), 130);
    assert.equal(out.data[0], 10);
    assert.equal(out.data[129], 139);
    assert.equal(out.data[64 - 10], 64);
  });
});

describe('webview helpers', () => {
  it('LRU evicts the least recently used entry', () => {
    const l = new Lru<string, number>(2);
    l.set('a', 1);
    l.set('b', 2);
    l.get('a');
    l.set('c', 3);
    assert.deepEqual(l.keys().sort(), ['a', 'c']);
  });

  it('LRU with a weight budget evicts the oldest entries until the total fits, never the newest', () => {
    const l = new Lru<string, number>(10, (v) => v, 10);
    l.set('a', 4);
    l.set('b', 4);
    l.set('c', 4); // 12 > 10: 'a' goes
    assert.deepEqual(l.keys(), ['b', 'c']);
    assert.equal(l.totalWeight, 8);
    l.set('huge', 50); // alone over budget: kept, everything older goes
    assert.deepEqual(l.keys(), ['huge']);
    l.set('huge', 1); // replacing an entry re-weighs it
    assert.equal(l.totalWeight, 1);
  });

  it('short number text: 4 significant digits, exponent for tiny/huge, names for non-finite', () => {
    assert.equal(short(0.123456789), '0.1235');
    assert.equal(short(-1.5), '-1.5');
    assert.equal(short(12345.6), '1.23e+4');
    assert.equal(short(0.0001234), '1.23e-4');
    assert.equal(short(NaN), 'NaN');
    assert.equal(short(Infinity), '+∞');
    assert.equal(short(-Infinity), '−∞');
    assert.equal(short(0), '0');
  });
});

describe('webview data client: running sums once the host can serve them', () => {
  type Step = Parameters<DataClient['onStep']>[0];
  /** The reply to `req`: its parts, the sums part without sum_* tensors unless `withSums`. */
  const stepReply = (req: Req<'requestStep'> | undefined, phase: Step['phase'], t: number, withSums: boolean): Step => {
    const parts = req?.parts ?? ['core', 'grads', 'sums'];
    return {
      type: 'step',
      inReplyTo: req ? req.messageId : 0,
      runId: 3,
      phase,
      t,
      parts,
      tensors: [
        ...(parts.includes('core') ? [{ name: 'da_next', rows: 1, cols: 1, data: f64(0.25) }] : []),
        ...(parts.includes('sums') && withSums ? [{ name: 'sum_dWf', rows: 1, cols: 1, data: f64(1.5) }] : []),
      ],
    };
  };
  const lastReq = (sent: FromWebview[]) => sent[sent.length - 1] as Req<'requestStep'>;
  const ALL = ['core', 'grads', 'sums'] as const;

  it('a sums part that came without sum_* tensors is asked for again after sumsComplete; the rest of the stop stays', () => {
    const { c, sent } = client();
    c.ensureStep('backward', 5, ['core', 'sums']);
    c.onStep(stepReply(lastReq(sent), 'backward', 5, false)); // deep jump before the sums were built
    c.ensureStep('backward', 6, ['core', 'sums']);
    c.onStep(stepReply(lastReq(sent), 'backward', 6, true));
    c.ensureStep('forward', 2);
    c.onStep({ type: 'step', inReplyTo: lastReq(sent).messageId, runId: 3, phase: 'forward', t: 2, tensors: [] });
    assert.equal(c.ensureStep('backward', 5, ['core', 'sums']), false, 'cached, even without its sums');
    assert.equal(c.getStep('backward', 5)?.sumsLater, true);

    assert.deepEqual(c.onSumsComplete(), ['backward:5']);
    assert.deepEqual(c.getStep('backward', 5)?.tensors.map((t) => t.name), ['da_next'], 'its core stays');
    assert.ok(c.getStep('backward', 6)?.parts.has('sums'), 'a step with its sums keeps them');
    assert.ok(c.getStep('forward', 2), 'forward steps have no sums and stay');
    const n = sent.length;
    assert.equal(c.ensureStep('backward', 5, ['core', 'sums']), true, 'asked for again');
    assert.deepEqual({ ...lastReq(sent), messageId: 0 }, { type: 'requestStep', messageId: 0, runId: 3, phase: 'backward', t: 5, parts: ['sums'] });
    assert.equal(sent.length, n + 1);
    const again = c.onStep(stepReply(lastReq(sent), 'backward', 5, true));
    assert.deepEqual(again?.tensors.map((t) => t.name), ['da_next', 'sum_dWf']);
    assert.deepEqual(c.onSumsComplete(), [], 'acts once per run');
  });

  it('a reply to a request sent before sumsComplete, still without sums, keeps its core only; the new request is answered', () => {
    const { c, sent } = client();
    c.ensureStep('backward', 9, ALL);
    const old = lastReq(sent);
    c.onSumsComplete();
    assert.equal(c.ensureStep('backward', 9, ALL), true, 'the sums request forgotten: asked again right away');
    const fresh = lastReq(sent);
    assert.notEqual(fresh.messageId, old.messageId);
    assert.deepEqual(fresh.parts, ['sums'], 'only the sums: the other parts are still on their way');
    const kept = c.onStep(stepReply(old, 'backward', 9, false));
    assert.deepEqual([...(kept?.parts ?? [])].sort(), ['core', 'grads'], 'stale empty sums not kept');
    assert.equal(c.ensureStep('backward', 9, ALL), false, 'the fresh request is still in flight');
    assert.ok(c.onStep(stepReply(fresh, 'backward', 9, true)));
    assert.deepEqual(c.getStep('backward', 9)?.tensors.map((t) => t.name), ['da_next', 'sum_dWf']);
  });

  it('a new run starts without the flag', () => {
    const { c, sent } = client();
    c.onSumsComplete();
    c.reset(4);
    c.ensureStep('backward', 1, ALL);
    const req = lastReq(sent);
    c.onStep({ ...stepReply(req, 'backward', 1, false), runId: 4 });
    assert.deepEqual(c.onSumsComplete(), ['backward:1']);
  });
});

describe('webview data client: parts of a backward stop', () => {
  const t1 = (name: string, v: number) => ({ name, rows: 1, cols: 1, data: f64(v) });
  it('asks only for the parts wanted and not here; merges the parts in payload order (core, grads, sums)', () => {
    const { c, sent } = client();
    assert.equal(c.ensureStep('backward', 4), true);
    const core = sent.at(-1) as Req<'requestStep'>;
    assert.deepEqual(core.parts, ['core'], 'by default: the core only');
    assert.equal(c.ensureStep('backward', 4, ['core', 'grads']), true);
    const grads = sent.at(-1) as Req<'requestStep'>;
    assert.deepEqual(grads.parts, ['grads'], 'the core is on its way: not asked twice');
    assert.deepEqual(c.missingParts('backward', 4, ['core', 'grads', 'sums']), ['sums']);
    // The grads come first: no core yet, so nothing to show.
    c.onStep({ type: 'step', inReplyTo: grads.messageId, runId: 3, phase: 'backward', t: 4, parts: ['grads'], tensors: [t1('dWf', 2), t1('dbf', 3)] });
    assert.equal(c.getStep('backward', 4), undefined);
    const s = c.onStep({ type: 'step', inReplyTo: core.messageId, runId: 3, phase: 'backward', t: 4, parts: ['core'], tensors: [t1('da_next', 1), t1('dft', 4)] });
    assert.deepEqual(s?.tensors.map((t) => t.name), ['da_next', 'dft', 'dWf', 'dbf']);
    assert.equal(c.hasStep('backward', 4, ['core', 'grads']), true);
    assert.equal(c.hasStep('backward', 4, ['core', 'grads', 'sums']), false);
    assert.equal(c.ensureStep('backward', 4, ['core', 'grads']), false, 'cached');
    // A forward stop has only a core: wanting the backward parts asks for the core.
    c.ensureStep('forward', 4, ['core', 'grads', 'sums']);
    assert.deepEqual((sent.at(-1) as Req<'requestStep'>).parts, ['core']);
  });

  it('refuses a reply carrying a tensor of a part it does not answer', () => {
    const { c } = client();
    const bad = c.onStep({ type: 'step', inReplyTo: 7, runId: 3, phase: 'backward', t: 1, parts: ['core'], tensors: [t1('da_next', 1), t1('sum_dWf', 2)] });
    assert.equal(bad, undefined);
    assert.equal(c.getStep('backward', 1), undefined);
  });

  it('stepsInFlight lists each stop once with the parts on their way; forgetStep forgets them all', () => {
    const { c } = client();
    c.ensureStep('backward', 2);
    c.ensureStep('backward', 2, ['core', 'grads', 'sums']);
    assert.deepEqual(c.stepsInFlight(), [{ phase: 'backward', t: 2, parts: ['core', 'grads', 'sums'] }]);
    c.forgetStep('backward', 2);
    assert.deepEqual(c.stepsInFlight(), []);
    assert.equal(c.ensureStep('backward', 2), true, 'asked again');
  });
});

describe('webview data client: the step the host pushes after init', () => {
  it('is not asked for while it is on its way, and counts as arrived when it comes unasked', () => {
    const sent: FromWebview[] = [];
    const c = new DataClient((m) => sent.push(m), () => 0);
    c.reset(4);
    c.expectStep('forward', 0);
    assert.equal(c.ensureStep('forward', 0), false, 'the push is on its way: no second request');
    assert.equal(sent.length, 0);
    const tensors = [{ name: 'a_next', rows: 1, cols: 1, data: new Float64Array([0.5]).buffer }];
    assert.ok(c.onStep({ type: 'step', inReplyTo: 0, runId: 4, phase: 'forward', t: 0, tensors }));
    assert.equal(c.getStep('forward', 0)?.tensors[0].data[0], 0.5);
    assert.equal(c.ensureStep('forward', 1), true, 'other steps are asked for as usual');
  });

  it('is asked for after the retry delay should the push not come', () => {
    const sent: FromWebview[] = [];
    let now = 0;
    const c = new DataClient((m) => sent.push(m), () => now);
    c.reset(4);
    c.expectStep('forward', 2);
    now = 5000;
    assert.equal(c.ensureStep('forward', 2), true);
  });
});
