/**
 * The webview is untrusted input: every malformed message must be rejected (a reason string),
 * every valid one accepted unchanged, and nothing may throw, whatever arrives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MessageGate } from '../../src/protocol/flood';
import { MAX_WINDOW_STEPS } from '../../src/protocol/messages';
import { MAX_MESSAGE_KEYS, parseFromWebview, parseToWebview, type StepRange } from '../../src/protocol/parseMessages';

/** The loaded run the host checks the steps of `move` / `toggleBreakpoint` / `copyStep` against: T_x = 10, T_b = 4. */
const RANGE: StepRange = { T_x: 10, T_b: 4 };
/** The names of Object.prototype's properties a hostile page would try. */
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

const VALID: Record<string, unknown> = {
  ready: { type: 'ready' },
  export: { type: 'export' },
  requestStep: { type: 'requestStep', messageId: 7, runId: 2, phase: 'backward', t: 3 },
  requestStepParts: { type: 'requestStep', messageId: 7, runId: 2, phase: 'backward', t: 3, parts: ['core', 'sums'] },
  requestWindow: { type: 'requestWindow', messageId: 8, runId: 2, tensor: 'cct', batch: 0, t0: 10, t1: 74 },
  move: { type: 'move', move: 'seek', phase: 'forward', t: 0 },
  toggleBreakpoint: { type: 'toggleBreakpoint', phase: 'backward', t: 3 },
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
    // parts: a non-empty list of distinct known parts
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'backward', t: 3, parts: [] },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'backward', t: 3, parts: 'core' },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'backward', t: 3, parts: ['core', 'core'] },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'backward', t: 3, parts: ['core', 'secrets'] },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'backward', t: 3, parts: ['__proto__'] },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'backward', t: 3, parts: { 0: 'core', length: 1 } },
    { type: 'requestStep', messageId: 1, runId: 2, phase: 'backward', t: 3, parts: ['core', 'grads', 'sums', 'core'] },
  ],
  requestWindow: [
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 5, t1: 5 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 6, t1: 5 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 0, t1: MAX_WINDOW_STEPS + 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: '', batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a; drop', batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'x'.repeat(33), batch: 0, t0: 0, t1: 1 },
    ...PROTO_NAMES.map((tensor) => ({ type: 'requestWindow', messageId: 1, runId: 2, tensor, batch: 0, t0: 0, t1: 1 })),
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: -1, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0.5, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 7, batch: 0, t0: 0, t1: 1 },
    { type: 'requestWindow', messageId: 1, runId: 2, tensor: 'a', batch: 0, t0: 0 },
  ],
  move: [
    { type: 'move' },
    { type: 'move', move: 'teleport' },
    { type: 'move', move: 'toString' },
    { type: 'move', move: 'seek' },
    { type: 'move', move: 'seek', phase: 'forward' },
    { type: 'move', move: 'seek', phase: 'Forward', t: 0 },
    { type: 'move', move: 'seek', phase: 'forward', t: '0' },
    { type: 'move', move: 'seek', phase: 'forward', t: 0, run: 1 },
    { type: 'move', move: 'stepForward', phase: 'forward', t: 1 },
    // Outside the run (T_x 10, T_b 4; totals has only t = 0).
    { type: 'move', move: 'seek', phase: 'forward', t: 10 },
    { type: 'move', move: 'seek', phase: 'backward', t: 4 },
    { type: 'move', move: 'seek', phase: 'totals', t: 1 },
    { type: 'move', move: 'seek', phase: 'forward', t: 2 ** 40 },
    // The sequence number: a whole number from 1.
    { type: 'move', move: 'stepForward', seq: 0 },
    { type: 'move', move: 'stepForward', seq: 1.5 },
    { type: 'move', move: 'stepForward', seq: '2' },
    { type: 'move', move: 'stepForward', seq: -3 },
  ],
  toggleBreakpoint: [
    { type: 'toggleBreakpoint', phase: 'forward' },
    { type: 'toggleBreakpoint', t: 1 },
    { type: 'toggleBreakpoint', phase: 'forward', t: 10 },
    { type: 'toggleBreakpoint', phase: 'forward', t: 1, index: 1 },
  ],
  copyStep: [
    { type: 'copyStep', t: 0 },
    { type: 'copyStep', phase: 'totals', t: -3 },
    { type: 'copyStep', phase: 'forward', t: 10 },
    { type: 'copyStep', phase: 'backward', t: 4 },
    { type: 'copyStep', phase: 'totals', t: 1 },
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
    ...PROTO_NAMES.map((name) => ({ type: 'perf', name, ms: 1 })),
  ],
};

describe('parseFromWebview', () => {
  for (const [kind, msg] of Object.entries(VALID)) {
    it(`accepts a valid ${kind}`, () => {
      const r = parseFromWebview(msg, RANGE);
      assert.notEqual(typeof r, 'string', `rejected: ${String(r)}`);
      assert.deepEqual(r, msg);
    });
  }

  for (const [kind, variants] of Object.entries(BAD)) {
    it(`rejects ${variants.length} malformed ${kind} messages`, () => {
      for (const v of variants) assert.equal(typeof parseFromWebview(v, RANGE), 'string', JSON.stringify(v));
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

  it('seek, toggleBreakpoint and copyStep: every step of the run is accepted, none past its ends, none without a run', () => {
    const kinds: [string, Record<string, unknown>][] = [['move', { move: 'seek' }], ['toggleBreakpoint', {}], ['copyStep', {}]];
    for (const [type, extra] of kinds) {
      const ends = { forward: RANGE.T_x, backward: RANGE.T_b, totals: 1 };
      for (const [phase, end] of Object.entries(ends)) {
        for (let t = 0; t < end; t++) assert.notEqual(typeof parseFromWebview({ type, ...extra, phase, t }, RANGE), 'string', `${type} ${phase} ${t}`);
        assert.equal(typeof parseFromWebview({ type, ...extra, phase, t: end }, RANGE), 'string', `${type} ${phase} ${end}`);
      }
      // No run loaded (or a run of length 0): no step to name.
      assert.equal(typeof parseFromWebview({ type, ...extra, phase: 'forward', t: 0 }), 'string');
      assert.equal(typeof parseFromWebview({ type, ...extra, phase: 'backward', t: 0 }, { T_x: 3, T_b: 0 }), 'string');
    }
  });

  it('moves that name no step, and a toggle at the cursor, need no run to parse', () => {
    for (const move of ['stepForward', 'stepBack', 'continue', 'reverseContinue', 'restart', 'end', 'phaseForward', 'phaseBack'])
      assert.deepEqual(parseFromWebview({ type: 'move', move }), { type: 'move', move });
    assert.deepEqual(parseFromWebview({ type: 'move', move: 'stepBack', seq: 7 }), { type: 'move', move: 'stepBack', seq: 7 });
    assert.deepEqual(parseFromWebview({ type: 'toggleBreakpoint' }), { type: 'toggleBreakpoint' });
  });

  it('real __proto__ / constructor / toString names are refused and touch no prototype', () => {
    for (const name of PROTO_NAMES) {
      const window = { type: 'requestWindow', messageId: 1, runId: 1, tensor: name, batch: 0, t0: 0, t1: 1 };
      assert.equal(typeof parseFromWebview(window, RANGE), 'string', name);
      assert.equal(typeof parseFromWebview({ type: 'perf', name, ms: 1 }, RANGE), 'string', name);
    }
    // As keys, the way JSON.parse builds them (an own `__proto__` property, not the prototype).
    for (const text of [
      '{"type":"ready","__proto__":{"polluted":1}}',
      '{"type":"cursor","phase":"forward","t":0,"__proto__":{"polluted":1}}',
      '{"type":"perf","name":"x","ms":1,"constructor":{"prototype":{"polluted":1}}}',
      '{"type":"checkRun","__proto__":{"polluted":1}}',
    ]) {
      const msg: unknown = JSON.parse(text);
      assert.equal(typeof parseFromWebview(msg, RANGE), 'string', text);
    }
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('a message with 10^6 keys is refused on its key count, before any field is read', () => {
    const keys = ['type', ...Array.from({ length: 1_000_000 }, (_, i) => `k${i}`)];
    let reads = 0;
    const huge = new Proxy({ type: 'requestStep' }, {
      ownKeys: () => keys,
      getOwnPropertyDescriptor: () => ({ value: 0, enumerable: true, configurable: true, writable: true }),
      get(target, k) {
        reads++;
        return k === 'type' ? target.type : 0;
      },
    });
    const r = parseFromWebview(huge, RANGE);
    assert.equal(typeof r, 'string');
    assert.match(String(r), /1000001 keys/);
    assert.equal(reads, 0, 'no field may be read before the key count is checked');
    // A plain object too (the shape a structured clone delivers), and the bound is exact.
    const plain: Record<string, unknown> = { type: 'ready' };
    for (let i = 0; i < 1_000_000; i++) plain[`k${i}`] = i;
    assert.match(String(parseFromWebview(plain, RANGE)), /keys/);
    const atBound: Record<string, unknown> = { type: 'ready' };
    for (let i = 1; i <= MAX_MESSAGE_KEYS; i++) atBound[`k${i}`] = i;
    assert.match(String(parseFromWebview(atBound, RANGE)), /keys/);
  });

  it('fuzz: arbitrary values never throw and results are a reason or a known message', () => {
    const known = new Set(Object.keys(VALID));
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withTypedArray: true }), (v) => {
        const r = parseFromWebview(v, RANGE);
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
        const r = parseFromWebview(v, RANGE);
        if (typeof r === 'string') return;
        accepted++;
        if (r.type === 'requestStep') assert.ok(nonNegInt(r.t) && nonNegInt(r.messageId) && nonNegInt(r.runId));
        if (r.type === 'requestWindow') assert.ok(r.t1 > r.t0 && r.t1 - r.t0 <= MAX_WINDOW_STEPS && nonNegInt(r.batch));
        if ((r.type === 'move' && r.move === 'seek') || r.type === 'copyStep') {
          if (r.phase === undefined || r.t === undefined) assert.fail('a seek without its step accepted');
          const end = r.phase === 'forward' ? RANGE.T_x : r.phase === 'backward' ? RANGE.T_b : 1;
          assert.ok(nonNegInt(r.t) && r.t < end, `${r.phase} ${r.t} accepted`);
        }
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
      { type: 'step', inReplyTo: 3, runId: 1, phase: 'forward', t: 0, tensors: [{ name: 'a', rows: 2, cols: 1, data: buf }] },
      { type: 'step', inReplyTo: 3, runId: 1, phase: 'backward', t: 0, parts: ['grads', 'sums'], tensors: [] },
      { type: 'norms', runId: 1, da: buf, dc: new Float64Array(2).buffer, from: 0 },
      { type: 'window', inReplyTo: 4, runId: 1, tensor: 'a', batch: 0, t0: 0, t1: 2, rows: 1, data: buf },
      { type: 'norms', runId: 1, da: buf, from: 0 },
      { type: 'errors', diagnostics: [], stale: false },
      { type: 'cursor', runId: 1, phase: 'backward', t: 2, reason: 'goto' },
      { type: 'cursor', runId: 1, phase: 'totals', t: 0, reason: 'end', description: 'The run ends here (totals).' },
      { type: 'cursor', runId: 1, phase: 'forward', t: 3, reason: 'step', seq: 12 },
      { type: 'breakpoints', steps: [{ phase: 'forward', t: 1 }] },
      { type: 'showHelp' },
    ];
    for (const m of msgs) assert.notEqual(typeof parseToWebview(m), 'string', m.type);
  });

  it('rejects malformed host messages', () => {
    const bad = [
      null,
      { type: 'init' },
      { type: 'progress', progress: { forwardDone: -1, backwardDone: 0 } },
      { type: 'step', inReplyTo: 1, phase: 'up', t: 0, tensors: [] },
      { type: 'step', inReplyTo: 1, runId: 1, phase: 'backward', t: 0, parts: ['all'], tensors: [] },
      { type: 'step', inReplyTo: 1, runId: 1, phase: 'backward', t: 0, parts: [], tensors: [] },
      { type: 'window', inReplyTo: 1, tensor: 'a', data: [1, 2] },
      { type: 'norms', da: [1] },
      { type: 'errors', diagnostics: 'x' },
      { type: 'command', action: 'goTo', t: 2 },
      { type: 'cursor', runId: 1, phase: 'forward', t: 0, reason: 'teleport' },
      { type: 'cursor', runId: 1, phase: 'forward', t: -1, reason: 'step' },
      { type: 'cursor', runId: 1, phase: 'forward', t: 1, reason: 'step', seq: 0 },
      { type: 'cursor', runId: 1, phase: 'forward', t: 1, reason: 'step', seq: 'x' },
      { type: 'breakpoints', steps: [{ phase: 'forward', t: 0.5 }] },
      { type: 'nope' },
    ];
    for (const m of bad) assert.equal(typeof parseToWebview(m), 'string', JSON.stringify(m));
  });

  it("refuses a tensor whose shape disagrees with its bytes, or named after a prototype's property", () => {
    const f64 = (n: number) => new Float64Array(n).buffer;
    const step = (tensors: unknown[]) => ({ type: 'step', inReplyTo: 1, runId: 1, phase: 'forward', t: 0, tensors });
    const window = (rows: number, t0: number, t1: number, data: unknown) =>
      ({ type: 'window', inReplyTo: 1, runId: 1, tensor: 'a', batch: 0, t0, t1, rows, data });
    assert.notEqual(typeof parseToWebview(step([{ name: 'Wa', rows: 3, cols: 4, data: f64(12) }])), 'string');
    assert.notEqual(typeof parseToWebview(window(3, 5, 9, f64(12))), 'string');
    const bad = [
      step([{ name: 'Wa', rows: 3, cols: 4, data: f64(11) }]),
      step([{ name: 'Wa', rows: 3, cols: 4, data: f64(13) }]),
      step([{ name: 'Wa', rows: 3, cols: 4, data: new ArrayBuffer(95) }]),
      step([{ name: 'Wa', rows: 2 ** 40, cols: 2 ** 40, data: f64(1) }]),
      step([{ name: 'Wa', rows: -1, cols: -1, data: f64(1) }]),
      step([{ name: 'Wa', rows: 1, cols: 1, data: [0] }]),
      step([{ name: 'a', rows: 1, cols: 1, data: f64(1) }, 'a']),
      ...PROTO_NAMES.map((name) => step([{ name, rows: 1, cols: 1, data: f64(1) }])),
      window(3, 5, 9, f64(11)),
      window(3, 5, 9, f64(15)),
      window(3, 9, 9, f64(0)),
      window(1.5, 0, 2, f64(3)),
      { type: 'norms', runId: 1, da: new ArrayBuffer(12) },
      { type: 'norms', runId: 1, da: f64(4), dc: f64(3) },
    ];
    for (const m of bad) assert.equal(typeof parseToWebview(m), 'string', JSON.stringify(m));
  });

  it('fuzz: never throws', () => {
    fc.assert(fc.property(fc.anything(), (v) => void parseToWebview(v)), { numRuns: 300 });
  });
});

describe('MessageGate (flood bound)', () => {
  const limits = { burst: 100, perSecond: 50, maxPending: 8, reportMs: 1000 };

  it('a flood of 10^5 messages at one instant: the burst passes, the rest is refused', () => {
    const gate = new MessageGate(limits, () => 0);
    let admitted = 0;
    for (let i = 0; i < 100_000; i++) if (gate.admit()) admitted++;
    assert.equal(admitted, 100);
  });

  it('refills at the stated rate, never above the burst, and a clock going back refills nothing', () => {
    let now = 0;
    const gate = new MessageGate(limits, () => now);
    while (gate.admit());
    now = 200; // 0.2 s at 50/s: 10 messages
    let n = 0;
    while (gate.admit()) n++;
    assert.equal(n, 10);
    now = 1_000_000;
    n = 0;
    while (gate.admit()) n++;
    assert.equal(n, 100);
    now = 0;
    assert.equal(gate.admit(), false);
  });

  it('bounds requests waiting for the worker', () => {
    const gate = new MessageGate(limits, () => 0);
    for (let i = 0; i < 8; i++) assert.ok(gate.beginRequest());
    assert.equal(gate.beginRequest(), false);
    gate.endRequest();
    assert.ok(gate.beginRequest());
    for (let i = 0; i < 20; i++) gate.endRequest();
    assert.equal(gate.pending, 0);
  });

  it('reports drops once per interval with the count, so a flood does not flood the log', () => {
    let now = 0;
    const gate = new MessageGate(limits, () => now);
    assert.equal(gate.dropped(), 1);
    for (let i = 0; i < 9999; i++) assert.equal(gate.dropped(), undefined);
    now = 1000;
    assert.equal(gate.dropped(), 10_000);
  });
});
