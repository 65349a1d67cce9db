import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview, Progress, RunInfo } from '../../src/protocol/messages';
import {
  Store,
  cursorAt,
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

describe('webview store: renders the cursor and breakpoints the host sends', () => {
  const at = (phase: 'forward' | 'backward' | 'totals', t: number) => ({ phase, t });

  it('moves only when the host says so: a cursor message of the current run', () => {
    const r = run(4);
    const s = loaded(r);
    const moved = reduce(s, { type: 'cursor', runId: 1, cursor: at('backward', 2) });
    assert.deepEqual(moved.cursor, at('backward', 2));
    assert.equal(positionText(r, moved.cursor), 'Backward · t = 3 of 4');
    assert.equal(reduce(s, { type: 'cursor', runId: 2, cursor: at('forward', 3) }), s, 'another run: ignored');
    assert.equal(reduce(s, { type: 'cursor', runId: 1, cursor: at('forward', 4) }), s, 'no such step: ignored');
    assert.equal(reduce(initialState(), { type: 'cursor', runId: 1, cursor: at('forward', 1) }).cursor.t, 0, 'no run yet');
  });

  it("shows the host's words for a stop as the notice, and clears it on the next plain stop", () => {
    const s = reduce(loaded(run(4)), { type: 'cursor', runId: 1, cursor: at('totals', 0), description: 'The run ends here (totals).' });
    assert.equal(s.notice, 'The run ends here (totals).');
    const again = reduce(s, { type: 'cursor', runId: 1, cursor: at('totals', 0), description: 'The run ends here (totals).' });
    assert.equal(again, s, 'the same stop twice changes nothing (no repaint)');
    assert.equal(reduce(s, { type: 'cursor', runId: 1, cursor: at('backward', 0) }).notice, undefined);
  });

  it('keeps the cursor object when the host names the same step (views compare by identity)', () => {
    const s = reduce(loaded(run(4)), { type: 'cursor', runId: 1, cursor: at('forward', 2) });
    const same = reduce(s, { type: 'cursor', runId: 1, cursor: at('forward', 2), description: 'x' });
    assert.equal(same.cursor, s.cursor);
  });

  it("breakpoints are the host's, sorted by timeline index, steps outside the run left out", () => {
    const s = reduce(loaded(run(4)), { type: 'breakpoints', steps: [at('totals', 0), at('backward', 1), at('forward', 2), at('forward', 9)] });
    assert.deepEqual(s.breakpoints, ['forward:2', 'backward:1', 'totals:0']);
    assert.equal(reduce(s, { type: 'breakpoints', steps: [at('forward', 2), at('backward', 1), at('totals', 0)] }), s);
  });

  it("init takes the host's cursor; one outside the run falls back to forward t = 1", () => {
    const r = run(3, 3, 5);
    assert.deepEqual(reduce(initialState(), { type: 'init', run: r, cursor: at('backward', 1) }).cursor, at('backward', 1));
    assert.deepEqual(reduce(initialState(), { type: 'init', run: r, cursor: at('forward', 9) }).cursor, at('forward', 0));
  });

  it('a re-run with a shorter sequence drops shown breakpoints outside it', () => {
    const s = reduce(loaded(run(6)), { type: 'breakpoints', steps: [at('forward', 1), at('forward', 5)] });
    assert.deepEqual(reduce(s, { type: 'init', run: run(3, 3, 2) }).breakpoints, ['forward:1']);
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
});

describe('webview store: persistence (in-memory host)', () => {
  it("saves the host's cursor and breakpoints, batch and toggles with setState, and posts nothing", () => {
    const host = fakeHost();
    const store = new Store(host);
    const r = run(4);
    store.dispatch({ type: 'init', run: r });
    store.dispatch({ type: 'progress', progress: done(r) });
    store.dispatch({ type: 'cursor', runId: 1, cursor: { phase: 'forward', t: 1 } });
    store.dispatch({ type: 'breakpoints', steps: [{ phase: 'forward', t: 1 }] });
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
    assert.deepEqual(host.sent, [], 'the cursor is the host\'s: the store never reports it back');
  });

  it('restores the saved view after a reload (the host seeds its timeline from the same state)', () => {
    const host = fakeHost({ v: 1, cursor: { phase: 'backward', t: 1 }, breakpoints: ['backward:1', 'junk'], batch: 2, table: true, equations: false });
    const store = new Store(host);
    assert.deepEqual(store.state.breakpoints, ['backward:1']);
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

  it('does not save when an action changes nothing', () => {
    const host = fakeHost();
    const store = new Store(host);
    store.dispatch({ type: 'cursor', runId: 1, cursor: { phase: 'forward', t: 1 } }); // no run yet
    assert.deepEqual(host.sent, []);
    assert.equal(host.saved, undefined);
  });
});
