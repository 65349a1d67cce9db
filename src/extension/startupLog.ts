/**
 * A panel's start-up milestones (ms since it was created: fixture loaded, webview ready, step
 * computed, step posted), logged as one line once its first step is on its way to the webview.
 */
import * as path from 'node:path';
import { log } from './log';

export class StartupLog {
  private readonly createdAt = Date.now();
  private readonly marks: Record<string, number> = {};
  private done = false;

  /** The first time `name` happens counts. */
  mark(name: string): void {
    this.marks[name] ??= Date.now() - this.createdAt;
  }

  /** The first step was posted: log the milestones (once), with the worker's own timings. */
  stepPosted(fixture: string, worker: { runId: number; timings: { loadedMs?: number; firstStepMs?: number } }): void {
    if (this.done) return;
    this.done = true;
    this.mark('step posted');
    const t = worker.timings;
    log().info(
      `${path.basename(fixture)}: panel created → ` +
        Object.entries(this.marks).map(([k, v]) => `${k} ${v} ms`).join(', ') +
        ` (run ${worker.runId}: parsed in ${t.loadedMs} ms, first step at ${t.firstStepMs} ms of the worker's life)`,
    );
  }
}
