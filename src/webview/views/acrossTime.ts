/**
 * "Across time": a units × time heatmap per tensor (a, c, gates, ŷ; da, dc in the backward pass)
 * for the selected example, paged SPAN steps at a time around the cursor (or the view's own
 * keyboard cursor while it has the focus); a click or Enter goes to that step.
 */

import { LSTM_GATES } from '../../engine/names';
import type { RunInfo } from '../../protocol/messages';
import { css } from '../colors';
import { clear, h, setText, show } from '../dom';
import { WINDOW_LABEL, windowTensors } from '../equations';
import { short } from '../format';
import { timeCellText, timePage, type CellValue } from '../gridnav';
import { cellSize, ctx2d, fixCssSize, paintGrid, stats } from '../heatmap';
import { parseBpKey, type Cursor, type State } from '../store';
import type { ViewDeps } from './deps';
import { WRAP_PAD, attachGridKeys, placeFocus } from './gridKeys';

interface WindowView {
  tensor: string;
  backward: boolean;
  canvas: HTMLCanvasElement;
  page: HTMLCanvasElement;
  caption: HTMLElement;
  /** What the cached page bitmap shows: `start|span|batch|palette|chunk version|width`. */
  pageKey: string;
  version: number;
  buf: { data: Float64Array; have: Uint8Array };
  start: number;
  span: number;
  cellW: number;
  cellH: number;
  rows: number;
  /** Keyboard cell cursor: unit row `i`, absolute step `t` (0-based). */
  focus: { i: number; t: number };
  /** Keep `focus` when the canvas gets the focus (a click or a rebuild), instead of moving it to the cursor's step. */
  keepFocus: boolean;
  focusMark: HTMLElement;
}

export interface AcrossTimeView {
  render(s: State): void;
  /** Ask the host for the pages the views show (after the cursor, example or progress moved). */
  request(s: State): void;
  /** A chunk of `tensor` arrived: repaint its view at the next frame. */
  chunkArrived(tensor: string): void;
  invalidate(): void;
}

/** Rows of the cursor band above a units × time heatmap's cells (breakpoints, the cursor line). */
const WIN_TOP = 6;
/** Steps shown at once, so the page is never the whole of a long run. */
const SPAN = 256;
/** Tensors with values in [-1, 1] (or [0, 1]): a fixed colour scale, comparable across pages. */
const FIXED_SCALE = new Set<string>(['a', ...LSTM_GATES, 'y']);

function computedRange(run: RunInfo, s: State, backward: boolean): [number, number] {
  const p = s.progress;
  if (!p) return [0, 0];
  if (!backward) return [0, Math.min(p.forwardDone, run.dims.T_x)];
  const b = Math.min(p.backwardDone, run.T_b);
  return [run.T_b - b, run.T_b];
}

function windowRange(run: RunInfo, w: WindowView, t: number): { start: number; span: number; T: number } {
  const T = w.backward ? run.T_b : run.dims.T_x;
  const span = Math.min(T, SPAN);
  const start = Math.max(0, Math.min(Math.floor(t / span) * span, T - span));
  return { start, span, T };
}

export function create(parent: HTMLElement, deps: ViewDeps): AcrossTimeView {
  const { store, tooltip } = deps;
  parent.append(h('h2', { class: 'section-title', id: 'timeTitle', text: 'Across time' }));
  const timeEl = h('section', { id: 'time', 'aria-label': 'Units by time heatmaps' });
  parent.append(timeEl);
  let windows: WindowView[] = [];
  let windowsKey = '';
  let frame = 0;

  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render(store.state);
    });
  };

  function build(run: RunInfo, phase: Cursor['phase']): void {
    // A rebuild (forward ⇄ backward) must not drop the keyboard focus of a view that stays.
    const had = windows.find((w) => document.activeElement === w.canvas);
    clear(timeEl);
    windows = [];
    const names = [
      ...(phase !== 'forward' ? windowTensors(run.cell, true).map((n) => [n, true] as const) : []),
      ...windowTensors(run.cell, false).map((n) => [n, false] as const),
    ];
    for (const [n, backward] of names) windows.push(buildOne(n, backward));
    if (had) {
      const w = windows.find((x) => x.tensor === had.tensor && x.backward === had.backward);
      if (w) {
        w.focus = had.focus;
        w.keepFocus = true;
        w.canvas.focus();
      }
    }
  }

  function buildOne(n: string, backward: boolean): WindowView {
    const canvas = h('canvas', {
      class: 'win',
      tabindex: 0,
      'aria-label':
        `${WINDOW_LABEL[n] ?? n}: units by time for the selected example. Arrow keys read values, ` +
        'Home and End go to the first and last step, Enter or a click goes to that step.',
    });
    const focusMark = h('div', { class: 'mark-focus', hidden: true });
    const caption = h('div', { class: 'muted caption' });
    timeEl.append(
      h(
        'div',
        { class: 'window', 'data-window': n },
        h('div', { class: 'win-title' }, h('span', { class: 'tname', text: WINDOW_LABEL[n] ?? n }), ' ', caption),
        h('div', { class: 'hm-wrap' }, canvas, focusMark),
      ),
    );
    const w: WindowView = {
      tensor: n,
      backward,
      canvas,
      page: document.createElement('canvas'),
      caption,
      pageKey: '',
      version: 0,
      buf: { data: new Float64Array(0), have: new Uint8Array(0) },
      start: 0,
      span: 0,
      cellW: 1,
      cellH: 1,
      rows: 0,
      focus: { i: 0, t: 0 },
      keepFocus: false,
      focusMark,
    };
    /** The cell under the mouse: unit row and absolute step, or undefined outside the cells. */
    const cellAt = (e: MouseEvent) => {
      const t = w.start + Math.floor(e.offsetX / w.cellW);
      const i = Math.floor((e.offsetY - WIN_TOP) / w.cellH);
      const k = t - w.start;
      return k >= 0 && k < w.span && i >= 0 && i < w.rows ? { i, t } : undefined;
    };
    canvas.addEventListener('mousedown', () => {
      w.keepFocus = true;
    });
    canvas.addEventListener('click', (e) => {
      w.keepFocus = false; // the mousedown's flag, when the canvas already had the focus
      const t = w.start + Math.floor(e.offsetX / w.cellW);
      if (t < w.start || t >= w.start + w.span) return;
      w.focus = cellAt(e) ?? { i: w.focus.i, t };
      goToStep(w, t);
      drawFocus(w);
    });
    canvas.addEventListener('mousemove', (e) => {
      const c = cellAt(e);
      if (!c) return tooltip.hide();
      tooltip.show(timeCellText(w.tensor, c.i, c.t, store.state.batch, valueAt(w, store.state, c.i, c.t)), e.clientX, e.clientY);
    });
    canvas.addEventListener('mouseleave', () => {
      if (document.activeElement === canvas) announce(w);
      else tooltip.hide();
    });
    canvas.addEventListener('focus', () => {
      const s = store.state;
      if (!w.keepFocus && s.run && s.cursor.phase !== 'totals') w.focus = { i: w.focus.i, t: s.cursor.t };
      w.keepFocus = false;
      focusMoved(w);
    });
    canvas.addEventListener('blur', () => {
      tooltip.hide();
      show(w.focusMark, false);
      // Back to the page around the debugger's cursor.
      schedule();
    });
    attachGridKeys(canvas, {
      shape: () => {
        const run = store.state.run;
        if (!run) return undefined;
        const T = w.backward ? run.T_b : run.dims.T_x;
        return { rows: Math.max(1, w.rows), cols: T, page: timePage(T) };
      },
      pos: () => ({ i: w.focus.i, j: w.focus.t }),
      moveTo: (p) => {
        w.focus = { i: p.i, t: p.j };
        focusMoved(w);
      },
      activate: () => goToStep(w, w.focus.t),
    });
    return w;
  }

  /** Jump the debugger to step `t` of a view's pass (a click or Enter). */
  function goToStep(w: WindowView, t: number): void {
    const run = store.state.run;
    if (!run || t < 0 || t >= (w.backward ? run.T_b : run.dims.T_x)) return;
    deps.timer.start();
    deps.seek({ phase: w.backward ? 'backward' : 'forward', t });
  }

  /** The value of unit `i` at step `t` in a view, or why there is none (not computed, not loaded yet). */
  function valueAt(w: WindowView, s: State, i: number, t: number): CellValue {
    if (!s.run) return 'not computed';
    const [lo, hi] = computedRange(s.run, s, w.backward);
    if (t < lo || t >= hi) return 'not computed';
    const k = t - w.start;
    if (k < 0 || k >= w.span || !w.buf.have[k] || i >= w.rows) return 'loading';
    return w.buf.data[i * w.span + k];
  }

  /** The step a view pages around: its keyboard cursor while focused, else the debugger's cursor. */
  const viewT = (w: WindowView, s: State) => (document.activeElement === w.canvas ? w.focus.t : s.cursor.t);

  /** The keyboard cursor of a view moved (or it got the focus): page to it, fetch, mark, say it. */
  function focusMoved(w: WindowView): void {
    const s = store.state;
    request(s);
    render(s);
    drawFocus(w);
    announce(w);
  }

  function announce(w: WindowView): void {
    const s = store.state;
    if (!s.run) return;
    const { i, t } = w.focus;
    const r = w.canvas.getBoundingClientRect();
    const k = t - w.start;
    tooltip.announce(w.canvas, timeCellText(w.tensor, i, t, s.batch, valueAt(w, s, i, t)), r.left + (k + 1) * w.cellW, r.top + WIN_TOP + (i + 1) * w.cellH);
  }

  function drawFocus(w: WindowView): void {
    const focused = document.activeElement === w.canvas;
    const k = w.focus.t - w.start;
    const visible = focused && k >= 0 && k < w.span && w.focus.i < Math.max(1, w.rows);
    show(w.focusMark, visible);
    if (visible) placeFocus(w.focusMark, k * w.cellW, WIN_TOP + w.focus.i * w.cellH, w.cellW, w.cellH, WRAP_PAD, 2);
  }

  function request(s: State): void {
    const run = s.run;
    if (!run) return;
    for (const w of windows) {
      const { start, span } = windowRange(run, w, viewT(w, s));
      const [lo, hi] = computedRange(run, s, w.backward);
      deps.data.ensureWindow(w.tensor, s.batch, start, start + span, lo, hi);
    }
  }

  function render(s: State): void {
    const run = s.run;
    if (!run) return;
    const key = `${run.runId}|${run.cell}|${s.cursor.phase === 'forward' ? 'f' : 'b'}`;
    if (key !== windowsKey) {
      // Set first: the rebuild may hand the focus back to a view, which renders again.
      windowsKey = key;
      build(run, s.cursor.phase);
    }
    const avail = Math.max(120, deps.layout.content - 8);
    for (const w of windows) {
      const { start, span, T } = windowRange(run, w, viewT(w, s));
      const pk = `${start}|${span}|${s.batch}|${deps.theme.version}|${w.version}|${avail}`;
      const repaint = pk !== w.pageKey;
      if (repaint) paintPage(w, run, s, start, span, T, avail, pk);
      compose(w, s);
      if (document.activeElement === w.canvas) {
        drawFocus(w);
        // New data (or a new page) under the keyboard cursor: say what is there now.
        if (repaint) announce(w);
      }
    }
  }

  function paintPage(w: WindowView, run: RunInfo, s: State, start: number, span: number, T: number, avail: number, pk: string): void {
    if (w.buf.have.length < span) w.buf.have = new Uint8Array(span);
    w.start = start;
    w.span = span;
    // Rows are unknown until a chunk arrives: read into a buffer sized generously.
    const rowsGuess = w.tensor === 'y' ? run.dims.n_y : run.dims.n_a;
    if (w.buf.data.length < rowsGuess * span) w.buf.data = new Float64Array(rowsGuess * span);
    const rows = deps.data.readWindow(w.tensor, s.batch, start, start + span, w.buf) || rowsGuess;
    w.rows = rows;
    const { w: cw, h: ch } = cellSize(rows, span, avail, rows > 32 ? 256 : 120, 24);
    w.cellW = cw;
    w.cellH = ch;
    const view = w.buf.data.subarray(0, rows * span);
    const fixed = FIXED_SCALE.has(w.tensor);
    const st = stats(view, w.buf.have.subarray(0, span), rows, span);
    const hatchable = cw >= 3 && ch >= 3;
    paintGrid(w.page, view, rows, span, hatchable ? cw : 1, hatchable ? ch : 1, fixed ? 1 : st.maxAbs, deps.theme.palette, w.buf.have);
    w.pageKey = pk;
    const computed = w.buf.have.subarray(0, span).reduce((a, b) => a + b, 0);
    setText(
      w.caption,
      `units × time, t ${start + 1}–${start + span} of ${T}, example ${s.batch + 1}` +
        (fixed ? ' · scale ±1' : ` · scale ±${short(st.maxAbs)}`) +
        (computed < span ? ` · ${span - computed} step(s) not computed yet` : '') +
        (st.nan + st.posInf + st.negInf ? ` · ${st.nan + st.posInf + st.negInf} non-finite` : ''),
    );
  }

  /** Copy the cached page and draw the cursor and breakpoint marks: cheap, done on every step. */
  function compose(w: WindowView, s: State): void {
    const palette = deps.theme.palette;
    const c = w.canvas;
    const W = w.span * w.cellW;
    const H = w.rows * w.cellH;
    if (c.width !== W) c.width = W;
    if (c.height !== H + WIN_TOP) c.height = H + WIN_TOP;
    fixCssSize(c);
    const ctx = ctx2d(c);
    if (!ctx) return;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, c.width, c.height);
    if (w.page.width && w.page.height) ctx.drawImage(w.page, 0, WIN_TOP, W, H);
    ctx.strokeStyle = css(palette.border);
    ctx.strokeRect(0.5, 6.5, c.width - 1, c.height - 7);
    ctx.fillStyle = css(palette.breakpoint);
    for (const k of s.breakpoints) {
      const b = parseBpKey(k);
      if (!b || (b.phase === 'backward') !== w.backward || b.phase === 'totals') continue;
      const x = (b.t - w.start) * w.cellW;
      if (x >= 0 && x < c.width) ctx.fillRect(x, 0, Math.max(w.cellW, 2), 4);
    }
    if (s.cursor.phase !== 'totals') {
      const x = (s.cursor.t - w.start) * w.cellW;
      if (x >= 0 && x < c.width) {
        ctx.fillStyle = css(palette.cursor);
        const lw = Math.max(2, Math.min(w.cellW, 3));
        ctx.fillRect(x + w.cellW / 2 - lw / 2, 0, lw, c.height);
      }
    }
  }

  return {
    render,
    request,
    chunkArrived(tensor: string) {
      for (const w of windows) if (w.tensor === tensor) w.version++;
      schedule();
    },
    invalidate() {
      windowsKey = '';
    },
  };
}
