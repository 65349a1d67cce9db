/**
 * Step requests on their way to the run worker, served in the order the user needs them. The
 * worker answers one request at a time, and the panel asks for many (the cursor's step and its
 * neighbours both ways, prefetched): a step the user just asked to see must not wait behind the
 * prefetches of the place they left. So at most `slots` requests are at the worker; the rest wait
 * here, and the next to go is the one nearest the cursor (the host's timeline position) when a
 * slot frees, the cursor's own step first. A request still waiting when the cursor has moved
 * more than STALE_DISTANCE away is dropped unsent (settles with `undefined`): it was a prefetch of
 * a place the user left, and its payload (up to ~6 MB for a big LSTM's backward stop) would only
 * delay the replies they wait for now. The webview forgets such requests by the same rule
 * (webview/views/prefetch.ts) and asks again should it come back. No DOM, no Node: plain-Node
 * unit tests drive it.
 */

/** Timeline steps between a waiting request and the cursor beyond which the request is dropped. */
export const STALE_DISTANCE = 64;

interface Job {
  index: number;
  start: () => void;
  drop: () => void;
}

export class StepQueue {
  private readonly waiting: Job[] = [];
  private running = 0;

  /**
   * @param slots requests at the worker at once (2: one being computed, one ready to go)
   * @param cursor the timeline index of the cursor now (read when a slot frees)
   */
  constructor(
    private readonly slots: number,
    private readonly cursor: () => number,
  ) {}

  /** Requests waiting for a slot (not yet sent to the worker). */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Run `send` (the request for the step at timeline `index`) when its turn comes; `undefined`
   * when it was dropped unsent (the cursor moved more than STALE_DISTANCE away meanwhile).
   */
  add<T>(index: number, send: () => Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const start = () => {
        this.running++;
        send()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.pump();
          });
      };
      this.waiting.push({ index, start, drop: () => resolve(undefined) });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.slots && this.waiting.length > 0) {
      const here = this.cursor();
      for (let i = this.waiting.length - 1; i >= 0; i--)
        if (Math.abs(this.waiting[i].index - here) > STALE_DISTANCE) this.waiting.splice(i, 1)[0].drop();
      if (this.waiting.length === 0) return;
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++)
        if (Math.abs(this.waiting[i].index - here) < Math.abs(this.waiting[best].index - here)) best = i;
      const [job] = this.waiting.splice(best, 1);
      job.start();
    }
  }
}
