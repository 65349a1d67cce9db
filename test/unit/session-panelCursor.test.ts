// The host's ownership of the panel cursor (src/session/panelCursor.ts) in plain Node: the
// panel's intents move a Timeline fed by the run's progress, every move ends in one `cursor`
// message, breakpoints are the timeline's, a re-run keeps the cursor until its step is computed
// again, and a debug session's stop is followed without being echoed back to it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Progress, RunInfo, ToWebview } from '../../src/protocol/messages';
import { PanelCursor, clampCursor, parseSavedCursor, type SavedCursor } from '../../src/session/panelCursor';
import type { Cursor } from '../../src/session/timelineIndex';

function run(T_x: number, T_b = T_x, runId = 1): RunInfo {
  return {
    runId, fileName: 'f.rnn.json', name: 'f', kind: 'lstm', cell: 'lstm',
    dims: { n_x: 3, n_a: 5, n_y: 2, m: 2, T_x }, T_b, daDefaulted: false, warnings: [],
  };
}
const progress = (r: RunInfo, forwardDone = r.dims.T_x, backwardDone = r.T_b): Progress => ({
  runId: r.runId, forwardDone, backwardDone, finished: forwardDone === r.dims.T_x && backwardDone === r.T_b,
});
const at = (phase: Cursor['phase'], t: number): Cursor => ({ phase, t });

function owner(saved?: SavedCursor) {
  const sent: ToWebview[] = [];
  const moved: Cursor[] = [];
  const pc = new PanelCursor({ post: (m) => sent.push(m), moved: (c) => moved.push(c) }, saved);
  const cursors = () => sent.flatMap((m) => (m.type === 'cursor' ? [m] : []));
  return { pc, sent, moved, cursors };
}

function loaded(r = run(4), p = progress(r)) {
  const o = owner();
  o.pc.newRun(r);
  o.pc.progress(p);
  return o;
}

describe('panel cursor: intents move the host timeline', () => {
  it('step forward three times and back once: forward t = 3 of 4, one cursor message per move', async () => {
    const { pc, cursors } = loaded();
    for (const m of ['stepForward', 'stepForward', 'stepForward', 'stepBack'] as const) await pc.move(m);
    assert.deepEqual(pc.cursor, at('forward', 2));
    assert.deepEqual(cursors().map((c) => `${c.phase}:${c.t}:${c.reason}`), ['forward:1:step', 'forward:2:step', 'forward:3:step', 'forward:2:step']);
  });

  it('crosses from the forward pass into the backward pass (back in time) and on to the totals', async () => {
    const { pc, cursors } = loaded(run(2));
    for (let k = 0; k < 5; k++) await pc.move('stepForward');
    assert.deepEqual(cursors().map((c) => `${c.phase}:${c.t}`), ['forward:1', 'backward:1', 'backward:0', 'totals:0', 'totals:0']);
    assert.equal(cursors()[4].reason, 'end');
    assert.match(cursors()[4].description ?? '', /ends here/);
  });

  it('a step onto a step not computed yet waits for it, then moves exactly once', async () => {
    const r = run(4);
    const { pc, cursors } = loaded(r, progress(r, 2, 0));
    await pc.move('stepForward');
    const waiting = pc.move('stepForward');
    assert.deepEqual(pc.cursor, at('forward', 1), 'not there before it is computed');
    pc.progress(progress(r, 3, 0));
    assert.deepEqual((await waiting)?.cursor, at('forward', 2));
    assert.equal(cursors().length, 2);
  });

  it('continue stops at the next breakpoint, then at the end; reverse continue mirrors it', async () => {
    const { pc, sent } = loaded();
    pc.toggleBreakpoint(at('forward', 2));
    pc.toggleBreakpoint(at('backward', 2));
    const bps = sent.filter((m) => m.type === 'breakpoints').pop();
    assert.deepEqual(bps, { type: 'breakpoints', steps: [at('forward', 2), at('backward', 2)] });
    const stops: string[] = [];
    for (const m of ['continue', 'continue', 'continue', 'reverseContinue', 'reverseContinue', 'reverseContinue'] as const) {
      const e = await pc.move(m);
      stops.push(`${e?.cursor.phase}:${e?.cursor.t}:${e?.reason}`);
    }
    assert.deepEqual(stops, ['forward:2:breakpoint', 'backward:2:breakpoint', 'totals:0:end', 'backward:2:breakpoint', 'forward:2:breakpoint', 'forward:0:entry']);
  });

  it('continue while the run streams waits for the breakpoint to be computed', async () => {
    const r = run(4);
    const { pc } = loaded(r, progress(r, 4, 0));
    pc.toggleBreakpoint(at('backward', 1)); // index 6
    const going = pc.move('continue');
    pc.progress(progress(r, 4, 2));
    assert.deepEqual(pc.cursor, at('forward', 0), 'still scanning: backward t = 2 is not the breakpoint');
    pc.progress(progress(r, 4, 3));
    assert.deepEqual((await going)?.cursor, at('backward', 1));
  });

  it('toggling the same breakpoint twice removes it; a step outside the run is refused', () => {
    const { pc, sent } = loaded();
    sent.length = 0;
    pc.toggleBreakpoint();
    pc.toggleBreakpoint();
    pc.toggleBreakpoint(at('forward', 99));
    const last = sent.filter((m) => m.type === 'breakpoints');
    assert.equal(last.length, 2);
    assert.deepEqual(last[1], { type: 'breakpoints', steps: [] });
  });

  it('end goes to the last computed step; restart to forward t = 1; seek to a named step', async () => {
    const r = run(4);
    const { pc } = loaded(r, progress(r, 4, 2));
    assert.deepEqual((await pc.move('end'))?.cursor, at('backward', 2));
    assert.deepEqual((await pc.move('restart'))?.cursor, at('forward', 0));
    assert.deepEqual((await pc.move('seek', at('backward', 3)))?.cursor, at('backward', 3));
  });

  it('phase moves: to the start of the next phase, back to the start of this or the previous one', async () => {
    const { pc } = loaded(run(3));
    await pc.move('stepForward');
    assert.deepEqual((await pc.move('phaseForward'))?.cursor, at('backward', 2));
    assert.deepEqual((await pc.move('phaseForward'))?.cursor, at('totals', 0));
    assert.deepEqual((await pc.move('phaseBack'))?.cursor, at('backward', 2));
    assert.deepEqual((await pc.move('phaseBack'))?.cursor, at('forward', 0));
  });

  it('a newer intent supersedes a move still waiting (no late jump)', async () => {
    const r = run(4);
    const { pc, cursors } = loaded(r, progress(r, 2, 0));
    const far = pc.move('seek', at('totals', 0));
    await pc.move('stepForward');
    pc.progress(progress(r));
    assert.equal(await far, undefined);
    assert.deepEqual(pc.cursor, at('forward', 1));
    assert.equal(cursors().length, 1);
  });
});

describe('panel cursor: runs, restore and the debug link', () => {
  it('a re-run starts at forward t = 1 and goes back to the step the user was on once it is computed', async () => {
    const r1 = run(3, 3, 1);
    const { pc, cursors } = loaded(r1);
    await pc.move('seek', at('backward', 1));
    const r2 = run(3, 3, 2);
    assert.deepEqual(pc.newRun(r2), at('forward', 0), 'what init says');
    pc.progress(progress(r1)); // a late message of the old run: ignored
    assert.deepEqual(pc.cursor, at('forward', 0));
    pc.progress(progress(r2, 3, 1));
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(pc.cursor, at('forward', 0), 'stays put while its step is not computed');
    pc.progress(progress(r2, 3, 2));
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(pc.cursor, at('backward', 1));
    const last = cursors().pop();
    assert.equal(last?.runId, 2);
  });

  it('a re-run with a shorter sequence clamps the cursor in its phase and hides breakpoints outside it', async () => {
    const { pc, sent } = loaded(run(6));
    pc.toggleBreakpoint(at('forward', 5));
    pc.toggleBreakpoint(at('forward', 1));
    await pc.move('seek', at('forward', 5));
    const r2 = run(3, 3, 2);
    pc.newRun(r2);
    pc.progress(progress(r2));
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(pc.cursor, at('forward', 2));
    assert.deepEqual(sent.filter((m) => m.type === 'breakpoints').pop(), { type: 'breakpoints', steps: [at('forward', 1)] });
    assert.deepEqual(clampCursor({ T_x: 3, T_b: 2 }, at('backward', 7)), at('backward', 1));
  });

  it('a restored panel starts at the saved step with the saved breakpoints (malformed entries dropped)', async () => {
    const saved = parseSavedCursor({ v: 1, cursor: at('backward', 1), breakpoints: ['backward:1', 'junk', 'forward:99', 7, '__proto__:1'] });
    assert.deepEqual(saved, { cursor: at('backward', 1), breakpoints: [at('backward', 1), at('forward', 99)] });
    const { pc, sent } = owner(saved);
    const r = run(3);
    pc.newRun(r);
    pc.progress(progress(r));
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(pc.cursor, at('backward', 1));
    assert.deepEqual(pc.breakpointsMessage(), { type: 'breakpoints', steps: [at('backward', 1)] });
    assert.ok(sent.some((m) => m.type === 'cursor'));
    assert.deepEqual(parseSavedCursor('x'), {});
    assert.deepEqual(parseSavedCursor({ cursor: at('forward', -1) }), {});
  });

  it("a debug session's stop is followed and not reported back; the panel's own moves are", async () => {
    const { pc, moved, cursors } = loaded();
    pc.follow(at('backward', 2));
    assert.deepEqual(pc.cursor, at('backward', 2));
    assert.equal(cursors().length, 1, 'the webview is told');
    assert.deepEqual(moved, [], 'the session is not told its own stop');
    pc.follow(at('backward', 2)); // already there: nothing
    assert.equal(cursors().length, 1);
    await pc.move('stepForward');
    assert.deepEqual(moved, [at('backward', 1)]);
    await pc.move('stepForward');
    await pc.move('stepForward'); // at the end: no move to report
    assert.deepEqual(moved, [at('backward', 1), at('backward', 0), at('totals', 0)]);
  });

  it("every stop after a panel move names the newest move received (`seq`); a new webview document starts again", async () => {
    const { pc, cursors } = loaded();
    await pc.move('stepForward');
    assert.equal(cursors()[0].seq, undefined, 'no numbered move received yet');
    await pc.move('stepForward', undefined, 1);
    await pc.move('stepForward', undefined, 2);
    assert.deepEqual(cursors().slice(1).map((c) => c.seq), [1, 2]);
    pc.follow(at('backward', 2)); // a debug session's stop: still says move 2 was received
    assert.equal(cursors()[3].seq, 2);
    await pc.move('stepBack'); // a VS Code command: no number of its own
    assert.equal(cursors()[4].seq, 2);
    pc.newDocument();
    await pc.move('stepBack', undefined, 1);
    assert.equal(cursors()[5].seq, 1, 'numbered from 1 again, not held at 2');
  });
});
