/**
 * Keyboard navigation of a cell cursor over a canvas heatmap or plot (rows × columns), shared by
 * the per-step heatmaps, the units × time heatmaps and the gradient-norm plot, plus the texts
 * they read out. DOM-free, so it is unit-tested in Node.
 */

import { full } from './format';

export interface GridPos {
  /** Row (unit). */
  i: number;
  /** Column (batch example, or time step). */
  j: number;
}

export interface GridShape {
  rows: number;
  cols: number;
  /** Columns moved by PageUp / PageDown; 0 (default) leaves those keys alone. */
  page?: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Where `key` moves the cursor `p` in a grid of `g.rows × g.cols`, or undefined when the key is
 * not a navigation key (the caller lets it through, e.g. F10 to the panel's stepping keys).
 * Arrows move one cell, Home / End go to the first / last column of the row, PageUp / PageDown
 * move `g.page` columns. The result is always inside the grid (a key at the edge stays put, but
 * is still consumed, so it does not fall through to the panel's Home / End).
 */
export function gridMove(key: string, p: GridPos, g: GridShape): GridPos | undefined {
  const lastI = Math.max(0, g.rows - 1);
  const lastJ = Math.max(0, g.cols - 1);
  const page = g.page ?? 0;
  let { i, j } = p;
  switch (key) {
    case 'ArrowUp':
      i--;
      break;
    case 'ArrowDown':
      i++;
      break;
    case 'ArrowLeft':
      j--;
      break;
    case 'ArrowRight':
      j++;
      break;
    case 'Home':
      j = 0;
      break;
    case 'End':
      j = lastJ;
      break;
    case 'PageUp':
      if (page <= 0) return undefined;
      j -= page;
      break;
    case 'PageDown':
      if (page <= 0) return undefined;
      j += page;
      break;
    default:
      return undefined;
  }
  return { i: clamp(i, 0, lastI), j: clamp(j, 0, lastJ) };
}

/** Enter or Space: "go there" on a focused time view (the same as a click). */
export const isActivateKey = (key: string): boolean => key === 'Enter' || key === ' ' || key === 'Spacebar';

/** Steps moved by PageUp / PageDown in a view of `T` steps: a tenth of the run, at least 2, at most 64. */
export const timePage = (T: number): number => clamp(Math.round(T / 10), 2, 64);

/** What a units × time cell holds: a number, or why there is none. */
export type CellValue = number | 'not computed' | 'loading';

const valueText = (v: CellValue): string =>
  v === 'not computed' ? 'not computed yet' : v === 'loading' ? 'loading…' : full(v);

/**
 * `a unit 3, t = 17, example 1: 0.123…` (unit 0-based like the per-step `[i, j]` readout, t 1-based
 * like the position line), the same text on hover, on keyboard focus and in the readout.
 */
export function timeCellText(tensor: string, unit: number, t: number, example: number, v: CellValue): string {
  return `${tensor} unit ${unit}, t = ${t + 1}, example ${example + 1}: ${valueText(v)}`;
}

/** `‖da⟨t⟩‖ at t = 17: 0.123… · ‖dc⟨t⟩‖: 4.5…` or `… t = 17: not computed yet`. */
export function normText(t: number, computed: boolean, da: number, dc?: number): string {
  if (!computed) return `Gradient norms at t = ${t + 1}: not computed yet`;
  return `‖da⟨t⟩‖ at t = ${t + 1}: ${full(da)}` + (dc !== undefined ? ` · ‖dc⟨t⟩‖: ${full(dc)}` : '');
}
