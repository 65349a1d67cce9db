/**
 * Timing hooks read by `npm run bench:ui`: start-up milestones as performance marks, and how long
 * a key press (or a click that moves the cursor) takes until the step is painted.
 */

declare global {
  interface Window {
    /** Last 200 key → step painted durations (ms), read by the UI benchmark. */
    __rnnPerf: number[];
    /** Same, but measured at the next animation frame (includes waiting for vsync). */
    __rnnPerfFrame: number[];
    /** Last 200 step request → reply times (ms): how long the host takes to deliver a step. */
    __rnnNet: number[];
    /**
     * Last 200 `move` sent → the host's `cursor` message that acknowledges it (ms): the round trip
     * the panel's prediction does not wait for (cursorPrediction.ts).
     */
    __rnnCursor: number[];
  }
}

/** Record a start-up milestone once (the first of each name counts). */
export function milestone(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}

const push = (list: number[], ms: number) => {
  list.push(ms);
  if (list.length > 200) list.shift();
};

/** Key → paint timer: `start` when an input moves the cursor, `painted` when that step is on screen. */
export class PaintTimer {
  private started: number | undefined;

  constructor(private readonly report: (ms: number) => void) {
    window.__rnnPerf = [];
    window.__rnnPerfFrame = [];
    window.__rnnNet = [];
    window.__rnnCursor = [];
  }

  start(): void {
    this.started = performance.now();
  }

  /** Nothing will be painted for this input (end of the timeline, a key that does not step). */
  cancel(): void {
    this.started = undefined;
  }

  painted(): void {
    const start = this.started;
    if (start === undefined) return;
    this.started = undefined;
    const ms = performance.now() - start;
    try {
      performance.measure('keyToPaint', { start, end: start + ms });
    } catch {
      /* older engines: the number below is what matters */
    }
    push(window.__rnnPerf, ms);
    this.report(ms);
    requestAnimationFrame(() => push(window.__rnnPerfFrame, performance.now() - start));
  }

  /** A move acknowledged by the host's `cursor` message after `ms`. */
  cursorLatency(ms: number): void {
    push(window.__rnnCursor, ms);
  }

  /** A step request answered after `ms`. */
  stepLatency(ms: number): void {
    push(window.__rnnNet, ms);
  }
}
