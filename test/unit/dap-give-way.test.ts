// The run's background gives way to a debugger looking at a stop (src/worker/giveWay.ts): after a
// `hold` the run computes only LEAD_STOPS stops past the furthest stop held or asked for, reads no
// x ahead, and goes on at full speed when the quiet ends. Counted (slices, reads of x, the steps
// computed) under a clock the test moves, never timed.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { randomProblem } from '../../src/engine';
import type { Problem } from '../../src/engine/types';
import { GiveWay, LEAD_STOPS, QUIET_MS } from '../../src/worker/giveWay';
import type { FromWorker, ToWorker } from '../../src/worker/protocol';
import { RunSession, type FixtureLoader } from '../../src/worker/session';

describe('GiveWay', () => {
  it('is quiet for QUIET_MS after a hold; computes up to LEAD_STOPS past the furthest stop wanted', () => {
    let clock = 1000;
    const g = new GiveWay(() => clock);
    assert.equal(g.quiet, false);
    assert.equal(g.mayCompute(500), true, 'no hold: the run computes');
    g.asked(900);
    assert.equal(g.quiet, false, 'a step asked for alone (a panel prefetching) is no hold');
    g.hold(10);
    assert.equal(g.quiet, true);
    assert.equal(g.mayCompute(10 + LEAD_STOPS - 1), true);
    assert.equal(g.mayCompute(10 + LEAD_STOPS), false);
    g.asked(20); // a stop fetched ahead
    assert.equal(g.mayCompute(20 + LEAD_STOPS - 1), true);
    assert.equal(g.mayCompute(20 + LEAD_STOPS), false);
    g.hold(3); // a step back: the furthest stop wanted stays
    assert.equal(g.mayCompute(20 + LEAD_STOPS - 1), true);
    clock += QUIET_MS - 1;
    assert.equal(g.quiet, true);
    assert.equal(g.remaining(), 1);
    clock += 1;
    assert.equal(g.quiet, false);
    assert.equal(g.mayCompute(10_000), true);
    g.hold(5); // a new quiet forgets the old one's stops
    assert.equal(g.mayCompute(5 + LEAD_STOPS), false);
  });
});

/** A session fed `problem` in one go, its messages collected, on the test's clock. */
function session(problem: Problem, clock: { now: number }) {
  const posted: FromWorker[] = [];
  const loader: FixtureLoader = {
    load: async () => ({ ok: true, problem, warnings: [], warningDiags: [] }),
    loadWhole: async () => ({ ok: false, diagnostics: [], message: 'not used' }),
  };
  // sliceMs 0: one step per slice, so the stop where the run gives way is exact.
  const s = new RunSession((m) => posted.push(m), loader, { sliceMs: 0, paintWaitMs: 0, now: () => clock.now });
  const send = (m: ToWorker) => void s.receive(m);
  const forwardDone = () => {
    for (let i = posted.length - 1; i >= 0; i--) {
      const m = posted[i];
      if (m?.type === 'progress') return m.progress.forwardDone;
    }
    return 0;
  };
  const finished = () => posted.some((m) => m.type === 'progress' && m.progress.finished);
  return { s, posted, send, forwardDone, finished };
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('RunSession gives way to a hold', () => {
  it('computes only LEAD_STOPS past the stops held and asked for, reads nothing ahead, goes on when the quiet ends', async () => {
    const p = randomProblem({ kind: 'lstm', n_x: 3, n_a: 6, n_y: 2, m: 4, T: 300, seed: 3 });
    const clock = { now: 1_000_000 };
    const h = session(p, clock);
    h.send({ type: 'load', runId: 1, path: '/f.rnn.json', maxBytes: 1 << 30, gateGradLimitBytes: 1 << 26 });
    await until('loaded', () => h.posted.some((m) => m.type === 'loaded'));
    // The debugger stopped at forward t=1 (index 0) before the run started computing.
    h.send({ type: 'hold', index: 0 });
    h.send({ type: 'start' });
    h.send({ type: 'painted' });
    await until('the lead computed', () => h.forwardDone() === LEAD_STOPS + 1);
    const work = { ...h.s.work };
    await sleep(150);
    assert.equal(h.forwardDone(), LEAD_STOPS + 1, 'the run stops LEAD_STOPS stops past the stop held');
    assert.deepEqual(h.s.work, work, 'no slice while quiet once the lead is there');
    assert.equal(h.s.work.xReads, 0, 'x is not read ahead in a quiet');

    // The stops fetched ahead of the next stop (forward t=6): the run computes up to past them.
    h.send({ type: 'step', id: 1, phase: 'forward', t: 5 });
    await until('the lead past the stop asked for', () => h.forwardDone() === 5 + LEAD_STOPS + 1);
    await sleep(150);
    assert.equal(h.forwardDone(), 5 + LEAD_STOPS + 1);
    assert.ok(h.posted.some((m) => m.type === 'reply' && m.id === 1 && 'kind' in m && m.kind === 'step'), 'the step is answered');

    // The quiet ends: the run goes on to the end (sums included) at full speed.
    clock.now += QUIET_MS;
    await until('the run finished', h.finished, 60_000);
    assert.ok(h.s.work.xReads > 0, 'x is read ahead again (a call per slice)');
    h.s.dispose();
  });

  it('a step asked for without a hold (a panel prefetching) does not stop the run', async () => {
    const p = randomProblem({ kind: 'rnn', n_x: 3, n_a: 6, n_y: 2, m: 4, T: 200, seed: 4 });
    const clock = { now: 1_000_000 };
    const h = session(p, clock);
    h.send({ type: 'load', runId: 1, path: '/f.rnn.json', maxBytes: 1 << 30, gateGradLimitBytes: 1 << 26 });
    await until('loaded', () => h.posted.some((m) => m.type === 'loaded'));
    h.send({ type: 'start' });
    h.send({ type: 'painted' });
    await until('the first step', () => h.forwardDone() >= 1);
    h.send({ type: 'step', id: 1, phase: 'forward', t: 0 });
    // The clock never moves: a quiet would never end.
    await until('the run finished', h.finished, 60_000);
    h.s.dispose();
  });
});
