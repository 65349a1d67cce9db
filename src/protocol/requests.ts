/**
 * Request/reply matching by id, written once for every boundary: host ⇄ worker (a promise per
 * request) and webview ⇄ host (replies dispatched by message type, requests remembered by what
 * they asked for). No DOM, no Node, no `vscode`: both sides import it.
 */

/** One request still waiting for its reply. */
export interface Open<Meta> {
  meta: Meta;
  /** When it was sent (the tracker's clock). */
  sentAt: number;
}

/**
 * The ids of requests on their way and what each asked for. Ids start at 1 and only grow, so a
 * reply's id also says whether it answers a request older than some point (`nextId`).
 */
export class RequestTracker<Meta> {
  private next = 1;
  private readonly open = new Map<number, Open<Meta>>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** A fresh id, remembered with `meta` until its reply is taken or it is dropped. */
  begin(meta: Meta): number {
    const id = this.next++;
    this.open.set(id, { meta, sentAt: this.now() });
    return id;
  }

  /** The request a reply with this id answers, forgotten now; undefined if unknown or answered. */
  take(id: number): Open<Meta> | undefined {
    const o = this.open.get(id);
    this.open.delete(id);
    return o;
  }

  /** The request, still open (undefined if unknown or answered). */
  peek(id: number): Open<Meta> | undefined {
    return this.open.get(id);
  }

  /** Milliseconds since request `id` was sent; Infinity when it is not open. */
  age(id: number): number {
    const o = this.open.get(id);
    return o ? this.now() - o.sentAt : Infinity;
  }

  /** Forget a request whose reply is no longer wanted (a late reply is then unknown). */
  drop(id: number): void {
    this.open.delete(id);
  }

  /** Every open request, forgotten (to answer them all, e.g. when the other side is gone). */
  takeAll(): [number, Open<Meta>][] {
    const all = [...this.open];
    this.open.clear();
    return all;
  }

  /** The id the next request will get: every request sent so far has a smaller one. */
  get nextId(): number {
    return this.next;
  }

  get size(): number {
    return this.open.size;
  }
}

/** A clock for timeouts (injected: this module sees neither the DOM's nor Node's timers). */
export interface Timers {
  after(ms: number, f: () => void): { cancel(): void };
}

/**
 * Requests answered by promises: `request` sends, `settle` resolves with the reply of that id.
 * A request never rejects: it resolves with `failed(id, why)` on a timeout, when the other side
 * is gone (`failAll`) or on `dispose`.
 */
export class RequestClient<Req, Reply> {
  private readonly tracker = new RequestTracker<{ resolve: (r: Reply) => void; timer?: { cancel(): void } }>();
  private disposed = false;

  /**
   * `sendRequest` sends a request with its id to the other side (when it throws, the request
   * fails); `failed` is the reply of a request that cannot be answered (`why`: a timeout, the
   * other side gone, a send failure). Timeouts need `timers`.
   */
  constructor(
    private readonly sendRequest: (req: Req, id: number) => void,
    private readonly failed: (id: number, why: string) => Reply,
    private readonly timers?: Timers,
  ) {}

  /** The id the next request will get (to cancel it later, say). */
  get nextId(): number {
    return this.tracker.nextId;
  }

  /** Requests still waiting. */
  get pending(): number {
    return this.tracker.size;
  }

  /** Send `req`; the promise resolves with its reply, or `failed(…)` after `timeoutMs` (if given). */
  request(req: Req, timeoutMs?: number): { id: number; reply: Promise<Reply> } {
    let resolve: (r: Reply) => void = () => undefined;
    const reply = new Promise<Reply>((res) => (resolve = res));
    const entry: { resolve: (r: Reply) => void; timer?: { cancel(): void } } = { resolve };
    const id = this.tracker.begin(entry);
    if (this.disposed) {
      this.tracker.drop(id);
      resolve(this.failed(id, 'disposed'));
      return { id, reply };
    }
    if (timeoutMs !== undefined) {
      if (!this.timers) throw new Error('RequestClient: a timeout needs timers');
      entry.timer = this.timers.after(timeoutMs, () => {
        if (this.tracker.take(id)) resolve(this.failed(id, `no reply within ${timeoutMs} ms`));
      });
    }
    try {
      this.sendRequest(req, id);
    } catch (e) {
      this.settle(id, this.failed(id, e instanceof Error ? e.message : String(e)));
    }
    return { id, reply };
  }

  /** A reply arrived: resolves its request. False when no request with this id is waiting. */
  settle(id: number, reply: Reply): boolean {
    const o = this.tracker.take(id);
    if (!o) return false;
    o.meta.timer?.cancel();
    o.meta.resolve(reply);
    return true;
  }

  /** The other side is gone: every waiting request resolves with `failed(id, why)`. */
  failAll(why: string): void {
    for (const [id, o] of this.tracker.takeAll()) {
      o.meta.timer?.cancel();
      o.meta.resolve(this.failed(id, why));
    }
  }

  /** Fail what waits, and every later request at once. */
  dispose(why = 'disposed'): void {
    this.disposed = true;
    this.failAll(why);
  }
}
