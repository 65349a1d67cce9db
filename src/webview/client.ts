/**
 * Pulls what the panel draws from the host: step payloads (LRU-cached, neighbours prefetched) and
 * units × time windows in aligned chunks (LRU-cached, never the whole run). DOM-free, so it can be
 * unit-tested with a fake `post`.
 */

import { STEP_PARTS, type FromWebview, type Phase, type StepPart, type ToWebview } from '../protocol/messages';
import { RequestTracker } from '../protocol/requests';
import { partOf, partsOf } from '../session/stepParts';
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
  /** The tensors of the parts here, in payload order (core, then grads, then sums). */
  tensors: Tensor[];
  /** The parts of the stop held (stepParts.ts); a stop is shown once its `core` is here. */
  parts: ReadonlySet<StepPart>;
  /**
   * Its `sums` part was answered before the host could compute the running sums (no `sum_*`
   * tensors): they come once the host says `sumsComplete` and the part is asked for again.
   */
  sumsLater?: boolean;
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
  /**
   * Stops, each with the parts of it that came (stepParts.ts): at most 96 stops and 128 MB. A big
   * LSTM's backward core is ~0.5 MB; its weight gradients and their running sums, ~2.6 MB each,
   * are fetched only while the panel shows them.
   */
  readonly steps = new Lru<string, StepData>(96, (s) => s.tensors.reduce((n, t) => n + t.data.byteLength, 0), 128 << 20);
  /** Window chunks: 64 steps × units of one tensor and batch column each (≤ 128 KB for n_a = 256). */
  readonly chunks = new Lru<string, WindowChunk>(160);
  /** Requests on their way, by id: the keys they asked for (a step request: one key per part). */
  private readonly requests: RequestTracker<string[]>;
  /** The id of the latest request for each key (`s:phase:t:part`, `w:…`, `p:`) still on its way. */
  private readonly inflight = new Map<string, number>();
  /**
   * Set (to the first request id sent after it) once the host said every backward step's running
   * sums can be served: a reply to an older request whose `sums` part came empty is not kept.
   */
  private sumsEpoch = 0;

  /** The run's parameters by name (asked once per run, see `ensureParams`). */
  private paramsOf: ReadonlyMap<string, Tensor> | undefined;

  /** Called with request → reply milliseconds of every step reply (diagnostics, benchmark). */
  onStepLatency?: (ms: number) => void;

  constructor(
    private readonly post: (m: FromWebview) => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.requests = new RequestTracker<string[]>(now);
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
  }

  private static partKey(phase: Phase, t: number, part: StepPart): string {
    return `s:${phase}:${t}:${part}`;
  }

  /** The step requests still on their way (younger than the retry delay): each stop with the parts asked. */
  stepsInFlight(): { phase: Phase; t: number; parts: StepPart[] }[] {
    const out = new Map<string, { phase: Phase; t: number; parts: StepPart[] }>();
    for (const [key, id] of this.inflight) {
      if (!key.startsWith('s:') || this.requests.age(id) >= RETRY_MS) continue;
      const [, phase, t, part] = key.split(':');
      if (!(phase === 'forward' || phase === 'backward' || phase === 'totals')) continue;
      const p = STEP_PARTS.find((x) => x === part);
      if (!p) continue;
      const stop = `${phase}:${t}`;
      const have = out.get(stop);
      if (have) have.parts.push(p);
      else out.set(stop, { phase, t: Number(t), parts: [p] });
    }
    return [...out.values()];
  }

  /** The parts of `wanted` the stop has (only those a stop of its phase has: stepParts.ts `partsOf`). */
  private static partsFor(phase: Phase, wanted: readonly StepPart[]): StepPart[] {
    return partsOf(phase).filter((p) => wanted.includes(p));
  }

  /** Every wanted part of the stop is cached (without touching its place in the LRU). */
  hasStep(phase: Phase, t: number, wanted: readonly StepPart[] = ['core']): boolean {
    const s = this.steps.peek(DataClient.stepKey(phase, t));
    return !!s && DataClient.partsFor(phase, wanted).every((p) => s.parts.has(p));
  }

  /** The wanted parts of the stop that are neither cached nor on their way (what `ensureStep` would ask for). */
  missingParts(phase: Phase, t: number, wanted: readonly StepPart[] = ['core']): StepPart[] {
    const s = this.steps.peek(DataClient.stepKey(phase, t));
    return DataClient.partsFor(phase, wanted).filter((p) => !s?.parts.has(p) && !this.isInflight(DataClient.partKey(phase, t, p)));
  }

  /** A request for some part of the stop is on its way (and not yet due for a retry). */
  isStepInFlight(phase: Phase, t: number, wanted: readonly StepPart[] = ['core']): boolean {
    return DataClient.partsFor(phase, wanted).some((p) => this.isInflight(DataClient.partKey(phase, t, p)));
  }

  /**
   * Stop counting the stop's requests as on their way (the host drops a request that waits too
   * far from its cursor, session/stepQueue.ts): a later `ensureStep` asks again; a late reply is
   * still cached.
   */
  forgetStep(phase: Phase, t: number): void {
    for (const p of partsOf(phase)) {
      const key = DataClient.partKey(phase, t, p);
      const id = this.inflight.get(key);
      if (id === undefined) continue;
      this.requests.drop(id);
      this.inflight.delete(key);
    }
  }

  /** The run's parameters, once they arrived. */
  get params(): ReadonlyMap<string, Tensor> | undefined {
    return this.paramsOf;
  }

  /** Ask for the run's parameters unless they are here or on their way. True when a request was sent. */
  ensureParams(): boolean {
    if (this.paramsOf || this.runId < 0 || this.isInflight('p:')) return false;
    this.send(['p:'], (id) => ({ type: 'requestParams', messageId: id, runId: this.runId }));
    return true;
  }

  /** Store the parameters reply; false when it belongs to another run. */
  onParams(m: ParamsMsg): boolean {
    this.settle(m.inReplyTo);
    if (m.runId !== this.runId) return false;
    const map = new Map<string, Tensor>();
    for (const p of m.tensors) map.set(p.name, { name: p.name, rows: p.rows, cols: p.cols, data: new Float64Array(p.data) });
    this.paramsOf = map;
    return true;
  }

  /** A backward stop whose running sums were asked for but could not be served yet. */
  static lacksSums(step: Pick<StepData, 'phase' | 'sumsLater'>): boolean {
    return step.phase === 'backward' && step.sumsLater === true;
  }

  /**
   * The host can now serve every backward step's running sums (`progress.sumsComplete`): the
   * cached stops whose `sums` part came empty lose it (their other parts stay), so the next
   * `ensureStep` that wants it asks again. Acts once per run; returns the stops changed (empty on
   * repeats).
   */
  onSumsComplete(): string[] {
    if (this.sumsEpoch) return [];
    this.sumsEpoch = this.requests.nextId;
    const changed: string[] = [];
    for (const key of this.steps.keys()) {
      const s = this.steps.peek(key);
      if (!s || !DataClient.lacksSums(s)) continue;
      const parts = new Set(s.parts);
      parts.delete('sums');
      this.steps.set(key, { ...s, parts, sumsLater: false });
      changed.push(key);
    }
    // Sums requests still on their way were sent before: let the next ensureStep ask again.
    for (const key of [...this.inflight.keys()]) if (key.startsWith('s:backward:') && key.endsWith(':sums')) this.inflight.delete(key);
    return changed;
  }

  static stepKey(phase: Phase, t: number): string {
    return `${phase}:${t}`;
  }

  static chunkKey(tensor: string, batch: number, chunk: number): string {
    return `${tensor}:${batch}:${chunk}`;
  }

  /** The stop, once its core is here (with whatever other parts came). */
  getStep(phase: Phase, t: number): StepData | undefined {
    const s = this.steps.get(DataClient.stepKey(phase, t));
    return s?.parts.has('core') ? s : undefined;
  }

  private isInflight(key: string): boolean {
    const id = this.inflight.get(key);
    return id !== undefined && this.requests.age(id) < RETRY_MS;
  }

  private send(keys: string[], build: (id: number) => FromWebview): void {
    for (const key of keys) {
      const old = this.inflight.get(key);
      // (a late reply to it is no longer wanted for this key: its other keys, if any, are re-asked too)
      if (old !== undefined) this.requests.drop(old);
    }
    const id = this.requests.begin(keys);
    for (const key of keys) this.inflight.set(key, id);
    this.post(build(id));
  }

  /** The reply to request `id` came: its keys are no longer on their way. */
  private settle(id: number): { sentAt: number } | undefined {
    const asked = this.requests.take(id);
    if (asked) for (const key of asked.meta) if (this.inflight.get(key) === id) this.inflight.delete(key);
    return asked;
  }

  /**
   * Ask for the `wanted` parts of a stop (a forward or totals stop has only `core`) that are
   * neither cached nor on their way, in one request. Returns true when a request was sent.
   */
  ensureStep(phase: Phase, t: number, wanted: readonly StepPart[] = ['core']): boolean {
    const parts = this.missingParts(phase, t, wanted);
    if (parts.length === 0) return false;
    this.send(
      parts.map((p) => DataClient.partKey(phase, t, p)),
      (id) => ({ type: 'requestStep', messageId: id, runId: this.runId, phase, t, parts }),
    );
    return true;
  }

  /**
   * The host sends this stop's core unasked (the cursor `init` named): count it as on its way, so
   * that `ensureStep` does not ask for it too (it would be computed and sent twice). Should the
   * push not come, it is asked for after the usual retry delay.
   */
  expectStep(phase: Phase, t: number): void {
    const key = DataClient.partKey(phase, t, 'core');
    if (this.hasStep(phase, t) || this.isInflight(key)) return;
    this.inflight.set(key, this.requests.begin([key]));
  }

  /**
   * Store a step reply (added to the parts of the stop already here). Returns the stop as it is
   * now, or undefined when the reply belongs to another run / is malformed.
   */
  onStep(m: StepMsg): StepData | undefined {
    const asked = this.settle(m.inReplyTo);
    if (asked) this.onStepLatency?.(this.now() - asked.sentAt);
    else if (m.inReplyTo === 0 && m.runId === this.runId) {
      // Sent unasked (the stop `init` named): what `expectStep` noted as on its way is here.
      for (const p of m.parts ?? partsOf(m.phase)) {
        const key = DataClient.partKey(m.phase, m.t, p);
        const id = this.inflight.get(key);
        if (id !== undefined) this.requests.drop(id);
        this.inflight.delete(key);
      }
    }
    if (m.runId !== this.runId) return undefined;
    const answered = new Set(DataClient.partsFor(m.phase, m.parts ?? STEP_PARTS));
    const tensors: Tensor[] = [];
    for (const p of m.tensors) {
      if (!p || typeof p.name !== 'string' || !(p.data instanceof ArrayBuffer)) return undefined;
      if (!Number.isInteger(p.rows) || !Number.isInteger(p.cols) || p.data.byteLength !== p.rows * p.cols * 8)
        return undefined;
      if (!answered.has(partOf(m.phase, p.name))) return undefined; // (a tensor of a part it does not answer)
      tensors.push({ name: p.name, rows: p.rows, cols: p.cols, data: new Float64Array(p.data) });
    }
    let sumsLater = answered.has('sums') && !tensors.some((x) => x.name.startsWith('sum_'));
    // Sums asked for before they could be served (a fresh request is on its way): not worth keeping.
    if (sumsLater && this.sumsEpoch && m.inReplyTo < this.sumsEpoch) {
      answered.delete('sums');
      sumsLater = false;
    }
    if (answered.size === 0) return undefined;
    const key = DataClient.stepKey(m.phase, m.t);
    const had = this.steps.peek(key);
    const kept = had ? had.tensors.filter((x) => !answered.has(partOf(m.phase, x.name))) : [];
    const order = (x: Tensor) => STEP_PARTS.indexOf(partOf(m.phase, x.name));
    const step: StepData = {
      runId: m.runId,
      phase: m.phase,
      t: m.t,
      // (a stable sort: each part keeps the host's order)
      tensors: [...kept, ...tensors].sort((a, b) => order(a) - order(b)),
      parts: new Set([...(had?.parts ?? []), ...answered]),
      sumsLater: answered.has('sums') ? sumsLater : had?.sumsLater,
    };
    this.steps.set(key, step);
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
      this.send(['w:' + key], (id) => ({
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
    this.settle(m.inReplyTo);
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
