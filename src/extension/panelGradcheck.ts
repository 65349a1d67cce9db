/**
 * One panel's gradient check: starts the check thread (worker/gradcheckThread.ts) on the panel's
 * fixture for the current run, turns its events into `gradcheck` messages for the webview, cancels
 * it on request, on a re-run and when the panel closes. The last state is kept so a webview that
 * reloads (hidden and shown again) gets it back.
 */
import * as path from 'node:path';
import type { GradcheckPanelData } from '../protocol/gradcheck';
import type { ToWebview } from '../protocol/messages';
import type { GradcheckEvent } from '../worker/gradcheckJob';
import { GradcheckThread } from '../worker/gradcheckThread';
import { log } from './log';

/** The tolerance the panel flags above (the CLI's default `--tol`). */
export const GRADCHECK_TOL = 1e-7;

export class PanelGradcheck {
  private thread: GradcheckThread | undefined;
  private last: GradcheckPanelData | undefined;

  constructor(
    private readonly fixture: string,
    private readonly post: (m: ToWebview) => void,
    private readonly script: () => string,
    private readonly maxBytes: () => number,
  ) {}

  private send(g: GradcheckPanelData): void {
    this.last = g;
    this.post({ type: 'gradcheck', gradcheck: g });
  }

  /** Check the fixture of run `runId` (a check under way is replaced). */
  start(runId: number): void {
    this.thread?.cancel();
    const base: GradcheckPanelData = {
      runId, state: 'running', done: 0, total: 0, current: '', rows: [], message: '', eps: 0, samples: 0, seed: 0, tol: GRADCHECK_TOL, ms: 0,
    };
    this.send(base);
    const name = path.basename(this.fixture);
    const thread = new GradcheckThread(this.script(), { path: this.fixture, maxBytes: this.maxBytes() }, (e: GradcheckEvent) => {
      if (this.thread !== thread) return;
      const g = this.last ?? base;
      switch (e.kind) {
        case 'progress':
          return this.send({ ...g, done: e.done, total: e.total, current: e.name });
        case 'done':
          this.thread = undefined;
          log().info(`${name}: gradient check finished in ${e.ms} ms (${e.rows.reduce((n, r) => n + r.checked, 0)} entries, h = ${e.eps})`);
          return this.send({
            ...g, state: 'done', eps: e.eps, samples: e.samples, seed: e.seed, ms: e.ms, current: '',
            rows: e.rows.map((r) => ({ name: r.name, shape: r.shape, checked: r.checked, total: r.total, maxRelErr: r.maxRelErr, maxAbsGrad: r.maxAbsGrad, entries: r.entries })),
          });
        case 'cancelled':
          this.thread = undefined;
          return this.send({ ...g, state: 'cancelled' });
        case 'failed':
          this.thread = undefined;
          log().warn(`${name}: gradient check failed: ${e.message}`);
          return this.send({ ...g, state: 'failed', message: e.message });
      }
    });
    this.thread = thread;
  }

  /** Stop the check under way (the panel's Cancel); its progress so far stays shown as cancelled. */
  cancel(): void {
    if (!this.thread) return;
    this.thread.cancel();
    this.thread = undefined;
    if (this.last) this.send({ ...this.last, state: 'cancelled' });
  }

  /** The last state, for a webview that just said `ready`. */
  snapshot(): ToWebview | undefined {
    return this.last ? { type: 'gradcheck', gradcheck: this.last } : undefined;
  }

  /** The run was replaced or the panel closed: stop, forget. */
  reset(): void {
    this.thread?.cancel();
    this.thread = undefined;
    this.last = undefined;
  }
}
