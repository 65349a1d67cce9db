/**
 * The step the panel shows while its moves are on their way to the host. The host's timeline owns
 * the cursor (src/session/panelCursor.ts); waiting for its `cursor` message costs a round trip over
 * code-server's websocket, behind whatever step payloads are queued there. So the panel paints the
 * step the timeline will stop at (src/session/movePrediction.ts) at once, and takes every `cursor`
 * message as the truth:
 *   - each `move` carries a sequence number; a `cursor` message carries the newest one the host had
 *     received when it stopped (`seq`), so the panel knows which of its moves the stop includes;
 *   - when the host's stop is where the next outstanding move was predicted from, the predictions
 *     still stand (the panel keeps showing the newest); otherwise they are dropped and the host's
 *     cursor is shown (the outstanding moves bring their own stops, shown as they come);
 *   - once no move is outstanding, the panel shows exactly the host's cursor.
 * A move the timeline would wait on (a step not computed yet) is not predicted: the panel stays
 * where it is until the host answers, and so do the moves sent after it.
 *
 * DOM-free: unit-tested in plain Node (test/unit/webview-cursorPrediction.test.ts).
 */

import { predictMove, type PredictedMove, type TimelineView } from '../session/movePrediction';
import { cursorAt, indexOf, type Cursor, type Span } from '../session/timelineIndex';

interface Pending {
  seq: number;
  /** The index this move was predicted from; undefined: a move before it was not predicted. */
  from: number | undefined;
  /** Where it was predicted to stop; undefined: the timeline would wait, or `from` is unknown. */
  predicted: number | undefined;
}

export class CursorPrediction {
  private host: Cursor = { phase: 'forward', t: 0 };
  private shownCursor: Cursor = this.host;
  private pending: Pending[] = [];
  private seq = 0;

  /** The cursor to show: the newest standing prediction, else the host's. */
  get shown(): Cursor {
    return this.shownCursor;
  }

  /** The host's cursor as last told. */
  get hostCursor(): Cursor {
    return this.host;
  }

  /** Moves sent that no `cursor` message has acknowledged yet. */
  get outstanding(): number {
    return this.pending.length;
  }

  /** A new run (`init`) or a restored state: the host's cursor, nothing predicted. Sequence numbers keep counting. */
  reset(host: Cursor): void {
    this.host = host;
    this.shownCursor = host;
    this.pending = [];
  }

  /**
   * The panel sends `move`: returns the `seq` to send with it, and the index predicted (undefined
   * when the host must be waited for). `shown` is updated to the prediction.
   */
  move(view: TimelineView, move: PredictedMove, at?: Cursor): { seq: number; predicted: number | undefined } {
    const seq = ++this.seq;
    const last = this.pending[this.pending.length - 1];
    // After a move that was not predicted, the start of the next one is unknown until the host says.
    const from = last && last.predicted === undefined ? undefined : indexOf(view.span, this.shownCursor);
    const predicted = from === undefined ? undefined : predictMove(view, from, move, at);
    this.pending.push({ seq, from, predicted });
    if (predicted !== undefined) this.shownCursor = cursorAt(view.span, predicted);
    return { seq, predicted };
  }

  /**
   * The host's `cursor` message: it stopped at `c` having received the panel's moves up to `seq`
   * (undefined: none of this document's). Returns the cursor to show.
   */
  hostStopped(span: Span, c: Cursor, seq: number | undefined): Cursor {
    this.host = c;
    if (seq !== undefined) this.pending = this.pending.filter((p) => p.seq > seq);
    const next = this.pending[0];
    if (next === undefined) this.shownCursor = c;
    else if (next.from === undefined || next.from !== indexOf(span, c)) {
      // The predictions were built on another start: show the truth, predict nothing more until
      // the outstanding moves are answered.
      this.pending = this.pending.map((p) => ({ seq: p.seq, from: undefined, predicted: undefined }));
      this.shownCursor = c;
    }
    // else: the host stopped where the next outstanding move was predicted from: the newest
    // prediction stands.
    return this.shownCursor;
  }
}
