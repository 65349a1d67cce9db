/**
 * When the run's background work gives the cores to someone looking at a stop. On a small
 * machine (two cores) the run's compute thread and a reader thread take both, and a debugger
 * stepping through a run that is still computing then waits for CPU time at every turn: the
 * stopped event, the Variables view, a Watch (npm run bench:dap, 1000-step LSTM, load ~1: a step
 * with Variables p95 96 ms and `norm(da_next)` p95 29 ms while the run computed; with this, 22–39
 * ms and 2–3 ms).
 *
 * So a client that shows a stop says so (`hold`, with the stop's timeline index): for QUIET_MS
 * after that the run computes only what the user may ask for next, LEAD_STOPS stops past the
 * furthest stop held or asked for (`step` requests in the quiet: the stops fetched ahead), and
 * reads nothing ahead; then it goes on at full speed. A move to a stop not computed yet does not
 * hold (it waits for the run), and a `continue` holds only where it stops, so neither slows the
 * run down; nor does a panel or a client that never holds.
 */

/** How long a hold keeps the background quiet (ms): about the pause between two F10 presses. */
export const QUIET_MS = 250;
/** In a quiet, the run computes until it is this many stops past the furthest stop wanted. */
export const LEAD_STOPS = 8;

export class GiveWay {
  /** Quiet until this time (ms, the clock given). */
  private until = 0;
  /** The furthest timeline index held or asked for in the current quiet (-1: none). */
  private wanted = -1;

  constructor(private readonly now: () => number = Date.now) {}

  /** Someone is looking at the stop at timeline index `index`: quiet from now for QUIET_MS. */
  hold(index: number): void {
    const t = this.now();
    this.wanted = t < this.until ? Math.max(this.wanted, index) : index;
    this.until = t + QUIET_MS;
  }

  /** A stop was asked for (shown, or fetched ahead): in a quiet, the run computes up to past it. */
  asked(index: number): void {
    if (this.quiet) this.wanted = Math.max(this.wanted, index);
  }

  get quiet(): boolean {
    return this.now() < this.until;
  }

  /** The run, its last computed stop at timeline index `frontier`, may compute now. */
  mayCompute(frontier: number): boolean {
    return !this.quiet || frontier < this.wanted + LEAD_STOPS;
  }

  /** Milliseconds until the quiet ends (0: not quiet). */
  remaining(): number {
    return Math.max(0, this.until - this.now());
  }
}
