/**
 * Asks the host for the steps around the cursor before they are shown: the current stop first,
 * then its neighbours, reaching further in the direction the user is moving (a held key outruns
 * a host that needs a while per stop). Repeated jumps of one stride (PageUp/PageDown on the
 * timeline, a scrubber moved by 10 again and again) get the next jumps' steps instead of the
 * near neighbours, so that the next jump is painted from the cache too.
 *
 * Prefetch is bounded by bytes on their way, not by stops: every reply crosses the host → webview
 * channel (code-server's websocket) one after the other, so a reply the user waits for queues
 * behind every prefetch already sent. A big LSTM's whole backward stop is ~5.5 MB (its weight
 * gradients and their running sums): nine of them per ±10 jump once made each jump wait 3–5 s.
 * So only the parts the panel paints are asked for (a backward core is ~0.5 MB), and, as the
 * debugger does: the cursor's step always (first), then as many stops ahead as PREFETCH_BYTES
 * hold, at most PREFETCH_STOPS on their way; and requests left far behind by a jump are forgotten
 * (the host drops them unsent, session/stepQueue.ts).
 */

import type { Phase, StepPart } from '../../protocol/messages';
import { partBytes } from '../../session/stepParts';
import { STALE_DISTANCE } from '../../session/stepQueue';
import type { DataClient } from '../client';
import { cursorAt, indexOf, reachableMax, type State } from '../store';

export interface Prefetch {
  /** Note which way the cursor moved (call on every state change). */
  moved(s: State, prev: State): void;
  request(s: State): void;
}

/** How many jumps of a repeated stride are fetched ahead (when the byte bound lets them). */
const JUMPS_AHEAD = 3;
/** Bytes of step payloads on their way at once (the cursor's own included). */
export const PREFETCH_BYTES = 16 << 20;
/** Step requests on their way at once besides the cursor's (the single-step plan's 8 neighbours fit). */
export const PREFETCH_STOPS = 8;

/** A stop the plan may ask for: its offset from the cursor, and whether it is cached / on its way. */
export interface Candidate {
  offset: number;
  bytes: number;
  have: boolean;
  inFlight: boolean;
}

/**
 * Which of `candidates` (nearest need first, the cursor's step first) to ask for now, given the
 * bytes and the count of prefetches already on their way. The cursor's step is always asked for
 * (it is what the user waits for); a prefetch only while it fits both bounds, and the plan stops
 * at the first that does not (a farther, smaller stop must not overtake a nearer one).
 */
export function planPrefetch(candidates: readonly Candidate[], bytesInFlight: number, stopsInFlight: number): number[] {
  const out: number[] = [];
  let bytes = bytesInFlight;
  let stops = stopsInFlight;
  for (const c of candidates) {
    if (c.have || c.inFlight) continue;
    if (c.offset !== 0) {
      if (stops >= PREFETCH_STOPS || bytes + c.bytes > PREFETCH_BYTES) break;
      stops++;
    }
    bytes += c.bytes;
    out.push(c.offset);
  }
  return out;
}

/**
 * The timeline offsets to fetch, nearest need first: `last` is the latest move's (signed) size,
 * `before` the one before it. Single steps (or a first jump): the cursor, then ±1…6 leaning the
 * way of travel. The same jump twice: the cursor, the next jumps, and one step either side.
 */
export function prefetchOffsets(last: number, before: number): number[] {
  const k = last < 0 ? -1 : 1;
  if (Math.abs(last) > 1 && last === before) {
    const out = [0];
    for (let j = 1; j <= JUMPS_AHEAD; j++) out.push(j * last);
    out.push(k, -k);
    return out;
  }
  return [0, k, -k, 2 * k, 3 * k, -2 * k, 4 * k, 5 * k, 6 * k];
}

/**
 * @param wanted the parts of a backward stop the panel paints now (stepCards.ts: `core`, and the
 * weight gradients and running sums while their cards are on screen); prefetches ask for those.
 */
export function create(data: DataClient, wanted: () => readonly StepPart[] = () => ['core']): Prefetch {
  /** The latest move's size (+1 while stepping forward, -1 while stepping back) and the one before. */
  let last = 1;
  let before = 1;
  return {
    moved(s, prev) {
      if (!s.run || prev.run !== s.run || prev.cursor === s.cursor) return;
      const d = indexOf(s.run, s.cursor) - indexOf(s.run, prev.cursor);
      if (d === 0) return;
      before = last;
      last = d;
    },
    request(s) {
      const run = s.run;
      if (!run) return;
      const max = reachableMax(run, s.progress);
      const here = indexOf(run, s.cursor);
      const parts = wanted();
      // Exact: the shapes of every part are known from the run's dimensions.
      const bytes = (phase: Phase, of: readonly StepPart[]) => of.reduce((n, p) => n + partBytes(run.cell, run.dims, phase, p), 0);
      // What is on its way: requests left far behind are forgotten (the host drops them unsent);
      // the rest count against the bounds, the cursor's own included in the bytes.
      let onTheirWay = 0;
      let stops = 0;
      for (const c of data.stepsInFlight()) {
        const i = indexOf(run, c);
        if (Math.abs(i - here) > STALE_DISTANCE) {
          data.forgetStep(c.phase, c.t);
          continue;
        }
        onTheirWay += bytes(c.phase, c.parts);
        if (i !== here) stops++;
      }
      const candidates: Candidate[] = [];
      for (const d of prefetchOffsets(last, before)) {
        const i = here + d;
        if (i < 0 || i > max) continue;
        const c = cursorAt(run, i);
        const missing = data.missingParts(c.phase, c.t, parts);
        candidates.push({
          offset: d,
          bytes: bytes(c.phase, missing),
          have: data.hasStep(c.phase, c.t, parts),
          inFlight: missing.length === 0,
        });
      }
      for (const d of planPrefetch(candidates, onTheirWay, stops)) {
        const c = cursorAt(run, here + d);
        data.ensureStep(c.phase, c.t, parts);
      }
    },
  };
}
