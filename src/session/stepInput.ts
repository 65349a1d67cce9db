import type { Phase } from '../protocol/messages';

/**
 * Parses what the user typed in "Go to Step…": `3` or `f3` → forward step 3, `b2` → backward
 * step 2 (the numbers shown in the panel, 1-based), `totals`. Returns the 0-based stop, or
 * undefined when the text is not a step of this run.
 */
export function parseStepInput(v: string, T_x: number, T_b: number): { phase: Phase; t: number } | undefined {
  const s = v.trim().toLowerCase();
  if (s === 'totals' || s === 't') return { phase: 'totals', t: 0 };
  const m = /^([fb]?)\s*(\d+)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[2]);
  const phase: Phase = m[1] === 'b' ? 'backward' : 'forward';
  const max = phase === 'forward' ? T_x : T_b;
  return n >= 1 && n <= max ? { phase, t: n - 1 } : undefined;
}
