/** A tensor card's legend: the −max … +max colour bar and the finite range. */

import { h, setText } from '../dom';
import { short } from '../format';
import { ctx2d, type Stats } from '../heatmap';
import type { Theme } from './deps';

interface LegendParts {
  lo: HTMLElement;
  hi: HTMLElement;
  range: HTMLElement;
  bar: HTMLCanvasElement;
  /** The theme version the bar was painted in. */
  pv: number;
}

const legendParts = new WeakMap<HTMLElement, LegendParts>();

/** Fill `el` with the legend of `st`: built once per card, then only its text changes (and the bar with the theme). */
export function renderLegend(el: HTMLElement, st: Stats, theme: Theme): void {
  let p = legendParts.get(el);
  if (!p) {
    const bar = h('canvas', { class: 'legend-bar', width: 96, height: 8, 'aria-hidden': 'true' });
    p = { lo: h('span', { class: 'lg-num' }), hi: h('span', { class: 'lg-num' }), range: h('span', { class: 'muted lg-range' }), bar, pv: -1 };
    el.append(p.lo, bar, p.hi, p.range);
    legendParts.set(el, p);
  }
  if (p.pv !== theme.version) {
    const ctx = ctx2d(p.bar);
    if (ctx) {
      const img = ctx.createImageData(96, 8);
      const px = new Uint32Array(img.data.buffer);
      const lut = theme.palette.lut;
      for (let x = 0; x < 96; x++) for (let y = 0; y < 8; y++) px[y * 96 + x] = lut[Math.round((x / 95) * 255)];
      ctx.putImageData(img, 0, 0);
    }
    p.pv = theme.version;
  }
  setText(p.lo, short(-st.maxAbs));
  setText(p.hi, short(st.maxAbs));
  setText(p.range, Number.isFinite(st.min) ? `min ${short(st.min)} · max ${short(st.max)}` : 'no finite values');
}
