/**
 * The session's answers that only read the run (a window of one tensor across time, the gradient
 * norms, the parameters), and the buffers they transfer: kept apart from session.ts, which owns
 * the run's scheduling, loading and export.
 */
import { parameterPayloads } from '../session/parameters';
import type { SessionRun } from './liveRun';
import type { ToWorker } from './protocol';
import type { Post } from './session';

/** The read-only requests answered here. */
export type ReadRequest = Extract<ToWorker, { type: 'window' | 'norms' | 'params' }>;

/** Answer a read-only request of run `r` through `post` (payloads transferred). */
export function answerRead(r: SessionRun, msg: ReadRequest, post: Post): void {
  const id = msg.id;
  switch (msg.type) {
    case 'window': {
      const w = r.window(msg.tensor, msg.batch, msg.t0, msg.t1);
      if (typeof w === 'string') return post({ type: 'reply', id, error: w });
      const data = bufferOf(w.data);
      post({ type: 'reply', id, kind: 'window', tensor: w.tensor, batch: w.batch, t0: w.t0, t1: w.t1, rows: w.rows, data }, [data]);
      return;
    }
    case 'norms': {
      const n = r.norms();
      post({ type: 'reply', id, kind: 'norms', ...normsBuffers(n) }, transferOf(n));
      return;
    }
    case 'params': {
      const p = parameterPayloads(r.problem);
      post({ type: 'reply', id, kind: 'params', tensors: p }, p.map((x) => x.data));
      return;
    }
  }
}

/** The fresh (transferable) buffer of an array the session made for one message. */
export function bufferOf(a: Float64Array): ArrayBuffer {
  const b = a.buffer;
  return b instanceof ArrayBuffer ? b : a.slice().buffer;
}

export function normsBuffers(n: { da: Float64Array; dc?: Float64Array; from: number }): { da: ArrayBuffer; dc?: ArrayBuffer; from: number } {
  return { da: bufferOf(n.da), ...(n.dc ? { dc: bufferOf(n.dc) } : {}), from: n.from };
}

export function transferOf(n: { da: Float64Array; dc?: Float64Array }): ArrayBuffer[] {
  return n.dc ? [bufferOf(n.da), bufferOf(n.dc)] : [bufferOf(n.da)];
}
