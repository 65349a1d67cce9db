/**
 * The timeline runtime: the one owner of a run's cursor, shaped like vscode-mock-debug's
 * MockRuntime. No `vscode`, no DOM, no Node imports: the panel's host and the debug adapter (inline
 * or over stdio) both drive one of these, and unit tests drive it in plain Node.
 *
 * Steps become reachable as the run computes them (`setReach`); a move towards a step not computed
 * yet waits for it. Every move ends in exactly one `stopped` event with a reason. A newer command
 * supersedes a move still waiting or scanning (the older one then settles without an event).
 *
 * Breakpoints: step breakpoints (a cursor) and condition breakpoints (an expression decided by an
 * injected predicate, e.g. mathjs in a sandbox), both with an optional DAP-style hit condition
 * (`5`, `>= 5`, `% 3`). A continue also stops at the first step that produced a NaN or ±Infinity
 * when that filter is on.
 */

import {
  cursorAt,
  indexOf,
  phaseStart,
  reachableMax,
  timelineLength,
  validCursor,
  type Cursor,
  type Reach,
  type Span,
} from './timelineIndex';
import { hitReached, parseHitCondition } from './hitCondition';

export { parseHitCondition };

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'exception' | 'pause' | 'goto' | 'end';

export interface StopEvent {
  reason: StopReason;
  cursor: Cursor;
  index: number;
  /** Ids of the breakpoints that stopped the run (reason `breakpoint`). */
  breakpointIds?: number[];
  /** One line for the user: which condition, which tensor went non-finite, why a move could not go on. */
  description?: string;
}

export interface BreakpointSpec {
  /** A step breakpoint: stop at this stop of the timeline. */
  cursor?: Cursor;
  /** A condition breakpoint: stop where the predicate says this expression holds. */
  condition?: string;
  /** DAP hit condition: `N` or `== N` (the N-th hit), `>= N`, `> N`, `< N`, `<= N`, `% N`. */
  hitCondition?: string;
}

export interface Breakpoint extends BreakpointSpec {
  readonly id: number;
  /** Times the breakpoint's location/condition matched during continues since the last restart. */
  hits: number;
  verified: boolean;
  /** Why it is not verified (bad hit condition, no such step). */
  message?: string;
}

/** The first step (in forward order of the computation) where a NaN or ±Infinity appeared. */
export interface NonFinite {
  cursor: Cursor;
  tensor: string;
}

export interface RunReach extends Reach {
  firstNonFinite?: NonFinite;
  /** The run failed: steps past what is computed will never come. */
  error?: string;
}

/** Decides a condition at a stop. Throwing (or rejecting) stops there with the error as description. */
export type Predicate = (condition: string, at: Cursor) => boolean | Promise<boolean>;

export interface TimelineEvents {
  stopped: StopEvent;
  /** Step breakpoints changed (panel toggle or debug client): for the other side to show. */
  breakpoints: readonly Breakpoint[];
  reach: RunReach;
}

type Listener<T> = (e: T) => void;

/** Cleared when the timeline is reset: the waiter settles with the reach it has then. */
interface Waiter {
  index: number;
  resolve: () => void;
}

export class Timeline {
  private span: Span;
  private reach: RunReach = { forwardDone: 0, backwardDone: 0, finished: false };
  private index = 0;
  /** Bumped by every command: a move still scanning when it changes gives up silently. */
  private generation = 0;
  private waiters: Waiter[] = [];
  private bps: Breakpoint[] = [];
  private nextId = 1;
  private listeners: { [K in keyof TimelineEvents]: Listener<TimelineEvents[K]>[] } = {
    stopped: [],
    breakpoints: [],
    reach: [],
  };
  /** Stop a continue at the first non-finite step (the debug adapter's exception filter). */
  breakOnNonFinite = false;

  constructor(span: Span, private predicate?: Predicate) {
    this.span = { ...span };
  }

  // --- state ---------------------------------------------------------------------------------

  get cursor(): Cursor {
    return cursorAt(this.span, this.index);
  }
  get position(): number {
    return this.index;
  }
  get length(): number {
    return timelineLength(this.span);
  }
  get shape(): Span {
    return { ...this.span };
  }
  get computed(): RunReach {
    return { ...this.reach };
  }
  /** Last reachable index (-1: nothing computed yet). */
  get reachable(): number {
    return reachableMax(this.span, this.reach);
  }
  setPredicate(p: Predicate | undefined): void {
    this.predicate = p;
  }

  on<K extends keyof TimelineEvents>(event: K, fn: Listener<TimelineEvents[K]>): () => void {
    const list: Listener<TimelineEvents[K]>[] = this.listeners[event];
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  private emit<K extends keyof TimelineEvents>(event: K, e: TimelineEvents[K]): void {
    for (const fn of [...this.listeners[event]]) fn(e);
  }

  /** The run computed further (or failed): waiting moves go on. */
  setReach(r: RunReach): void {
    this.reach = { ...r };
    const max = this.reachable;
    const done = r.error !== undefined;
    this.waiters = this.waiters.filter((w) => {
      if (w.index <= max || done) {
        w.resolve();
        return false;
      }
      return true;
    });
    this.emit('reach', this.computed);
  }

  /**
   * A new run of the same fixture (re-run after an edit): new lengths, nothing computed. The cursor
   * is kept where it still exists (clamped), or put at `at`; breakpoints stay and are re-verified.
   */
  reset(span: Span, at?: number): void {
    this.generation++;
    this.span = { ...span };
    this.reach = { forwardDone: 0, backwardDone: 0, finished: false };
    this.index = Math.max(0, Math.min(at ?? this.index, this.length - 1));
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    for (const b of this.bps) this.verify(b);
    this.emit('breakpoints', this.breakpoints);
  }

  // --- moves ---------------------------------------------------------------------------------

  /** Stop at the start without moving the cursor anywhere else (debug `stopOnEntry`). */
  entry(): Promise<StopEvent | undefined> {
    return this.moveTo(0, 'entry');
  }

  /** One stop forward (or back). At either end the cursor stays and the reason is `end`/`entry`. */
  step(reverse = false): Promise<StopEvent | undefined> {
    const target = this.index + (reverse ? -1 : 1);
    if (target < 0) return this.settle(++this.generation, 0, 'entry', 'Already at the first step.');
    if (target >= this.length) return this.settle(++this.generation, this.index, 'end', 'The run ends here (totals).');
    return this.moveTo(target, 'step');
  }

  /** To the start of the next phase (forward → backward → totals), or back to the previous one. */
  stepPhase(reverse = false): Promise<StopEvent | undefined> {
    const start = phaseStart(this.span, this.index);
    if (reverse) {
      const target = this.index > start ? start : phaseStart(this.span, Math.max(0, start - 1));
      return this.moveTo(target, 'step');
    }
    const next = this.index < this.span.T_x ? this.span.T_x : this.span.T_x + this.span.T_b;
    return this.moveTo(Math.min(next, this.length - 1), 'step');
  }

  /** Go to a stop (index, or cursor); waits until it is computed. */
  seek(to: number | Cursor): Promise<StopEvent | undefined> {
    let target: number;
    if (typeof to === 'number') target = Math.trunc(to);
    else if (validCursor(this.span, to)) target = indexOf(this.span, to);
    else return this.settle(++this.generation, this.index, 'goto', 'No such step in this run.');
    return this.moveTo(Math.min(Math.max(target, 0), this.length - 1), 'goto');
  }

  /** Back to forward t = 0, hit counts cleared. */
  restart(): Promise<StopEvent | undefined> {
    for (const b of this.bps) b.hits = 0;
    return this.moveTo(0, 'entry');
  }

  /** Interrupt a waiting or scanning move: stop where the cursor is. */
  pause(): Promise<StopEvent | undefined> {
    return this.settle(++this.generation, this.index, 'pause');
  }

  /**
   * Run to the next (previous) breakpoint or non-finite step, or to the end (start). Steps are
   * waited for as the run computes them.
   */
  async continue(reverse = false): Promise<StopEvent | undefined> {
    const gen = ++this.generation;
    const dir = reverse ? -1 : 1;
    for (let i = this.index + dir; i >= 0 && i < this.length; i += dir) {
      if (i > this.reachable) {
        await this.until(i);
        if (gen !== this.generation) return undefined;
        if (i > this.reachable) return this.failedAt(gen);
      }
      const at = cursorAt(this.span, i);
      const bad = this.reach.firstNonFinite;
      if (this.breakOnNonFinite && bad && indexOf(this.span, bad.cursor) === i) {
        const where = `${at.phase} t=${at.t + 1}`;
        return this.settle(gen, i, 'exception', `NaN or Infinity produced in ${bad.tensor} at ${where}`);
      }
      const hit: Breakpoint[] = [];
      for (const b of this.bps) {
        if (!b.verified) continue;
        let matches = false;
        if (b.cursor) matches = indexOf(this.span, b.cursor) === i;
        else if (b.condition !== undefined) {
          if (!this.predicate) continue;
          try {
            matches = await this.predicate(b.condition, at);
          } catch (e) {
            if (gen !== this.generation) return undefined;
            const msg = e instanceof Error ? e.message : String(e);
            return this.settle(gen, i, 'exception', `Breakpoint condition '${b.condition}' failed: ${msg}`);
          }
          if (gen !== this.generation) return undefined;
        }
        if (!matches) continue;
        b.hits++;
        if (hitReached(b.hitCondition, b.hits)) hit.push(b);
      }
      if (hit.length > 0) {
        const conds = hit.filter((b) => b.condition !== undefined).map((b) => b.condition);
        const description = conds.length ? `Condition ${conds.join(', ')} holds` : undefined;
        return this.settle(gen, i, 'breakpoint', description, hit.map((b) => b.id));
      }
    }
    return reverse
      ? this.settle(gen, 0, 'entry', 'Start of the run.')
      : this.settle(gen, this.length - 1, 'end', 'End of the run (totals).');
  }

  private async moveTo(target: number, reason: StopReason): Promise<StopEvent | undefined> {
    const gen = ++this.generation;
    if (target > this.reachable) {
      await this.until(target);
      if (gen !== this.generation) return undefined;
      if (target > this.reachable) return this.failedAt(gen);
    }
    return this.settle(gen, target, reason);
  }

  /** The run failed before reaching a step a move waited for: stop at the last computed one. */
  private failedAt(gen: number): Promise<StopEvent | undefined> {
    const last = Math.max(0, this.reachable);
    return this.settle(gen, last, 'exception', this.reach.error ?? 'The run stopped before this step.');
  }

  private settle(
    gen: number,
    index: number,
    reason: StopReason,
    description?: string,
    breakpointIds?: number[],
  ): Promise<StopEvent | undefined> {
    if (gen !== this.generation) return Promise.resolve(undefined);
    this.index = index;
    const e: StopEvent = { reason, cursor: this.cursor, index };
    if (description !== undefined) e.description = description;
    if (breakpointIds) e.breakpointIds = breakpointIds;
    this.emit('stopped', e);
    return Promise.resolve(e);
  }

  private until(index: number): Promise<void> {
    if (index <= this.reachable || this.reach.error !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ index, resolve }));
  }

  // --- breakpoints ---------------------------------------------------------------------------

  get breakpoints(): readonly Breakpoint[] {
    return this.bps.map((b) => ({ ...b }));
  }

  /** Replace the step breakpoints (a debug client's list, or the panel's), keeping condition ones. */
  setStepBreakpoints(specs: BreakpointSpec[]): Breakpoint[] {
    return this.replace((b) => b.cursor !== undefined, specs.filter((s) => s.cursor));
  }

  /** Replace the condition breakpoints (DAP function breakpoints), keeping step ones. */
  setConditionBreakpoints(specs: BreakpointSpec[]): Breakpoint[] {
    return this.replace((b) => b.condition !== undefined, specs.filter((s) => s.condition !== undefined));
  }

  /** Add or remove a step breakpoint at `at` (the cursor by default); returns whether one is set now. */
  toggleStepBreakpoint(at: Cursor = this.cursor): boolean {
    const k = indexOf(this.span, at);
    const i = this.bps.findIndex((b) => b.cursor && indexOf(this.span, b.cursor) === k);
    if (i >= 0) this.bps.splice(i, 1);
    else this.bps.push(this.make({ cursor: cursorAt(this.span, k) }));
    this.emit('breakpoints', this.breakpoints);
    return i < 0;
  }

  private replace(kind: (b: Breakpoint) => boolean, specs: BreakpointSpec[]): Breakpoint[] {
    const kept = this.bps.filter((b) => !kind(b));
    // A breakpoint given again keeps its id and hit count (clients resend the whole list).
    const old = this.bps.filter(kind);
    const made = specs.map((s) => {
      const same = old.find((b) => sameSpec(b, s));
      if (same) {
        same.hitCondition = s.hitCondition;
        this.verify(same);
        return same;
      }
      return this.make(s);
    });
    this.bps = [...kept, ...made];
    this.emit('breakpoints', this.breakpoints);
    return made.map((b) => ({ ...b }));
  }

  private make(s: BreakpointSpec): Breakpoint {
    const b: Breakpoint = { id: this.nextId++, hits: 0, verified: true };
    if (s.cursor) b.cursor = { phase: s.cursor.phase, t: s.cursor.t };
    if (s.condition !== undefined) b.condition = s.condition;
    if (s.hitCondition !== undefined && s.hitCondition.trim() !== '') b.hitCondition = s.hitCondition.trim();
    this.verify(b);
    return b;
  }

  private verify(b: Breakpoint): void {
    b.verified = true;
    delete b.message;
    if (b.cursor && !validCursor(this.span, b.cursor)) {
      b.verified = false;
      b.message = 'No such step in this run.';
    } else if (b.hitCondition !== undefined && !parseHitCondition(b.hitCondition)) {
      b.verified = false;
      b.message = `Hit condition '${b.hitCondition}' is not N, == N, >= N, > N, < N, <= N or % N.`;
    }
  }
}

const sameSpec = (b: BreakpointSpec, s: BreakpointSpec): boolean =>
  b.condition === s.condition &&
  (b.cursor === undefined) === (s.cursor === undefined) &&
  (!b.cursor || !s.cursor || (b.cursor.phase === s.cursor.phase && b.cursor.t === s.cursor.t));
