// What the panel fetches ahead of the cursor (src/webview/views/prefetch.ts), with a DataClient
// that records the step requests: single steps lean the way of travel; the same jump twice fetches
// the next jumps' steps (a ±10 jump repeated is then painted from the cache). Seen failing with the
// previous prefetch (only ±1…6 around the cursor: the next +10 was never asked for).
// Prefetch is bounded by the bytes on their way (a big LSTM's whole backward stop is ~5.5 MB): the
// backward-jump tests were seen failing with the unbounded plan (six such stops per jump, 36 MB
// queued on the panel's channel ahead of the next jump's step; requests of a place left far
// behind counted forever). Only the parts of a stop the panel paints are asked for (the weight
// gradients and running sums only while their cards are on screen): the "core only" tests failed
// before (every request asked for the whole stop, and a ±10 plan held two backward stops ahead).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview, Phase, RunInfo, StepPart } from '../../src/protocol/messages';
import { partBytes, partShapes } from '../../src/session/stepParts';
import { STALE_DISTANCE } from '../../src/session/stepQueue';
import { DataClient } from '../../src/webview/client';
import { cursorAt, initialState, type State } from '../../src/webview/store';
import { create, PREFETCH_BYTES, PREFETCH_STOPS, prefetchOffsets } from '../../src/webview/views/prefetch';

/** The bench's LSTM (n_x = 64, n_a = 256, m = 32), 100 steps. */
const run: RunInfo = {
  runId: 1, fileName: 'f', name: 'f', kind: 'lstm', cell: 'lstm',
  dims: { n_x: 64, n_a: 256, n_y: 10, m: 32, T_x: 100 }, T_b: 100, daDefaulted: false, warnings: [],
};
/** The panel's state with the cursor at timeline index `i` (forward 0…99, then backward t = 99…0). */
const at = (i: number): State => ({
  ...initialState(),
  run,
  progress: { runId: 1, forwardDone: 100, backwardDone: 100, finished: true },
  cursor: cursorAt(run, i),
});

const MB = 1 << 20;
const ALL: StepPart[] = ['core', 'grads', 'sums'];
/** Bytes of a request for `parts` of a stop of `phase`. */
const bytes = (phase: Phase, parts: readonly StepPart[]) => parts.reduce((n, p) => n + partBytes(run.cell, run.dims, phase, p), 0);

/** A panel at timeline index `start`; `parts` are the parts its cards on screen want. */
function panel(start = 40, parts: StepPart[] = ['core']) {
  const asked: string[] = [];
  const open: { id: number; phase: Phase; t: number; parts: StepPart[] }[] = [];
  let askedBytes = 0;
  const data = new DataClient((m: FromWebview) => {
    if (m.type !== 'requestStep') return;
    const p = m.parts ?? ALL;
    asked.push(`${m.phase}:${m.t}${p.length === 1 && p[0] === 'core' ? '' : `:${p.join('+')}`}`);
    askedBytes += bytes(m.phase, p);
    open.push({ id: m.messageId, phase: m.phase, t: m.t, parts: p });
  });
  data.reset(1);
  const ahead = create(data, () => parts);
  let s = at(start);
  /** Move the cursor to index `i`; the step requests that caused, in order. */
  const go = (i: number) => {
    const next = at(i);
    ahead.moved(next, s);
    s = next;
    asked.length = 0;
    askedBytes = 0;
    ahead.request(s);
    return [...asked];
  };
  /** The host answers every request on its way (payloads of the real shapes). */
  const answerAll = () => {
    for (const r of open.splice(0)) {
      const tensors = r.parts.flatMap((p) =>
        partShapes(run.cell, run.dims, r.phase, p).map((sh) => ({ ...sh, data: new ArrayBuffer(sh.rows * sh.cols * 8) })),
      );
      assert.ok(data.onStep({ type: 'step', inReplyTo: r.id, runId: 1, phase: r.phase, t: r.t, parts: r.parts, tensors }));
    }
  };
  return { go, answerAll, data, lastBytes: () => askedBytes, show: (p: StepPart[]) => (parts = p), request: () => go(indexHere()) };
  function indexHere() {
    return s.cursor.phase === 'forward' ? s.cursor.t : run.dims.T_x + run.T_b - 1 - s.cursor.t;
  }
}

describe('prefetch', () => {
  it('stepping forward: the cursor, then ±1…6 leaning forward; stepping back leans back', () => {
    const { go, answerAll } = panel();
    assert.deepEqual(go(41), ['forward:41', 'forward:42', 'forward:40', 'forward:43', 'forward:44', 'forward:39', 'forward:45', 'forward:46', 'forward:47']);
    answerAll();
    // Back one: what is not on its way already, leaning back.
    assert.deepEqual(go(40), ['forward:38', 'forward:37', 'forward:36', 'forward:35', 'forward:34']);
  });

  it('the same jump twice asks for the next jumps first', () => {
    const { go, answerAll } = panel();
    go(50); // +10, a first jump: the usual neighbours
    answerAll();
    const asked = go(60); // +10 again
    assert.deepEqual(asked.slice(0, 4), ['forward:60', 'forward:70', 'forward:80', 'forward:90']);
    assert.ok(asked.includes('forward:61') && asked.includes('forward:59'));
    answerAll();
    // A jump back by 10 twice: the steps 10, 20, 30 back.
    go(50);
    answerAll();
    assert.deepEqual(go(40).slice(0, 4), ['forward:40', 'forward:30', 'forward:20', 'forward:10']);
  });

  it('payload sizes of the bench LSTM: a backward core is a tenth of the whole stop, like a forward stop', () => {
    assert.equal(bytes('backward', ALL), 5_799_936);
    assert.equal(bytes('backward', ['core']), 540_672); // 8 × (256×32) + (64×32) float64
    assert.equal(bytes('backward', ['grads']), 2_629_632); // 4 × (256×320) + 4 × 256
    assert.equal(bytes('backward', ['sums']), 2_629_632);
    assert.equal(bytes('forward', ['core']), 543_232);
  });

  it('backward ±10 jumps with the weight gradients off screen: cores only, the whole plan fits (next three jumps and ±1)', () => {
    const { go, answerAll, lastBytes } = panel(130); // backward t = 69
    go(131);
    answerAll();
    go(141); // a first +10 jump: the cursor and the neighbours
    answerAll();
    const again = go(151); // the same jump again: the cursor, the next three jumps, ±1: all six fit
    assert.deepEqual(again, ['backward:48', 'backward:38', 'backward:28', 'backward:18', 'backward:47', 'backward:49']);
    assert.equal(lastBytes(), 6 * bytes('backward', ['core']));
    answerAll();
    // Steady jumping: the cursor's stop is here (fetched two jumps ago); one new jump ahead and ±1.
    assert.deepEqual(go(161), ['backward:8', 'backward:37', 'backward:39']);
    answerAll();
    // Jumping on before the replies came: the stops ahead are here; only ±1 is asked for.
    assert.deepEqual(go(171), ['backward:27', 'backward:29']);
    assert.deepEqual(go(181), ['backward:17', 'backward:19']);
  });

  it('backward jumps with every part on screen: the cursor\'s step first, then only as many stops as the byte bound holds', () => {
    const { go, answerAll, lastBytes } = panel(130, ALL);
    go(131);
    answerAll();
    const first = go(141); // a first +10 jump: the cursor and the neighbours that fit
    assert.equal(first[0], 'backward:58:core+grads+sums');
    assert.ok(lastBytes() <= PREFETCH_BYTES, `${first.join(' ')}: ${lastBytes() / MB} MB`);
    answerAll();
    const again = go(151); // the same jump again: the cursor, then the next jumps, within the bound
    assert.deepEqual(again, ['backward:48:core+grads+sums', 'backward:38:core+grads+sums']);
    answerAll();
    // The cursor's step is here: the next two jumps' steps (11 MB; a third would not fit).
    assert.deepEqual(go(161), ['backward:28:core+grads+sums', 'backward:18:core+grads+sums']);
    // Jumping on before they came: the cursor's step is on its way, and so is the next one.
    assert.deepEqual(go(171), []);
    answerAll();
    // Backwards through the run (−10 jumps, as bench-ui does after the +10 ones): the same bound.
    go(161);
    go(151);
    assert.ok(lastBytes() <= PREFETCH_BYTES);
  });

  it('a part whose cards come on screen is asked for alone, for the cursor first', () => {
    const { go, answerAll, show } = panel(150);
    go(151);
    answerAll();
    show(['core', 'grads']);
    const asked = go(151);
    assert.equal(asked[0], 'backward:48:grads');
    assert.ok(asked.every((k) => k.endsWith(':grads')), asked.join(' '));
    assert.ok(asked.length <= PREFETCH_STOPS + 1);
  });

  it('the cursor\'s own step is asked for even when the bound is used up', () => {
    const { go } = panel(130, ALL);
    go(131); // whole backward stops on their way (unanswered) up to the bound
    assert.deepEqual(go(136), ['backward:63:core+grads+sums']);
  });

  it('requests of a place left far behind are forgotten: they do not hold the bound', () => {
    const { go, data } = panel(110);
    go(111);
    const far = 111 + STALE_DISTANCE + 10;
    const asked = go(far);
    assert.equal(asked[0], `backward:${199 - far}`);
    assert.ok(asked.length >= 2, asked.join(' ')); // prefetches again, the old ones forgotten
    assert.ok(data.stepsInFlight().every((c) => Math.abs(199 - c.t - far) <= STALE_DISTANCE));
  });

  it('offsets: a single step or a first jump gets the neighbours', () => {
    assert.deepEqual(prefetchOffsets(1, 1), [0, 1, -1, 2, 3, -2, 4, 5, 6]);
    assert.deepEqual(prefetchOffsets(-1, 1), [0, -1, 1, -2, -3, 2, -4, -5, -6]);
    assert.deepEqual(prefetchOffsets(10, 1), [0, 1, -1, 2, 3, -2, 4, 5, 6]);
    assert.deepEqual(prefetchOffsets(-10, -10), [0, -10, -20, -30, -1, 1]);
  });
});
