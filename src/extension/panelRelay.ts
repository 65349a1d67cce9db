/**
 * The webview's data requests (a step, a window of steps, the parameters) on their way to the
 * panel's run worker and back. The webview is untrusted and asks for a lot (the cursor's step and
 * its neighbours both ways, window chunks): a per-panel token bucket is checked before a message
 * is even parsed, requests waiting for the worker are bounded, and step requests wait their turn
 * by distance to the cursor (session/stepQueue.ts), so the step the user went to is not queued
 * behind the prefetches of the place they left (those still waiting when the cursor is far away
 * are dropped unsent). A refused message is counted always and logged
 * once per burst.
 */
import * as path from 'node:path';
import { MessageGate } from '../protocol/flood';
import type { FromWebview, ToWebview } from '../protocol/messages';
import { StepQueue } from '../session/stepQueue';
import { indexOf, type Span } from '../session/timelineIndex';
import type { RunWorker, WorkerRequest } from '../worker/client';
import type { WorkerReply } from '../worker/protocol';
import { log } from './log';

type DataRequest = Extract<FromWebview, { type: 'requestStep' | 'requestWindow' | 'requestParams' }>;

export interface RelayHooks {
  /** The panel's timeline: its cursor index (the step queue's order) and its shape. */
  position(): number;
  shape(): Span;
  /** The run answering now (a reply of a replaced run is dropped). */
  current(): RunWorker | undefined;
  /** A message was refused (the extension counts them for the tests). */
  countDropped(): void;
}

export class PanelRelay {
  /** Per-panel bound on message rate and on requests waiting for the worker. */
  private readonly gate = new MessageGate();
  /** Step requests to the worker: the cursor's step first, then the nearest (2 at the worker at once). */
  private readonly steps: StepQueue;

  constructor(
    private readonly fixture: string,
    private readonly hooks: RelayHooks,
  ) {
    this.steps = new StepQueue(2, () => hooks.position());
  }

  /** One message arrived from the webview: false (and counted) when it comes too fast. */
  admit(): boolean {
    if (this.gate.admit()) return true;
    this.drop('the panel sends messages too fast');
    return false;
  }

  /** A message refused: counted always, logged once per burst (a flood must not flood the log). */
  drop(why: string): void {
    this.hooks.countDropped();
    const n = this.gate.dropped();
    if (n === undefined) return;
    const more = n > 1 ? ` (${n - 1} more dropped since the last report)` : '';
    log().warn(`Dropped a message from the panel of ${path.basename(this.fixture)}: ${why}${more}`);
  }

  /** The reply to post for a data request, or undefined (logged) when there is none to give. */
  async answer(msg: DataRequest): Promise<ToWebview | undefined> {
    const w = this.hooks.current();
    if (!w || msg.runId !== w.runId) return this.ignore(msg, `run ${msg.runId} is not the current run`);
    switch (msg.type) {
      case 'requestStep': {
        // Only the parts the panel paints (a big LSTM's backward stop is ~5.5 MB whole, ~0.5 MB of it
        // the core); the reply says which parts it answers.
        const { phase, t, parts } = msg;
        const r = await this.ask(w, { type: 'step', phase, t, parts });
        if ('error' in r) return this.ignore(msg, r.error);
        if (r.kind !== 'step' || w !== this.hooks.current()) return undefined;
        return { type: 'step', inReplyTo: msg.messageId, runId: w.runId, phase: r.phase, t: r.t, parts, tensors: r.tensors };
      }
      case 'requestWindow': {
        const r = await this.ask(w, { type: 'window', tensor: msg.tensor, batch: msg.batch, t0: msg.t0, t1: msg.t1 });
        if ('error' in r) return this.ignore(msg, r.error);
        if (r.kind !== 'window' || w !== this.hooks.current()) return undefined;
        return {
          type: 'window', inReplyTo: msg.messageId, runId: w.runId, tensor: r.tensor, batch: r.batch,
          t0: r.t0, t1: r.t1, rows: r.rows, data: r.data,
        };
      }
      case 'requestParams': {
        const r = await this.ask(w, { type: 'params' });
        if ('error' in r) return this.ignore(msg, r.error);
        if (r.kind !== 'params' || w !== this.hooks.current()) return undefined;
        return { type: 'params', inReplyTo: msg.messageId, runId: w.runId, tensors: r.tensors };
      }
    }
  }

  /** Ask the worker, within the gate's bound on pending requests. */
  private async ask(w: RunWorker, req: WorkerRequest): Promise<WorkerReply> {
    if (!this.gate.beginRequest()) return { type: 'reply', id: 0, error: 'too many requests waiting for the worker' };
    try {
      // Steps wait their turn by distance to the cursor (stepQueue.ts); windows go straight on.
      if (req.type === 'step')
        return (
          (await this.steps.add(indexOf(this.hooks.shape(), req), () => w.request(req))) ?? {
            type: 'reply', id: 0, error: 'dropped unsent: the cursor moved far away meanwhile',
          }
        );
      return await w.request(req);
    } finally {
      this.gate.endRequest();
    }
  }

  private ignore(msg: FromWebview, why: string): undefined {
    log().debug(`Ignored ${msg.type} from the panel of ${path.basename(this.fixture)}: ${why}`);
    return undefined;
  }
}
