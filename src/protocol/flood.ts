/**
 * How fast the (untrusted) webview may make the host work. A token bucket over every message
 * (a burst of `burst`, refilled at `perSecond`) is checked before the message is even parsed, and
 * a cap on requests still waiting for the worker keeps a flood of step/window requests from
 * queueing unbounded work there. Drops are counted, and reported at most once per `reportMs`, so
 * a flood cannot flood the log either. No DOM, no Node, no `vscode`: unit-testable with a clock.
 */

export interface GateLimits {
  /** Messages accepted back to back from a full bucket. */
  burst: number;
  /** Bucket refill rate (messages per second). */
  perSecond: number;
  /** Requests (step/window) forwarded to the worker and not answered yet. */
  maxPending: number;
  /** Least time between two drop reports. */
  reportMs: number;
}

/**
 * Far above what the panel sends (a key held down moves the cursor ~30 times a second; a heatmap
 * asks for a few windows), far below what a hostile page can post.
 */
export const PANEL_GATE_LIMITS: GateLimits = { burst: 2000, perSecond: 1000, maxPending: 256, reportMs: 1000 };

export class MessageGate {
  private tokens: number;
  private last: number;
  private pendingCount = 0;
  private droppedSinceReport = 0;
  private lastReport = -Infinity;

  constructor(
    private readonly limits: GateLimits = PANEL_GATE_LIMITS,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = limits.burst;
    this.last = now();
  }

  /** One message arrived: true if it may be handled (it takes a token). */
  admit(): boolean {
    const t = this.now();
    // A clock that goes back refills nothing (and takes nothing away).
    const elapsed = Math.max(0, t - this.last);
    this.last = t;
    this.tokens = Math.min(this.limits.burst, this.tokens + (elapsed * this.limits.perSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** A request is about to go to the worker: true if it may (then call `endRequest` once). */
  beginRequest(): boolean {
    if (this.pendingCount >= this.limits.maxPending) return false;
    this.pendingCount++;
    return true;
  }

  endRequest(): void {
    if (this.pendingCount > 0) this.pendingCount--;
  }

  get pending(): number {
    return this.pendingCount;
  }

  /**
   * Count one dropped message. Returns how many were dropped since the last report when a report
   * is due (the first drop, then at most once per `reportMs`), else undefined.
   */
  dropped(): number | undefined {
    this.droppedSinceReport++;
    const t = this.now();
    if (t - this.lastReport < this.limits.reportMs) return undefined;
    this.lastReport = t;
    const n = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    return n;
  }
}
