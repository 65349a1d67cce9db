/**
 * One fixture run for the debug adapter, on the run worker the Step RNN panel uses
 * (src/worker/: a staged load, the run computed in slices in a worker thread): the adapter's
 * thread never reads the whole fixture nor does the math. Steps become reachable as the worker
 * reports progress; a stop's tensors are asked for when shown and kept for the stop's requests
 * (Variables, Watch, hovers, conditions). No `vscode`: the adapter runs inline in the extension
 * host and as `rnn-stepper dap` over stdio alike.
 */
import { basename } from 'node:path';
import { DEFAULT_MAX_MEMORY_MB } from '../engine/memory';
import { DEFAULT_MAX_FIXTURE_BYTES } from '../fixture/readFile';
import type { Progress, RunInfo, TensorPayload } from '../protocol/messages';
import type { RunReach, Timeline } from '../session/timeline';
import { indexOf, type Cursor } from '../session/timelineIndex';
import { RunWorker } from '../worker/client';
import type { WorkerDiag } from '../worker/protocol';
import { KeyLines } from './keyLines';

/** A tensor as the adapter shows it: `rows × cols` float64, row-major. */
export interface Tensor {
  name: string;
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface RunLimits {
  /** Path of the bundled run worker (dist/worker.js). */
  workerPath: string;
  maxBytes?: number;
  maxMemoryMB?: number;
  /** Keep per-step LSTM gate gradients up to this size (bytes); above, they are recomputed. */
  gateGradLimitBytes?: number;
  /** The caches' budget in MB (setting rnnStepper.cacheMemoryMB): above it the run is checkpointed. */
  cacheMemoryMB?: number;
}

export type LoadResult = { ok: true; run: WorkerRun } | { ok: false; errors: string[] };

/** Stops kept behind the current one (a Watch or a step back may revisit them). */
const KEPT_BEHIND = 3;
/**
 * Fetching ahead: up to this many stops and about this many bytes of them. The run worker
 * answers between compute slices, so a stop asked for only when shown waits for one slice (and
 * longer on a busy machine); stops asked for a few at a time ahead arrive together and F10 held
 * down finds them here. A forward stop of the LSTM (n_a=256, m=32) is ~0.6 MB, a backward
 * one ~6 MB (the step's weight gradients and their running sums).
 */
const MAX_AHEAD = 6;
const AHEAD_BYTES = 16 * 1024 * 1024;
let runIds = 0;

export class WorkerRun {
  private readonly stops = new Map<string, Promise<Tensor[] | string>>();
  /** How many stops the cache holds (the current one, those fetched ahead, KEPT_BEHIND). */
  private capacity = 1 + 1 + KEPT_BEHIND;
  /** Bytes of the last stop received, per phase: how many of the next ones to fetch ahead. */
  private readonly stopBytes = new Map<Cursor['phase'], number>();
  private params: Promise<Tensor[]> | undefined;
  private readonly lines: KeyLines;
  private unsubscribe: (() => void) | undefined;
  private lastProgress: Progress | undefined;

  private constructor(
    private readonly worker: RunWorker,
    readonly info: RunInfo,
    readonly path: string,
  ) {
    this.lines = new KeyLines(path);
  }

  /** Read and check the fixture in a run worker (staged: big files answer after their head). */
  static async load(path: string, limits: RunLimits): Promise<LoadResult> {
    const worker = new RunWorker({
      scriptPath: limits.workerPath,
      runId: ++runIds,
      fixture: path,
      maxBytes: limits.maxBytes ?? DEFAULT_MAX_FIXTURE_BYTES,
      maxMemoryMB: limits.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB,
      gateGradLimitBytes: limits.gateGradLimitBytes ?? 64 * 1024 * 1024,
      ...(limits.cacheMemoryMB !== undefined ? { cacheMemoryMB: limits.cacheMemoryMB } : {}),
    });
    const outcome = await worker.load();
    if (!outcome.ok) {
      worker.dispose();
      const name = basename(path);
      const errors = outcome.diagnostics.filter((d) => d.severity === 'error').map((d) => diagnosticLine(name, d));
      return { ok: false, errors: errors.length ? errors : [outcome.message] };
    }
    return { ok: true, run: new WorkerRun(worker, outcome.run, path) };
  }

  get T_b(): number {
    return this.info.T_b;
  }
  get kind(): string {
    return this.info.kind;
  }
  get name(): string {
    return this.info.name;
  }
  get dims(): RunInfo['dims'] {
    return this.info.dims;
  }
  /** Warnings of the whole file (late ones, of a staged load, come through `onLate`). */
  get warnings(): string[] {
    return this.info.warnings;
  }

  /**
   * Start computing, telling the timeline how far the run got. `onLate` hears problems found
   * after the load answered (a staged load reads da and the rest of x while the run goes on).
   */
  start(timeline: Timeline, onLate: (errors: string[], warnings: string[]) => void): void {
    const name = basename(this.path);
    this.worker.onLateDiagnostics = (errors, warnings) =>
      onLate(errors.map((d) => diagnosticLine(name, d)), warnings.map((d) => diagnosticLine(name, d)));
    this.unsubscribe = this.worker.onProgress((p) => {
      this.lastProgress = p;
      timeline.setReach(reachOf(p));
    });
    this.worker.start();
    // The worker holds its run after the first slice until a panel says it painted; the debugger
    // paints nothing, and a checkpointed run's first slice may end before step 1 (with x still
    // being read, only the release lets it go on), so it is released at once.
    this.worker.painted();
  }

  /** How far the run is computed (its last progress). */
  get progress(): Progress | undefined {
    return this.lastProgress;
  }

  /** The run failed (engine error, or da found invalid late). */
  get failure(): string | undefined {
    return this.lastProgress?.error;
  }

  /** The tensors of one stop (the panel's step payload), or why there are none. */
  tensorsAt(c: Cursor): Promise<Tensor[] | string> {
    const key = `${c.phase}:${c.t}`;
    const had = this.stops.get(key);
    if (had) {
      // Most recently used last.
      this.stops.delete(key);
      this.stops.set(key, had);
      return had;
    }
    const p = this.worker.request({ type: 'step', phase: c.phase, t: c.t }).then((r): Tensor[] | string => {
      if ('error' in r) return r.error;
      if (r.kind !== 'step') return 'unexpected reply';
      this.stopBytes.set(c.phase, r.tensors.reduce((n, x) => n + x.data.byteLength, 0));
      return r.tensors.map(toTensor);
    });
    this.stops.set(key, p);
    // An error reply (not computed yet, run replaced) is not kept: asking again may succeed.
    void p.then((v) => {
      if (typeof v === 'string' && this.stops.get(key) === p) this.stops.delete(key);
    });
    while (this.stops.size > this.capacity) {
      const oldest = this.stops.keys().next().value;
      if (oldest === undefined) break;
      this.stops.delete(oldest);
    }
    return p;
  }

  /**
   * How many stops of `phase` to fetch ahead of the current one: as many as AHEAD_BYTES holds by
   * the size of the last one received (one while none has been), at most MAX_AHEAD.
   */
  aheadDepth(phase: Cursor['phase']): number {
    const bytes = this.stopBytes.get(phase);
    if (bytes === undefined) return 1;
    return Math.max(1, Math.min(MAX_AHEAD, Math.floor(AHEAD_BYTES / Math.max(1, bytes))));
  }

  /**
   * A stop was shown: ask for its tensors, then for those of `ahead` (the next stops in the
   * direction of travel, nearest first). The worker answers them between two slices, together.
   */
  fetchAround(current: Cursor, ahead: Cursor[]): void {
    this.capacity = 1 + ahead.length + KEPT_BEHIND;
    void this.tensorsAt(current);
    for (const c of ahead) void this.tensorsAt(c);
  }

  /**
   * The user looks at the stop `c` (stopped there, Variables, Watch): the run's background work
   * gives the adapter the cores for a short while, computing only what the next steps need
   * (src/worker/giveWay.ts). Not sent by a move still waiting for the run, nor by a continue.
   */
  hold(c: Cursor): void {
    this.worker.hold(indexOf({ T_x: this.dims.T_x, T_b: this.T_b }, c));
  }

  /** The fixture's parameters, as `(rows, cols)` tensors in the fixture's names. */
  parameters(): Promise<Tensor[]> {
    this.params ??= this.worker.request({ type: 'params' }).then((r) => {
      if ('error' in r || r.kind !== 'params') {
        this.params = undefined;
        return [];
      }
      return r.tensors.map(toTensor);
    });
    return this.params;
  }

  /** 1-based line of a key of the fixture (`"x"`, `"da"`, `"parameters"`, …), or 1. */
  lineOf(key: string): Promise<number> {
    return this.lines.lineOf(key);
  }

  dispose(): void {
    this.unsubscribe?.();
    this.worker.dispose();
  }
}

function toTensor(p: TensorPayload): Tensor {
  return { name: p.name, rows: p.rows, cols: p.cols, data: new Float64Array(p.data) };
}

function reachOf(p: Progress): RunReach {
  const hit = p.firstNonFinite;
  return {
    forwardDone: p.forwardDone,
    backwardDone: p.backwardDone,
    finished: p.finished,
    ...(hit ? { firstNonFinite: { cursor: { phase: hit.phase, t: hit.t }, tensor: hit.tensor } } : {}),
    ...(p.error !== undefined ? { error: p.error } : {}),
  };
}

/** `file:line:column: what`, the CLI's wording; a problem of the whole file is `file: what`. */
function diagnosticLine(name: string, d: WorkerDiag): string {
  const w = d.severity === 'warning' ? 'warning: ' : '';
  if (d.message.startsWith(`${name}:`)) return d.message;
  return `${name}:${d.line}:${d.column}: ${w}${d.message}`;
}
