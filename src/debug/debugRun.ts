/**
 * One fixture run for the debug adapter: read + validate the fixture, compute it in slices on the
 * event loop (so the adapter answers requests while a long run computes), and tell the timeline
 * how far it got. No `vscode`: the adapter runs inline in the extension host and as
 * `rnn-stepper dap` over stdio alike.
 */
import { basename } from 'node:path';
import { createRunner, type Runner } from '../engine/run';
import type { Problem } from '../engine/types';
import { readFile, stat } from 'node:fs/promises';
import { cannotReadFixture } from '../fixture/fileErrors';
import { formatDiagnostic, parseFixture } from '../fixture/parse';
import { DEFAULT_MAX_FIXTURE_BYTES, formatBytes } from '../fixture/readFile';
import { NonFiniteScanner } from '../session/nonFinite';
import { stepPayload, type RunView } from '../session/steps';
import type { Timeline } from '../session/timeline';
import type { Cursor } from '../session/timelineIndex';

/** Keep every LSTM gate gradient below this size; above it the engine recomputes them per step. */
const GATE_GRADS_LIMIT = 64 * 1024 * 1024;
/** Compute in slices this long, then yield to requests. */
const SLICE_MS = 8;

/** A tensor as the adapter shows it: `rows × cols` float64, row-major. */
export interface Tensor {
  name: string;
  rows: number;
  cols: number;
  data: Float64Array;
}

export type LoadResult = { ok: true; run: DebugRun } | { ok: false; errors: string[] };

export class DebugRun implements RunView {
  private readonly runner: Runner;
  private readonly scanner = new NonFiniteScanner();
  private stopped = false;
  private failure: string | undefined;
  /** The last stop's tensors, kept because Variables, Watch and hovers all ask for them. */
  private cache: { key: string; tensors: Tensor[] } | undefined;

  private constructor(
    readonly problem: Problem,
    readonly path: string,
    readonly text: string,
  ) {
    const { n_a, m } = problem.dims;
    const gateBytes = problem.cell === 'lstm' ? 4 * problem.da.shape[2] * n_a * m * 8 : 0;
    this.runner = createRunner(problem, { keepGateGrads: gateBytes <= GATE_GRADS_LIMIT });
  }

  static async load(path: string, maxBytes = DEFAULT_MAX_FIXTURE_BYTES): Promise<LoadResult> {
    const name = basename(path);
    let text: string;
    try {
      const st = await stat(path);
      if (st.size > maxBytes)
        return { ok: false, errors: [`${name}: file is ${formatBytes(st.size)}, above the ${formatBytes(maxBytes)} fixture size limit`] };
      text = await readFile(path, 'utf8');
    } catch (e) {
      return { ok: false, errors: [`${name}: ${cannotReadFixture(e)}`] };
    }
    const res = parseFixture(text, name);
    if (!res.ok) return { ok: false, errors: res.diagnostics.map((d) => formatDiagnostic(name, d)) };
    try {
      return { ok: true, run: new DebugRun(res.problem, path, text) };
    } catch (e) {
      return { ok: false, errors: [`${name}: ${e instanceof Error ? e.message : String(e)}`] };
    }
  }

  get forward() {
    return this.runner.forward;
  }
  get backward() {
    return this.runner.backward;
  }
  get forwardDone() {
    return this.runner.forwardDone;
  }
  get backwardDone() {
    return this.runner.backwardDone;
  }
  get finished() {
    return this.runner.finished;
  }
  get T_b(): number {
    return this.problem.da.shape[2] ?? 1;
  }

  /** Compute the whole run in slices, reporting each slice's reach to the timeline. */
  start(timeline: Timeline): void {
    const pump = () => {
      if (this.stopped) return;
      let done = false;
      try {
        done = this.runner.advance(SLICE_MS);
      } catch (e) {
        this.failure = `The engine failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      const hit = this.scanner.update(this);
      timeline.setReach({
        forwardDone: this.forwardDone,
        backwardDone: this.backwardDone,
        finished: this.finished,
        ...(hit ? { firstNonFinite: { cursor: { phase: hit.phase, t: hit.t }, tensor: hit.tensor } } : {}),
        ...(this.failure ? { error: this.failure } : {}),
      });
      if (!done && !this.failure) setImmediate(pump);
    };
    setImmediate(pump);
  }

  dispose(): void {
    this.stopped = true;
  }

  /** The tensors of one stop (the panel's step payload), or why there are none. */
  tensorsAt(c: Cursor): Tensor[] | string {
    const key = `${c.phase}:${c.t}`;
    if (this.cache?.key === key) return this.cache.tensors;
    const p = stepPayload(this, c.phase, c.t);
    if (typeof p === 'string') return p;
    const tensors = p.map((x) => ({ name: x.name, rows: x.rows, cols: x.cols, data: new Float64Array(x.data) }));
    this.cache = { key, tensors };
    return tensors;
  }

  /** The fixture's parameters, as `(rows, cols)` tensors in the fixture's names. */
  parameters(): Tensor[] {
    return Object.entries(this.problem.parameters).map(([name, a]: [string, { shape: number[]; data: Float64Array }]) => ({
      name,
      rows: a.shape[0] ?? 1,
      cols: a.shape.length > 1 ? a.shape.slice(1).reduce((p, q) => p * q, 1) : 1,
      data: a.data,
    }));
  }

  /** 1-based line of a top-level key (`"x"`, `"da"`, `"parameters"`, a parameter name), or 1. */
  lineOf(key: string): number {
    const at = this.text.indexOf(`"${key}"`);
    if (at < 0) return 1;
    let line = 1;
    for (let i = 0; i < at; i++) if (this.text.charCodeAt(i) === 10) line++;
    return line;
  }
}
