/**
 * Pulls what the panel draws from the host: step payloads (LRU-cached, neighbours prefetched) and
 * units × time windows in aligned chunks (LRU-cached, never the whole run). DOM-free, so it can be
 * unit-tested with a fake `post`.
 */

import type { FromWebview, Phase, ToWebview } from '../protocol/messages';
import { RequestTracker } from '../protocol/requests';
import { Lru } from './lru';

export interface Tensor {
  name: string;
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface StepData {
  runId: number;
  phase: Phase;
  t: number;
  tensors: Tensor[];
}

export interface WindowChunk {
  t0: number;
  /** Exclusive; may stop short of the chunk's end while the run is still streaming. */
  t1: number;
  rows: number;
  /** rows × (t1 - t0), row-major. */
  data: Float64Array;
}

/** Steps per window chunk. Chunks are aligned to multiples of this. */
export const CHUNK = 64;
/** A request with no reply after this long may be sent again (the host may have dropped it). */
const RETRY_MS = 4000;

type StepMsg = Extract<ToWebview, { type: 'step' }>;
type WindowMsg = Extract<ToWebview, { type: 'window' }>;
type ParamsMsg = Extract<ToWebview, { type: 'params' }>;

export class DataClient {
  private runId = -1;
  /** Step payloads: at most 32 stops and 128 MB (a big LSTM's backward stop is ~6 MB with its running sums). */
  readonly steps = new Lru<string, StepData>(32, (s) => s.tensors.reduce((n, t) => n + t.data.byteLength, 0), 128 << 20);
  /** Window chunks: 64 steps × units of one tensor and batch column each (≤ 128 KB for n_a = 256). */
  readonly chunks = new Lru<string, WindowChunk>(160);
  /** Requests on their way, by id (what each asked for: its cache key). */
  private readonly requests: RequestTracker<string>;
  /** The id of the latest request for each key still on its way. */
  private readonly inflight = new Map<string, number>();
  /**
   * Set (to the first request id sent after it) once the host said every backward step's running
   * sums can be served: a backward reply to an older request that lacks them is asked for again.
   */
  private sumsEpoch = 0;

  /** The run's parameters by name (asked once per run, see `ensureParams`). */
  private paramsOf: ReadonlyMap<string, Tensor> | undefined;

  /** The byte size of the latest step payload of each phase (what a request for one will bring). */
  private readonly stepSize = new Map<Phase, number>();

  /** Called with request → reply milliseconds of every step reply (diagnostics, benchmark). */
  onStepLatency?: (ms: number) => void;

  constructor(
    private readonly post: (m: FromWebview) => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.requests = new RequestTracker<string>(now);
  }

  /** Forget everything cached for a previous run. */
  reset(runId: number): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.steps.clear();
    this.chunks.clear();
    this.inflight.clear();
    this.requests.takeAll();
    this.sumsEpoch = 0;
    this.paramsOf = undefined;
    this.stepSize.clear();
  }

  /**
   * The bytes a step of `phase` will bring: the size of the latest one that came (a big LSTM's
   * backward stop, gate gradients and running sums, is ~6 MB; its forward stop well under 1 MB).
   * Before any came: the largest size seen of another phase, else `unknown`.
   */
  stepBytes(phase: Phase, unknown: number): number {
    return this.stepSize.get(phase) ?? Math.max(unknown, ...this.stepSize.values());
  }

  /** The step requests still on their way (younger than the retry delay), by (phase, t). */
  stepsInFlight(): { phase: Phase; t: number }[] {
    const out: { phase: Phase; t: number }[] = [];
    for (const [key, id] of this.inflight) {
      if (!key.startsWith('s:') || this.requests.age(id) >= RETRY_MS) continue;
      const [phase, t] = key.slice(2).split(':');
      if (phase === 'forward' || phase === 'backward' || phase === 'totals') out.push({ phase, t: Number(t) });
    }
    return out;
  }

  /** The step is cached (without touching its place in the LRU). */
  hasStep(phase: Phase, t: number): boolean {
    return this.steps.has(DataClient.stepKey(phase, t));
  }

  /** A request for the step is on its way (and not yet due for a retry). */
  isStepInFlight(phase: Phase, t: number): boolean {
    return this.isInflight('s:' + DataClient.stepKey(phase, t));
  }

  /**
   * Stop counting a step request as on its way (the host drops a request that waits too far
   * from its cursor, session/stepQueue.ts): a later `ensureStep` asks again; a late reply is still
   * cached.
   */
  forgetStep(phase: Phase, t: number): void {
    const key = 's:' + DataClient.stepKey(phase, t);
    const id = this.inflight.get(key);
    if (id === undefined) return;
    this.requests.drop(id);
    this.inflight.delete(key);
  }

  /** The run's parameters, once they arrived. */
  get params(): ReadonlyMap<string, Tensor> | undefined {
    return this.paramsOf;
  }

  /** Ask for the run's parameters unless they are here or on their way. True when a request was sent. */
  ensureParams(): boolean {
    if (this.paramsOf || this.runId < 0 || this.isInflight('p:')) return false;
    this.send('p:', (id) => ({ type: 'requestParams', messageId: id, runId: this.runId }));
    return true;
  }

  /** Store the parameters reply; false when it belongs to another run. */
  onParams(m: ParamsMsg): boolean {
    const asked = this.requests.take(m.inReplyTo);
    if (asked) this.inflight.delete(asked.meta);
    if (m.runId !== this.runId) return false;
    const map = new Map<string, Tensor>();
    for (const p of m.tensors) map.set(p.name, { name: p.name, rows: p.rows, cols: p.cols, data: new Float64Array(p.data) });
    this.paramsOf = map;
    return true;
  }

  /** A backward step without its running sums (`sum_*`): sent before the host could compute them. */
  static lacksSums(step: Pick<StepData, 'phase' | 'tensors'>): boolean {
    return step.phase === 'backward' && !step.tensors.some((t) => t.name.startsWith('sum_'));
  }

  /**
   * The host can now serve every backward step's running sums (`progress.sumsComplete`): forget
   * the cached backward steps that lack them, so the next `ensureStep` asks again. Acts once per
   * run; returns the keys dropped (empty on repeats).
   */
  onSumsComplete(): string[] {
    if (this.sumsEpoch) return [];
    this.sumsEpoch = this.requests.nextId;
    const dropped: string[] = [];
    for (const key of this.steps.keys()) {
      const s = this.steps.peek(key);
      if (s && DataClient.lacksSums(s)) {
        this.steps.delete(key);
        dropped.push(key);
      }
    }
    // Replies still on their way were asked for before: let the next ensureStep ask again.
    for (const [key, id] of this.inflight) {
      if (key.startsWith('s:backward:')) {
        this.inflight.delete(key);
        this.requests.drop(id);
      }
    }
    return dropped;
  }

  static stepKey(phase: Phase, t: number): string {
    return `${phase}:${t}`;
  }

  static chunkKey(tensor: string, batch: number, chunk: number): string {
    return `${tensor}:${batch}:${chunk}`;
  }

  getStep(phase: Phase, t: number): StepData | undefined {
    return this.steps.get(DataClient.stepKey(phase, t));
  }

  private isInflight(key: string): boolean {
    const id = this.inflight.get(key);
    return id !== undefined && this.requests.age(id) < RETRY_MS;
  }

  private send(key: string, build: (id: number) => FromWebview): void {
    const old = this.inflight.get(key);
    if (old !== undefined) this.requests.drop(old); // (a late reply to it is no longer wanted)
    const id = this.requests.begin(key);
    this.inflight.set(key, id);
    this.post(build(id));
  }

  /** Ask for a step unless it is cached or already asked for. Returns true when a request was sent. */
  ensureStep(phase: Phase, t: number): boolean {
    const key = DataClient.stepKey(phase, t);
    if (this.steps.has(key) || this.isInflight('s:' + key)) return false;
    this.send('s:' + key, (id) => ({ type: 'requestStep', messageId: id, runId: this.runId, phase, t }));
    return true;
  }

  /**
   * The host sends this step unasked (the cursor `init` named): count it as on its way, so that
   * `ensureStep` does not ask for it too (it would be computed and sent twice). Should the push
   * not come, the step is asked for after the usual retry delay.
   */
  expectStep(phase: Phase, t: number): void {
    const key = 's:' + DataClient.stepKey(phase, t);
    if (this.steps.has(DataClient.stepKey(phase, t)) || this.isInflight(key)) return;
    this.inflight.set(key, this.requests.begin(key));
  }

  /** Store a step reply. Returns it, or undefined when it belongs to another run / is malformed. */
  onStep(m: StepMsg): StepData | undefined {
    const asked = this.requests.take(m.inReplyTo);
    if (asked) {
      this.onStepLatency?.(this.now() - asked.sentAt);
      this.inflight.delete(asked.meta);
    } else if (m.inReplyTo === 0 && m.runId === this.runId) {
      // Sent unasked (the step `init` named): what `expectStep` noted as on its way is here.
      const key = 's:' + DataClient.stepKey(m.phase, m.t);
      const id = this.inflight.get(key);
      if (id !== undefined) this.requests.drop(id);
      this.inflight.delete(key);
    }
    if (m.runId !== this.runId) return undefined;
    const tensors: Tensor[] = [];
    for (const p of m.tensors) {
      if (!p || typeof p.name !== 'string' || !(p.data instanceof ArrayBuffer)) return undefined;
      if (!Number.isInteger(p.rows) || !Number.isInteger(p.cols) || p.data.byteLength !== p.rows * p.cols * 8)
        return undefined;
      tensors.push({ name: p.name, rows: p.rows, cols: p.cols, data: new Float64Array(p.data) });
    }
    const step: StepData = { runId: m.runId, phase: m.phase, t: m.t, tensors };
    this.stepSize.set(m.phase, tensors.reduce((n, x) => n + x.data.byteLength, 0));
    // Asked for before the sums could be served (the fresh request is on its way): not worth keeping.
    if (this.sumsEpoch && m.inReplyTo < this.sumsEpoch && DataClient.lacksSums(step)) return undefined;
    this.steps.set(DataClient.stepKey(m.phase, m.t), step);
    return step;
  }

  /**
   * Make sure the chunks covering `[t0, t1)` of a window tensor are cached or on their way,
   * asking only for the computed part `[lo, hi)`. A chunk cached while it was still partial is
   * asked for again once more of it is computed.
   */
  ensureWindow(tensor: string, batch: number, t0: number, t1: number, lo: number, hi: number): number {
    let sent = 0;
    const a = Math.max(t0, lo);
    const b = Math.min(t1, hi);
    if (b <= a) return 0;
    for (let c = Math.floor(a / CHUNK); c * CHUNK < b; c++) {
      const r0 = Math.max(c * CHUNK, lo);
      const r1 = Math.min((c + 1) * CHUNK, hi);
      if (r1 <= r0) continue;
      const key = DataClient.chunkKey(tensor, batch, c);
      const have = this.chunks.peek(key);
      if (have && have.t0 <= r0 && have.t1 >= r1) continue;
      if (this.isInflight('w:' + key)) continue;
      this.send('w:' + key, (id) => ({
        type: 'requestWindow',
        messageId: id,
        runId: this.runId,
        tensor,
        batch,
        t0: r0,
        t1: r1,
      }));
      sent++;
    }
    return sent;
  }

  onWindow(m: WindowMsg): { tensor: string; batch: number } | undefined {
    const asked = this.requests.take(m.inReplyTo);
    if (asked) this.inflight.delete(asked.meta);
    if (m.runId !== this.runId) return undefined;
    const n = m.t1 - m.t0;
    if (!(n > 0) || m.data.byteLength !== m.rows * n * 8) return undefined;
    const c = Math.floor(m.t0 / CHUNK);
    if (Math.floor((m.t1 - 1) / CHUNK) !== c) {
      // Not aligned to our chunks (another client's request?): split it.
      const all = new Float64Array(m.data);
      for (let cc = c; cc * CHUNK < m.t1; cc++) {
        const s0 = Math.max(cc * CHUNK, m.t0);
        const s1 = Math.min((cc + 1) * CHUNK, m.t1);
        const w = s1 - s0;
        const d = new Float64Array(m.rows * w);
        for (let r = 0; r < m.rows; r++)
          d.set(all.subarray(r * n + (s0 - m.t0), r * n + (s1 - m.t0)), r * w);
        this.chunks.set(DataClient.chunkKey(m.tensor, m.batch, cc), { t0: s0, t1: s1, rows: m.rows, data: d });
      }
    } else {
      this.chunks.set(DataClient.chunkKey(m.tensor, m.batch, c), {
        t0: m.t0,
        t1: m.t1,
        rows: m.rows,
        data: new Float64Array(m.data),
      });
    }
    return { tensor: m.tensor, batch: m.batch };
  }

  /**
   * Copy `[t0, t1)` of a window into `out` (rows × (t1 - t0), row-major); `have[k]` is 1 for
   * columns that were available. Returns the row count, or 0 when nothing is cached.
   */
  readWindow(tensor: string, batch: number, t0: number, t1: number, out: { data: Float64Array; have: Uint8Array }): number {
    const w = t1 - t0;
    out.have.fill(0, 0, w);
    let rows = 0;
    for (let c = Math.floor(t0 / CHUNK); c * CHUNK < t1; c++) {
      const ch = this.chunks.get(DataClient.chunkKey(tensor, batch, c));
      if (!ch) continue;
      rows = ch.rows;
      const cw = ch.t1 - ch.t0;
      const s0 = Math.max(ch.t0, t0);
      const s1 = Math.min(ch.t1, t1);
      if (out.data.length < rows * w) return 0;
      for (let r = 0; r < rows; r++)
        for (let t = s0; t < s1; t++) out.data[r * w + (t - t0)] = ch.data[r * cw + (t - ch.t0)];
      for (let t = s0; t < s1; t++) out.have[t - t0] = 1;
    }
    return rows;
  }
}
