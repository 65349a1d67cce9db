/**
 * Step requests on their way to the run worker, served in the order the user needs them. The
 * worker answers one request at a time, and the panel asks for many (the cursor's step and its
 * neighbours both ways, prefetched): a step the user just asked to see must not wait behind the
 * prefetches of the place they left. So at most `slots` requests are at the worker; the rest wait
 * here, and the next to go is the one nearest the cursor (the host's timeline position) when a
 * slot frees, the cursor's own step first. No DOM, no Node: plain-Node unit tests drive it.
 */

interface Job {
  index: number;
  start: () => void;
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

  /** Run `send` (the request for the step at timeline `index`) when its turn comes. */
  add<T>(index: number, send: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        send()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.pump();
          });
      };
      this.waiting.push({ index, start });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.slots && this.waiting.length > 0) {
      const here = this.cursor();
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++)
        if (Math.abs(this.waiting[i].index - here) < Math.abs(this.waiting[best].index - here)) best = i;
      const [job] = this.waiting.splice(best, 1);
      job.start();
    }
  }
}
