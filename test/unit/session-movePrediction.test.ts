// The panel's prediction of a move (src/session/movePrediction.ts) against the timeline itself:
// for many timelines (lengths, how far computed, breakpoints, cursor) and every move, a predicted
// stop must be exactly where a real Timeline stops, and a move the Timeline waits on must not be
// predicted. Seen failing with `stepForward` predicted past the computed steps, and with the
// continue's scan not waiting at the first step not computed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { predictMove, type PredictedMove } from '../../src/session/movePrediction';
import { Timeline, type StopEvent } from '../../src/session/timeline';
import { cursorAt, type Cursor, type Reach, type Span } from '../../src/session/timelineIndex';

const MOVES: PredictedMove[] = ['stepForward', 'stepBack', 'continue', 'reverseContinue', 'restart', 'end', 'seek', 'phaseForward', 'phaseBack'];

/** A small deterministic generator (the cases are the same on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Where a real Timeline stops for the move, if it stops without waiting. */
function timelineStop(span: Span, reach: Reach, bps: number[], from: number, move: PredictedMove, at?: Cursor): number | undefined {
  const tl = new Timeline(span);
  tl.setReach(reach);
  tl.reset(span, from);
  tl.setReach(reach);
  tl.setStepBreakpoints(bps.map((i) => ({ cursor: cursorAt(span, i) })));
  let stop: StopEvent | undefined;
  tl.on('stopped', (e) => (stop = e));
  switch (move) {
    case 'stepForward': void tl.step(false); break;
    case 'stepBack': void tl.step(true); break;
    case 'continue': void tl.continue(false); break;
    case 'reverseContinue': void tl.continue(true); break;
    case 'restart': void tl.restart(); break;
    case 'end': void tl.seek(Math.max(0, tl.reachable)); break;
    case 'seek': void tl.seek(at ?? tl.position); break;
    case 'phaseForward': void tl.stepPhase(false); break;
    case 'phaseBack': void tl.stepPhase(true); break;
  }
  // (a stop without waiting is emitted synchronously; a waiting move emits nothing yet)
  return stop?.index;
}

describe('move prediction = the timeline', () => {
  it('agrees with a real Timeline on 4000 random cases, every move', () => {
    const r = rng(9);
    let predicted = 0;
    let waited = 0;
    for (let n = 0; n < 4000; n++) {
      const span = { T_x: 1 + Math.floor(r() * 6), T_b: Math.floor(r() * 6) };
      const length = span.T_x + span.T_b + 1;
      const forwardDone = Math.floor(r() * (span.T_x + 1));
      const backwardDone = forwardDone < span.T_x ? 0 : Math.floor(r() * (span.T_b + 1));
      const reach = { forwardDone, backwardDone, finished: backwardDone === span.T_b && forwardDone === span.T_x && r() < 0.8 };
      const bps = [...new Set(Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * length)))];
      const from = Math.floor(r() * length);
      const move = MOVES[n % MOVES.length];
      const at = move === 'seek' ? (r() < 0.1 ? { phase: 'backward' as const, t: 99 } : cursorAt(span, Math.floor(r() * length))) : undefined;
      const want = timelineStop(span, reach, bps, from, move, at);
      const got = predictMove({ span, reach, breakpoints: bps }, from, move, at);
      const what = `${move} from ${from} in ${JSON.stringify({ span, reach, bps, at })}`;
      if (got !== undefined) {
        predicted++;
        assert.equal(got, want, `predicted ${got}, the timeline stops at ${want}: ${what}`);
      } else {
        waited++;
        assert.equal(want, undefined, `not predicted, but the timeline stops at once at ${want}: ${what}`);
      }
    }
    // Both kinds are exercised.
    assert.ok(predicted > 1500 && waited > 200, `predicted ${predicted}, waited ${waited}`);
  });

  it('nothing computed yet: no move is predicted but a step back at the start', () => {
    const span = { T_x: 3, T_b: 3 };
    const v = { span, reach: undefined, breakpoints: [] };
    for (const m of MOVES) if (m !== 'stepBack' && m !== 'reverseContinue') assert.equal(predictMove(v, 0, m, { phase: 'forward', t: 1 }), undefined, m);
    assert.equal(predictMove(v, 0, 'stepBack'), 0);
  });

  it('a seek without its step is not predicted', () => {
    const span = { T_x: 3, T_b: 3 };
    assert.equal(predictMove({ span, reach: { forwardDone: 3, backwardDone: 3, finished: true }, breakpoints: [] }, 1, 'seek'), undefined);
  });
});
