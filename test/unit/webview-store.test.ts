import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview, Progress, RunInfo } from '../../src/protocol/messages';
import {
  Store,
  cursorAt,
  fromProtocolAction,
  indexOf,
  initialState,
  positionText,
  reachableMax,
  reduce,
  timelineLength,
  type State,
  type UiAction,
} from '../../src/webview/store';

function run(T_x: number, T_b = T_x, runId = 1, m = 10): RunInfo {
  return {
    runId,
    fileName: 'f.rnn.json',
    filePath: '/w/f.rnn.json',
    name: 'f',
    kind: 'lstm',
    cell: 'lstm',
    dims: { n_x: 3, n_a: 5, n_y: 2, m, T_x },
    T_b,
    daDefaulted: false,
    warnings: [],
  };
}

const done = (r: RunInfo, forwardDone = r.dims.T_x, backwardDone = r.T_b): Progress => ({
  runId: r.runId,
  forwardDone,
  backwardDone,
  finished: forwardDone === r.dims.T_x && backwardDone === r.T_b,
});

const apply = (s: State, ...as: UiAction[]) => as.reduce(reduce, s);
const loaded = (r: RunInfo, p: Progress = done(r)) => apply(initialState(), { type: 'init', run: r }, { type: 'progress', progress: p });

/** In-memory stand-in for acquireVsCodeApi(). */
function fakeHost(saved?: unknown) {
  const host = {
    saved,
    sent: [] as FromWebview[],
    getState: () => host.saved,
    setState: (s: unknown) => {
      host.saved = s;
    },
    postMessage: (m: FromWebview) => {
      host.sent.push(m);
    },
  };
  return host;
}

describe('webview store: timeline arithmetic', () => {
  it('maps indices forward t=0..T_x-1, then backward T_b-1..0, then totals (T_x = T_b = 4)', () => {
    const r = run(4);
    assert.equal(timelineLength(r), 9);
    const expected = [
      ['forward', 0], ['forward', 1], ['forward', 2], ['forward', 3],
      ['backward', 3], ['backward', 2], ['backward', 1], ['backward', 0],
      ['totals', 0],
    ];
    for (let i = 0; i < 9; i++) {
      assert.deepEqual(cursorAt(r, i), { phase: expected[i][0], t: expected[i][1] }, `index ${i}`);
      assert.equal(indexOf(r, cursorAt(r, i)), i);
    }
  });

  it('handles a backward pass shorter than the forward pass (T_x = 5, T_b = 2)', () => {
    const r = run(5, 2);
    assert.equal(timelineLength(r), 8);
    assert.deepEqual(cursorAt(r, 5), { phase: 'backward', t: 1 });
    assert.deepEqual(cursorAt(r, 6), { phase: 'backward', t: 0 });
    assert.deepEqual(cursorAt(r, 7), { phase: 'totals', t: 0 });
    assert.deepEqual(cursorAt(r, 99), { phase: 'totals', t: 0 });
    assert.deepEqual(cursorAt(r, -3), { phase: 'forward', t: 0 });
  });

  it('writes the position line exactly as the contract says (1-based t)', () => {
    const r = run(4);
    assert.equal(positionText(r, { phase: 'forward', t: 1 }), 'Forward · t = 2 of 4');
    assert.equal(positionText(r, { phase: 'backward', t: 2 }), 'Backward · t = 3 of 4');
    assert.equal(positionText(r, { phase: 'totals', t: 0 }), 'Totals');
  });

  it('reachability follows the streamed progress', () => {
    const r = run(4);
    assert.equal(reachableMax(r, undefined), -1);
    assert.equal(reachableMax(r, done(r, 0, 0)), -1);
    assert.equal(reachableMax(r, done(r, 2, 0)), 1);
    assert.equal(reachableMax(r, done(r, 4, 0)), 3);
    assert.equal(reachableMax(r, done(r, 4, 1)), 4);
    assert.equal(reachableMax(r, done(r, 4, 3)), 6);
    assert.equal(reachableMax(r, done(r, 4, 4)), 8, 'totals once the backward pass is complete');
  });
});

describe('webview store: stepping', () => {
  it('steps forward three times and back once to forward t = 3 of 4', () => {
    const r = run(4);
    const s = apply(loaded(r), { type: 'stepForward' }, { type: 'stepForward' }, { type: 'stepForward' }, { type: 'stepBack' });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 2 });
    assert.equal(positionText(r, s.cursor), 'Forward · t = 3 of 4');
  });

  it('crosses from the forward pass into the backward pass and on to the totals', () => {
    const r = run(2);
    let s = loaded(r);
    const seen: string[] = [];
    for (let k = 0; k < 6; k++) {
      seen.push(positionText(r, s.cursor));
      s = reduce(s, { type: 'stepForward' });
    }
    assert.deepEqual(seen, [
      'Forward · t = 1 of 2',
      'Forward · t = 2 of 2',
      'Backward · t = 2 of 2',
      'Backward · t = 1 of 2',
      'Totals',
      'Totals',
    ]);
  });

  it('cannot step onto a step that is not computed yet, and says why', () => {
    const r = run(4);
    const s = apply(loaded(r, done(r, 2, 0)), { type: 'stepForward' }, { type: 'stepForward' });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 1 });
    assert.match(s.notice ?? '', /Forward · t = 3 of 4 is not computed yet/);
    const after = reduce(s, { type: 'progress', progress: done(r, 3, 0) });
    assert.deepEqual(reduce(after, { type: 'stepForward' }).cursor, { phase: 'forward', t: 2 });
  });

  it('step back at the start does nothing (same state object)', () => {
    const s = loaded(run(4));
    assert.equal(reduce(s, { type: 'stepBack' }), s);
  });

  it('continue stops at the next breakpoint, then at the end; reverse continue mirrors it', () => {
    const r = run(4);
    let s = loaded(r);
    s = apply(s, { type: 'goTo', index: 5 }, { type: 'toggleBreakpoint' }, { type: 'goTo', index: 2 }, { type: 'toggleBreakpoint' }, { type: 'restart' });
    assert.deepEqual(s.breakpoints, ['forward:2', 'backward:2']);
    assert.deepEqual(s.cursor, { phase: 'forward', t: 0 });
    s = reduce(s, { type: 'continue' });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 2 });
    s = reduce(s, { type: 'continue' });
    assert.deepEqual(s.cursor, { phase: 'backward', t: 2 });
    s = reduce(s, { type: 'continue' });
    assert.deepEqual(s.cursor, { phase: 'totals', t: 0 });
    s = reduce(s, { type: 'reverseContinue' });
    assert.deepEqual(s.cursor, { phase: 'backward', t: 2 });
    s = reduce(s, { type: 'reverseContinue' });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 2 });
    s = reduce(s, { type: 'reverseContinue' });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 0 });
  });

  it('continue during streaming stops at the last computed step and skips uncomputed breakpoints', () => {
    const r = run(10);
    let s = loaded(r, done(r, 4, 0));
    s = apply(s, { type: 'toggleBreakpoint', index: 7 }, { type: 'continue' });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 3 });
    assert.match(s.notice ?? '', /still streaming/);
  });

  it('toggling a breakpoint twice removes it', () => {
    const s = apply(loaded(run(4)), { type: 'toggleBreakpoint' }, { type: 'toggleBreakpoint' });
    assert.deepEqual(s.breakpoints, []);
  });

  it('end goes to the last reachable stop; goTo clamps into the timeline', () => {
    const r = run(4);
    assert.deepEqual(reduce(loaded(r, done(r, 4, 2)), { type: 'end' }).cursor, { phase: 'backward', t: 2 });
    assert.deepEqual(reduce(loaded(r), { type: 'goTo', index: 1000 }).cursor, { phase: 'totals', t: 0 });
    assert.deepEqual(reduce(loaded(r), { type: 'goTo', index: -5 }).cursor, { phase: 'forward', t: 0 });
  });
});

describe('webview store: runs, progress, errors, view options', () => {
  it('a re-run keeps the cursor, pending until that step is computed again', () => {
    const r1 = run(4, 4, 1);
    let s = apply(loaded(r1), { type: 'goTo', index: 5 });
    const r2 = run(4, 4, 2);
    s = reduce(s, { type: 'init', run: r2 });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 0 });
    assert.equal(s.pending, 5);
    s = reduce(s, { type: 'progress', progress: done(r2, 4, 1) });
    assert.equal(s.pending, 5, 'backward t=2 not yet computed');
    s = reduce(s, { type: 'progress', progress: done(r2, 4, 2) });
    assert.deepEqual(s.cursor, { phase: 'backward', t: 2 });
    assert.equal(s.pending, undefined);
  });

  it('a re-run with a shorter sequence clamps the cursor and drops breakpoints outside it', () => {
    let s = apply(loaded(run(6)), { type: 'goTo', index: 5 }, { type: 'toggleBreakpoint' }, { type: 'goTo', index: 1 }, { type: 'toggleBreakpoint' }, { type: 'goTo', index: 5 });
    const r2 = run(3, 3, 2);
    s = apply(s, { type: 'init', run: r2 }, { type: 'progress', progress: done(r2) });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 2 });
    assert.deepEqual(s.breakpoints, ['forward:1']);
  });

  it("the host's Go to Step lands on the named phase and step; unknown steps are refused", () => {
    const r = run(4, 3);
    assert.deepEqual(reduce(loaded(r), { type: 'goToStep', cursor: { phase: 'backward', t: 0 } }).cursor, { phase: 'backward', t: 0 });
    const s = reduce(loaded(r), { type: 'goToStep', cursor: { phase: 'backward', t: 3 } });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 0 });
    assert.match(s.notice ?? '', /No such step/);
  });

  it("init with the host's cursor (re-run after save) restores it, clamped into the new run", () => {
    const r = run(3, 3, 5);
    const s = apply(initialState(), { type: 'init', run: r, cursor: { phase: 'forward', t: 9 } }, { type: 'progress', progress: done(r) });
    assert.deepEqual(s.cursor, { phase: 'forward', t: 2 });
  });

  it('ignores progress of another run', () => {
    const r = run(4);
    const s = loaded(r, done(r, 1, 0));
    assert.equal(reduce(s, { type: 'progress', progress: { ...done(r), runId: 7 } }), s);
  });

  it('errors: stale only when a good run is on screen', () => {
    const diag = { file: 'f.json', line: 3, column: 5, path: 'x', message: 'bad', severity: 'error' as const };
    assert.equal(reduce(initialState(), { type: 'errors', diagnostics: [diag], stale: true }).stale, false);
    const s = reduce(loaded(run(4)), { type: 'errors', diagnostics: [diag], stale: true });
    assert.equal(s.stale, true);
    assert.equal(s.errors.length, 1);
    const fixed = reduce(s, { type: 'init', run: run(4, 4, 2) });
    assert.equal(fixed.stale, false);
    assert.deepEqual(fixed.errors, []);
  });

  it('batch selection is clamped to the batch size; toggles flip', () => {
    let s = loaded(run(4, 4, 1, 3));
    assert.equal(reduce(s, { type: 'setBatch', batch: 9 }).batch, 2);
    assert.equal(reduce(s, { type: 'setBatch', batch: -1 }).batch, 0);
    s = apply(s, { type: 'toggleTable' }, { type: 'toggleEquations' }, { type: 'toggleHelp' });
    assert.equal(s.table, true);
    assert.equal(s.equations, false);
    assert.equal(s.helpOpen, true);
    assert.equal(reduce(s, { type: 'toggleHelp', open: false }).helpOpen, false);
  });

  it('maps protocol actions (host commands) onto store actions', () => {
    assert.deepEqual(fromProtocolAction('stepForward'), { type: 'stepForward' });
    assert.deepEqual(fromProtocolAction('goTo', 3), { type: 'goToStep', cursor: { phase: 'forward', t: 3 } });
    assert.deepEqual(fromProtocolAction('goTo', 1, 'backward'), { type: 'goToStep', cursor: { phase: 'backward', t: 1 } });
    assert.equal(fromProtocolAction('goTo'), undefined);
    assert.deepEqual(fromProtocolAction('showHelp'), { type: 'toggleHelp', open: true });
  });
});

describe('webview store: persistence and messages (in-memory host)', () => {
  it('persists cursor, breakpoints, batch and toggles with setState and posts the cursor', () => {
    const host = fakeHost();
    const store = new Store(host);
    const r = run(4);
    store.dispatch({ type: 'init', run: r });
    store.dispatch({ type: 'progress', progress: done(r) });
    store.dispatch({ type: 'stepForward' });
    store.dispatch({ type: 'toggleBreakpoint' });
    store.dispatch({ type: 'setBatch', batch: 4 });
    store.dispatch({ type: 'toggleTable' });
    assert.deepEqual(host.saved, {
      v: 1,
      cursor: { phase: 'forward', t: 1 },
      breakpoints: ['forward:1'],
      batch: 4,
      table: true,
      equations: true,
      fixture: '/w/f.rnn.json',
    });
    const cursors = host.sent.filter((m) => m.type === 'cursor');
    assert.deepEqual(cursors[cursors.length - 1], { type: 'cursor', phase: 'forward', t: 1 });
  });

  it('restores the saved view after a reload and moves there once the step is computed', () => {
    const host = fakeHost({ v: 1, cursor: { phase: 'backward', t: 1 }, breakpoints: ['backward:1', 'junk'], batch: 2, table: true, equations: false });
    const store = new Store(host);
    assert.deepEqual(store.state.breakpoints, ['backward:1']);
    const r = run(3);
    store.dispatch({ type: 'init', run: r });
    assert.equal(store.state.pending, 4);
    // While waiting, the saved state still names the restored step (a second reload keeps it).
    assert.deepEqual((host.saved as { cursor: unknown }).cursor, { phase: 'backward', t: 1 });
    store.dispatch({ type: 'progress', progress: done(r, 3, 1) });
    assert.deepEqual(store.state.cursor, { phase: 'forward', t: 0 }, 'stays put while its step is not computed');
    assert.deepEqual((host.saved as { cursor: unknown }).cursor, { phase: 'backward', t: 1 });
    store.dispatch({ type: 'progress', progress: done(r, 3, 2) });
    assert.deepEqual(store.state.cursor, { phase: 'backward', t: 1 });
    assert.equal(store.state.table, true);
    assert.equal(store.state.equations, false);
    assert.equal(store.state.batch, 2);
  });

  it('keeps the fixture path from an errors message (no run yet) so the serializer can reopen it', () => {
    const host = fakeHost();
    const store = new Store(host);
    store.dispatch({ type: 'errors', diagnostics: [], stale: false, fixture: '/w/bad.rnn.json' });
    assert.equal((host.saved as { fixture?: string }).fixture, '/w/bad.rnn.json');
  });

  it('ignores malformed saved state', () => {
    for (const bad of [null, 3, 'x', { v: 2, cursor: { phase: 'forward', t: 3 } }, { v: 1, cursor: { phase: 'sideways', t: 1 }, batch: -2 }]) {
      const s = new Store(fakeHost(bad)).state;
      assert.deepEqual(s.cursor, { phase: 'forward', t: 0 });
      assert.equal(s.batch, 0);
    }
  });

  it('does not post or save when an action changes nothing', () => {
    const host = fakeHost();
    const store = new Store(host);
    store.dispatch({ type: 'stepForward' }); // no run yet
    assert.deepEqual(host.sent, []);
    assert.equal(host.saved, undefined);
  });
});
