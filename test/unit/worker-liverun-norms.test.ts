// LiveRun's gradient norms (the session posts them every 60 ms of the backward) are kept between
// calls and computed only for the steps done since: at every slice of a sliced run they must be
// gradientNorms' values bit for bit (NaN where not computed yet), for an LSTM (da and dc) and an RNN.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { randomProblem } from '../../src/engine';
import { gradientNorms } from '../../src/session/steps';
import { LiveRun } from '../../src/worker/liveRun';

function sameBits(what: string, got: Float64Array | undefined, want: Float64Array | undefined): void {
  assert.equal(got?.length, want?.length, `${what}: length`);
  if (!got || !want) return;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}[${i}]: ${got[i]}, gradientNorms says ${want[i]}`);
}

describe('LiveRun norms', () => {
  for (const kind of ['lstm', 'rnn'] as const) {
    it(`${kind}: at every slice, gradientNorms' values bit for bit`, () => {
      const p = randomProblem({ kind, n_x: 3, n_a: 5, n_y: 2, m: 4, T: 45, seed: 7 });
      const r = LiveRun.start(p, { keepGateGrads: true });
      let calls = 0;
      while (!r.finished) {
        r.slice(Infinity, 3); // a few steps a slice: the backward arrives a chunk at a time
        // (not every slice asks: the session posts norms at most every 60 ms)
        if (r.forwardDone < p.dims.T_x || calls++ % 2) continue;
        const n = r.norms(), want = gradientNorms(r);
        sameBits(`da after ${r.backwardDone} backward steps`, n.da, want.da);
        sameBits(`dc after ${r.backwardDone} backward steps`, n.dc, want.dc);
        assert.equal(n.from, want.from);
      }
      const n = r.norms(), want = gradientNorms(r);
      sameBits('da at the end', n.da, want.da);
      sameBits('dc at the end', n.dc, want.dc);
      assert.equal(n.from, 0);
      assert.ok(n.da.every((v) => v > 0), 'every step has its norm');
      // the arrays are the caller's (they are transferred to the host): a later call is not affected
      n.da.fill(0);
      sameBits('da after the caller changed its copy', r.norms().da, want.da);
    });
  }
});
