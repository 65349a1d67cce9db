/**
 * Evaluates mathjs expressions in a worker thread (evalWorker.ts) with a time limit and a memory
 * limit: a thread that runs too long is terminated and a fresh one started for the next request,
 * so a hostile watch expression (`ones(1e9)`, endless recursion) costs one error, not the session.
 * Only the tensors an expression names are sent to the thread, and each once per stop: the thread
 * keeps them until a request names another stop (a Watch list re-evaluated at every step, or a
 * condition at every step of a continue, sends each tensor it reads once).
 */
import { Worker } from 'node:worker_threads';
import { MAX_EXPRESSION, type EvalReply, type EvalRequest, type EvalValue, type ScopeTensor } from './evalProtocol';

export type ScopeValue = ScopeTensor | number | string;
/** Looks a name up in the current stop's scope (tensors, `t`, `phase`, dims). */
export type ScopeLookup = (name: string) => ScopeValue | undefined;

export interface EvalSandboxOptions {
  /** Path of the bundled evalWorker.js. */
  workerPath: string;
  timeLimitMs?: number;
  /** Heap limit of the thread (MB). */
  memoryMb?: number;
  /** Names that are tensors at some stop: when a stop lacks one, the expression is refused by name. */
  tensorNames?: ReadonlySet<string>;
}

export class EvalError extends Error {}

interface Pending {
  resolve: (v: EvalValue) => void;
  reject: (e: Error) => void;
  /** Set once the request is handed to a ready thread. */
  timer?: ReturnType<typeof setTimeout>;
  req: EvalRequest;
}

export class EvalSandbox {
  private worker: Worker | undefined;
  /** The thread has loaded mathjs (its first message); requests wait for it, untimed. */
  private ready = false;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private readonly timeLimitMs: number;
  private readonly memoryMb: number;
  /** The tensors the current thread holds: for which stop, and their names. */
  private held: { thread: Worker; stop: string; names: Set<string> } | undefined;

  constructor(private readonly opts: EvalSandboxOptions) {
    this.timeLimitMs = opts.timeLimitMs ?? 1000;
    this.memoryMb = opts.memoryMb ?? 256;
  }

  /** Start the thread now (loading mathjs takes a moment), so the first Watch is quick. */
  warm(): void {
    this.thread();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.opts.workerPath, {
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    w.unref();
    this.ready = false;
    w.on('message', (r: EvalReply | { ready: true }) => {
      if ('ready' in r) {
        this.ready = true;
        for (const p of this.pending.values()) this.send(w, p);
        return;
      }
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.ok) p.resolve(r.value);
      else p.reject(new EvalError(r.error));
    });
    const lost = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.failAll(why);
    };
    w.on('error', (e: Error & { code?: string }) =>
      lost(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the expression needed more than ${this.memoryMb} MB: stopped` : `the expression thread failed: ${e.message}`),
    );
    w.on('exit', () => lost('the expression thread stopped'));
    this.worker = w;
    return w;
  }

  private failAll(why: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new EvalError(why));
    }
    this.pending.clear();
  }

  /**
   * Evaluate `expression` over the names `lookup` knows at `stop` (a key naming the run and the
   * step: the same key must mean the same values). Rejects with an EvalError saying why.
   */
  evaluate(expression: string, lookup: ScopeLookup, stop: string): Promise<EvalValue> {
    if (typeof expression !== 'string' || expression.trim() === '') return Promise.reject(new EvalError('empty expression'));
    if (expression.length > MAX_EXPRESSION)
      return Promise.reject(new EvalError(`the expression is ${expression.length} characters long; the limit is ${MAX_EXPRESSION}`));
    const w = this.thread();
    if (this.held?.thread !== w || this.held.stop !== stop) this.held = { thread: w, stop, names: new Set() };
    const names = this.held.names;
    const scope: EvalRequest['scope'] = {};
    const held: string[] = [];
    const absent: string[] = [];
    for (const name of new Set(expression.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])) {
      if (names.has(name)) {
        held.push(name);
        continue;
      }
      const v = lookup(name);
      if (v === undefined) {
        if (this.opts.tensorNames?.has(name)) absent.push(name);
        continue;
      }
      scope[name] = v;
      // Requests reach the thread in order: the ones after this find the tensor there.
      if (typeof v === 'object') names.add(name);
    }
    const id = this.nextId++;
    return new Promise<EvalValue>((resolve, reject) => {
      const p: Pending = { resolve, reject, req: { id, expression, stop, scope, held, absent } };
      this.pending.set(id, p);
      if (this.ready) this.send(w, p);
    });
  }

  /** Hand a request to the ready thread and start its clock. */
  private send(w: Worker, p: Pending): void {
    const id = p.req.id;
    p.timer = setTimeout(() => {
      this.pending.delete(id);
      p.reject(new EvalError(`the expression took longer than ${this.timeLimitMs} ms: stopped`));
      // The thread may be stuck in the expression: replace it (other requests fail with it).
      if (this.worker === w) {
        this.worker = undefined;
        this.failAll('stopped with an expression that took too long');
        void w.terminate();
      }
    }, this.timeLimitMs);
    w.postMessage(p.req);
  }

  dispose(): void {
    this.failAll('the debug session ended');
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
  }
}
