/**
 * The Step RNN panel: wires the store, the data client and the canvas views to the host.
 * Posts `ready` first; everything it shows arrives as validated messages.
 */

import type { CellType } from '../engine/types';
import { parseToWebview, type Action, type Diag, type FromWebview, type ToWebview } from '../protocol/messages';
import { DataClient, type StepData, type Tensor } from './client';
import { css, readPalette, type Palette } from './colors';
import { clear, h, icon, setText, show } from './dom';
import { WINDOW_LABEL, tensorDoc, windowTensors } from './equations';
import { full, shapeText, short } from './format';
import { gridMove, isActivateKey, normText, timeCellText, timePage, type CellValue, type GridPos, type GridShape } from './gridnav';
import { cellSize, ctx2d, fixCssSize, paintGrid, setCssSize, stats, type Stats } from './heatmap';
import {
  Store,
  cursorAt,
  fromProtocolAction,
  indexOf,
  parseBpKey,
  positionText,
  reachableMax,
  timelineLength,
  type HostApi,
  type State,
  type UiAction,
} from './store';

declare function acquireVsCodeApi(): HostApi;

declare global {
  interface Window {
    /** Last 200 key → step painted durations (ms), read by the UI benchmark. */
    __rnnPerf: number[];
    /** Same, but measured at the next animation frame (includes waiting for vsync). */
    __rnnPerfFrame: number[];
    /** Last 200 step request → reply times (ms): how long the host takes to deliver a step. */
    __rnnNet: number[];
  }
}

const vscode: HostApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { getState: () => undefined, setState: () => undefined, postMessage: () => undefined };

/** Start-up milestones as performance marks (read by `npm run bench:ui`), each recorded once. */
const milestone = (name: string) => {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
};
const post = (m: FromWebview) => {
  if (m.type === 'requestStep') milestone('rnn:first-request');
  vscode.postMessage(m);
};
milestone('rnn:script');
const store = new Store(vscode);
const data = new DataClient(post, () => performance.now());
window.__rnnPerf = [];
window.__rnnPerfFrame = [];
window.__rnnNet = [];
data.onStepLatency = (ms) => {
  window.__rnnNet.push(ms);
  if (window.__rnnNet.length > 200) window.__rnnNet.shift();
};

let palette: Palette = readPalette();
/** Gradient norms by step t; steps before `from` are not computed yet (NaN there means "no value"). */
let norms: { runId: number; da: Float64Array; dc?: Float64Array; from: number } | undefined;
let paintedRun = -1;
/** The run whose first paint was reported to the host. */
let firstPaintSaid = -1;
const body = document.body;
body.dataset.state = 'loading';

// ---------------------------------------------------------------------------------------------
// Skeleton

interface ButtonSpec {
  action: string;
  icon: string;
  label: string;
  keys?: string;
}

const BUTTONS: ButtonSpec[] = [
  { action: 'restart', icon: 'debug-restart', label: 'Restart', keys: 'Ctrl+Shift+F5' },
  { action: 'reverseContinue', icon: 'debug-reverse-continue', label: 'Reverse Continue', keys: 'Shift+F5' },
  { action: 'stepBack', icon: 'debug-step-back', label: 'Step Back', keys: 'Shift+F10' },
  { action: 'stepForward', icon: 'debug-step-over', label: 'Step Forward', keys: 'F10' },
  { action: 'continue', icon: 'debug-continue', label: 'Continue', keys: 'F5' },
  { action: 'toggleBreakpoint', icon: 'debug-breakpoint', label: 'Toggle Breakpoint', keys: 'F9' },
];
const BUTTONS2: ButtonSpec[] = [
  { action: 'toggleTable', icon: 'table', label: 'Table view', keys: 'T' },
  { action: 'toggleEquations', icon: 'symbol-operator', label: 'Show equations', keys: 'E' },
  { action: 'export', icon: 'export', label: 'Export Caches as JSON' },
  { action: 'copyStep', icon: 'copy', label: 'Copy Step as JSON' },
  { action: 'help', icon: 'question', label: 'Keyboard Shortcuts', keys: '?' },
];

const button = (b: ButtonSpec) =>
  h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      'data-action': b.action,
      'aria-label': b.keys ? `${b.label} (${b.keys})` : b.label,
      title: b.keys ? `${b.label} (${b.keys})` : b.label,
    },
    icon(b.icon),
  );

const positionEl = h('div', { id: 'position', 'aria-live': 'polite', role: 'status', text: 'Loading…' });
const progressEl = h('progress', { id: 'progress', max: 1, value: 0, 'aria-label': 'Run progress' });
const progressText = h('span', { id: 'progressText', class: 'muted' });
const scrubber = h('input', {
  id: 'scrubber',
  type: 'range',
  min: 0,
  max: 0,
  value: 0,
  step: 1,
  'aria-label': 'Timeline: forward steps, then backward steps, then totals',
}) as HTMLInputElement;
const timeline = h('canvas', { id: 'timeline', 'aria-hidden': 'true', height: 14 });
const batchSel = h('select', { id: 'batch', 'aria-label': 'Batch example (column) to follow' });
const runInfo = h('div', { id: 'runinfo', class: 'muted' });
const staleBanner = h('div', { id: 'stale', class: 'banner warning', role: 'status', hidden: true });
const noticeEl = h('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite' });
const errorsEl = h('section', { id: 'errors', hidden: true, 'aria-label': 'Fixture problems' });
const stepEl = h('section', { id: 'step', 'aria-label': 'Tensors of the current step' });
const normsEl = h('section', { id: 'norms', hidden: true, 'aria-label': 'Gradient norms over time' });
const normsCanvas = h('canvas', {
  id: 'normsPlot',
  tabindex: 0,
  'aria-label':
    'Plot of the norms of da and dc over time, log scale. Left and right arrows read the norms at each step, Enter goes to that step.',
  height: 150,
});
/** Keyboard cursor of the norm plot: a box over the focused step. */
const normsMark = h('div', { class: 'mark-focus', hidden: true });
const timeEl = h('section', { id: 'time', 'aria-label': 'Units by time heatmaps' });
const tooltip = h('div', { id: 'tooltip', role: 'tooltip', hidden: true });
const readout = h('div', { id: 'readout', 'aria-live': 'polite', class: 'readout' });
const helpEl = h('div', {
  id: 'help',
  role: 'dialog',
  'aria-modal': 'true',
  'aria-labelledby': 'helpTitle',
  hidden: true,
});

function buildSkeleton(): void {
  const app = document.getElementById('app') ?? body.appendChild(h('main', { id: 'app' }));
  clear(app);
  app.removeAttribute('aria-busy');
  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Stepping controls' },
    h('div', { class: 'buttons' }, ...BUTTONS.map(button)),
    positionEl,
    h('div', { class: 'buttons right' }, ...BUTTONS2.map(button)),
  );
  const scrub = h(
    'div',
    { class: 'scrub' },
    scrubber,
    timeline,
    h('div', { class: 'progress-row' }, progressEl, progressText),
  );
  const options = h(
    'div',
    { class: 'options' },
    h('label', { for: 'batch' }, 'Example ', batchSel),
    runInfo,
  );
  normsEl.append(
    h('h2', { text: 'Gradient norms ‖da⟨t⟩‖, ‖dc⟨t⟩‖ (log scale)' }),
    h('div', { class: 'plot-wrap' }, normsCanvas, normsMark),
    h('div', { class: 'legend-row', id: 'normsLegend' }),
  );
  const helpRows: [string, string][] = [
    ['F10', 'Step forward'],
    ['Shift+F10', 'Step back'],
    ['F5', 'Continue (to the next breakpoint or the end)'],
    ['Shift+F5', 'Reverse continue'],
    ['Ctrl+Shift+F5', 'Restart (go to forward t = 1)'],
    ['F9', 'Toggle a breakpoint on this step'],
    ['Home / End', 'First step / last computed step'],
    ['← / →', 'Step back / forward while the timeline is focused'],
    ['Arrow keys', 'Move between cells of a focused heatmap or the norm plot; the exact value is read out'],
    ['Home / End', 'In a focused heatmap: first / last column (step, in the across-time views)'],
    ['PageUp / PageDown', 'In a focused across-time view: move further back / ahead in time'],
    ['Enter / Space', 'In a focused across-time view: go to that step (like a click)'],
    ['T', 'Table view on/off'],
    ['E', 'Equations on/off'],
    ['?', 'This help; Escape closes it'],
  ];
  helpEl.append(
    h(
      'div',
      { class: 'help-box' },
      h('h2', { id: 'helpTitle', text: 'Keyboard shortcuts' }),
      h(
        'table',
        { class: 'keys' },
        h('tbody', {}, ...helpRows.map(([k, d]) => h('tr', {}, h('th', { scope: 'row' }, h('kbd', { text: k })), h('td', { text: d })))),
      ),
      h('p', { class: 'muted', text: 'The same actions are in the Command Palette as “RNN: Step Forward” and so on.' }),
      h('button', { type: 'button', class: 'text-button', 'data-action': 'closeHelp', 'aria-label': 'Close help' }, icon('close'), ' Close'),
    ),
  );
  app.append(
    toolbar,
    scrub,
    staleBanner,
    noticeEl,
    errorsEl,
    options,
    stepEl,
    normsEl,
    h('h2', { class: 'section-title', id: 'timeTitle', text: 'Across time' }),
    timeEl,
    readout,
  );
  body.append(tooltip, helpEl);
  // A modal dialog: Tab and Shift+Tab cycle through its own controls and never leave it.
  helpEl.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = [...helpEl.querySelectorAll<HTMLElement>('button, [href], [tabindex]:not([tabindex="-1"])')];
    if (!items.length) return;
    const i = items.indexOf(document.activeElement as HTMLElement);
    e.preventDefault();
    items[(i + (e.shiftKey ? items.length - 1 : 1)) % items.length].focus();
  });
}
buildSkeleton();

// ---------------------------------------------------------------------------------------------
// Chrome: position, controls, progress, timeline strip, errors, help

function renderChrome(s: State, prev: State | undefined): void {
  const run = s.run;
  setText(positionEl, positionText(run, s.cursor));
  if (run) {
    const L = timelineLength(run);
    const max = reachableMax(run, s.progress);
    const idx = indexOf(run, s.cursor);
    if (scrubber.max !== String(L - 1)) scrubber.max = String(L - 1);
    if (scrubber.value !== String(idx)) scrubber.value = String(idx);
    scrubber.setAttribute('aria-valuetext', positionText(run, s.cursor));
    const p = s.progress;
    const total = run.dims.T_x + run.T_b;
    const done = p ? Math.min(p.forwardDone, run.dims.T_x) + Math.min(p.backwardDone, run.T_b) : 0;
    progressEl.max = total;
    progressEl.value = done;
    show(progressEl, !p?.finished);
    setText(
      progressText,
      p?.error
        ? `Run failed: ${p.error}`
        : p?.finished
          ? ''
          : `computing… forward ${p ? p.forwardDone : 0}/${run.dims.T_x}, backward ${p ? p.backwardDone : 0}/${run.T_b}`,
    );
    progressText.classList.toggle('error-text', !!p?.error);
    for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
      const a = b.dataset.action;
      if (a === 'stepForward' || a === 'continue') b.disabled = idx >= max;
      else if (a === 'stepBack' || a === 'reverseContinue' || a === 'restart') b.disabled = idx <= 0;
    }
    const bpBtn = document.querySelector<HTMLButtonElement>('button[data-action="toggleBreakpoint"]');
    bpBtn?.setAttribute('aria-pressed', String(s.breakpoints.includes(`${s.cursor.phase}:${s.cursor.t}`)));
    if (!prev?.run || prev.run.dims.m !== run.dims.m || batchSel.options.length !== run.dims.m) {
      clear(batchSel);
      for (let j = 0; j < run.dims.m; j++) batchSel.append(h('option', { value: j, text: `${j + 1} of ${run.dims.m}` }));
    }
    if (batchSel.value !== String(s.batch)) batchSel.value = String(s.batch);
    const d = run.dims;
    const info = `${run.name} · ${run.kind} · n_x=${d.n_x} n_a=${d.n_a} n_y=${d.n_y} m=${d.m} T_x=${d.T_x}` +
      (run.T_b !== d.T_x ? ` T_b=${run.T_b}` : '') + ' · float64' +
      (run.daDefaulted ? ' · da not given: ones (L = Σ a)' : '') +
      (run.warnings.length ? ` · ${run.warnings.length} warning(s)` : '') +
      (p?.firstNonFinite
        ? ` · first non-finite: ${positionText(run, p.firstNonFinite)} (${p.firstNonFinite.tensor})`
        : '');
    setText(runInfo, info);
    runInfo.title = run.warnings.join('\n');
    body.dataset.runFinished = p?.finished ? 'true' : 'false';
    drawTimeline(s);
  }
  body.classList.toggle('no-run', !run);
  if (!run)
    for (const b of document.querySelectorAll<HTMLButtonElement>('.toolbar button[data-action]'))
      b.disabled = b.dataset.action !== 'help';
  else if (!prev?.run)
    for (const b of document.querySelectorAll<HTMLButtonElement>('.toolbar .buttons.right button')) b.disabled = false;
  if (!run) setText(positionEl, s.errors.length ? 'No run: the fixture has problems' : 'Loading…');
  for (const [a, on] of [
    ['toggleTable', s.table],
    ['toggleEquations', s.equations],
  ] as const)
    document.querySelector(`button[data-action="${a}"]`)?.setAttribute('aria-pressed', String(on));
  body.classList.toggle('table-view', s.table);
  body.classList.toggle('no-equations', !s.equations);
  setText(noticeEl, s.notice ?? '');
  show(staleBanner, s.stale);
  setText(staleBanner, s.stale ? 'Stale: the fixture has problems (below); showing the last good run.' : '');
  if (!prev || prev.errors !== s.errors) renderErrors(s.errors);
  if (!prev || prev.helpOpen !== s.helpOpen) {
    show(helpEl, s.helpOpen);
    if (s.helpOpen) helpEl.querySelector<HTMLButtonElement>('button')?.focus();
    else if (prev?.helpOpen) document.querySelector<HTMLButtonElement>('button[data-action="help"]')?.focus();
  }
  updateBodyState(s);
}

function updateBodyState(s: State): void {
  const hasErrors = s.errors.some((d) => d.severity === 'error');
  const state = hasErrors ? 'errors' : s.run && paintedRun === s.run.runId ? 'ready' : 'loading';
  if (body.dataset.state !== state) body.dataset.state = state;
  if (state === 'ready' && s.run && s.run.runId !== firstPaintSaid) {
    milestone('rnn:first-paint');
    // The host lets the run go on now (it held still after its first step so that this paint had
    // the cores); once per run, re-runs after a save included.
    firstPaintSaid = s.run.runId;
    post({ type: 'perf', name: 'firstPaint', ms: performance.now() });
  }
}


function renderErrors(diags: Diag[]): void {
  clear(errorsEl);
  show(errorsEl, diags.length > 0);
  if (!diags.length) return;
  errorsEl.append(h('h2', { text: `Fixture problems (${diags.length})` }));
  const list = h('ul', { class: 'diag-list' });
  for (const d of diags) {
    const base = d.file.split(/[\\/]/).pop() || d.file;
    const where = `${base}:${d.line}:${d.column}`;
    const link = h(
      'a',
      { href: '#', class: 'diag-link', 'data-line': d.line, 'data-column': d.column, title: `${d.file}:${d.line}:${d.column}` },
      where,
    );
    link.addEventListener('click', (e) => {
      e.preventDefault();
      post({ type: 'openLocation', line: d.line, column: d.column });
    });
    list.append(
      h(
        'li',
        { class: `diag ${d.severity}` },
        icon(d.severity === 'error' ? 'error' : 'warning'),
        ' ',
        link,
        ' ',
        h('span', { class: 'diag-msg', text: d.message + (d.path ? `  (${d.path})` : '') }),
      ),
    );
  }
  errorsEl.append(list);
}

function drawTimeline(s: State): void {
  const run = s.run;
  if (!run) return;
  const W = timelineWidth;
  if (timeline.width !== W) timeline.width = W;
  timeline.style.setProperty('width', `${W}px`);
  const ctx = ctx2d(timeline);
  if (!ctx) return;
  const L = timelineLength(run);
  const x = (i: number) => ((i + 0.5) / L) * W;
  ctx.clearRect(0, 0, W, 14);
  const max = reachableMax(run, s.progress);
  ctx.fillStyle = css([...palette.muted.slice(0, 3), 90] as never);
  ctx.fillRect(0, 5, ((max + 1) / L) * W, 4);
  ctx.fillStyle = css(palette.muted);
  const fb = (run.dims.T_x / L) * W;
  ctx.fillRect(fb, 2, 1, 10);
  ctx.fillStyle = css(palette.breakpoint);
  for (const k of s.breakpoints) {
    const c = parseBpKey(k);
    if (!c) continue;
    ctx.beginPath();
    ctx.arc(x(indexOf(run, c)), 7, 3, 0, Math.PI * 2);
    ctx.fill();
  }
  const nf = s.progress?.firstNonFinite;
  if (nf) {
    const xi = x(indexOf(run, nf));
    ctx.fillStyle = css(palette.nan);
    ctx.beginPath();
    ctx.moveTo(xi - 4, 0);
    ctx.lineTo(xi + 4, 0);
    ctx.lineTo(xi, 6);
    ctx.fill();
  }
  ctx.fillStyle = css(palette.cursor);
  ctx.fillRect(x(indexOf(run, s.cursor)) - 1, 0, 2, 14);
}

// ---------------------------------------------------------------------------------------------
// Step tensors

interface Card {
  name: string;
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  wrap: HTMLElement;
  legend: HTMLElement;
  nonFinite: HTMLElement;
  tableWrap: HTMLElement;
  tensor?: Tensor;
  st?: Stats;
  /** CSS pixels per cell (hover maths) and canvas pixels per cell (1 when CSS scales it up). */
  cellW: number;
  cellH: number;
  pxW: number;
  pxH: number;
  colMark: HTMLElement;
  focusMark: HTMLElement;
  focus: { i: number; j: number };
  /** Columns are batch examples (per-step tensors, not weights). */
  perExample: boolean;
  /** First row of the table view's page (tables show TABLE_MAX_CELLS cells at a time). */
  tableRow0: number;
}

let cards = new Map<string, Card>();
let cardsKey = '';
let contentWidth = 600;

function layoutWidth(): number {
  const w = stepEl.clientWidth || document.documentElement.clientWidth || 600;
  return Math.max(200, w);
}

/** Width available to one heatmap: cards sit in a responsive grid of ≥ 300px columns. */
function cardInnerWidth(): number {
  const W = contentWidth;
  const cols = Math.max(1, Math.floor((W + 12) / (320 + 12)));
  return Math.floor((W - 12 * (cols - 1)) / cols) - 20;
}

function buildCards(step: StepData, cell: CellType): void {
  clear(stepEl);
  cards = new Map();
  const groups = new Map<string, HTMLElement>();
  for (const t of step.tensors) {
    const doc = tensorDoc(cell, step.phase, t.name);
    let g = groups.get(doc.group);
    if (!g) {
      const grid = h('div', { class: 'cards' });
      stepEl.append(h('div', { class: 'group' }, h('h2', { text: doc.group }), grid));
      groups.set(doc.group, grid);
      g = grid;
    }
    const canvas = h('canvas', {
      class: 'hm',
      tabindex: 0,
      'aria-label': `${t.name} heatmap ${t.rows} by ${t.cols}. Arrow keys read values.`,
    });
    const legend = h('div', { class: 'legend' });
    const nonFinite = h('div', { class: 'nonfinite' });
    const tableWrap = h('div', { class: 'table-wrap' });
    const colMark = h('div', { class: 'mark-col', hidden: true });
    const focusMark = h('div', { class: 'mark-focus', hidden: true });
    const wrap = h('div', { class: 'hm-wrap' }, canvas, colMark, focusMark);
    const el = h(
      'section',
      { class: 'tensor', 'data-tensor': t.name, 'aria-label': `${t.name} ${shapeText(t.rows, t.cols)} float64` },
      h(
        'header',
        {},
        h('span', { class: 'tname', text: doc.label }),
        ' ',
        h('span', { class: 'shape', text: `${shapeText(t.rows, t.cols)} float64` }),
      ),
      h('div', { class: 'eq', text: doc.eq }),
      wrap,
      legend,
      nonFinite,
      tableWrap,
    );
    g.append(el);
    const card: Card = {
      name: t.name,
      el,
      canvas,
      wrap,
      legend,
      nonFinite,
      tableWrap,
      cellW: 1,
      cellH: 1,
      pxW: 1,
      pxH: 1,
      colMark,
      focusMark,
      tableRow0: 0,
      focus: { i: 0, j: 0 },
      perExample: !/^(sum_)?d[Wb]/.test(t.name) && !(step.phase === 'totals' && t.name !== 'da0' && t.name !== 'dc0'),
    };
    attachCanvasEvents(card);
    cards.set(t.name, card);
  }
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
    if (!c) return hideTooltip();
    showTooltip(`${card.name}[${c.i}, ${c.j}] = ${full(c.v)}`, e.clientX, e.clientY);
  });
  card.canvas.addEventListener('mouseleave', hideTooltip);
  card.canvas.addEventListener('click', (e) => {
    const c = cellAt(e);
    if (!c) return;
    card.focus = { i: c.i, j: c.j };
    if (card.perExample) store.dispatch({ type: 'setBatch', batch: c.j });
    announceCell(card);
  });
  card.canvas.addEventListener('focus', () => {
    announceCell(card);
    drawCardOverlay(card);
  });
  card.canvas.addEventListener('blur', () => {
    drawCardOverlay(card);
    hideTooltip();
  });
  attachGridKeys(card.canvas, {
    shape: () => (card.tensor ? { rows: card.tensor.rows, cols: card.tensor.cols } : undefined),
    pos: () => card.focus,
    moveTo: (p) => {
      card.focus = p;
      announceCell(card);
      drawCardOverlay(card);
    },
  });
}

/**
 * Keyboard for a focusable canvas with a cell cursor (per-step heatmaps, units × time heatmaps,
 * the norm plot): arrows / Home / End / PageUp / PageDown move the cursor, Enter / Space
 * `activate` it. Keys handled here stop here, so the panel's own Home / End / arrows do not also
 * act; anything else (F10, F5, F9, ?, T, E …) goes on to the panel's keys.
 */
interface GridKeys {
  shape(): GridShape | undefined;
  pos(): GridPos;
  moveTo(p: GridPos): void;
  activate?(): void;
}

function attachGridKeys(el: HTMLElement, g: GridKeys): void {
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

/**
 * Say a focused cell's value: into the aria-live readout, and in the tooltip next to the cell
 * (`x`, `y`: the cell's bottom-right corner in viewport pixels) while `el` has the focus.
 */
function announce(el: HTMLElement, text: string, x: number, y: number): void {
  setText(readout, text);
  if (document.activeElement === el) showTooltip(text, x, y);
}

function announceCell(card: Card): void {
  const t = card.tensor;
  if (!t) return;
  const { i, j } = card.focus;
  if (i >= t.rows || j >= t.cols) card.focus = { i: 0, j: 0 };
  const v = t.data[card.focus.i * t.cols + card.focus.j];
  const r = card.canvas.getBoundingClientRect();
  announce(
    card.canvas,
    `${card.name}[${card.focus.i}, ${card.focus.j}] = ${full(v)}`,
    r.left + (card.focus.j + 1) * card.cellW,
    r.top + (card.focus.i + 1) * card.cellH,
  );
}

function showTooltip(text: string, x: number, y: number): void {
  setText(tooltip, text);
  show(tooltip, true);
  const W = document.documentElement.clientWidth;
  const left = Math.max(4, Math.min(x + 12, W - tooltip.offsetWidth - 4));
  tooltip.style.setProperty('left', `${left}px`);
  tooltip.style.setProperty('top', `${y + 14}px`);
}

function hideTooltip(): void {
  show(tooltip, false);
}

/** Position a mark box over a heatmap canvas (which has a 1px border). */
const place = (el: HTMLElement, x: number, y: number, w: number, hh: number) => {
  el.style.setProperty('left', `${x + 1}px`);
  el.style.setProperty('top', `${y + 1}px`);
  el.style.setProperty('width', `${w}px`);
  el.style.setProperty('height', `${hh}px`);
};

/**
 * The keyboard-focus box over a cell at canvas CSS pixels (`x`, `y`, `w` × `hh`), `grow` px
 * larger on each side and at least 6 px each way (centred on the cell), so it stays visible over
 * 1-pixel cells of a long run. `offset`: where the canvas starts inside its wrapper (border, padding).
 */
function placeFocus(el: HTMLElement, x: number, y: number, w: number, hh: number, offset: number, grow = 0): void {
  const W = Math.max(6, w + 2 * grow);
  const H = Math.max(6, hh + 2 * grow);
  place(el, x - (W - w) / 2 + offset - 1, y - (H - hh) / 2 + offset - 1, W, H);
}

/** Padding of the across-time and norm-plot wrappers (media/webview.css): room for the focus outline. */
const WRAP_PAD = 3;

/** Selected batch column and keyboard-focus outlines: two positioned boxes over the canvas. */
function drawCardOverlay(card: Card): void {
  const t = card.tensor;
  if (!t) return;
  const s = store.state;
  const showCol = card.perExample && t.cols > 1 && s.batch < t.cols;
  show(card.colMark, showCol);
  if (showCol) place(card.colMark, s.batch * card.cellW, 0, card.cellW, t.rows * card.cellH);
  const focused = document.activeElement === card.canvas;
  show(card.focusMark, focused);
  if (focused) placeFocus(card.focusMark, card.focus.j * card.cellW, card.focus.i * card.cellH, card.cellW, card.cellH, 1);
}

function paintCard(card: Card, t: Tensor, s: State): void {
  card.tensor = t;
  const st = stats(t.data);
  card.st = st;
  const avail = cardInnerWidth();
  const { w, h: hh } = cellSize(t.rows, t.cols, avail, t.rows > 64 ? 300 : 220);
  card.cellW = w;
  card.cellH = hh;
  // Hatching for NaN/±∞ needs ≥ 3×3 pixels per cell; below that paint 1 pixel per cell and let
  // CSS scale the canvas up (pixelated): far fewer pixels to write for big tensors.
  const hatchable = w >= 3 && hh >= 3;
  card.pxW = hatchable ? w : 1;
  card.pxH = hatchable ? hh : 1;
  paintGrid(card.canvas, t.data, t.rows, t.cols, card.pxW, card.pxH, st.maxAbs, palette);
  setCssSize(card.canvas, t.cols * w, t.rows * hh);
  drawCardOverlay(card);
  renderLegend(card.legend, st);
  const nf: string[] = [];
  if (st.nan) nf.push(`${st.nan} NaN`);
  if (st.posInf) nf.push(`${st.posInf} +∞`);
  if (st.negInf) nf.push(`${st.negInf} −∞`);
  setText(card.nonFinite, nf.length ? `Non-finite: ${nf.join(', ')} (hatched: NaN yellow, +∞ purple, −∞ green)` : '');
  show(card.nonFinite, nf.length > 0);
  if (s.table) renderTable(card, t, s);
  else if (card.tableWrap.firstChild) clear(card.tableWrap);
}

const legendParts = new WeakMap<HTMLElement, { lo: HTMLElement; hi: HTMLElement; range: HTMLElement; bar: HTMLCanvasElement; pv: number }>();

/** Legend: −max … +max colour bar and the finite range. Built once per card, then only its text changes. */
function renderLegend(el: HTMLElement, st: Stats): void {
  let p = legendParts.get(el);
  if (!p) {
    const bar = h('canvas', { class: 'legend-bar', width: 96, height: 8, 'aria-hidden': 'true' });
    p = { lo: h('span', { class: 'lg-num' }), hi: h('span', { class: 'lg-num' }), range: h('span', { class: 'muted lg-range' }), bar, pv: -1 };
    el.append(p.lo, bar, p.hi, p.range);
    legendParts.set(el, p);
  }
  if (p.pv !== paletteVersion) {
    const ctx = ctx2d(p.bar);
    if (ctx) {
      const img = ctx.createImageData(96, 8);
      const px = new Uint32Array(img.data.buffer);
      for (let x = 0; x < 96; x++) for (let y = 0; y < 8; y++) px[y * 96 + x] = palette.lut[Math.round((x / 95) * 255)];
      ctx.putImageData(img, 0, 0);
    }
    p.pv = paletteVersion;
  }
  setText(p.lo, short(-st.maxAbs));
  setText(p.hi, short(st.maxAbs));
  setText(p.range, Number.isFinite(st.min) ? `min ${short(st.min)} · max ${short(st.max)}` : 'no finite values');
}

/** Cells per table page (a DOM table of this size renders in a few ms). */
const TABLE_MAX_CELLS = 4096;

function renderTable(card: Card, t: Tensor, s: State, focus?: { row: number; col: number }): void {
  clear(card.tableWrap);
  const maxRows = Math.max(1, Math.min(t.rows, Math.floor(TABLE_MAX_CELLS / Math.max(1, t.cols))));
  const r0 = (card.tableRow0 = Math.max(0, Math.min(card.tableRow0, Math.floor((t.rows - 1) / maxRows) * maxRows)));
  const r1 = Math.min(t.rows, r0 + maxRows);
  if (maxRows < t.rows) card.tableWrap.append(tablePager(card, t, s, r0, r1, maxRows));
  const table = h('table', { class: 'values', 'aria-label': `${card.name} values ${t.rows} by ${t.cols}${maxRows < t.rows ? `, rows ${r0} to ${r1 - 1}` : ''}` });
  const head = h('tr', {}, h('th', { scope: 'col', class: 'corner', text: '' }));
  for (let j = 0; j < t.cols; j++)
    head.append(h('th', { scope: 'col', class: card.perExample && j === s.batch ? 'sel' : undefined, text: String(j) }));
  const tbody = h('tbody');
  const frag = document.createDocumentFragment();
  for (let i = r0; i < r1; i++) {
    const tr = h('tr', {}, h('th', { scope: 'row', text: String(i) }));
    for (let j = 0; j < t.cols; j++) {
      const v = t.data[i * t.cols + j];
      const td = document.createElement('td');
      td.dataset.row = String(i);
      td.dataset.col = String(j);
      td.dataset.value = String(v);
      td.title = `${card.name}[${i}, ${j}] = ${String(v)}`;
      td.tabIndex = (focus ? i === focus.row && j === focus.col : i === r0 && j === 0) ? 0 : -1;
      td.textContent = short(v);
      if (v !== v || v === Infinity || v === -Infinity) td.className = 'nf';
      if (card.perExample && j === s.batch) td.classList.add('sel');
      tr.append(td);
    }
    frag.append(tr);
  }
  tbody.append(frag);
  table.append(h('thead', {}, head), tbody);
  card.tableWrap.append(table);
  if (focus) card.tableWrap.querySelector<HTMLElement>('td[tabindex="0"]')?.focus();
}

/** "Rows a–b of n" with previous/next page buttons, for tables bigger than one page. */
function tablePager(card: Card, t: Tensor, s: State, r0: number, r1: number, page: number): HTMLElement {
  const go = (to: number) => {
    card.tableRow0 = to;
    renderTable(card, t, s);
    const same = to < r0 ? 'prev' : 'next';
    (card.tableWrap.querySelector<HTMLButtonElement>(`button[data-page="${same}"]:not([disabled])`) ??
      card.tableWrap.querySelector<HTMLButtonElement>('button[data-page]:not([disabled])'))?.focus();
  };
  const btn = (which: 'prev' | 'next', icon: string, label: string, to: number, enabled: boolean) => {
    const b = h('button', { class: 'icon-button', type: 'button', 'data-page': which, 'aria-label': label, title: label }, h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }));
    if (!enabled) b.setAttribute('disabled', '');
    b.addEventListener('click', () => go(to));
    return b;
  };
  return h(
    'div',
    { class: 'table-pager' },
    btn('prev', 'chevron-up', `Previous ${page} rows of ${card.name}`, Math.max(0, r0 - page), r0 > 0),
    h('span', { class: 'muted', 'aria-live': 'polite', text: `Rows ${r0}–${r1 - 1} of ${t.rows} (${page} per page; the heatmap shows all)` }),
    btn('next', 'chevron-down', `Next ${page} rows of ${card.name}`, r0 + page, r1 < t.rows),
  );
}

// Table cells: arrow keys move focus, focus shows the full value.
stepEl.addEventListener('keydown', (e) => {
  const td = e.target as HTMLElement;
  if (td.tagName !== 'TD') return;
  const d: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const mv = d[e.key];
  if (!mv) return;
  e.preventDefault();
  e.stopPropagation();
  const table = td.closest('table');
  const row = Number(td.dataset.row) + mv[0], col = Number(td.dataset.col) + mv[1];
  const next = table?.querySelector<HTMLElement>(`td[data-row="${row}"][data-col="${col}"]`);
  if (!next && mv[0] !== 0) {
    // past the page's first or last row: the neighbouring page, focus on the same column
    const name = td.closest<HTMLElement>('[data-tensor]')?.dataset.tensor ?? '';
    const card = cards.get(name), t = card?.tensor;
    if (card && t && row >= 0 && row < t.rows) {
      const page = Math.max(1, Math.min(t.rows, Math.floor(TABLE_MAX_CELLS / Math.max(1, t.cols))));
      card.tableRow0 = Math.floor(row / page) * page;
      renderTable(card, t, store.state, { row, col });
    }
    return;
  }
  if (next) {
    td.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }
});
stepEl.addEventListener('focusin', (e) => {
  const td = e.target as HTMLElement;
  if (td.tagName !== 'TD') return;
  const name = td.closest<HTMLElement>('[data-tensor]')?.dataset.tensor ?? '';
  setText(readout, `${name}[${td.dataset.row}, ${td.dataset.col}] = ${td.dataset.value}`);
  const r = td.getBoundingClientRect();
  showTooltip(readout.textContent ?? '', r.left, r.bottom - 12);
});
stepEl.addEventListener('focusout', hideTooltip);

let shownStep: StepData | undefined;

/** Paint the current step if its payload is here; otherwise ask for it and keep the old one. */
function renderStep(s: State): boolean {
  const run = s.run;
  if (!run) return false;
  const step = data.getStep(s.cursor.phase, s.cursor.t);
  if (!step) {
    stepEl.setAttribute('aria-busy', 'true');
    return false;
  }
  stepEl.removeAttribute('aria-busy');
  const key = `${run.runId}|${step.phase}|${step.tensors.map((t) => `${t.name}:${t.rows}x${t.cols}`).join(',')}`;
  if (key !== cardsKey) {
    buildCards(step, run.cell);
    cardsKey = key;
  }
  for (const t of step.tensors) {
    const c = cards.get(t.name);
    if (c) paintCard(c, t, s);
  }
  shownStep = step;
  if (paintedRun !== run.runId) {
    paintedRun = run.runId;
    updateBodyState(s);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Across time: units × time windows for the selected example, and the gradient-norm plot

interface WindowView {
  tensor: string;
  backward: boolean;
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  page: HTMLCanvasElement;
  caption: HTMLElement;
  /** What the cached page bitmap shows: `start|span|batch|palette|chunk version`. */
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

let windows: WindowView[] = [];
let windowsKey = '';
let paletteVersion = 0;

function buildWindows(run: State['run'] & {}, phase: State['cursor']['phase']): void {
  // A rebuild (forward ⇄ backward) must not drop the keyboard focus of a view that stays.
  const had = windows.find((w) => document.activeElement === w.canvas);
  clear(timeEl);
  windows = [];
  const names = [
    ...(phase !== 'forward' ? windowTensors(run.cell, true).map((n) => [n, true] as const) : []),
    ...windowTensors(run.cell, false).map((n) => [n, false] as const),
  ];
  for (const [n, backward] of names) {
    const canvas = h('canvas', {
      class: 'win',
      tabindex: 0,
      'aria-label':
        `${WINDOW_LABEL[n] ?? n}: units by time for the selected example. Arrow keys read values, ` +
        'Home and End go to the first and last step, Enter or a click goes to that step.',
    });
    const focusMark = h('div', { class: 'mark-focus', hidden: true });
    const caption = h('div', { class: 'muted caption' });
    const el = h(
      'div',
      { class: 'window', 'data-window': n },
      h('div', { class: 'win-title' }, h('span', { class: 'tname', text: WINDOW_LABEL[n] ?? n }), ' ', caption),
      h('div', { class: 'hm-wrap' }, canvas, focusMark),
    );
    timeEl.append(el);
    const w: WindowView = {
      tensor: n,
      backward,
      el,
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
      const c = cellAt(e);
      if (c) w.focus = c;
      else w.focus = { i: w.focus.i, t };
      goToWindowStep(w, t);
      drawWindowFocus(w);
    });
    canvas.addEventListener('mousemove', (e) => {
      const c = cellAt(e);
      if (!c) return hideTooltip();
      showTooltip(timeCellText(w.tensor, c.i, c.t, store.state.batch, windowValue(w, store.state, c.i, c.t)), e.clientX, e.clientY);
    });
    canvas.addEventListener('mouseleave', () => {
      if (document.activeElement === canvas) announceWindow(w);
      else hideTooltip();
    });
    canvas.addEventListener('focus', () => {
      const s = store.state;
      if (!w.keepFocus && s.run && s.cursor.phase !== 'totals') w.focus = { i: w.focus.i, t: s.cursor.t };
      w.keepFocus = false;
      windowFocusMoved(w);
    });
    canvas.addEventListener('blur', () => {
      hideTooltip();
      show(w.focusMark, false);
      // Back to the page around the debugger's cursor.
      scheduleWindows();
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
        windowFocusMoved(w);
      },
      activate: () => goToWindowStep(w, w.focus.t),
    });
    windows.push(w);
  }
  if (had) {
    const w = windows.find((x) => x.tensor === had.tensor && x.backward === had.backward);
    if (w) {
      w.focus = had.focus;
      w.keepFocus = true;
      w.canvas.focus();
    }
  }
}

/** Rows of the cursor band above a units × time heatmap's cells (breakpoints, the cursor line). */
const WIN_TOP = 6;

/** Jump the debugger to step `t` of a units × time view's pass (a click or Enter). */
function goToWindowStep(w: WindowView, t: number): void {
  const s = store.state;
  if (!s.run) return;
  if (t < 0 || t >= (w.backward ? s.run.T_b : s.run.dims.T_x)) return;
  perfStart = performance.now();
  act({ type: 'goTo', index: indexOf(s.run, { phase: w.backward ? 'backward' : 'forward', t }) });
}

/** The value of unit `i` at step `t` in a view, or why there is none (not computed, not loaded yet). */
function windowValue(w: WindowView, s: State, i: number, t: number): CellValue {
  if (!s.run) return 'not computed';
  const [lo, hi] = computedRange(s, w.backward);
  if (t < lo || t >= hi) return 'not computed';
  const k = t - w.start;
  if (k < 0 || k >= w.span || !w.buf.have[k] || i >= w.rows) return 'loading';
  return w.buf.data[i * w.span + k];
}

/** The step a view pages around: its keyboard cursor while focused, else the debugger's cursor. */
function windowViewT(w: WindowView, s: State): number {
  return document.activeElement === w.canvas ? w.focus.t : s.cursor.t;
}

/** The keyboard cursor of a view moved (or it got the focus): page to it, fetch, mark, say it. */
function windowFocusMoved(w: WindowView): void {
  const s = store.state;
  requestWindows(s);
  renderWindows(s);
  drawWindowFocus(w);
  announceWindow(w);
}

function announceWindow(w: WindowView): void {
  const s = store.state;
  if (!s.run) return;
  const { i, t } = w.focus;
  const r = w.canvas.getBoundingClientRect();
  const k = t - w.start;
  announce(w.canvas, timeCellText(w.tensor, i, t, s.batch, windowValue(w, s, i, t)), r.left + (k + 1) * w.cellW, r.top + WIN_TOP + (i + 1) * w.cellH);
}

function drawWindowFocus(w: WindowView): void {
  const focused = document.activeElement === w.canvas;
  const k = w.focus.t - w.start;
  const visible = focused && k >= 0 && k < w.span && w.focus.i < Math.max(1, w.rows);
  show(w.focusMark, visible);
  if (visible) placeFocus(w.focusMark, k * w.cellW, WIN_TOP + w.focus.i * w.cellH, w.cellW, w.cellH, WRAP_PAD, 2);
}

/** Steps shown at once, so the page is never the whole of a long run. */
const SPAN = 256;

function windowRange(run: State['run'] & {}, w: WindowView, t: number): { start: number; span: number; T: number } {
  const T = w.backward ? run.T_b : run.dims.T_x;
  const span = Math.min(T, SPAN);
  const start = Math.max(0, Math.min(Math.floor(t / span) * span, T - span));
  return { start, span, T };
}

function computedRange(s: State, backward: boolean): [number, number] {
  const run = s.run!;
  const p = s.progress;
  if (!p) return [0, 0];
  if (!backward) return [0, Math.min(p.forwardDone, run.dims.T_x)];
  const b = Math.min(p.backwardDone, run.T_b);
  return [run.T_b - b, run.T_b];
}

function requestWindows(s: State): void {
  const run = s.run;
  if (!run) return;
  for (const w of windows) {
    const { start, span } = windowRange(run, w, windowViewT(w, s));
    const [lo, hi] = computedRange(s, w.backward);
    data.ensureWindow(w.tensor, s.batch, start, start + span, lo, hi);
  }
}

function renderWindows(s: State): void {
  const run = s.run;
  if (!run) return;
  const key = `${run.runId}|${run.cell}|${s.cursor.phase === 'forward' ? 'f' : 'b'}`;
  if (key !== windowsKey) {
    // Set first: the rebuild may hand the focus back to a view, which renders again.
    windowsKey = key;
    buildWindows(run, s.cursor.phase);
  }
  const avail = Math.max(120, contentWidth - 8);
  for (const w of windows) {
    const { start, span, T } = windowRange(run, w, windowViewT(w, s));
    const pk = `${start}|${span}|${s.batch}|${paletteVersion}|${w.version}|${avail}`;
    const repaint = pk !== w.pageKey;
    if (repaint) {
      if (w.buf.have.length < span) w.buf.have = new Uint8Array(span);
      w.start = start;
      w.span = span;
      // Rows are unknown until a chunk arrives: read into a buffer sized generously.
      const rowsGuess = w.tensor === 'y' ? run.dims.n_y : run.dims.n_a;
      if (w.buf.data.length < rowsGuess * span) w.buf.data = new Float64Array(rowsGuess * span);
      const rows = data.readWindow(w.tensor, s.batch, start, start + span, w.buf) || rowsGuess;
      w.rows = rows;
      const { w: cw, h: ch } = cellSize(rows, span, avail, rows > 32 ? 256 : 120, 24);
      w.cellW = cw;
      w.cellH = ch;
      const view = w.buf.data.subarray(0, rows * span);
      const fixed = ['a', 'ft', 'it', 'cct', 'ot', 'y'].includes(w.tensor);
      const st = stats(view, w.buf.have.subarray(0, span), rows, span);
      const hatchable = cw >= 3 && ch >= 3;
      paintGrid(w.page, view, rows, span, hatchable ? cw : 1, hatchable ? ch : 1, fixed ? 1 : st.maxAbs, palette, w.buf.have);
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
    composeWindow(w, s);
    if (document.activeElement === w.canvas) {
      drawWindowFocus(w);
      // New data (or a new page) under the keyboard cursor: say what is there now.
      if (repaint) announceWindow(w);
    }
  }
}

/** Copy the cached page and draw the cursor and breakpoint marks: cheap, done on every step. */
function composeWindow(w: WindowView, s: State): void {
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

/** Where the norm plot drew its steps (CSS pixels), for the mouse, the keyboard cursor and its mark. */
const normsGeom = { padL: 44, top: 8, pw: 1, ph: 1, T: 1 };
/** Keyboard cursor of the norm plot: a backward step t (0-based). */
let normsFocus = 0;
/** Keep `normsFocus` when the plot gets the focus (a click), instead of moving it to the cursor's step. */
let normsKeepFocus = false;

const normsX = (t: number) => normsGeom.padL + (normsGeom.T <= 1 ? normsGeom.pw / 2 : (t / (normsGeom.T - 1)) * normsGeom.pw);

function normsStepAt(offsetX: number): number | undefined {
  const g = normsGeom;
  if (offsetX < g.padL - 4 || offsetX > g.padL + g.pw + 4) return undefined;
  const t = g.T <= 1 ? 0 : Math.round(((offsetX - g.padL) / g.pw) * (g.T - 1));
  return Math.min(g.T - 1, Math.max(0, t));
}

function normsTextAt(t: number): string {
  const n = norms;
  const computed = !!n && t >= Math.max(0, n.from) && t < n.da.length && !Number.isNaN(n.da[t]);
  return normText(t, computed, n ? n.da[t] : NaN, n?.dc ? n.dc[t] : undefined);
}

function goToNormsStep(t: number): void {
  const run = store.state.run;
  if (!run || t < 0 || t >= run.T_b) return;
  perfStart = performance.now();
  act({ type: 'goTo', index: indexOf(run, { phase: 'backward', t }) });
}

function drawNormsFocus(): void {
  const focused = document.activeElement === normsCanvas && !normsEl.hidden;
  show(normsMark, focused);
  if (!focused) return;
  const g = normsGeom;
  // A narrow column at the step (a step's whole interval would look like a range on short runs).
  const w = Math.min(10, Math.max(2, g.T > 1 ? g.pw / (g.T - 1) : 2));
  placeFocus(normsMark, normsX(normsFocus) - w / 2, g.top, w, g.ph, WRAP_PAD, 2);
}

function announceNorms(): void {
  const r = normsCanvas.getBoundingClientRect();
  announce(normsCanvas, normsTextAt(normsFocus), r.left + normsX(normsFocus), r.top + normsGeom.top + normsGeom.ph / 2);
}

normsCanvas.addEventListener('mousedown', () => {
  normsKeepFocus = true;
});
normsCanvas.addEventListener('click', (e) => {
  normsKeepFocus = false;
  const t = normsStepAt(e.offsetX);
  if (t === undefined) return;
  normsFocus = t;
  goToNormsStep(t);
  drawNormsFocus();
});
normsCanvas.addEventListener('mousemove', (e) => {
  const t = normsStepAt(e.offsetX);
  if (t === undefined) return hideTooltip();
  showTooltip(normsTextAt(t), e.clientX, e.clientY);
});
normsCanvas.addEventListener('mouseleave', () => {
  if (document.activeElement === normsCanvas) announceNorms();
  else hideTooltip();
});
normsCanvas.addEventListener('focus', () => {
  const s = store.state;
  if (!normsKeepFocus && s.cursor.phase === 'backward') normsFocus = s.cursor.t;
  normsKeepFocus = false;
  normsFocus = Math.min(Math.max(0, normsFocus), Math.max(0, normsGeom.T - 1));
  drawNormsFocus();
  announceNorms();
});
normsCanvas.addEventListener('blur', () => {
  hideTooltip();
  drawNormsFocus();
});
attachGridKeys(normsCanvas, {
  shape: () => {
    const run = store.state.run;
    return run ? { rows: 1, cols: run.T_b, page: timePage(run.T_b) } : undefined;
  },
  pos: () => ({ i: 0, j: normsFocus }),
  moveTo: (p) => {
    normsFocus = p.j;
    drawNormsFocus();
    announceNorms();
  },
  activate: () => goToNormsStep(normsFocus),
});

function renderNorms(s: State): void {
  paintNorms(s);
  if (document.activeElement === normsCanvas) {
    drawNormsFocus();
    if (!normsEl.hidden) announceNorms();
  }
}

function paintNorms(s: State): void {
  const run = s.run;
  const visible = !!run && !!norms && norms.runId === run.runId && s.cursor.phase !== 'forward';
  show(normsEl, visible);
  if (!visible || !norms || !run) return;
  const W = Math.max(200, contentWidth - 8);
  const H = 150;
  if (normsCanvas.width !== W) normsCanvas.width = W;
  normsCanvas.height = H;
  fixCssSize(normsCanvas);
  const ctx = ctx2d(normsCanvas);
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
  Object.assign(normsGeom, { padL, top: 8, pw, ph, T });
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
  const legend = document.getElementById('normsLegend');
  if (legend) {
    clear(legend);
    for (const [name, arr, col] of series) {
      const sw = h('span', { class: 'swatch' });
      sw.style.setProperty('background-color', css(col));
      const cur = s.cursor.phase === 'backward' && s.cursor.t >= from ? arr[s.cursor.t] : undefined;
      legend.append(h('span', { class: 'lg-item' }, sw, ` ${name}` + (cur !== undefined ? ` at t = ${s.cursor.t + 1}: ${short(cur)}` : '')));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Data requests around the cursor

function requestAround(s: State): void {
  const run = s.run;
  if (!run) return;
  const max = reachableMax(run, s.progress);
  const here = indexOf(run, s.cursor);
  // Current stop first, then neighbours, reaching further in the direction the user is moving
  // (a held key outruns a host that needs a while per stop).
  const k = travel;
  for (const d of [0, k, -k, 2 * k, 3 * k, -2 * k, 4 * k, 5 * k, 6 * k]) {
    const i = here + d;
    if (i < 0 || i > max) continue;
    const c = cursorAt(run, i);
    data.ensureStep(c.phase, c.t);
  }
  requestWindows(s);
}

// ---------------------------------------------------------------------------------------------
// Actions, keyboard, perf

let perfStart: number | undefined;
/** Actions done locally from a key press, so the same key forwarded by VS Code as a `command` is not applied twice. */
const localKeyActions: { action: string; at: number }[] = [];

function act(a: UiAction): void {
  store.dispatch(a);
}

function recordPerf(): void {
  if (perfStart === undefined) return;
  const ms = performance.now() - perfStart;
  const start = perfStart;
  perfStart = undefined;
  try {
    performance.measure('keyToPaint', { start, end: start + ms });
  } catch {
    /* older engines: the number below is what matters */
  }
  window.__rnnPerf.push(ms);
  if (window.__rnnPerf.length > 200) window.__rnnPerf.shift();
  post({ type: 'perf', name: 'keyToPaint', ms });
  requestAnimationFrame(() => {
    window.__rnnPerfFrame.push(performance.now() - start);
    if (window.__rnnPerfFrame.length > 200) window.__rnnPerfFrame.shift();
  });
}

function doAction(action: string): void {
  const s = store.state;
  switch (action) {
    case 'export':
      post({ type: 'export' });
      return;
    case 'copyStep':
      if (s.run) post({ type: 'copyStep', phase: s.cursor.phase, t: s.cursor.t });
      return;
    case 'help':
      act({ type: 'toggleHelp' });
      return;
    case 'closeHelp':
      act({ type: 'toggleHelp', open: false });
      return;
    case 'toggleTable':
    case 'toggleEquations':
      act({ type: action });
      return;
  }
  const a = fromProtocolAction(action as Action);
  if (a) act(a);
}

document.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
  if (b && !b.disabled) doAction(b.dataset.action ?? '');
});

scrubber.addEventListener('input', () => {
  perfStart = performance.now();
  act({ type: 'goTo', index: Number(scrubber.value) });
  // The store may clamp to the last computed step: put the thumb back where the cursor is.
  renderChrome(store.state, undefined);
});

timeline.addEventListener('click', (e) => {
  const run = store.state.run;
  if (!run) return;
  const L = timelineLength(run);
  act({ type: 'goTo', index: Math.floor((e.offsetX / timeline.clientWidth) * L) });
});

batchSel.addEventListener('change', () => act({ type: 'setBatch', batch: Number(batchSel.value) }));

function keyAction(e: KeyboardEvent): string | undefined {
  const k = e.key;
  if (k === 'F10') return e.shiftKey ? 'stepBack' : 'stepForward';
  if (k === 'F5') return e.ctrlKey && e.shiftKey ? 'restart' : e.shiftKey ? 'reverseContinue' : 'continue';
  if (k === 'F9') return 'toggleBreakpoint';
  const target = e.target as HTMLElement;
  const typing = target.tagName === 'INPUT' && target !== scrubber;
  if (typing || target.tagName === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey) return undefined;
  if (k === 'Home') return 'restart';
  if (k === 'End') return 'end';
  if (target === scrubber && (k === 'ArrowRight' || k === 'ArrowUp')) return 'stepForward';
  if (target === scrubber && (k === 'ArrowLeft' || k === 'ArrowDown')) return 'stepBack';
  if (k === '?') return 'help';
  if (k === 'Escape' && store.state.helpOpen) return 'closeHelp';
  if (k === 't' || k === 'T') return 'toggleTable';
  if (k === 'e' || k === 'E') return 'toggleEquations';
  return undefined;
}

const CURSOR_KEYS = new Set(['stepForward', 'stepBack', 'continue', 'reverseContinue', 'restart', 'end']);
const HOST_BOUND = new Set(['stepForward', 'stepBack', 'continue', 'reverseContinue', 'restart', 'toggleBreakpoint']);

window.addEventListener('keydown', (e) => {
  const action = keyAction(e);
  if (!action) return;
  e.preventDefault();
  const s = store.state;
  const before = s.run ? indexOf(s.run, s.cursor) : -1;
  const moves = CURSOR_KEYS.has(action);
  if (moves) {
    perfStart = performance.now();
    performance.mark('rnn-key');
  }
  if (HOST_BOUND.has(action) && (e.key === 'F5' || e.key === 'F9' || e.key === 'F10'))
    localKeyActions.push({ action, at: performance.now() });
  if (action === 'end') act({ type: 'end' });
  else doAction(action);
  const after = store.state.run ? indexOf(store.state.run, store.state.cursor) : -1;
  // Nothing to repaint (end of the timeline, or a non-stepping key): no measurement.
  if (after === before) perfStart = undefined;
});

/** True when a `command` from the host is the echo of a key the panel already handled. */
function isEcho(action: string): boolean {
  const now = performance.now();
  while (localKeyActions.length && now - localKeyActions[0].at > 1500) localKeyActions.shift();
  const i = localKeyActions.findIndex((x) => x.action === action);
  if (i < 0) return false;
  localKeyActions.splice(i, 1);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Rendering on state changes

let timelineWidth = 300;
function measureWidth(): void {
  contentWidth = layoutWidth();
  timelineWidth = Math.max(50, scrubber.clientWidth || contentWidth);
}
measureWidth();

/** +1 while stepping forward, -1 while stepping back: where to prefetch. */
let travel = 1;

store.subscribe((s, prev) => {
  if (s.run && prev.run === s.run && prev.cursor !== s.cursor) {
    const d = indexOf(s.run, s.cursor) - indexOf(s.run, prev.cursor);
    if (d !== 0) travel = d > 0 ? 1 : -1;
  }
  renderChrome(s, prev);
  const cursorMoved = prev.cursor !== s.cursor || prev.run !== s.run;
  const viewChanged = prev.batch !== s.batch || prev.table !== s.table;
  if (cursorMoved || viewChanged || prev.progress !== s.progress) requestAround(s);
  if (cursorMoved || viewChanged) {
    if (renderStep(s)) recordPerf();
  } else if (prev.equations !== s.equations && shownStep) {
    /* CSS only */
  }
  if (cursorMoved || viewChanged || prev.breakpoints !== s.breakpoints || prev.progress !== s.progress) renderWindows(s);
  if (cursorMoved || prev.progress !== s.progress) renderNorms(s);
});

let windowFrame = 0;
function scheduleWindows(): void {
  if (windowFrame) return;
  windowFrame = requestAnimationFrame(() => {
    windowFrame = 0;
    renderWindows(store.state);
  });
}

function repaintAll(): void {
  const s = store.state;
  measureWidth();
  cardsKey = '';
  windowsKey = '';
  renderChrome(s, undefined);
  renderStep(s);
  renderWindows(s);
  renderNorms(s);
}

// Theme: re-read the palette when VS Code swaps the body's theme class.
new MutationObserver(() => {
  palette = readPalette();
  paletteVersion++;
  repaintAll();
}).observe(body, { attributes: true, attributeFilter: ['class'] });

let resizeTimer = 0;
new ResizeObserver(() => {
  const w = layoutWidth();
  if (Math.abs(w - contentWidth) < 8) return;
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(repaintAll, 60);
}).observe(stepEl);

// ---------------------------------------------------------------------------------------------
// Messages from the host

function onMessage(m: ToWebview): void {
  switch (m.type) {
    case 'init':
      milestone('rnn:init');
      data.reset(m.run.runId);
      norms = undefined;
      act({ type: 'init', run: m.run, cursor: m.cursor });
      renderChrome(store.state, undefined);
      requestAround(store.state);
      return;
    case 'progress':
      // Backward steps fetched before their running sums could be served: drop them, so the
      // progress update below asks again for the one on screen (and its neighbours).
      if (m.progress.sumsComplete === true && store.state.run?.runId === m.progress.runId) data.onSumsComplete();
      act({ type: 'progress', progress: m.progress });
      return;
    case 'step': {
      milestone('rnn:first-step');
      const step = data.onStep(m);
      const s = store.state;
      if (step && step.phase === s.cursor.phase && step.t === s.cursor.t) {
        if (renderStep(s)) recordPerf();
        renderChrome(s, s);
      }
      return;
    }
    case 'window': {
      const r = data.onWindow(m);
      if (r) {
        for (const w of windows) if (w.tensor === r.tensor) w.version++;
        scheduleWindows();
      }
      return;
    }
    case 'norms':
      if (store.state.run && m.runId !== store.state.run.runId) return;
      norms = { runId: m.runId, da: new Float64Array(m.da), dc: m.dc ? new Float64Array(m.dc) : undefined, from: m.from ?? 0 };
      renderNorms(store.state);
      return;
    case 'errors':
      act({ type: 'errors', diagnostics: m.diagnostics, stale: m.stale, fixture: m.fixture });
      return;
    case 'command': {
      if (isEcho(m.action)) return;
      const a = fromProtocolAction(m.action, m.t, m.phase);
      if (a) act(a);
      return;
    }
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = parseToWebview(e.data);
  if (typeof m === 'string') {
    console.warn(`rnn-stepper: dropped a malformed message from the host: ${m}`);
    return;
  }
  onMessage(m);
});

renderChrome(store.state, undefined);
milestone('rnn:ready-sent');
post({ type: 'ready' });
