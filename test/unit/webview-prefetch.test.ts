// What the panel fetches ahead of the cursor (src/webview/views/prefetch.ts), with a DataClient
// that records the step requests: single steps lean the way of travel; the same jump twice fetches
// the next jumps' steps (a ±10 jump repeated is then painted from the cache). Seen failing with the
// previous prefetch (only ±1…6 around the cursor: the next +10 was never asked for).
// Prefetch is bounded by the bytes on their way (a big LSTM's backward stop is ~6 MB): the
// backward-jump tests were seen failing with the unbounded plan (six 6 MB stops per jump, 36 MB
// queued on the panel's channel ahead of the next jump's step; requests of a place left far
// behind counted forever).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview, Phase, RunInfo } from '../../src/protocol/messages';
import { STALE_DISTANCE } from '../../src/session/stepQueue';
import { DataClient } from '../../src/webview/client';
import { cursorAt, initialState, type State } from '../../src/webview/store';
import { create, PREFETCH_BYTES, prefetchOffsets } from '../../src/webview/views/prefetch';

const run: RunInfo = {
  runId: 1, fileName: 'f', name: 'f', kind: 'lstm', cell: 'lstm',
  dims: { n_x: 1, n_a: 1, n_y: 1, m: 1, T_x: 100 }, T_b: 100, daDefaulted: false, warnings: [],
};
/** The panel's state with the cursor at timeline index `i` (forward 0…99, then backward t = 99…0). */
const at = (i: number): State => ({
  ...initialState(),
  run,
  progress: { runId: 1, forwardDone: 100, backwardDone: 100, finished: true },
  cursor: cursorAt(run, i),
});

const MB = 1 << 20;
/** Payload sizes of the 1000-step bench LSTM (n_a = 256, m = 32): ~0.6 MB forward, ~6 MB backward. */
const SIZE: Record<Phase, number> = { forward: 0.6 * MB, backward: 6 * MB, totals: 0.1 * MB };

function panel(start = 40) {
  const asked: string[] = [];
  const open: { id: number; phase: Phase; t: number }[] = [];
  const data = new DataClient((m: FromWebview) => {
    if (m.type !== 'requestStep') return;
    asked.push(`${m.phase}:${m.t}`);
    open.push({ id: m.messageId, phase: m.phase, t: m.t });
  });
  data.reset(1);
  // A forward step came before (the one the host pushes at start): forward payloads are small.
  const n = Math.round(SIZE.forward / 8);
  data.onStep({ type: 'step', inReplyTo: 0, runId: 1, phase: 'forward', t: 99, tensors: [{ name: 'x', rows: n, cols: 1, data: new ArrayBuffer(n * 8) }] });
  const ahead = create(data);
  let s = at(start);
  /** Move the cursor to index `i`; the step requests that caused, in order. */
  const go = (i: number) => {
    const next = at(i);
    ahead.moved(next, s);
    s = next;
    asked.length = 0;
    ahead.request(s);
    return [...asked];
  };
  /** The host answers every request on its way (payloads of the phase's size). */
  const answerAll = () => {
    for (const r of open.splice(0)) {
      const n = Math.round(SIZE[r.phase] / 8);
      data.onStep({ type: 'step', inReplyTo: r.id, runId: 1, phase: r.phase, t: r.t, tensors: [{ name: 'x', rows: n, cols: 1, data: new ArrayBuffer(n * 8) }] });
    }
  };
  return { go, answerAll, data };
}

/** Bytes of the requests `asked` (phase:t keys). */
const bytesOf = (asked: string[]) => asked.reduce((n, k) => n + SIZE[k.split(':')[0] as Phase], 0);

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

  it('backward jumps: the cursor\'s step first, then only as many stops as the byte bound holds', () => {
    const { go, answerAll } = panel(130); // backward t = 69
    go(131);
    answerAll(); // (the panel has seen backward payloads: it knows they are ~6 MB)
    const first = go(141); // a first +10 jump: the cursor and the neighbours that fit
    assert.equal(first[0], 'backward:58');
    assert.ok(bytesOf(first) <= PREFETCH_BYTES, `${first.join(' ')}: ${bytesOf(first) / MB} MB`);
    answerAll();
    const again = go(151); // the same jump again: the cursor, then the next jumps, within the bound
    assert.deepEqual(again, ['backward:48', 'backward:38']);
    answerAll();
    // The cursor's step is here: the next two jumps' steps (12 MB; a third would not fit).
    assert.deepEqual(go(161), ['backward:28', 'backward:18']);
    // Jumping on before they came: the cursor's step is on its way, and so is the next one;
    // nothing more fits.
    assert.deepEqual(go(171), []);
    answerAll();
    // Steady jumping: one new stop per jump, two jumps ahead.
    assert.deepEqual(go(181).slice(0, 1), ['backward:8']);
    // Backwards through the run (−10 jumps, as bench-ui does after the +10 ones): the same bound.
    answerAll();
    go(171);
    const back = go(161);
    assert.ok(bytesOf(back) <= PREFETCH_BYTES, `${back.join(' ')}: ${bytesOf(back) / MB} MB`);
  });

  it('the cursor\'s own step is asked for even when the bound is used up', () => {
    const { go } = panel(130);
    go(131); // four backward stops on their way (no backward size known yet: 4 MB each), unanswered
    assert.deepEqual(go(136), ['backward:63']);
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
