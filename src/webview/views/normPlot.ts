/**
 * The gradient-norm plot of the backward pass: ‖da⟨t⟩‖ and ‖dc⟨t⟩‖ over t on a log scale, with
 * the cursor's step marked. Keyboard: ←/→ read the norms at a step, Enter goes there.
 */

import type { ToWebview } from '../../protocol/messages';
import { css, type Palette } from '../colors';
import { clear, h, show } from '../dom';
import { short } from '../format';
import { normText, timePage } from '../gridnav';
import { ctx2d, fixCssSize } from '../heatmap';
import type { State } from '../store';
import type { ViewDeps } from './deps';
import { WRAP_PAD, attachGridKeys, placeFocus } from './gridKeys';

/** Gradient norms by step t; steps before `from` are not computed yet (NaN there means "no value"). */
interface Norms {
  runId: number;
  da: Float64Array;
  dc?: Float64Array;
  from: number;
}

export interface NormPlotView {
  render(s: State): void;
  /** New norms from the host (`norms` message). */
  setNorms(m: Extract<ToWebview, { type: 'norms' }>): void;
  /** A new run: its norms are not known yet. */
  reset(): void;
}

const H = 150;

export function create(parent: HTMLElement, deps: ViewDeps): NormPlotView {
  const { store, tooltip } = deps;
  const el = h('section', { id: 'norms', hidden: true, 'aria-label': 'Gradient norms over time' });
  const canvas = h('canvas', {
    id: 'normsPlot',
    tabindex: 0,
    'aria-label':
      'Plot of the norms of da and dc over time, log scale. Left and right arrows read the norms at each step, Enter goes to that step.',
    height: H,
  });
  /** Keyboard cursor of the norm plot: a box over the focused step. */
  const mark = h('div', { class: 'mark-focus', hidden: true });
  const legend = h('div', { class: 'legend-row', id: 'normsLegend' });
  el.append(h('h2', { text: 'Gradient norms ‖da⟨t⟩‖, ‖dc⟨t⟩‖ (log scale)' }), h('div', { class: 'plot-wrap' }, canvas, mark), legend);
  parent.append(el);

  let norms: Norms | undefined;
  /** Where the plot drew its steps (CSS pixels), for the mouse, the keyboard cursor and its mark. */
  const geom = { padL: 44, top: 8, pw: 1, ph: 1, T: 1 };
  /** Keyboard cursor: a backward step t (0-based). */
  let focusT = 0;
  /** Keep `focusT` when the plot gets the focus (a click), instead of moving it to the cursor's step. */
  let keepFocus = false;

  const xOf = (t: number) => geom.padL + (geom.T <= 1 ? geom.pw / 2 : (t / (geom.T - 1)) * geom.pw);

  function stepAt(offsetX: number): number | undefined {
    if (offsetX < geom.padL - 4 || offsetX > geom.padL + geom.pw + 4) return undefined;
    const t = geom.T <= 1 ? 0 : Math.round(((offsetX - geom.padL) / geom.pw) * (geom.T - 1));
    return Math.min(geom.T - 1, Math.max(0, t));
  }

  function textAt(t: number): string {
    const n = norms;
    const computed = !!n && t >= Math.max(0, n.from) && t < n.da.length && !Number.isNaN(n.da[t]);
    return normText(t, computed, n ? n.da[t] : NaN, n?.dc ? n.dc[t] : undefined);
  }

  function goToStep(t: number): void {
    const run = store.state.run;
    if (!run || t < 0 || t >= run.T_b) return;
    deps.timer.start();
    deps.seek({ phase: 'backward', t });
  }

  function drawFocus(): void {
    const focused = document.activeElement === canvas && !el.hidden;
    show(mark, focused);
    if (!focused) return;
    // A narrow column at the step (a step's whole interval would look like a range on short runs).
    const w = Math.min(10, Math.max(2, geom.T > 1 ? geom.pw / (geom.T - 1) : 2));
    placeFocus(mark, xOf(focusT) - w / 2, geom.top, w, geom.ph, WRAP_PAD, 2);
  }

  function announce(): void {
    const r = canvas.getBoundingClientRect();
    tooltip.announce(canvas, textAt(focusT), r.left + xOf(focusT), r.top + geom.top + geom.ph / 2);
  }

  canvas.addEventListener('mousedown', () => {
    keepFocus = true;
  });
  canvas.addEventListener('click', (e) => {
    keepFocus = false;
    const t = stepAt(e.offsetX);
    if (t === undefined) return;
    focusT = t;
    goToStep(t);
    drawFocus();
  });
  canvas.addEventListener('mousemove', (e) => {
    const t = stepAt(e.offsetX);
    if (t === undefined) return tooltip.hide();
    tooltip.show(textAt(t), e.clientX, e.clientY);
  });
  canvas.addEventListener('mouseleave', () => {
    if (document.activeElement === canvas) announce();
    else tooltip.hide();
  });
  canvas.addEventListener('focus', () => {
    const s = store.state;
    if (!keepFocus && s.cursor.phase === 'backward') focusT = s.cursor.t;
    keepFocus = false;
    focusT = Math.min(Math.max(0, focusT), Math.max(0, geom.T - 1));
    drawFocus();
    announce();
  });
  canvas.addEventListener('blur', () => {
    tooltip.hide();
    drawFocus();
  });
  attachGridKeys(canvas, {
    shape: () => {
      const run = store.state.run;
      return run ? { rows: 1, cols: run.T_b, page: timePage(run.T_b) } : undefined;
    },
    pos: () => ({ i: 0, j: focusT }),
    moveTo: (p) => {
      focusT = p.j;
      drawFocus();
      announce();
    },
    activate: () => goToStep(focusT),
  });

  function render(s: State): void {
    paint(s);
    if (document.activeElement === canvas) {
      drawFocus();
      if (!el.hidden) announce();
    }
  }

  function paint(s: State): void {
    const run = s.run;
    const visible = !!run && !!norms && norms.runId === run.runId && s.cursor.phase !== 'forward';
    show(el, visible);
    if (!visible || !norms || !run) return;
    const palette = deps.theme.palette;
    const W = Math.max(200, deps.layout.content - 8);
    if (canvas.width !== W) canvas.width = W;
    canvas.height = H;
    fixCssSize(canvas);
    const ctx = ctx2d(canvas);
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    const series: [string, Float64Array, Palette['lineDa']][] = [['‖da⟨t⟩‖', norms.da, palette.lineDa]];
    if (norms.dc) series.push(['‖dc⟨t⟩‖', norms.dc, palette.lineDc]);
    let lo = Infinity;
    let hi = -Infinity;
    const from = Math.max(0, norms.from);
    for (const [, arr] of series)
      for (let t = from; t < arr.length; t++) {
        const v = arr[t];
        if (v > 0 && Number.isFinite(v)) {
          const l = Math.log10(v);
          if (l < lo) lo = l;
          if (l > hi) hi = l;
        }
      }
    const T = run.T_b;
    const padL = 44;
    const padB = 18;
    const pw = W - padL - 8;
    const ph = H - padB - 8;
    Object.assign(geom, { padL, top: 8, pw, ph, T });
    ctx.font = '10px sans-serif';
    ctx.fillStyle = css(palette.muted);
    ctx.strokeStyle = css(palette.border);
    ctx.strokeRect(padL + 0.5, 8.5, pw, ph);
    if (!(hi >= lo)) {
      ctx.fillText('no positive finite norms yet', padL + 8, 30);
      return;
    }
    lo = Math.floor(lo);
    hi = Math.max(lo + 1, Math.ceil(hi));
    const y = (v: number) => 8 + ph - ((Math.log10(v) - lo) / (hi - lo)) * ph;
    const x = (t: number) => padL + (T <= 1 ? pw / 2 : (t / (T - 1)) * pw);
    for (let e = lo; e <= hi; e++) {
      const yy = 8 + ph - ((e - lo) / (hi - lo)) * ph;
      ctx.fillStyle = css(palette.muted);
      ctx.fillText(`1e${e}`, 4, yy + 3);
      ctx.fillStyle = css(palette.border);
      ctx.fillRect(padL, Math.round(yy), pw, 1);
    }
    ctx.fillStyle = css(palette.muted);
    ctx.fillText('t = 1', padL, H - 4);
    ctx.fillText(`t = ${T}`, padL + pw - 36, H - 4);
    for (const [, arr, col] of series) {
      ctx.strokeStyle = css(col);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let pen = false;
      const n = Math.min(arr.length, T);
      // Thin out to at most ~2 points per pixel.
      const stride = Math.max(1, Math.floor(n / (pw * 2)));
      for (let t = from; t < n; t += stride) {
        const v = arr[t];
        if (!(v > 0) || !Number.isFinite(v)) {
          pen = false;
          if (!Number.isFinite(v) && v === v) {
            ctx.fillStyle = css(palette.posInf);
            ctx.fillRect(x(t) - 2, 8, 4, 4);
          } else if (v !== v) {
            ctx.fillStyle = css(palette.nan);
            ctx.fillRect(x(t) - 2, 8, 4, 4);
          }
          continue;
        }
        if (pen) ctx.lineTo(x(t), y(v));
        else ctx.moveTo(x(t), y(v));
        pen = true;
      }
      ctx.stroke();
    }
    if (s.cursor.phase === 'backward') {
      ctx.fillStyle = css(palette.cursor);
      ctx.fillRect(Math.round(x(s.cursor.t)) - 1, 8, 2, ph);
    }
    clear(legend);
    for (const [name, arr, col] of series) {
      const sw = h('span', { class: 'swatch' });
      sw.style.setProperty('background-color', css(col));
      const cur = s.cursor.phase === 'backward' && s.cursor.t >= from ? arr[s.cursor.t] : undefined;
      legend.append(h('span', { class: 'lg-item' }, sw, ` ${name}` + (cur !== undefined ? ` at t = ${s.cursor.t + 1}: ${short(cur)}` : '')));
    }
  }

  return {
    render,
    setNorms(m) {
      if (store.state.run && m.runId !== store.state.run.runId) return;
      norms = { runId: m.runId, da: new Float64Array(m.da), dc: m.dc ? new Float64Array(m.dc) : undefined, from: m.from ?? 0 };
      render(store.state);
    },
    reset() {
      norms = undefined;
    },
  };
}
