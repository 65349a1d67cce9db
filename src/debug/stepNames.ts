/**
 * Step breakpoints by name: a function breakpoint named like a stack frame (`forward t=3`,
 * `lstm_backward t=2`, `totals`; t 1-based) stops at that step. It is how the Step RNN panel's
 * step breakpoints appear in VS Code's Breakpoints view, and how any DAP client sets one.
 */
import type { Cursor } from '../session/timelineIndex';

const STEP = /^\s*(?:[a-z]+_)?(forward|backward)\s+t\s*=\s*(\d{1,9})\s*$/i;
const TOTALS = /^\s*(?:[a-z]+_backward\s+)?totals\s*$/i;

/** The step a breakpoint name names (t 0-based), or undefined when it is a condition. */
export function parseStepName(name: string): Cursor | undefined {
  if (TOTALS.test(name)) return { phase: 'totals', t: 0 };
  const m = STEP.exec(name);
  if (!m) return undefined;
  const t = Number(m[2]);
  if (t < 1) return undefined;
  return { phase: m[1]?.toLowerCase() === 'forward' ? 'forward' : 'backward', t: t - 1 };
}

/** The breakpoint name of a step: `forward t=3` (t 1-based), `backward t=2`, `totals`. */
export function stepName(c: Cursor): string {
  return c.phase === 'totals' ? 'totals' : `${c.phase} t=${c.t + 1}`;
}

/** The mathjs condition that holds exactly at step `c` (for a step breakpoint with a condition). */
export function stepCondition(c: Cursor): string {
  return c.phase === 'totals' ? 'phase == "totals"' : `phase == "${c.phase}" and t == ${c.t + 1}`;
}
