// What the panel fetches ahead of the cursor (src/webview/views/prefetch.ts), with a DataClient
// that records the step requests: single steps lean the way of travel; the same jump twice fetches
// the next jumps' steps (a ±10 jump repeated is then painted from the cache). Seen failing with the
// previous prefetch (only ±1…6 around the cursor: the next +10 was never asked for).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview, RunInfo } from '../../src/protocol/messages';
import { DataClient } from '../../src/webview/client';
import { initialState, type State } from '../../src/webview/store';
import { create, prefetchOffsets } from '../../src/webview/views/prefetch';

const run: RunInfo = {
  runId: 1, fileName: 'f', name: 'f', kind: 'lstm', cell: 'lstm',
  dims: { n_x: 1, n_a: 1, n_y: 1, m: 1, T_x: 100 }, T_b: 100, daDefaulted: false, warnings: [],
};
const at = (t: number): State => ({
  ...initialState(),
  run,
  progress: { runId: 1, forwardDone: 100, backwardDone: 100, finished: true },
  cursor: { phase: 'forward', t },
});

function panel() {
  const asked: string[] = [];
  const data = new DataClient((m: FromWebview) => {
    if (m.type === 'requestStep') asked.push(`${m.phase}:${m.t}`);
  });
  data.reset(1);
  const ahead = create(data);
  let s = at(40);
  const go = (t: number) => {
    const next = at(t);
    ahead.moved(next, s);
    s = next;
    asked.length = 0;
    ahead.request(s);
    return [...asked];
  };
  return { go };
}

describe('prefetch', () => {
  it('stepping forward: the cursor, then ±1…6 leaning forward; stepping back leans back', () => {
    const { go } = panel();
    assert.deepEqual(go(41), ['forward:41', 'forward:42', 'forward:40', 'forward:43', 'forward:44', 'forward:39', 'forward:45', 'forward:46', 'forward:47']);
    // Back one: what is not on its way already, leaning back.
    assert.deepEqual(go(40), ['forward:38', 'forward:37', 'forward:36', 'forward:35', 'forward:34']);
  });

  it('the same jump twice asks for the next jumps first', () => {
    const { go } = panel();
    go(50); // +10, a first jump: the usual neighbours
    const asked = go(60); // +10 again
    assert.deepEqual(asked.slice(0, 4), ['forward:60', 'forward:70', 'forward:80', 'forward:90']);
    assert.ok(asked.includes('forward:61') && asked.includes('forward:59'));
    // A jump back by 10 twice: the steps 10, 20, 30 back.
    go(50);
    assert.deepEqual(go(40).slice(0, 4), ['forward:40', 'forward:30', 'forward:20', 'forward:10']);
  });

  it('offsets: a single step or a first jump gets the neighbours', () => {
    assert.deepEqual(prefetchOffsets(1, 1), [0, 1, -1, 2, 3, -2, 4, 5, 6]);
    assert.deepEqual(prefetchOffsets(-1, 1), [0, -1, 1, -2, -3, 2, -4, -5, -6]);
    assert.deepEqual(prefetchOffsets(10, 1), [0, 1, -1, 2, 3, -2, 4, 5, 6]);
    assert.deepEqual(prefetchOffsets(-10, -10), [0, -10, -20, -30, -1, 1]);
  });
});
