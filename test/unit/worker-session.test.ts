// The run worker's session, driven directly in plain Node (no thread): a loader injected by the
// test, every posted message collected. Covers the first-paint hold, slicing (numbers and export
// equal to the unsliced run, i.e. `rnn-stepper run`), the staged load (forward before da, export
// waiting for the end), and problems found late in da and in x.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { daIsLazyOnes, randomProblem, run } from '../../src/engine';
import { memoryRefusal } from '../../src/engine/memory';
import type { Problem } from '../../src/engine/types';
import { exportToString } from '../../src/export/caches';
import { parseFixture } from '../../src/fixture/parse';
import { fixtureToString } from '../../src/fixture/write';
import type { Phase } from '../../src/protocol/messages';
import { stepPayload, type RunView } from '../../src/session/steps';
import type { FromWorker, ToWorker } from '../../src/worker/protocol';
import { checkpointSpacing } from '../../src/worker/runChoice';
import { RunSession, type FixtureLoader } from '../../src/worker/session';
import { daThreadMain, loadFixtureStaged, readSplitHead, type DaResult, type LoadResult } from '../../src/worker/stagedLoad';

const MB = 1048576;

/** A copy of a problem (the session replaces `problem.da`; the reference must not see that). */
function clone(p: Problem): Problem {
  const c = (a: { shape: number[]; data: Float64Array }) => ({ shape: [...a.shape], data: a.data.slice() });
  const parameters: Record<string, { shape: number[]; data: Float64Array }> = {};
  for (const [k, v] of Object.entries(p.parameters)) parameters[k] = c(v);
  return { ...p, x: c(p.x), a0: c(p.a0), da: c(p.da), ...(p.c0 ? { c0: c(p.c0) } : {}), parameters: parameters as Problem['parameters'] };
}

/** The unsliced run (what `rnn-stepper run` computes) as a session view. */
function reference(p: Problem): RunView & { exportText: string } {
  const r = run(clone(p));
  return {
    ...r,
    forwardDone: p.dims.T_x,
    backwardDone: r.backward.T_b,
    finished: true,
    exportText: exportToString(r),
  };
}

/** A session with its posted messages, and helpers to wait for them. */
class Harness {
  readonly posted: FromWorker[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  readonly session: RunSession;

  constructor(loader: FixtureLoader, opts: { paintWaitMs?: number; sliceMs?: number } = {}) {
    this.session = new RunSession((m) => {
      this.posted.push(m);
      for (const w of this.waiters.splice(0)) w();
    }, loader, opts);
  }

  send(m: ToWorker): void {
    void this.session.receive(m);
  }

  /** Resolves with the first posted message that matches (already posted or to come). */
  async waitFor(match: (m: FromWorker) => boolean, what: string, ms = 20_000): Promise<FromWorker> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.posted.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(this.lastProgress())}`);
      await new Promise<void>((res) => {
        this.waiters.push(res);
        setTimeout(res, 50);
      });
    }
  }

  lastProgress() {
    for (let i = this.posted.length - 1; i >= 0; i--) {
      const m = this.posted[i];
      if (m?.type === 'progress') return m.progress;
    }
    return undefined;
  }

  finished(): Promise<FromWorker> {
    return this.waitFor((m) => m.type === 'progress' && m.progress.finished, 'the run to finish');
  }

  /** Send a request; resolves with its reply. */
  async request(req: DistributiveOmit<Extract<ToWorker, { id: number }>, 'id'>, ms?: number): Promise<Extract<FromWorker, { type: 'reply' }>> {
    const id = this.nextId++;
    this.send({ ...req, id } as Extract<ToWorker, { id: number }>);
    const r = await this.waitFor((m) => m.type === 'reply' && m.id === id, `reply ${id}`, ms);
    assert.equal(r.type, 'reply');
    return r as Extract<FromWorker, { type: 'reply' }>;
  }

  async load(gateGradLimitBytes = 64 * MB): Promise<void> {
    this.send({ type: 'load', runId: 1, path: '/fixture.rnn.json', maxBytes: 512 * MB, gateGradLimitBytes });
    const m = await this.waitFor((x) => x.type === 'loaded' || x.type === 'invalid', 'loaded');
    assert.equal(m.type, 'loaded', JSON.stringify(m));
  }
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** A loader that hands out `problem` as read, optionally staged (da given later by the test). */
function fakeLoader(problem: Problem, staged: boolean) {
  const state: { onDa?: (r: DaResult) => void; daAfter?: Promise<unknown>; daAfterSettled: boolean; da: Float64Array } = {
    daAfterSettled: false,
    da: problem.da.data.slice(),
  };
  const loader: FixtureLoader = {
    async load(_path, _maxBytes, onDa, daAfter) {
      state.onDa = onDa;
      state.daAfter = daAfter;
      void daAfter.then(() => (state.daAfterSettled = true));
      const p = clone(problem);
      if (!staged) return { ok: true, problem: p, warnings: [], warningDiags: [] };
      p.da = { shape: p.da.shape, data: new Float64Array(0) };
      return { ok: true, problem: p, warnings: [], warningDiags: [], daPending: true };
    },
    loadWhole: async () => ({ ok: false, diagnostics: [], message: 'not used' }),
  };
  return { loader, state };
}

/** Every step of the timeline, as the session serves it, equals the unsliced run's. */
async function assertStepsEqual(h: Harness, ref: RunView, p: Problem): Promise<void> {
  const T_b = ref.backward.T_b;
  const stops: [Phase, number][] = [];
  for (let t = 0; t < p.dims.T_x; t++) stops.push(['forward', t]);
  for (let t = T_b - 1; t >= 0; t--) stops.push(['backward', t]);
  stops.push(['totals', 0]);
  for (const [phase, t] of stops) {
    const r = await h.request({ type: 'step', phase, t });
    assert.ok(r.type === 'reply' && 'kind' in r && r.kind === 'step', `${phase} ${t}: ${JSON.stringify(r)}`);
    const want = stepPayload(ref, phase, t);
    assert.ok(typeof want !== 'string');
    assert.deepEqual(r.tensors.map((x) => x.name), want.map((x) => x.name), `${phase} ${t} tensor names`);
    for (let k = 0; k < want.length; k++) {
      const got: Float64Array = new Float64Array(r.tensors[k]!.data);
      const exp: Float64Array = new Float64Array(want[k]!.data);
      assert.deepEqual(got, exp, `${phase} ${t} ${want[k]!.name}`);
    }
  }
}

describe('RunSession', () => {
  const lstm = randomProblem({ kind: 'lstm', n_x: 3, n_a: 5, n_y: 2, m: 4, T: 37, seed: 11 });

  it('holds after the first step until the panel says it painted, then runs to the end', async () => {
    const { loader } = fakeLoader(lstm, false);
    const h = new Harness(loader, { paintWaitMs: 60_000 });
    await h.load();
    h.send({ type: 'start' });
    await h.waitFor((m) => m.type === 'progress' && m.progress.forwardDone >= 1, 'the first step');
    await sleep(300);
    assert.equal(h.lastProgress()?.forwardDone, 1, 'held at the first step while nothing was painted');
    h.send({ type: 'painted' });
    await h.finished();
    h.session.dispose();
  });

  it('goes on by itself when no panel says it painted (paintWaitMs)', async () => {
    const { loader } = fakeLoader(lstm, false);
    const h = new Harness(loader, { paintWaitMs: 400 });
    await h.load();
    const t0 = Date.now();
    h.send({ type: 'start' });
    await h.finished();
    assert.ok(Date.now() - t0 >= 380, `finished after ${Date.now() - t0} ms: it did not wait for the paint`);
    h.session.dispose();
  });

  it('cut into many slices, answers requests between them, serves every step and exports exactly the unsliced run', async () => {
    const p = randomProblem({ kind: 'lstm', n_x: 6, n_a: 24, n_y: 3, m: 8, T: 300, seed: 12 });
    const ref = reference(p);
    const { loader } = fakeLoader(p, false);
    // sliceMs 0: every forward slice is as short as it can be (one step each).
    const h = new Harness(loader, { paintWaitMs: 0, sliceMs: 0 });
    await h.load();
    h.send({ type: 'start' });
    h.send({ type: 'painted' });
    await h.waitFor((m) => m.type === 'progress' && m.progress.forwardDone >= 1, 'the first step');
    const early = await h.request({ type: 'step', phase: 'forward', t: 0 });
    const at = h.posted.indexOf(early);
    const finishedAt = h.posted.findIndex((m) => m.type === 'progress' && m.progress.finished);
    assert.ok(finishedAt < 0 || at < finishedAt, 'a request is answered between slices, not after the run');
    await h.finished();
    await assertStepsEqual(h, ref, p);
    const dir = mkdtempSync(join(tmpdir(), 'rnn-session-'));
    const out = join(dir, 'caches.json');
    const r = await h.request({ type: 'export', path: out });
    assert.ok('kind' in r && r.kind === 'export', JSON.stringify(r));
    assert.equal(readFileSync(out, 'utf8'), ref.exportText);
    h.session.dispose();
  });

  it('staged load: the forward runs before da is read, da is read only after the first paint, an export waits for the end', async () => {
    const ref = reference(lstm);
    const { loader, state } = fakeLoader(lstm, true);
    const h = new Harness(loader, { paintWaitMs: 60_000, sliceMs: 1 });
    await h.load();
    h.send({ type: 'start' });
    await h.waitFor((m) => m.type === 'progress' && m.progress.forwardDone >= 1, 'the first step');
    await sleep(50);
    assert.equal(state.daAfterSettled, false, 'da is not read before the first step is painted');
    h.send({ type: 'painted' });
    await h.waitFor((m) => m.type === 'progress' && m.progress.forwardDone === lstm.dims.T_x, 'the whole forward');
    assert.equal(state.daAfterSettled, true, 'da may be read once the first step is painted');
    const dir = mkdtempSync(join(tmpdir(), 'rnn-session-'));
    const out = join(dir, 'caches.json');
    let exported = false;
    const exporting = h.request({ type: 'export', path: out }).then((r) => ((exported = true), r));
    await sleep(200);
    assert.equal(h.lastProgress()?.backwardDone, 0, 'no backward step without da');
    assert.equal(exported, false, 'the export waits for the run to finish');
    state.onDa?.({ ok: true, data: state.da, warnings: [], warningDiags: [] });
    await h.waitFor((m) => m.type === 'daLoaded', 'daLoaded');
    await h.finished();
    const r = await exporting;
    assert.ok('kind' in r && r.kind === 'export', JSON.stringify(r));
    assert.equal(readFileSync(out, 'utf8'), ref.exportText, 'the export is the unsliced run, bit for bit');
    await assertStepsEqual(h, ref, lstm);
    h.session.dispose();
  });

  it('da found invalid late: the forward stays, the backward never runs, a waiting export is answered with why', async () => {
    const { loader, state } = fakeLoader(lstm, true);
    const h = new Harness(loader, { paintWaitMs: 0, sliceMs: 1 });
    await h.load();
    h.send({ type: 'start' });
    h.send({ type: 'painted' });
    await h.waitFor((m) => m.type === 'progress' && m.progress.forwardDone === lstm.dims.T_x, 'the whole forward');
    const exporting = h.request({ type: 'export', path: join(tmpdir(), 'never-written.json') });
    const diag = { line: 9, column: 4, endLine: 9, endColumn: 9, path: 'da[0][1][2]', message: 'expected a number', severity: 'error' as const };
    state.onDa?.({ ok: false, diagnostics: [diag], message: 'f.rnn.json:9:4: expected a number' });
    const inv = await h.waitFor((m) => m.type === 'daInvalid', 'daInvalid');
    assert.deepEqual(inv, { type: 'daInvalid', diagnostics: [diag], message: 'f.rnn.json:9:4: expected a number' });
    const r = await exporting;
    assert.ok(r.type === 'reply' && 'error' in r && r.error.startsWith('f.rnn.json:9:4: expected a number'), JSON.stringify(r));
    const p = h.lastProgress();
    assert.ok(p?.error?.includes('the backward cannot run'), JSON.stringify(p));
    await sleep(100);
    assert.equal(h.lastProgress()?.backwardDone, 0);
    const fwd = await h.request({ type: 'step', phase: 'forward', t: lstm.dims.T_x - 1 });
    assert.ok('kind' in fwd && fwd.kind === 'step', 'the forward steps stay reachable');
    const later = await h.request({ type: 'export', path: join(tmpdir(), 'never-written.json') });
    assert.ok('error' in later && later.error.includes('the backward cannot run'), 'a later export is refused at once');
    h.session.dispose();
  });

  it('answers a request that comes before the run exists, and a memory request any time', async () => {
    const { loader } = fakeLoader(lstm, false);
    const h = new Harness(loader, { paintWaitMs: 0 });
    await h.load();
    const r = await h.request({ type: 'step', phase: 'forward', t: 0 });
    assert.ok('error' in r && r.error === 'no run', JSON.stringify(r));
    const e = await h.request({ type: 'export', path: join(tmpdir(), 'never-written.json') });
    assert.ok('error' in e && e.error === 'no run to export', JSON.stringify(e));
    const m = await h.request({ type: 'memory' });
    assert.ok('kind' in m && m.kind === 'memory' && m.peak.rss >= m.memory.rss, JSON.stringify(m));
    h.session.dispose();
  });

  it('refuses a run over the memory budget (rnnStepper.maxMemoryMB) before allocating its caches', async () => {
    // ~12 MB of caches (rnn, n_a=50 m=100 T_x=100) against a 1 MB budget.
    const big = randomProblem({ kind: 'rnn', n_x: 3, n_a: 50, n_y: 2, m: 100, T: 100, seed: 5 });
    const { loader } = fakeLoader(big, false);
    const h = new Harness(loader, { paintWaitMs: 0 });
    h.send({ type: 'load', runId: 1, path: '/dir/big.rnn.json', maxBytes: 512 * MB, maxMemoryMB: 1, gateGradLimitBytes: 0 });
    const m = await h.waitFor((x) => x.type === 'loaded' || x.type === 'invalid', 'the refusal');
    assert.ok(m.type === 'invalid', JSON.stringify(m));
    // The CLI's wording (engine/memory.ts), with the figure, the remedy and the panel's setting.
    assert.match(
      m.message,
      /^big\.rnn\.json: this run needs about 1\d\.\d MB for its caches \(rnn; n_a=50 m=100 T_x=100\), above the 1\.0 MB budget: use fewer time steps \(T_x ≤ \d fits\) or a smaller batch \(m ≤ \d fits\), or raise the setting rnnStepper\.maxMemoryMB if the machine has the memory$/,
    );
    assert.equal(m.message, `big.rnn.json: ${memoryRefusal('rnn', big.dims, 100, 1, 'the setting rnnStepper.maxMemoryMB')}`);
    // A diagnostic on the fixture for the Problems panel.
    assert.deepEqual(
      m.diagnostics.map((d) => [d.line, d.column, d.severity]),
      [[1, 1, 'error']],
    );
    // Nothing is computed: a start after the refusal allocates nothing and posts no progress.
    h.send({ type: 'start' });
    await sleep(200);
    assert.equal(h.lastProgress(), undefined, 'no run after the refusal');
    const r = await h.request({ type: 'step', phase: 'forward', t: 0 });
    assert.ok('error' in r && r.error === 'no run', JSON.stringify(r));
    h.session.dispose();

    // The same run within the default budget (4096 MB) loads and runs.
    const ok = new Harness(fakeLoader(big, false).loader, { paintWaitMs: 0 });
    await ok.load(0);
    ok.send({ type: 'start' });
    await ok.finished();
    ok.session.dispose();
  });
});

describe('RunSession on a big staged file (x read column by column, da in the background)', () => {
  // Big enough for the split reader: the head is read in 4 MB chunks and stops 1 MB past "da", so
  // the file must go on well past 4 MB (about 5 MB here, da from 1.4 MB on).
  const p = randomProblem({ kind: 'lstm', n_x: 3, n_a: 8, n_y: 2, m: 4, T: 6000, seed: 5 });
  const text = fixtureToString(p);
  const dir = mkdtempSync(join(tmpdir(), 'rnn-session-big-'));

  /** The thread loader's logic without threads: the split head here, da read in-process. */
  function splitLoader(): FixtureLoader & { whole: number } {
    const l = {
      whole: 0,
      async load(path: string, maxBytes: number, onDa: (r: DaResult) => void, daAfter: Promise<unknown>): Promise<LoadResult> {
        const head = await readSplitHead(path, maxBytes, 0);
        assert.ok(head && head.ok, 'the split reader takes the file');
        const daThread = head.daThread;
        if (daThread) void daAfter.then(() => setImmediate(() => onDa(daThreadMain(daThread))));
        return { ok: true, problem: head.problem, warnings: head.warnings, warningDiags: head.warningDiags, daPending: daThread !== undefined, lazyX: head.lazyX };
      },
      async loadWhole(path: string, maxBytes: number) {
        l.whole++;
        return loadFixtureStaged(path, maxBytes);
      },
    };
    return l;
  }

  async function runFile(file: string, loader: FixtureLoader): Promise<Harness> {
    const h = new Harness(loader, { paintWaitMs: 0 });
    h.send({ type: 'load', runId: 1, path: file, maxBytes: 512 * MB, gateGradLimitBytes: 0 });
    const m = await h.waitFor((x) => x.type === 'loaded' || x.type === 'invalid', 'loaded');
    assert.equal(m.type, 'loaded', JSON.stringify(m));
    h.send({ type: 'start' });
    h.send({ type: 'painted' });
    return h;
  }

  it('computes the same run as `rnn-stepper run` on the file, and exports it bit for bit', async () => {
    const file = join(dir, 'big.rnn.json');
    writeFileSync(file, text);
    assert.ok(text.length > 4.5 * MB, `${text.length} bytes`);
    const parsed = parseFixture(text, file);
    assert.ok(parsed.ok);
    const ref = reference(parsed.problem);
    const loader = splitLoader();
    const h = await runFile(file, loader);
    await h.finished();
    assert.equal(loader.whole, 0, 'x was read by the column reader, no fallback');
    const out = join(dir, 'big.caches.json');
    const r = await h.request({ type: 'export', path: out });
    assert.ok('kind' in r && r.kind === 'export', JSON.stringify(r));
    assert.ok(readFileSync(out, 'utf8') === ref.exportText, 'export identical to the unsliced run of the parsed file');
    h.session.dispose();
  });

  it('checkpointed (a 1 MB cache budget: windows of more steps than x is read ahead) runs to the end with the same numbers', async () => {
    // (the column reader reads x a few dozen steps ahead of the forward; a checkpointed run
    // needs a whole window of x before it computes a step: the session reads on until it fits)
    const file = join(dir, 'big-ck.rnn.json');
    writeFileSync(file, text);
    const parsed = parseFixture(text, file);
    assert.ok(parsed.ok);
    const ref = reference(parsed.problem);
    assert.ok(checkpointSpacing(parsed.problem, 1e6) > 16, 'windows longer than the room the read-ahead gives (8 steps)');
    const h = new Harness(splitLoader(), { paintWaitMs: 60_000 });
    h.send({ type: 'load', runId: 1, path: file, maxBytes: 512 * MB, gateGradLimitBytes: 0, cacheMemoryMB: 1 });
    await h.waitFor((x) => x.type === 'loaded', 'loaded');
    h.send({ type: 'start' });
    // no 'painted' yet: the first window must come by itself (x read on for it)
    await h.waitFor((m) => m.type === 'progress' && m.progress.forwardDone >= 1, 'the first window', 120_000);
    h.send({ type: 'painted' });
    await h.waitFor((m) => m.type === 'progress' && m.progress.finished, 'the run to finish', 120_000);
    for (const [phase, t] of [['forward', 0], ['forward', 2999], ['forward', 5999], ['backward', 5999], ['backward', 1234], ['backward', 0], ['totals', 0]] as const) {
      const r = await h.request({ type: 'step', phase, t });
      assert.ok(r.type === 'reply' && 'kind' in r && r.kind === 'step', `${phase} ${t}: ${JSON.stringify(r)}`);
      const want = stepPayload(ref, phase, t);
      assert.ok(typeof want !== 'string');
      for (let k = 0; k < want.length; k++) assert.deepEqual(new Float64Array(r.tensors[k]!.data), new Float64Array(want[k]!.data), `${phase} ${t} ${want[k]!.name}`);
    }
    h.session.dispose();
  });

  it('a file without da: the split reader takes it (ones never held, no fallback), same steps and export as explicit ones', async () => {
    const noDa = fixtureToString({ ...p, daDefaulted: true });
    assert.ok(!noDa.includes('"da"'));
    const file = join(dir, 'no-da.rnn.json');
    writeFileSync(file, noDa);
    // the reader: no ones made (n_a·m·T doubles), no da thread, the validator's warning
    const head = await readSplitHead(file, 512 * MB, 0);
    assert.ok(head && head.ok, 'the split reader takes a file without da');
    assert.equal(head.daThread, undefined);
    assert.ok(daIsLazyOnes(head.problem), 'da is the lazy ones marker');
    assert.equal(head.problem.da.data.length, 0, 'the ones are not materialised');
    assert.deepEqual(head.problem.da.shape, [8, 4, 6000]);
    assert.deepEqual(head.warnings, ['no-da.rnn.json:1:1: warning: no da: using ones (L = Σa)']);
    assert.ok(head.lazyX, 'x is read column by column');
    const ones = { ...p, da: { shape: p.da.shape, data: new Float64Array(p.da.data.length).fill(1) } };
    const ref = reference(ones);
    for (const cacheMemoryMB of [1024, 1]) {
      const loader = splitLoader();
      const h = new Harness(loader, { paintWaitMs: 0 });
      h.send({ type: 'load', runId: 1, path: file, maxBytes: 512 * MB, gateGradLimitBytes: 0, cacheMemoryMB });
      const m = await h.waitFor((x) => x.type === 'loaded' || x.type === 'invalid', 'loaded');
      assert.ok(m.type === 'loaded', JSON.stringify(m));
      assert.equal(m.run.daDefaulted, true);
      assert.deepEqual(m.run.warnings, ['no-da.rnn.json:1:1: warning: no da: using ones (L = Σa)']);
      assert.deepEqual(m.warnings.map((w) => [w.line, w.column, w.endLine, w.endColumn]), [[1, 1, 1, 2]]);
      h.send({ type: 'start' });
      h.send({ type: 'painted' });
      await h.waitFor((x) => x.type === 'progress' && x.progress.finished, 'the run to finish', 120_000);
      assert.equal(loader.whole, 0, 'no fallback to the positioned reader');
      for (const [phase, t] of [['forward', 5999], ['backward', 5999], ['backward', 17], ['totals', 0]] as const) {
        const r = await h.request({ type: 'step', phase, t });
        assert.ok(r.type === 'reply' && 'kind' in r && r.kind === 'step', `${phase} ${t}: ${JSON.stringify(r)}`);
        const want = stepPayload(ref, phase, t);
        assert.ok(typeof want !== 'string');
        for (let k = 0; k < want.length; k++) assert.deepEqual(new Float64Array(r.tensors[k]!.data), new Float64Array(want[k]!.data), `${cacheMemoryMB} MB: ${phase} ${t} ${want[k]!.name}`);
      }
      const out = join(dir, `no-da-${cacheMemoryMB}.caches.json`);
      // (a 6000-step export: seconds, more on a loaded machine)
      const r = await h.request({ type: 'export', path: out }, 120_000);
      assert.ok('kind' in r && r.kind === 'export', JSON.stringify(r));
      assert.ok(readFileSync(out, 'utf8') === ref.exportText, `${cacheMemoryMB} MB: export identical to the run on explicit ones`);
      h.session.dispose();
    }
  });

  it('a bad number deep in x stops the forward where x stops, with the positioned error', async () => {
    // x's row 0 is its first "[[[": break the number of column 2000 of that row.
    const xAt = text.indexOf('"x"');
    let i = text.indexOf('[[[', xAt) + 3;
    for (let c = 0; c < 2000; c++) i = text.indexOf(',', i) + 1;
    const end = text.indexOf(',', i);
    const broken = text.slice(0, i) + '"oops"' + text.slice(end);
    const file = join(dir, 'bad-x.rnn.json');
    writeFileSync(file, broken);
    const lineOf = broken.slice(0, i).split('\n').length;
    const loader = splitLoader();
    const h = await runFile(file, loader);
    const inv = await h.waitFor((m) => m.type === 'daInvalid', 'the late x error');
    assert.equal(loader.whole, 1, 'the positioned reader looked at the file once');
    assert.ok(inv.type === 'daInvalid');
    assert.equal(inv.diagnostics[0]?.line, lineOf, JSON.stringify(inv.diagnostics[0]));
    assert.match(inv.message, /^bad-x\.rnn\.json:\d+:\d+: .*the run cannot go on\)$/);
    const p = await h.waitFor((m) => m.type === 'progress' && m.progress.error !== undefined, 'the progress error');
    assert.ok(p.type === 'progress');
    assert.ok(p.progress.forwardDone <= 2000 && p.progress.forwardDone > 0, `stopped at ${p.progress.forwardDone}`);
    await sleep(100);
    assert.equal(h.lastProgress()?.forwardDone, p.progress.forwardDone, 'no step computed past the bad input');
    const r = await h.request({ type: 'export', path: join(dir, 'never.json') });
    assert.ok('error' in r && r.error.includes('the run cannot go on'), JSON.stringify(r));
    h.session.dispose();
  });
});
