/**
 * One run in the worker: loads the fixture through the loader it is given, computes the run in
 * short `advance()` slices and answers step/window/norm/export requests between slices, so the
 * extension host's main thread never does the math. Everything it says goes through the `post`
 * it is given (tensor payloads transferred), so a test drives a session in plain Node.
 */
import { basename } from 'node:path';
import { DEFAULT_MAX_MEMORY_MB } from '../engine/memory';
import type { Problem } from '../engine/types';
import { cacheBudget, DEFAULT_CACHE_MEMORY_MB, runRefusal, startRun } from './runChoice';
import type { SessionRun } from './liveRun';
import { fileProblem } from './loadErrors';
import { MemoryMeter } from './memory';
import type { FromWorker, ToWorker } from './protocol';
import { StagedInputs } from './stagedInputs';
import { GiveWay } from './giveWay';
import { answerRead, normsBuffers, transferOf } from './sessionReplies';
import { indexOf, reachableMax } from '../session/timelineIndex';
import type { DaResult, LoadResult } from './stagedLoad';

/** Where a session gets its fixture from (the thread-side one is threads.ts's `threadLoader`). */
export interface FixtureLoader {
  /**
   * Read and check a fixture. A staged load answers before da's numbers are read (`daPending`):
   * they come to `onDa`, read once `daAfter` settles.
   */
  load(path: string, maxBytes: number, onDa: (r: DaResult) => void, daAfter: Promise<unknown>): Promise<LoadResult>;
  /** The positioned reader over the whole file (when x, read lazily, turns out not plain numbers). */
  loadWhole(path: string, maxBytes: number): Promise<LoadResult>;
}

/** The knob a memory refusal tells the user to raise. */
const MEMORY_SETTING = 'the setting rnnStepper.maxMemoryMB';

export type Post = (msg: FromWorker, transfer?: ArrayBuffer[]) => void;

export interface RunSessionOptions {
  /** Length of one compute slice: requests wait at most about this long. */
  sliceMs?: number;
  /** How long the run holds after its first step when no `painted` comes. */
  paintWaitMs?: number;
  memory?: MemoryMeter;
  /** The clock of the quiet after a `hold` (giveWay.ts); tests give their own. */
  now?: () => number;
}

/** Progress is posted at most this often (plus at phase changes and the end). */
const PROGRESS_MS = 60;
/** Steps asked for this often (ms) make the run's slices short. */
const STEPPING_MS = 100;
/** Background reading of x per slice (ms). */
const X_FILL_MS = 6;
/**
 * Slices (and x's reading) while steps are being asked for (one in the last STEPPING_MS) or a
 * client holds a stop (giveWay.ts): a request waits for the slice under way, so a debugger or
 * panel stepping through a run that is still computing gets its step after about one cell step
 * instead of sliceMs + X_FILL_MS.
 */
const STEPPING_SLICE_MS = 3;

/** A message the worker answers by id. */
type Request = Extract<ToWorker, { id: number }>;

export class RunSession {
  private problem: Problem | undefined;
  private run: SessionRun | undefined;
  private inputs: StagedInputs | undefined;
  /** The running sums' checkpoints are all built (said in the progress after the run). */
  private sumsComplete = false;
  private gateGradLimitBytes = 0;
  /** The caches' budget (setting rnnStepper.cacheMemoryMB): above it the run is checkpointed. */
  private cacheMemoryMB = DEFAULT_CACHE_MEMORY_MB;
  private lastProgress = 0;
  private lastPhaseForward = true;
  /**
   * After the first step the run holds still until the panel has painted it (or `paintWaitMs`
   * after it was computed, or the run could not start): the first step's transfer and painting
   * get the cores (two, on small machines) to themselves. Then the forward goes on and a staged
   * load starts its da thread (`firstStep` settles).
   */
  private readonly firstStep: Promise<void>;
  private resolveFirstStep: () => void = () => undefined;
  private firstStepSettled = false;
  private firstStepTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly whenFinished: (() => void)[] = [];
  /** Export requests waiting for the run to finish, by id: resolved with true to go, or a reason. */
  private readonly waitingExports = new Map<number, (go: true | string) => void>();
  /** Export ids whose cancel arrived (checked between written chunks). */
  private readonly cancelledExports = new Set<number>();
  private readonly sliceMs: number;
  private readonly paintWaitMs: number;
  private readonly memory: MemoryMeter;
  private disposed = false;
  /** A client looking at a stop: the run computes only what it may ask for next (giveWay.ts). */
  private readonly giveWay: GiveWay;
  /** The pump stopped for a quiet: resumed by this timer when it ends (or by a step asked past the lead). */
  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * What the run did, counted (for tests: a quiet must show no background slice nor read of x).
   * `slices`: compute slices; `xReads`: reads of x ahead of the run (not those the run waits for).
   */
  readonly work = { slices: 0, xReads: 0 };

  constructor(
    private readonly post: Post,
    private readonly loader: FixtureLoader,
    opts: RunSessionOptions = {},
  ) {
    this.sliceMs = opts.sliceMs ?? 12;
    this.paintWaitMs = opts.paintWaitMs ?? 1500;
    this.memory = opts.memory ?? new MemoryMeter();
    this.giveWay = new GiveWay(opts.now);
    this.firstStep = new Promise<void>((res) => {
      this.resolveFirstStep = res;
    });
  }

  /** Handle one message from the host. Never throws: a failure is answered (by id) or posted. */
  async receive(msg: ToWorker): Promise<void> {
    try {
      await this.handle(msg);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if ('id' in msg) this.post({ type: 'reply', id: msg.id, error: message });
      else this.post({ type: 'invalid', diagnostics: [], message });
    }
  }

  /** Stop computing (the thread is about to end, or a test is done with the session). */
  dispose(): void {
    this.disposed = true;
    if (this.firstStepTimer) clearTimeout(this.firstStepTimer);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.failWaiting('the run was stopped');
  }

  private async handle(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'load':
        return this.load(msg.path, msg.maxBytes, msg.gateGradLimitBytes, msg.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB, msg.cacheMemoryMB ?? DEFAULT_CACHE_MEMORY_MB);
      case 'start':
        return this.start();
      case 'painted':
        return this.firstStepDone();
      case 'hold':
        this.giveWay.hold(msg.index);
        this.wakeIfNeeded();
        return;
      case 'cancel':
        this.cancelledExports.add(msg.target);
        this.waitingExports.get(msg.target)?.('export cancelled');
        return;
      default:
        return this.answer(msg);
    }
  }

  private async load(path: string, maxBytes: number, gateGradLimitBytes: number, maxMemoryMB: number, cacheMemoryMB: number): Promise<void> {
    this.gateGradLimitBytes = gateGradLimitBytes;
    this.cacheMemoryMB = cacheMemoryMB;
    const res = await this.loader.load(path, maxBytes, (r) => this.inputs?.daArrived(r), this.firstStep);
    this.memory.sample();
    if (!res.ok) {
      this.post({ type: 'invalid', diagnostics: res.diagnostics, message: res.message });
      return;
    }
    const problem = res.problem;
    // The caches are allocated only at 'start': a run that cannot fit is refused here, with the
    // CLI's wording (the figure and the remedy), rather than dying in "allocation failed".
    const refusal = runRefusal(problem, maxMemoryMB, cacheMemoryMB, MEMORY_SETTING);
    if (refusal !== undefined) {
      const failure = fileProblem(`${basename(path)}: ${refusal}`);
      this.post({ type: 'invalid', diagnostics: failure.diagnostics, message: failure.message });
      return;
    }
    this.problem = problem;
    this.inputs = new StagedInputs({
      problem,
      daPending: res.daPending === true,
      lazyX: res.lazyX,
      path,
      loadWhole: () => this.loader.loadWhole(path, maxBytes),
      forwardDone: () => this.run?.forwardDone ?? 0,
      events: {
        lateLoaded: (warnings, warningDiags) => this.post({ type: 'daLoaded', warnings, warningDiags }),
        lateInvalid: (diagnostics, message, reason) => {
          this.post({ type: 'daInvalid', diagnostics, message });
          this.postProgress();
          this.failWaiting(reason);
        },
        resume: () => this.schedulePump(),
      },
    });
    const d = problem.dims;
    this.post({
      type: 'loaded',
      run: {
        fileName: basename(path),
        filePath: path,
        name: problem.name,
        kind: problem.kind,
        cell: problem.cell,
        dims: { n_x: d.n_x, n_a: d.n_a, n_y: d.n_y, m: d.m, T_x: d.T_x },
        T_b: problem.da.shape[2] ?? 1,
        daDefaulted: problem.daDefaulted,
        warnings: res.warnings,
      },
      warnings: res.warningDiags,
    });
  }

  /** Allocate the caches and start computing (the host has accepted the load). */
  private start(): void {
    const problem = this.problem;
    if (!problem || !this.inputs || this.run) return;
    this.inputs.bind(problem);
    try {
      // (the setting bounds what the run holds: the inputs are counted in it)
      this.run = startRun(problem, { gateGradLimitBytes: this.gateGradLimitBytes, cacheBytes: cacheBudget(problem, this.cacheMemoryMB * 1e6) });
    } catch (e) {
      this.postProgress(`The engine cannot run this fixture: ${e instanceof Error ? e.message : String(e)}`);
      this.firstStepDone();
      return;
    }
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }
  private pumpQueued = false;

  /** The timeline index of the run's last computed stop (-1: none yet). */
  private frontier(r: SessionRun): number {
    const span = { T_x: r.problem.dims.T_x, T_b: r.problem.da.shape[2] ?? 1 };
    return reachableMax(span, { forwardDone: r.forwardDone, backwardDone: r.backwardDone, finished: r.finished });
  }

  /** The pump gave way to a quiet: it goes on when the quiet ends. */
  private resumeAfterQuiet(): void {
    if (this.quietTimer) return;
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      this.pump();
    }, this.giveWay.remaining() + 1);
  }

  /** A stop asked for or held past the lead: the pump, stopped for the quiet, computes up to it now. */
  private wakeIfNeeded(): void {
    const r = this.run;
    if (!this.quietTimer || !r || !this.giveWay.mayCompute(this.frontier(r))) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.schedulePump();
  }

  private firstStepDone(): void {
    if (this.firstStepSettled) return;
    this.firstStepSettled = true;
    this.resolveFirstStep();
    this.schedulePump();
  }

  /** One slice of the run, then the next one after the requests that came meanwhile. */
  private pump(): void {
    const r = this.run;
    const inputs = this.inputs;
    if (this.disposed || !r || !inputs || r.finished) return;
    const T_x = r.problem.dims.T_x;
    const forwardLeft = T_x - r.forwardDone;
    const room = inputs.room(r.forwardDone, T_x, r.problem.dims.m);
    if (room <= 0) return; // waiting for da (resumed when it comes), or x is being read, or invalid
    const frontier = this.frontier(r);
    // A client looks at a stop and the run is far enough past it: the cores are the client's.
    if (!this.giveWay.mayCompute(frontier)) return this.resumeAfterQuiet();
    const quiet = this.giveWay.quiet;
    const stepping = quiet || Date.now() - this.lastStepAt < STEPPING_MS;
    const sliceMs = stepping ? Math.min(this.sliceMs, STEPPING_SLICE_MS) : this.sliceMs;
    if (room < r.stepsWanted()) {
      // (a checkpointed run computes whole windows: x is read on until one fits, a slice at a time)
      inputs.fillX(sliceMs);
      this.schedulePump();
      return;
    }
    try {
      r.slice(sliceMs, room);
      this.work.slices++;
    } catch (e) {
      const reason = `The engine failed: ${e instanceof Error ? e.message : String(e)}`;
      this.postProgress(reason);
      this.failWaiting(reason);
      this.run = undefined;
      return;
    }
    // (x read ahead: not in a quiet, where the run reads only what its next slice needs, above)
    if (this.firstStepSettled && !quiet) {
      inputs.fillX(Math.min(sliceMs, X_FILL_MS));
      this.work.xReads++;
    }
    // No panel says it painted (none open, or hidden): the run goes on a little later anyway.
    if (r.forwardDone > 0 && !this.firstStepTimer) this.firstStepTimer = setTimeout(() => this.firstStepDone(), this.paintWaitMs);
    const now = Date.now();
    const forwardPhase = r.forwardDone < T_x;
    const phaseChanged = forwardPhase !== this.lastPhaseForward;
    this.lastPhaseForward = forwardPhase;
    const forwardEnded = r.forwardDone === T_x && forwardLeft > 0;
    // In a quiet the run computes for a client that may be waiting for the stop: said at once.
    const reachedWanted = quiet && this.frontier(r) !== frontier;
    if (r.finished || phaseChanged || forwardEnded || r.forwardDone === 1 || reachedWanted || now - this.lastProgress >= PROGRESS_MS) {
      this.lastProgress = now;
      this.postProgress();
      if (!forwardPhase) this.postNorms();
    }
    if (r.finished) {
      for (const f of this.whenFinished.splice(0)) f();
      setImmediate(() => this.buildSums());
      return;
    }
    if (!this.firstStepSettled) return; // held after the first step (firstStepDone resumes)
    this.schedulePump();
  }

  /**
   * After a reply: the run's idle work (a checkpointed run recomputes the window next to the step
   * shown), after whatever requests came meanwhile, one window per turn.
   */
  private scheduleIdle(): void {
    if (this.idleScheduled) return;
    this.idleScheduled = true;
    setImmediate(() => {
      this.idleScheduled = false;
      if (this.disposed || !this.run) return;
      try {
        if (this.run.idle()) this.scheduleIdle();
      } catch {
        // (a prefetch that fails is only a window not ready: the request for it says why)
      }
    });
  }
  private idleScheduled = false;
  /** When the last step was asked for (the sums' build gives way to stepping). */
  private lastStepAt = 0;

  /**
   * After the run: the running sums' checkpoints, in short slices between requests. While steps
   * are being asked for (one in the last STEPPING_MS) the build waits: one of its slices may have
   * to recompute a window of a checkpointed run first, and a step asked meanwhile would wait.
   */
  private buildSums(): void {
    const r = this.run;
    if (this.disposed || !r || !r.finished) return;
    if (this.giveWay.quiet) return void setTimeout(() => this.buildSums(), this.giveWay.remaining() + 1);
    if (Date.now() - this.lastStepAt < STEPPING_MS) return void setTimeout(() => this.buildSums(), STEPPING_MS);
    if (!r.buildSums(this.sliceMs)) return void setImmediate(() => this.buildSums());
    this.sumsComplete = true;
    this.postProgress();
  }

  private postProgress(error: string | undefined = this.inputs?.failure): void {
    const r = this.run;
    const hit = r?.nonFinite();
    this.post({
      type: 'progress',
      progress: {
        forwardDone: r?.forwardDone ?? 0,
        backwardDone: r?.backwardDone ?? 0,
        finished: r?.finished ?? false,
        ...(hit ? { firstNonFinite: hit } : {}),
        ...(this.sumsComplete ? { sumsComplete: true } : {}),
        ...(error ? { error } : {}),
      },
      memory: this.memory.sample(),
    });
  }

  private postNorms(): void {
    if (!this.run) return;
    const n = this.run.norms();
    this.post({ type: 'norms', ...normsBuffers(n) }, transferOf(n));
  }

  /** The run cannot finish: every waiting export is answered with the reason. */
  private failWaiting(reason: string): void {
    for (const res of [...this.waitingExports.values()]) res(reason);
  }

  /** A request answered by id. */
  private async answer(msg: Request): Promise<void> {
    const id = msg.id;
    if (msg.type === 'memory') {
      this.post({ type: 'reply', id, kind: 'memory', memory: this.memory.sample(), peak: this.memory.peak });
      return;
    }
    const r = this.run;
    if (!r) return this.post({ type: 'reply', id, error: msg.type === 'export' ? 'no run to export' : 'no run' });
    switch (msg.type) {
      case 'step': {
        this.lastStepAt = Date.now();
        this.giveWay.asked(indexOf({ T_x: r.problem.dims.T_x, T_b: r.problem.da.shape[2] ?? 1 }, { phase: msg.phase, t: msg.t }));
        this.wakeIfNeeded();
        const p = r.step(msg.phase, msg.t, msg.parts);
        if (typeof p === 'string') return this.post({ type: 'reply', id, error: p });
        this.post({ type: 'reply', id, kind: 'step', phase: msg.phase, t: msg.t, tensors: p }, p.map((x) => x.data));
        this.scheduleIdle();
        return;
      }
      case 'export':
        return this.export(r, id, msg.path);
      case 'window':
      case 'norms':
      case 'params':
        return answerRead(r, msg, this.post);
    }
  }

  /** Write the export once the run has finished (or answer why it cannot). */
  private async export(r: SessionRun, id: number, path: string): Promise<void> {
    const failure = this.inputs?.failure;
    if (failure !== undefined) return this.post({ type: 'reply', id, error: failure });
    if (!r.finished) {
      const go = await new Promise<true | string>((res) => {
        this.waitingExports.set(id, res);
        this.whenFinished.push(() => res(true));
      });
      this.waitingExports.delete(id);
      if (go !== true) return this.post({ type: 'reply', id, error: go });
    }
    let bytes: number;
    try {
      bytes = await r.exportTo(path, () => this.cancelledExports.has(id));
    } finally {
      this.cancelledExports.delete(id);
    }
    this.memory.sample();
    this.post({ type: 'reply', id, kind: 'export', bytes });
  }
}
