/**
 * The tensors of the current step as cards grouped under headings (inputs, gates, outputs, …):
 * a heatmap (or the table view), its equation, its colour legend and its non-finite count.
 * A backward stop's weight gradients and running sums are fetched only while their group is on
 * screen (partVisibility.ts): their cards are always there, marked as loading until their part
 * of the stop arrives, never showing another step's values.
 */

import type { StepData, Tensor } from '../client';
import { clear, h, setText, show } from '../dom';
import { isParameter, tensorDoc } from '../equations';
import { full, shapeText } from '../format';
import { cellSize, ctx2d, paintGrid, setCssSize, stats } from '../heatmap';
import type { RunInfo, StepPart } from '../../protocol/messages';
import { partOf } from '../../session/stepParts';
import type { State } from '../store';
import type { ViewDeps } from './deps';
import { renderLegend } from './cardLegend';
import { attachGridKeys, place, placeFocus } from './gridKeys';
import { explainLines, showLines } from './explainLine';
import { COLLAPSIBLE, extraTensors, stopTensors } from './extraTensors';
import { PartVisibility } from './partVisibility';
import { attachTableKeys, renderTable, type TableCard } from './tablePager';

interface Card extends TableCard {
  el: HTMLElement;
  /** Title and equation: they name the step, so they change as the cursor moves. */
  title: HTMLElement;
  eq: HTMLElement;
  /** The selected element's equation with its numbers (explainLine.ts); shown once an element is selected. */
  explain: HTMLElement;
  selected: boolean;
  canvas: HTMLCanvasElement;
  legend: HTMLElement;
  nonFinite: HTMLElement;
  /** Why the card shows no values (its part of the stop is on its way), when it does not. */
  pendingNote: HTMLElement;
  /** CSS pixels per cell (hover maths) and canvas pixels per cell (1 when CSS scales it up). */
  cellW: number;
  cellH: number;
  colMark: HTMLElement;
  focusMark: HTMLElement;
  focus: { i: number; j: number };
}

export interface StepCardsView {
  /** Paint the cursor's step if its core is here (true), otherwise keep the old one (false). */
  render(s: State): boolean;
  /** A card on screen still waits for its part of the step shown (the paint is not complete). */
  readonly waiting: boolean;
  /** The parts of a backward stop to fetch: the core, and those with cards on screen. */
  wantedParts(): StepPart[];
  /** Rebuild the cards at the next paint (width or theme changed). */
  invalidate(): void;
  /** The step on screen. */
  readonly shown: StepData | undefined;
  /** A step the expansions read arrived (the forward values of a backward step). */
  refreshExplanations(): void;
  /** Select element (i, j) of card `tensor` once step (phase, t) is painted (a jump from the gradient check). */
  selectWhenShown(p: { phase: string; t: number; tensor: string; i: number; j: number }): void;
}

/** Width available to one heatmap: cards sit in a responsive grid of ≥ 300px columns. */
function cardInnerWidth(W: number): number {
  const cols = Math.max(1, Math.floor((W + 12) / (320 + 12)));
  return Math.floor((W - 12 * (cols - 1)) / cols) - 20;
}

/**
 * @param partsShown called when the weight gradients' or running sums' cards come on screen (or
 * leave it): the parts to fetch changed.
 */
export function create(stepEl: HTMLElement, deps: ViewDeps, partsShown: () => void = () => undefined): StepCardsView {
  const visibility = new PartVisibility(partsShown);
  let waiting = false;
  const { store, tooltip } = deps;
  let cards = new Map<string, Card>();
  let cardsKey = '';
  let shown: StepData | undefined;
  /** Collapsible groups (parameters, pre-activations) the user opened; the others are not painted. */
  const openGroups = new Set<string>();
  /** An element to select when its step is painted (selectWhenShown). */
  let pendingSelect: { phase: string; t: number; tensor: string; i: number; j: number } | undefined;
  /** Card name → its group, for the paint loop to skip closed ones. */
  let groupOf = new Map<string, string>();

  attachTableKeys(
    stepEl,
    (name) => cards.get(name),
    () => store.state,
    (text, x, y) => {
      tooltip.say(text);
      tooltip.show(text, x, y);
    },
    () => tooltip.hide(),
  );

  const docFor = (run: RunInfo, step: StepData, name: string) =>
    tensorDoc(run.cell, step.phase, name, { kind: run.kind, t: step.t, T_b: run.T_b });

  /** A group heading; the parameters and pre-activations fold (a `details` the user opens). */
  function groupEl(name: string, cardsEl: HTMLElement): HTMLElement {
    if (!COLLAPSIBLE.has(name)) return h('div', { class: 'group' }, h('h2', { text: name }), cardsEl);
    const d = h('details', { class: 'group', 'data-group': name }, h('summary', {}, h('h2', { text: name })), cardsEl);
    d.open = openGroups.has(name);
    d.addEventListener('toggle', () => {
      if (d.open === openGroups.has(name)) return;
      if (d.open) openGroups.add(name);
      else openGroups.delete(name);
      render(store.state);
    });
    return d;
  }

  function build(tensors: readonly Tensor[], step: StepData, run: RunInfo): void {
    clear(stepEl);
    cards = new Map();
    groupOf = new Map();
    const groups = new Map<string, HTMLElement>();
    /** The groups of the parts fetched only while on screen. */
    const watched = new Map<HTMLElement, StepPart>();
    for (const t of tensors) {
      const doc = docFor(run, step, t.name);
      groupOf.set(t.name, doc.group);
      let g = groups.get(doc.group);
      if (!g) {
        g = h('div', { class: 'cards' });
        const group = groupEl(doc.group, g);
        stepEl.append(group);
        groups.set(doc.group, g);
        const part = partOf(step.phase, t.name);
        if (part !== 'core') watched.set(group, part);
      }
      const canvas = h('canvas', { class: 'hm', tabindex: 0, 'aria-label': `${t.name} heatmap ${t.rows} by ${t.cols}. Arrow keys read values.` });
      const legend = h('div', { class: 'legend' });
      const nonFinite = h('div', { class: 'nonfinite' });
      const pendingNote = h('div', { class: 'pending-note muted', hidden: true });
      const tableWrap = h('div', { class: 'table-wrap' });
      const colMark = h('div', { class: 'mark-col', hidden: true });
      const focusMark = h('div', { class: 'mark-focus', hidden: true });
      const title = h('span', { class: 'tname', text: doc.label });
      const eq = h('div', { class: 'eq', text: doc.eq });
      const explain = h('div', { class: 'explain', hidden: true });
      const el = h(
        'section',
        { class: 'tensor', 'data-tensor': t.name, 'aria-label': `${t.name} ${shapeText(t.rows, t.cols)} float64` },
        h('header', {}, title, ' ', h('span', { class: 'shape', text: `${shapeText(t.rows, t.cols)} float64` })),
        eq,
        h('div', { class: 'hm-wrap' }, canvas, colMark, focusMark),
        explain,
        pendingNote,
        legend,
        nonFinite,
        tableWrap,
      );
      g.append(el);
      const card: Card = {
        name: t.name,
        el,
        title,
        eq,
        explain,
        selected: false,
        canvas,
        legend,
        nonFinite,
        pendingNote,
        tableWrap,
        cellW: 1,
        cellH: 1,
        colMark,
        focusMark,
        tableRow0: 0,
        focus: { i: 0, j: 0 },
        perExample: !/^(sum_)?d[Wb]/.test(t.name) && !isParameter(run.cell, t.name) && !(step.phase === 'totals' && t.name !== 'da0' && t.name !== 'dc0'),
      };
      attachCanvasEvents(card);
      cards.set(t.name, card);
    }
    visibility.watch(watched);
  }

  function attachCanvasEvents(card: Card): void {
    const cellAt = (e: MouseEvent) => {
      const t = card.tensor;
      if (!t) return undefined;
      const i = Math.floor(e.offsetY / card.cellH);
      const j = Math.floor(e.offsetX / card.cellW);
      return i >= 0 && j >= 0 && i < t.rows && j < t.cols ? { i, j, v: t.data[i * t.cols + j] } : undefined;
    };
    card.canvas.addEventListener('mousemove', (e) => {
      const c = cellAt(e);
      if (!c) return tooltip.hide();
      tooltip.show(`${card.name}[${c.i}, ${c.j}] = ${full(c.v)}`, e.clientX, e.clientY);
    });
    card.canvas.addEventListener('mouseleave', () => tooltip.hide());
    card.canvas.addEventListener('click', (e) => {
      const c = cellAt(e);
      if (!c) return;
      card.focus = { i: c.i, j: c.j };
      if (card.perExample) deps.act({ type: 'setBatch', batch: c.j });
      announceCell(card);
    });
    card.canvas.addEventListener('focus', () => {
      announceCell(card);
      drawOverlay(card);
    });
    card.canvas.addEventListener('blur', () => {
      drawOverlay(card);
      tooltip.hide();
    });
    attachGridKeys(card.canvas, {
      shape: () => (card.tensor ? { rows: card.tensor.rows, cols: card.tensor.cols } : undefined),
      pos: () => card.focus,
      moveTo: (p) => {
        card.focus = p;
        announceCell(card);
        drawOverlay(card);
      },
    });
  }

  function announceCell(card: Card): void {
    const t = card.tensor;
    if (!t) return;
    const { i, j } = card.focus;
    if (i >= t.rows || j >= t.cols) card.focus = { i: 0, j: 0 };
    const v = t.data[card.focus.i * t.cols + card.focus.j];
    card.selected = true;
    explainCell(card);
    const r = card.canvas.getBoundingClientRect();
    tooltip.announce(
      card.canvas,
      `${card.name}[${card.focus.i}, ${card.focus.j}] = ${full(v)}`,
      r.left + (card.focus.j + 1) * card.cellW,
      r.top + (card.focus.i + 1) * card.cellH,
    );
  }

  /** The selected element's expanded equation, for the step on screen. */
  function explainCell(card: Card): void {
    const run = store.state.run;
    const lines = run && shown && card.selected && card.tensor ? explainLines(run, shown, deps.data, card.name, card.focus.i, card.focus.j) : undefined;
    showLines(card.explain, lines);
  }

  /** Selected batch column and keyboard-focus outlines: two positioned boxes over the canvas. */
  function drawOverlay(card: Card): void {
    const t = card.tensor;
    if (!t) return;
    const batch = store.state.batch;
    const showCol = card.perExample && t.cols > 1 && batch < t.cols;
    show(card.colMark, showCol);
    if (showCol) place(card.colMark, batch * card.cellW, 0, card.cellW, t.rows * card.cellH);
    const focused = document.activeElement === card.canvas;
    show(card.focusMark, focused);
    if (focused) placeFocus(card.focusMark, card.focus.j * card.cellW, card.focus.i * card.cellH, card.cellW, card.cellH, 1);
  }

  /** Heatmap cell size of a card (CSS pixels) in the panel's width now. */
  function cellsOf(rows: number, cols: number): { w: number; h: number } {
    const W = deps.layout.content;
    // A wide panel (over ~1000 px) gets bigger cells and taller maps, not just more empty card.
    const grow = Math.min(2, Math.max(1, W / 1000));
    return cellSize(rows, cols, cardInnerWidth(W), (rows > 64 ? 300 : 220) * grow, Math.round(26 * grow));
  }

  /**
   * A card whose part of the step is not here: no values (not the previous step's), its size kept
   * (the page does not jump when they come), and why.
   */
  function markPending(card: Card, t: { rows: number; cols: number }, why: string): void {
    card.tensor = undefined;
    card.el.setAttribute('aria-busy', 'true');
    card.el.dataset.pending = 'true';
    const { w, h: hh } = cellsOf(t.rows, t.cols);
    ctx2d(card.canvas)?.clearRect(0, 0, card.canvas.width, card.canvas.height);
    setCssSize(card.canvas, t.cols * w, t.rows * hh);
    show(card.colMark, false);
    show(card.focusMark, false);
    setText(card.pendingNote, why);
    show(card.pendingNote, true);
    setText(card.nonFinite, '');
    show(card.nonFinite, false);
    show(card.legend, false);
    if (card.tableWrap.firstChild) clear(card.tableWrap);
  }

  function paint(card: Card, t: Tensor, s: State): void {
    card.tensor = t;
    if (card.el.dataset.pending) {
      card.el.removeAttribute('aria-busy');
      delete card.el.dataset.pending;
      show(card.pendingNote, false);
    }
    const st = stats(t.data);
    const { w, h: hh } = cellsOf(t.rows, t.cols);
    card.cellW = w;
    card.cellH = hh;
    // Hatching for NaN/±∞ needs ≥ 3×3 pixels per cell; below that paint 1 pixel per cell and let
    // CSS scale the canvas up (pixelated): far fewer pixels to write for big tensors.
    const hatchable = w >= 3 && hh >= 3;
    paintGrid(card.canvas, t.data, t.rows, t.cols, hatchable ? w : 1, hatchable ? hh : 1, st.maxAbs, deps.theme.palette);
    setCssSize(card.canvas, t.cols * w, t.rows * hh);
    drawOverlay(card);
    show(card.legend, true);
    renderLegend(card.legend, st, deps.theme);
    const nf: string[] = [];
    if (st.nan) nf.push(`${st.nan} NaN`);
    if (st.posInf) nf.push(`${st.posInf} +∞`);
    if (st.negInf) nf.push(`${st.negInf} −∞`);
    setText(card.nonFinite, nf.length ? `Non-finite: ${nf.join(', ')} (hatched: NaN yellow, +∞ purple, −∞ green)` : '');
    show(card.nonFinite, nf.length > 0);
    if (s.table) renderTable(card, t, s);
    else if (card.tableWrap.firstChild) clear(card.tableWrap);
  }

  function render(s: State): boolean {
    const run = s.run;
    if (!run) return false;
    const step = deps.data.getStep(s.cursor.phase, s.cursor.t);
    if (!step) {
      stepEl.setAttribute('aria-busy', 'true');
      return false;
    }
    stepEl.removeAttribute('aria-busy');
    const tensors = [...stopTensors(run, step), ...extraTensors(run, step, deps.data, openGroups)];
    const key = `${run.runId}|${step.phase}|${tensors.map((t) => `${t.name}:${t.rows}x${t.cols}`).join(',')}`;
    if (key !== cardsKey) {
      build(tensors, step, run);
      cardsKey = key;
    }
    waiting = false;
    for (const t of tensors) {
      const c = cards.get(t.name);
      const group = groupOf.get(t.name) ?? '';
      if (!c || (COLLAPSIBLE.has(group) && !openGroups.has(group))) continue;
      const doc = docFor(run, step, t.name);
      setText(c.title, doc.label);
      setText(c.eq, doc.eq);
      if (t.data.length === t.rows * t.cols) {
        paint(c, t, s);
        continue;
      }
      const part = partOf(step.phase, t.name);
      if (part === 'core') continue; // (a pre-activation not computed: its group is closed)
      const later = part === 'sums' && step.sumsLater === true;
      if (!later && visibility.isShown(part)) waiting = true;
      markPending(
        c,
        t,
        later
          ? 'The running sums of this step are still being built in the background; they appear when ready.'
          : `Loading ${part === 'sums' ? 'the running sums' : 'the weight gradients'} of this step…`,
      );
    }
    shown = step;
    for (const c of cards.values()) if (c.selected) explainCell(c);
    const want = pendingSelect;
    const wantCard = want && cards.get(want.tensor);
    if (want && want.phase === step.phase && want.t === step.t && wantCard && !wantCard.tensor && wantCard.el.dataset.pending) {
      // Its part is not here: bring the card on screen (that fetches it) and select it when it comes.
      wantCard.el.scrollIntoView({ block: 'nearest' });
    } else if (want && want.phase === step.phase && want.t === step.t) {
      pendingSelect = undefined;
      const c = wantCard;
      if (c?.tensor && want.i < c.tensor.rows && want.j < c.tensor.cols) {
        c.focus = { i: want.i, j: want.j };
        c.el.scrollIntoView({ block: 'nearest' });
        c.canvas.focus({ preventScroll: true });
        announceCell(c);
        drawOverlay(c);
      }
    }
    return true;
  }

  return {
    render,
    get waiting() {
      return waiting;
    },
    wantedParts: () => visibility.wanted(),
    invalidate: () => {
      cardsKey = '';
    },
    get shown() {
      return shown;
    },
    refreshExplanations() {
      for (const c of cards.values()) if (c.selected) explainCell(c);
    },
    selectWhenShown(p) {
      pendingSelect = p;
      render(store.state);
    },
  };
}
