/**
 * The webview is untrusted input: every malformed message must be rejected (a reason string),
 * every valid one accepted unchanged, and nothing may throw, whatever arrives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_WINDOW_STEPS, parseFromWebview, parseToWebview } from '../../src/protocol/messages';

const VALID: Record<string, unknown> = {
  ready: { type: 'ready' },
  export: { type: 'export' },
  requestStep: { type: 'requestStep', messageId: 7, runId: 2, phase: 'backward', t: 3 },
  requestWindow: { type: 'requestWindow', messageId: 8, runId: 2, tensor: 'cct', batch: 0, t0: 10, t1: 74 },
  cursor: { type: 'cursor', phase: 'forward', t: 0 },
  copyStep: { type: 'copyStep', phase: 'totals', t: 0 },
  openLocation: { type: 'openLocation', line: 12, column: 5 },
  perf: { type: 'perf', name: 'paint_step', ms: 3.25 },
  painted: { type: 'painted', runId: 3 },
};

/** For each message type: variants that must be rejected (field by field). */
const BAD: Record<string, Record<string, unknown>[]> = {
  ready: [{ type: 'ready', extra: 1 }],
  export: [{ type: 'export', path: '/etc/passwd' }],
  requestStep: [
    { type: 'requestStep', runId: 2, phase: 'forward', t: 3 },
    { type: 'requestStep', messageId: -1, runId: 2, phase: 'forward', t: 3 },
    { type: 'requestStep', messageId: 1.5, runId: 2, phase: 'forward', t: 3 },
    { type: 'requestStep', messageId: '1', runId: 2, phase: 'forward', t: 3 },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'sideways', t: 3 },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'forward', t: -1 },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'forward', t: NaN },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'forward', t: Infinity },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'forward', t: 2 ** 60 },
    { type: 'requestStep', messageId: 1, runId: null, phase: 'forward', t: 3 },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'forward', t: 3, tensors: [] },
  ],
  requestWindow: [
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 5, t1: 5 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 6, t1: 5 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 0, t1: MAX_WINDOW_STEPS + 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: '', batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a; drop', batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'x'.repeat(33), batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: '__proto__'.slice(0, 0), batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: -1, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0.5, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 7, batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 0 },
  ],
  cursor: [
    { type: 'cursor', phase: 'forward' },
    { type: 'cursor', phase: 'Forward', t: 0 },
    { type: 'cursor', phase: 'forward', t: '0' },
    { type: 'cursor', phase: 'forward', t: 0, run: 1 },
  ],
  copyStep: [
    { type: 'copyStep', t: 0 },
    { type: 'copyStep', phase: 'totals', t: -3 },
  ],
  openLocation: [
    { type: 'openLocation', line: 0, column: 1 },
    { type: 'openLocation', line: 1, column: 0 },
    { type: 'openLocation', line: 1 },
    { type: 'openLocation', line: 1, column: 1, file: '/etc/passwd' },
    { type: 'openLocation', line: '1', column: 1 },
  ],
  painted: [
    { type: 'painted' },
    { type: 'painted', runId: -1 },
    { type: 'painted', runId: 1.5 },
    { type: 'painted', runId: '1' },
    { type: 'painted', runId: 1, ms: 4 },
  ],
  perf: [
    { type: 'perf', name: 'x', ms: -1 },
    { type: 'perf', name: 'x', ms: NaN },
    { type: 'perf', name: 'x', ms: Infinity },
    { type: 'perf', name: 'bad name', ms: 1 },
    { type: 'perf', name: 'x', ms: '1' },
    { type: 'perf', ms: 1 },
  ],
};

describe('parseFromWebview', () => {
  for (const [kind, msg] of Object.entries(VALID)) {
    it(`accepts a valid ${kind}`, () => {
      const r = parseFromWebview(msg);
      assert.notEqual(typeof r, 'string', `rejected: ${String(r)}`);
      assert.deepEqual(r, msg);
    });
  }

  for (const [kind, variants] of Object.entries(BAD)) {
    it(`rejects ${variants.length} malformed ${kind} messages`, () => {
      for (const v of variants) assert.equal(typeof parseFromWebview(v), 'string', JSON.stringify(v));
    });
  }

  it('rejects non-objects and unknown types', () => {
    for (const v of [null, undefined, 0, 1, 'ready', true, [], [{ type: 'ready' }], { type: 'Ready' }, { type: 'init' }, {}, { type: 42 }]) {
      assert.equal(typeof parseFromWebview(v), 'string', String(JSON.stringify(v)));
    }
  });

  it('never throws on hostile objects (throwing getters, proxies)', () => {
    const getterBomb = Object.defineProperty({}, 'type', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const proxy = new Proxy({}, {
      ownKeys() {
        throw new Error('boom');
      },
      get(_t, k) {
        return k === 'type' ? 'ready' : undefined;
      },
    });
    assert.equal(typeof parseFromWebview(getterBomb), 'string');
    assert.equal(typeof parseFromWebview(proxy), 'string');
  });

  it('accepts the largest window and rejects one step more', () => {
    const base = { type: 'requestWindow', messageId: 1, runId: 1, tensor: 'da', batch: 3, t0: 100 };
    assert.notEqual(typeof parseFromWebview({ ...base, t1: 100 + MAX_WINDOW_STEPS }), 'string');
    assert.equal(typeof parseFromWebview({ ...base, t1: 101 + MAX_WINDOW_STEPS }), 'string');
  });

  it('fuzz: arbitrary values never throw and results are a reason or a known message', () => {
    const known = new Set(Object.keys(VALID));
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withTypedArray: true }), (v) => {
        const r = parseFromWebview(v);
        if (typeof r !== 'string') assert.ok(known.has(r.type));
      }),
      { numRuns: 400 },
    );
  });

  it('fuzz: near-valid messages (valid type, random fields) never throw, and accepted ones are well-typed', () => {
    const types = Object.keys(VALID);
    const field = fc.oneof(
      fc.integer({ min: -5, max: 5000 }),
      fc.double(),
      fc.constantFrom('forward', 'backward', 'totals', 'a', 'da', '', 'x y'),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    const nearValid = fc.record(
      {
        type: fc.constantFrom(...types),
        messageId: field, runId: field, phase: field, t: field, tensor: field, batch: field,
        t0: field, t1: field, line: field, column: field, name: field, ms: field,
      },
      { requiredKeys: ['type'] },
    );
    // Mixed with the valid messages, so the accepted branch is exercised too.
    const msg = fc.oneof(nearValid, fc.constantFrom(...Object.values(VALID)));
    const nonNegInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    let accepted = 0;
    fc.assert(
      fc.property(msg, (v) => {
        const r = parseFromWebview(v);
        if (typeof r === 'string') return;
        accepted++;
        if (r.type === 'requestStep') assert.ok(nonNegInt(r.t) && nonNegInt(r.messageId) && nonNegInt(r.runId));
        if (r.type === 'requestWindow') assert.ok(r.t1 > r.t0 && r.t1 - r.t0 <= MAX_WINDOW_STEPS && nonNegInt(r.batch));
        if (r.type === 'cursor' || r.type === 'copyStep') assert.ok(['forward', 'backward', 'totals'].includes(r.phase));
        if (r.type === 'openLocation') assert.ok(r.line >= 1 && r.column >= 1);
      }),
      { numRuns: 600 },
    );
    assert.ok(accepted > 0);
  });
});

describe('parseToWebview', () => {
  it('accepts the host messages the panel receives', () => {
    const buf = new Float64Array([1, 2]).buffer;
    const msgs = [
      { type: 'init', run: { runId: 1, dims: { n_x: 1, n_a: 1, n_y: 1, m: 1, T_x: 1 } } },
      { type: 'progress', progress: { runId: 1, forwardDone: 1, backwardDone: 0, finished: false } },
      { type: 'step', inReplyTo: 3, runId: 1, phase: 'forward', t: 0, tensors: [] },
      { type: 'window', inReplyTo: 4, runId: 1, tensor: 'a', batch: 0, t0: 0, t1: 2, rows: 1, data: buf },
      { type: 'norms', runId: 1, da: buf, from: 0 },
      { type: 'errors', diagnostics: [], stale: false },
      { type: 'command', action: 'goTo', t: 2, phase: 'backward' },
    ];
    for (const m of msgs) assert.notEqual(typeof parseToWebview(m), 'string', m.type);
  });

  it('rejects malformed host messages', () => {
    const bad = [
      null,
      { type: 'init' },
      { type: 'progress', progress: { forwardDone: -1, backwardDone: 0 } },
      { type: 'step', inReplyTo: 1, phase: 'up', t: 0, tensors: [] },
      { type: 'window', inReplyTo: 1, tensor: 'a', data: [1, 2] },
      { type: 'norms', da: [1] },
      { type: 'errors', diagnostics: 'x' },
      { type: 'command', action: 'rm -rf' },
      { type: 'nope' },
    ];
    for (const m of bad) assert.equal(typeof parseToWebview(m), 'string', JSON.stringify(m));
  });

  it('fuzz: never throws', () => {
    fc.assert(fc.property(fc.anything(), (v) => void parseToWebview(v)), { numRuns: 300 });
  });
});
