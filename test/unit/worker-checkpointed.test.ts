// The worker's checkpointed run (src/worker/checkpointedRun.ts, chosen by runChoice.ts above the
// cache budget) against the full-cache run (`rnn-stepper run`): every step payload (running sums
// included), units × time windows across window boundaries, gradient norms, the first
// non-finite value, and the export (JSON and .npz) bit for bit; a fixture without da (ones, not
// held); and a RunSession given a small rnnStepper.cacheMemoryMB exporting the CLI's text.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { randomProblem, run } from '../../src/engine';
import { fullCacheBytes } from '../../src/engine/checkpoint';
import type { Problem } from '../../src/engine/types';
import { exportToString } from '../../src/export/caches';
import { writeNpzExport } from '../../src/export/npz';
import type { Phase } from '../../src/protocol/messages';
import { NonFiniteScanner } from '../../src/session/nonFinite';
import { runningSumsFor, sumsLayout } from '../../src/session/runningSums';
import { BACKWARD_WINDOWS, FORWARD_WINDOWS, gradientNorms, stepPayload, windowOf, type RunView } from '../../src/session/steps';
import { CheckpointedSessionRun } from '../../src/worker/checkpointedRun';
import { LiveRun } from '../../src/worker/liveRun';
import type { FromWorker } from '../../src/worker/protocol';
import { checkpointSpacing, startRun, sumsBudget } from '../../src/worker/runChoice';
import { RunSession } from '../../src/worker/session';
import { truncateDa, withCellState } from './engine-helpers';

function clone(p: Problem): Problem {
  const c = (a: { shape: number[]; data: Float64Array }) => ({ shape: [...a.shape], data: a.data.slice() });
  const parameters: Record<string, { shape: number[]; data: Float64Array }> = {};
  for (const [k, v] of Object.entries(p.parameters)) parameters[k] = c(v);
  return {
    ...p, x: c(p.x), a0: c(p.a0), da: c(p.da), ...(p.c0 ? { c0: c(p.c0) } : {}), ...(p.dcFinal ? { dcFinal: c(p.dcFinal) } : {}),
    parameters: parameters as Problem['parameters'],
  };
}

/** The full run as a finished session view. */
function reference(p: Problem): RunView {
  const r = run(clone(p));
  return { ...r, forwardDone: p.dims.T_x, backwardDone: r.backward.T_b, finished: true };
}

function sameBits(what: string, got: Float64Array, want: Float64Array): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}[${i}]: ${got[i]} differs from the full run's ${want[i]}`);
}

function checkpointed(p: Problem, spacing: number): CheckpointedSessionRun {
  const r = new CheckpointedSessionRun(clone(p), { spacing, keepWindows: 2, daOnes: false, exportGroupBytes: 3000 });
  while (!r.finished) r.slice(5, Infinity);
  while (!r.buildSums(50));
  return r;
}

/** Every stop in the order the panel steps them, then backwards (windows recomputed both ways). */
function assertSteps(r: CheckpointedSessionRun, ref: RunView): void {
  const { T_x } = ref.problem.dims, T_b = ref.backward.T_b;
  const stops: [Phase, number][] = [];
  for (let t = 0; t < T_x; t++) stops.push(['forward', t]);
  for (let t = T_b - 1; t >= 0; t--) stops.push(['backward', t]);
  stops.push(['totals', 0]);
  const sums = runningSumsFor(ref);
  while (!sums.build(1000));
  for (const [phase, t] of [...stops, ...stops.slice().reverse()]) {
    const got = r.step(phase, t), want = stepPayload(ref, phase, t);
    assert.ok(typeof got !== 'string' && typeof want !== 'string', `${phase} ${t}: ${String(got)}`);
    assert.deepEqual(got.map((x) => x.name), want.map((x) => x.name), `${phase} ${t}: names`);
    want.forEach((w, k) => sameBits(`${phase} ${t} ${w.name}`, new Float64Array(got[k]!.data), new Float64Array(w.data)));
  }
}

function assertWindows(r: CheckpointedSessionRun, ref: RunView): void {
  const { m, T_x } = ref.problem.dims;
  for (const tensor of [...FORWARD_WINDOWS, ...BACKWARD_WINDOWS]) {
    for (const [t0, t1] of [[0, 64], [3, 29], [0, T_x], [r.spacing - 1, r.spacing + 1], [T_x - 5, T_x + 10]]) {
      const batch = (t0 + 1) % m;
      const got = r.window(tensor, batch, t0, t1), want = windowOf(ref, tensor, batch, t0, t1);
      if (typeof want === 'string') {
        assert.equal(got, want, `${tensor} [${t0}, ${t1}): the same refusal`);
        continue;
      }
      assert.ok(typeof got !== 'string', `${tensor} [${t0}, ${t1}): ${String(got)}`);
      assert.deepEqual([got.t0, got.t1, got.rows], [want.t0, want.t1, want.rows], `${tensor} [${t0}, ${t1}) range`);
      sameBits(`window ${tensor} [${t0}, ${t1})`, got.data, want.data);
    }
  }
  assert.equal(r.window('a', m, 0, 4), windowOf(ref, 'a', m, 0, 4));
  assert.equal(r.window('nope', 0, 0, 4), windowOf(ref, 'nope', 0, 0, 4));
}

async function exportBytes(write: (sink: (c: Uint8Array) => void) => Promise<void>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await write((c) => void parts.push(c.slice()));
  return Buffer.concat(parts);
}

const CASES: { label: string; make: () => Problem; spacing: number }[] = [
  {
    label: 'LSTM m=8 T=70 T_b=53, c0 and dcFinal set, spacing 16 (4 chunks)',
    make: () => truncateDa(withCellState(randomProblem({ kind: 'lstm', n_x: 5, n_a: 12, n_y: 3, m: 8, T: 70, seed: 21 })), 53),
    spacing: 16,
  },
  { label: 'RNN m=3 T=61, spacing 43', make: () => randomProblem({ kind: 'rnn', n_x: 4, n_a: 7, n_y: 3, m: 3, T: 61, seed: 22 }), spacing: 43 },
];

describe('checkpointed session run', () => {
  for (const c of CASES) {
    it(`${c.label}: steps, windows, norms, export bit for bit the full run's`, async () => {
      const p = c.make();
      const ref = reference(p);
      const r = checkpointed(p, c.spacing);
      assert.ok(r.spacing < p.dims.T_x, 'several windows');
      assertSteps(r, ref);
      assertWindows(r, ref);
      const n = r.norms(), want = gradientNorms(ref);
      sameBits('norms da', n.da, want.da);
      if (want.dc) sameBits('norms dc', n.dc ?? new Float64Array(0), want.dc);
      assert.equal(n.from, want.from);
      const dir = mkdtempSync(join(tmpdir(), 'rnn-ck-'));
      const out = join(dir, 'caches.json');
      await r.exportTo(out, () => false);
      assert.equal(readFileSync(out, 'utf8'), exportToString(run(clone(p))), 'the export is `rnn-stepper run`\'s text');
      const npz = join(dir, 'caches.npz');
      await r.exportTo(npz, () => false);
      const wantNpz = await exportBytes((sink) => writeNpzExport(run(clone(p)), sink));
      assert.ok(readFileSync(npz).equals(wantNpz), 'the .npz export is `rnn-stepper run -o x.npz`\'s bytes');
    });
  }

  it('stepping back through the backward is O(1): the running sums around the step are prefetched when idle, bit for bit the full run\'s', () => {
    // A sums budget of 40 sums for T_b = 60: coarse checkpoints and a prefetched span (runningSums.ts).
    const p = randomProblem({ kind: 'lstm', n_x: 3, n_a: 4, n_y: 2, m: 3, T: 60, seed: 29 });
    const sumsBytes = 40 * (4 * 4 * 7 + 4 * 4) * 8;
    const ref = reference(p);
    const refSums = runningSumsFor(ref);
    while (!refSums.build(1000));
    const live = LiveRun.start(clone(p), { keepGateGrads: true, sumsBytes });
    live.advance(Infinity);
    const ck = new CheckpointedSessionRun(clone(p), { spacing: 16, keepWindows: 2, daOnes: false, exportGroupBytes: 3000, sumsBytes });
    while (!ck.finished) ck.slice(5, Infinity);
    for (const r of [live, ck]) {
      while (!r.buildSums(50));
      const label = r instanceof LiveRun ? 'full caches' : 'checkpointed';
      assert.ok(r.sums.spacing > 3 && r.sums.fine >= 1, `${label}: a layout with a span (spacing ${r.sums.spacing}, fine ${r.sums.fine})`);
      // a jump down into the backward, then step back (t + 1) to the top, idle between the steps
      // as the session is; then ±10 jumps
      const stops: number[] = [];
      for (let t = 7; t < 60; t++) stops.push(t);
      for (let t = 49; t >= 9; t -= 10) stops.push(t);
      for (let t = 19; t < 60; t += 10) stops.push(t);
      const worst: number[] = [];
      for (const t of stops) {
        const c0 = r.sums.contributions;
        const got = r.step('backward', t), want = stepPayload(ref, 'backward', t, refSums);
        assert.ok(typeof got !== 'string' && typeof want !== 'string');
        want.forEach((w, k) => sameBits(`${label} backward ${t} ${w.name}`, new Float64Array(got[k]!.data), new Float64Array(w.data)));
        if (t !== 7) worst.push(r.sums.contributions - c0);
        while (r.idle());
      }
      // (the first stop may walk from a checkpoint: it is a jump to a step nothing is known around)
      const steps = worst.slice(0, 52), jumps = worst.slice(52);
      assert.ok(steps.every((n) => n === 0), `${label}: step back computed contributions on request: ${steps.join(' ')}`);
      assert.ok(jumps.every((n) => n < r.sums.fine), `${label}: a ±10 jump computed ${jumps.join(' ')} contributions (fine ${r.sums.fine})`);
    }
  });

  it('the running sums\' layout fits their budget: a span at 160 MiB for the 1000-step LSTM, none when too tight', () => {
    const per = (4 * 256 * 320 + 4 * 256) * 8;
    for (const [T, mib, span] of [[1000, 160, true], [1000, 64, false], [10000, 400, true], [60, 200, true]] as const) {
      const slots = Math.floor((mib * 1048576) / per);
      const l = sumsLayout(T, slots);
      const held = Math.ceil(T / l.spacing) + l.span + 3; // checkpoints, span, accumulator, walker, R(T_b)
      assert.ok(held <= slots || l.fine === 0, `T=${T} ${mib} MiB: ${held} sums held in ${slots} slots (${JSON.stringify(l)})`);
      assert.equal(l.fine >= 1, span, `T=${T} ${mib} MiB: a prefetched span (${JSON.stringify(l)})`);
    }
    const p = randomProblem({ kind: 'lstm', n_x: 4, n_a: 8, n_y: 2, m: 4, T: 200, seed: 26 });
    assert.ok(sumsBudget(p, 1e12) === 160 * 1048576 && sumsBudget(p, 1) === 64 * 1048576, 'between 64 and 160 MiB');
  });

  it('a fixture without da (ones) runs without holding da and gives the same numbers', async () => {
    const p = randomProblem({ kind: 'lstm', n_x: 3, n_a: 6, n_y: 2, m: 4, T: 50, seed: 23 });
    p.da = { shape: p.da.shape, data: new Float64Array(p.da.data.length).fill(1) };
    p.daDefaulted = true;
    const ref = reference(p);
    const q = clone(p);
    const r = startRun(q, { gateGradLimitBytes: 0, cacheBytes: fullCacheBytes(p) / 2 });
    assert.ok(r instanceof CheckpointedSessionRun, 'above the budget: checkpointed');
    assert.equal(q.da.data.length, 0, 'da (ones) is not held');
    while (!r.finished) r.slice(5, Infinity);
    while (!r.buildSums(50));
    assertSteps(r, ref);
    const dir = mkdtempSync(join(tmpdir(), 'rnn-ck-'));
    await r.exportTo(join(dir, 'c.json'), () => false);
    assert.equal(readFileSync(join(dir, 'c.json'), 'utf8'), exportToString(run(clone(p))));
  });

  it('the first non-finite value is the full run\'s (forward, then backward)', () => {
    const p = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 2, T: 40, seed: 24 });
    p.x.data[(1 * 2 + 1) * 40 + 29] = NaN; // x[1, 1, 29]
    const want = new NonFiniteScanner().update(reference(p));
    assert.equal(want?.t, 29, 'the planted NaN shows');
    const r = checkpointed(p, 12);
    assert.deepEqual(r.nonFinite(), want);
    const q = randomProblem({ kind: 'lstm', n_x: 3, n_a: 5, n_y: 2, m: 2, T: 40, seed: 25 });
    q.da.data[(2 * 2 + 0) * 40 + 7] = NaN; // da[2, 0, 7]: backward only
    const wantB = new NonFiniteScanner().update(reference(q));
    assert.equal(wantB?.phase, 'backward');
    assert.deepEqual(checkpointed(q, 12).nonFinite(), wantB);
  });

  it('the cache budget chooses: every step kept when it fits, else checkpoints with the spacing the budget allows', () => {
    const p = randomProblem({ kind: 'lstm', n_x: 4, n_a: 8, n_y: 2, m: 4, T: 200, seed: 26 });
    assert.ok(startRun(clone(p), { gateGradLimitBytes: 0, cacheBytes: fullCacheBytes(p) }) instanceof LiveRun);
    const small = fullCacheBytes(p) / 4;
    const r = startRun(clone(p), { gateGradLimitBytes: 0, cacheBytes: small });
    assert.ok(r instanceof CheckpointedSessionRun);
    assert.equal(r.spacing, checkpointSpacing(p, small));
    assert.ok(r.spacing >= 32 && r.spacing < 200, `spacing ${r.spacing}`);
  });

  it('a RunSession given a small rnnStepper.cacheMemoryMB runs checkpointed and exports the CLI\'s text', async () => {
    const p = randomProblem({ kind: 'lstm', n_x: 5, n_a: 16, n_y: 3, m: 8, T: 120, seed: 27 });
    const posted: FromWorker[] = [];
    const s = new RunSession((msg) => void posted.push(msg), {
      load: async () => ({ ok: true, problem: clone(p), warnings: [], warningDiags: [] }),
      loadWhole: async () => ({ ok: false, diagnostics: [], message: 'not used' }),
    }, { paintWaitMs: 0 });
    const cacheMemoryMB = fullCacheBytes(p) / 3 / 1e6;
    assert.ok(checkpointSpacing(p, cacheMemoryMB * 1e6) < 120, 'the budget makes it checkpointed');
    await s.receive({ type: 'load', runId: 1, path: '/f.rnn.json', maxBytes: 1 << 30, gateGradLimitBytes: 0, cacheMemoryMB });
    await s.receive({ type: 'start' });
    await s.receive({ type: 'painted' });
    const dir = mkdtempSync(join(tmpdir(), 'rnn-ck-'));
    const out = join(dir, 'caches.json');
    await s.receive({ type: 'export', id: 7, path: out });
    for (let i = 0; i < 400 && !posted.some((m) => m.type === 'reply' && m.id === 7); i++) await new Promise((res) => setTimeout(res, 25));
    const reply = posted.find((m) => m.type === 'reply' && m.id === 7);
    assert.ok(reply && reply.type === 'reply' && 'kind' in reply && reply.kind === 'export', JSON.stringify(reply));
    assert.equal(readFileSync(out, 'utf8'), exportToString(run(clone(p))));
    s.dispose();
  });
});
