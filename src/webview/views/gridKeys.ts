/**
 * Keyboard and focus marks shared by the canvas views (per-step heatmaps, units × time heatmaps,
 * the norm plot).
 */

import { gridMove, isActivateKey, type GridPos, type GridShape } from '../gridnav';

/**
 * Keyboard for a focusable canvas with a cell cursor: arrows / Home / End / PageUp / PageDown
 * move the cursor, Enter / Space `activate` it. Keys handled here stop here, so the panel's own
 * Home / End / arrows do not also act; anything else (F10, F5, F9, ?, T, E …) goes on to the
 * panel's keys.
 */
export interface GridKeys {
  shape(): GridShape | undefined;
  pos(): GridPos;
  moveTo(p: GridPos): void;
  activate?(): void;
}

export function attachGridKeys(el: HTMLElement, g: GridKeys): void {
  el.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const shape = g.shape();
    if (!shape) return;
    if (g.activate && isActivateKey(e.key)) {
      e.preventDefault();
      e.stopPropagation();
      g.activate();
      return;
    }
    const p = gridMove(e.key, g.pos(), shape);
    if (!p) return;
    e.preventDefault();
    e.stopPropagation();
    g.moveTo(p);
  });
}

/** Position a mark box over a heatmap canvas (which has a 1px border). */
export function place(el: HTMLElement, x: number, y: number, w: number, hh: number): void {
  el.style.setProperty('left', `${x + 1}px`);
  el.style.setProperty('top', `${y + 1}px`);
  el.style.setProperty('width', `${w}px`);
  el.style.setProperty('height', `${hh}px`);
}

/**
 * The keyboard-focus box over a cell at canvas CSS pixels (`x`, `y`, `w` × `hh`), `grow` px
 * larger on each side and at least 6 px each way (centred on the cell), so it stays visible over
 * 1-pixel cells of a long run. `offset`: where the canvas starts inside its wrapper (border, padding).
 */
export function placeFocus(el: HTMLElement, x: number, y: number, w: number, hh: number, offset: number, grow = 0): void {
  const W = Math.max(6, w + 2 * grow);
  const H = Math.max(6, hh + 2 * grow);
  place(el, x - (W - w) / 2 + offset - 1, y - (H - hh) / 2 + offset - 1, W, H);
}

/** Padding of the across-time and norm-plot wrappers (media/webview.css): room for the focus outline. */
export const WRAP_PAD = 3;
