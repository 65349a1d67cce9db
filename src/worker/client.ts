/**
 * The host's handle on one run worker: load → (accept) → start, request/reply with ids, progress
 * and norms events, and a clean stop. Crashes become a progress error, never an exception.
 */
import { Worker } from 'node:worker_threads';
import type { Progress, RunInfo } from '../protocol/messages';
import { RequestClient } from '../protocol/requests';
import type { FromWorker, ToWorker, WorkerDiag, WorkerReply } from './protocol';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type WorkerRequest = DistributiveOmit<Extract<ToWorker, { id: number }>, 'id'>;

export type LoadOutcome =
  | { ok: true; run: RunInfo; warnings: WorkerDiag[] }
  | { ok: false; diagnostics: WorkerDiag[]; message: string };

export interface NormsEvent {
  da: ArrayBuffer;
  dc?: ArrayBuffer;
  from: number;
}

export interface RunWorkerOptions {
  scriptPath: string;
  runId: number;
  fixture: string;
  maxBytes: number;
  /** The run's memory budget in MB (setting rnnStepper.maxMemoryMB). */
  maxMemoryMB: number;
  /** The caches' budget in MB (setting rnnStepper.cacheMemoryMB; default: the worker's). */
  cacheMemoryMB?: number;
  gateGradLimitBytes: number;
}

export class RunWorker {
  private readonly worker: Worker;
  /** Replies matched to requests by id (a crash or a dispose answers every waiting one). */
  private readonly requests = new RequestClient<WorkerRequest, WorkerReply>(
    (req, id) => this.send(withId(req, id)),
    (id, error) => ({ type: 'reply', id, error }),
  );
  private loadResolve: ((o: LoadOutcome) => void) | undefined;
  private exited = false;
  readonly runId: number;
  info: RunInfo | undefined;
  progress: Progress;
  norms: NormsEvent | undefined;
  peakRss = 0;
  /** Milestones in ms since the worker was created: parsed, first step computed, finished. */
  readonly timings: { loadedMs?: number; firstStepMs?: number; finishedMs?: number } = {};
  private readonly created = Date.now();
  private readonly progressListeners = new Set<(p: Progress) => void>();
  onNorms: ((n: NormsEvent) => void) | undefined;
  /**
   * Staged load: the fixture's `da` was read after the run started. `errors` is non-empty when da
   * turned out invalid (the forward steps stay valid, the backward does not run); `warnings` are
   * the whole file's warnings then known. Set before `start()` to hear about it.
   */
  onLateDiagnostics: ((errors: WorkerDiag[], warnings: WorkerDiag[], message?: string) => void) | undefined;
  /** The late diagnostics, once known (for listeners that attach later). */
  late: { errors: WorkerDiag[]; warnings: WorkerDiag[]; message?: string } | undefined;

  /** Listen to progress; returns the unsubscribe function. */
  onProgress(cb: (p: Progress) => void): () => void {
    this.progressListeners.add(cb);
    return () => this.progressListeners.delete(cb);
  }

  private emitProgress(): void {
    for (const cb of [...this.progressListeners]) cb(this.progress);
  }

  constructor(private readonly opts: RunWorkerOptions) {
    this.runId = opts.runId;
    this.progress = { runId: opts.runId, forwardDone: 0, backwardDone: 0, finished: false };
    this.worker = new Worker(opts.scriptPath);
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (e) => this.fail(`The run worker failed: ${e.message}`));
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (code !== 0 && !this.progress.finished) this.fail(`The run worker stopped (exit code ${code}).`);
    });
  }

  private fail(error: string): void {
    if (this.progress.error) return;
    this.progress = { ...this.progress, error };
    this.loadResolve?.({ ok: false, diagnostics: [], message: error });
    this.loadResolve = undefined;
    this.requests.failAll(error);
    this.emitProgress();
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'loaded':
        this.timings.loadedMs = Date.now() - this.created;
        this.info = { ...m.run, runId: this.runId };
        this.loadResolve?.({ ok: true, run: this.info, warnings: m.warnings });
        this.loadResolve = undefined;
        return;
      case 'invalid':
        this.loadResolve?.({ ok: false, diagnostics: m.diagnostics, message: m.message });
        this.loadResolve = undefined;
        return;
      case 'daLoaded': {
        // (x's late reading and da's may both bring warnings: keep each once)
        const warnings = [...(this.late?.warnings ?? [])];
        for (const w of m.warningDiags) if (!warnings.some((o) => o.message === w.message && o.line === w.line)) warnings.push(w);
        this.late = { errors: this.late?.errors ?? [], warnings, message: this.late?.message };
        const fresh = m.warnings.filter((w) => !this.info?.warnings.includes(w));
        if (this.info && fresh.length) this.info = { ...this.info, warnings: [...this.info.warnings, ...fresh] };
        if (m.warningDiags.length) this.onLateDiagnostics?.(this.late.errors, warnings);
        return;
      }
      case 'daInvalid':
        this.late = { errors: m.diagnostics, warnings: this.late?.warnings ?? [], message: m.message };
        this.onLateDiagnostics?.(m.diagnostics, this.late.warnings, m.message);
        return;
      case 'progress':
        this.progress = { ...m.progress, runId: this.runId };
        if (m.progress.forwardDone > 0) this.timings.firstStepMs ??= Date.now() - this.created;
        if (m.progress.finished) this.timings.finishedMs ??= Date.now() - this.created;
        this.peakRss = Math.max(this.peakRss, m.memory.rss);
        this.emitProgress();
        return;
      case 'norms':
        this.norms = { da: m.da, dc: m.dc, from: m.from };
        this.onNorms?.(this.norms);
        return;
      case 'reply':
        this.requests.settle(m.id, m);
        return;
    }
  }

  private send(msg: ToWorker): void {
    if (!this.exited) this.worker.postMessage(msg);
  }

  load(): Promise<LoadOutcome> {
    return new Promise((resolve) => {
      this.loadResolve = resolve;
      this.send({
        type: 'load',
        runId: this.runId,
        path: this.opts.fixture,
        maxBytes: this.opts.maxBytes,
        maxMemoryMB: this.opts.maxMemoryMB,
        ...(this.opts.cacheMemoryMB !== undefined ? { cacheMemoryMB: this.opts.cacheMemoryMB } : {}),
        gateGradLimitBytes: this.opts.gateGradLimitBytes,
      });
    });
  }

  start(): void {
    this.send({ type: 'start' });
  }

  /** The panel painted the run's first step: background work may take the cores now. */
  painted(): void {
    this.send({ type: 'painted' });
  }

  /**
   * The user looks at the stop at timeline index `index`: for a short while the run computes only
   * what may be asked for next and reads nothing ahead (src/worker/giveWay.ts).
   */
  hold(index: number): void {
    this.send({ type: 'hold', index });
  }

  /** Like `request`, with the id (to `cancel` it). */
  requestWithId(req: WorkerRequest): { id: number; reply: Promise<WorkerReply> } {
    if (this.exited || this.progress.error) {
      const id = this.requests.nextId;
      return { id, reply: Promise.resolve({ type: 'reply', id, error: this.progress.error ?? 'the run worker has stopped' }) };
    }
    return this.requests.request(req);
  }

  cancel(id: number): void {
    this.send({ type: 'cancel', target: id });
  }

  request(req: WorkerRequest): Promise<WorkerReply> {
    return this.requestWithId(req).reply;
  }

  dispose(): void {
    this.progressListeners.clear();
    this.onNorms = undefined;
    this.onLateDiagnostics = undefined;
    this.requests.dispose('the run was replaced');
    this.exited = true;
    void this.worker.terminate();
  }
}

/** The request as the worker receives it: with its id. */
function withId(req: WorkerRequest, id: number): ToWorker {
  switch (req.type) {
    case 'step':
      return { ...req, id };
    case 'window':
      return { ...req, id };
    case 'norms':
      return { ...req, id };
    case 'export':
      return { ...req, id };
    case 'memory':
      return { ...req, id };
    case 'params':
      return { ...req, id };
  }
}
