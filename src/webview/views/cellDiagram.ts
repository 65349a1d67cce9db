/**
 * The cell at the cursor's step as an SVG figure (layout in diagramLayout.ts): every wire shows
 * the value it carries for the selected example and unit, coloured on the heatmaps' scale; a
 * node is a button that opens its tensor's card; a strip under it shows a⟨t⟩ (forward) or
 * da_next (backward) at the neighbouring steps, each a button that goes there.
 */

import type { RunInfo } from '../../protocol/messages';
import type { StepData } from '../client';
import { css } from '../colors';
import { clear, h, setText, svg } from '../dom';
import { diagramOf, wireValue, type DiagramNode, type StepTensor } from '../diagramLayout';
import { num } from '../../session/explain';
import type { State } from '../store';
import type { ViewDeps } from './deps';


/** Half the size of a node, for ending a wire at its edge (the arrowhead stays visible). */
const half = (nd: DiagramNode) => (nd.kind === 'io' || nd.kind === 'softmax' ? { w: 28, h: 15 } : { w: 17, h: 17 });

/** An elbow wire from node a to node b (horizontal first unless `vFirst`), ending at b's edge. */
function wirePath(a: DiagramNode, b: DiagramNode, vFirst: boolean): string {
  const straight = a.x === b.x || a.y === b.y;
  const corner = straight ? a : vFirst ? { x: a.x, y: b.y } : { x: b.x, y: a.y };
  const from = straight ? a : corner;
  const hb = half(b);
  const dx = Math.sign(b.x - from.x);
  const dy = Math.sign(b.y - from.y);
  const end = { x: b.x - dx * hb.w, y: b.y - dy * hb.h };
  return straight ? `M${a.x},${a.y} L${end.x},${end.y}` : `M${a.x},${a.y} L${corner.x},${corner.y} L${end.x},${end.y}`;
}

/** Steps either side of the cursor in the unrolled strip. */
const STRIP = 2;

export interface CellDiagramView {
  render(s: State): void;
}

export function create(parent: HTMLElement, deps: ViewDeps): CellDiagramView {
  const unitSel = h('select', { id: 'diagramUnit', 'aria-label': 'Unit (row) the cell diagram follows' });
  const caption = h('span', { class: 'muted', id: 'diagramCaption' });
  const figure = h('div', { class: 'diagram-figure' });
  const strip = h('div', { class: 'diagram-strip', role: 'group', 'aria-label': 'Neighbouring steps' });
  const el = h(
    'section',
    { id: 'diagram', 'aria-label': 'Cell diagram of the current step' },
    h('h2', { text: 'The cell at this step' }),
    h('div', { class: 'diagram-controls' }, h('label', { for: 'diagramUnit' }, 'Unit ', unitSel), ' ', caption),
    figure,
    strip,
  );
  parent.append(el);
  let unit = 0;
  let units = -1;
  unitSel.addEventListener('change', () => {
    unit = Number(unitSel.value);
    render(deps.store.state);
  });

  /** Open a tensor's card: focus its heatmap (or its first table cell) and bring it into view. */
  function openCard(tensor: string): void {
    const card = document.querySelector<HTMLElement>(`#step [data-tensor="${tensor}"]`);
    if (!card) return;
    card.scrollIntoView({ block: 'nearest' });
    (card.querySelector<HTMLElement>('canvas.hm:not([hidden])') ?? card.querySelector<HTMLElement>('td[tabindex="0"]'))?.focus();
  }

  /** The step's tensors by name; a backward step adds the forward values of the same t (dC reads them). */
  function tensorsOf(step: StepData): (t: string) => StepTensor | undefined {
    const map = new Map<string, StepTensor>();
    if (step.phase === 'backward') {
      const fwd = deps.data.getStep('forward', step.t);
      if (fwd) for (const t of fwd.tensors) map.set(t.name, t);
      else deps.data.ensureStep('forward', step.t);
    }
    for (const t of step.tensors) map.set(t.name, t);
    return (name) => map.get(name);
  }

  /** A value's colour on the heatmaps' diverging scale (±scale). */
  function colour(v: number | undefined, scale: number): string {
    const p = deps.theme.palette;
    if (v === undefined) return css(p.muted);
    if (Number.isNaN(v)) return css(p.nan);
    if (!Number.isFinite(v)) return css(v > 0 ? p.posInf : p.negInf);
    const idx = Math.max(0, Math.min(255, Math.round((v / scale) * 127.5 + 127.5)));
    const c = p.lut[idx];
    // Packed little-endian RGBA (colors.ts `pack`).
    return `rgb(${c & 255},${(c >>> 8) & 255},${(c >>> 16) & 255})`;
  }

  function drawFigure(run: RunInfo, step: StepData, s: State): void {
    const backward = step.phase === 'backward';
    const d = diagramOf(run.cell, backward);
    const get = tensorsOf(step);
    const j = s.batch;
    const at = new Map(d.nodes.map((nd) => [nd.id, nd]));
    const values = d.wires.map((w) => wireValue(w.tensor, get, unit, j));
    const scale = Math.max(1, ...values.map((v) => (v !== undefined && Number.isFinite(v) ? Math.abs(v) : 0)));
    const root = svg('svg', {
      viewBox: `0 0 ${d.width} ${d.height}`,
      // A group, not an img: its nodes are buttons a screen reader must reach.
      role: 'group',
      'aria-labelledby': 'diagramTitle',
      class: backward ? 'diagram backward' : 'diagram',
    });
    root.append(svg('title', { id: 'diagramTitle' }, `${run.cell.toUpperCase()} cell, ${backward ? 'backward' : 'forward'} step, unit ${unit}, example ${j + 1}`));
    const defs = svg('defs', {});
    const marker = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto' });
    marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrowhead' }));
    defs.append(marker);
    root.append(defs);
    d.wires.forEach((w, k) => {
      const a = at.get(w.from);
      const b = at.get(w.to);
      if (!a || !b) return;
      const v = values[k];
      // data-wire/data-shows/data-card, not data-tensor: that names the cards (tests and openCard find them by it).
      const g = svg('g', { class: 'wire', 'data-wire': w.tensor, 'data-value': v === undefined ? '' : String(v) });
      g.append(svg('title', {}, `${w.label} = ${v === undefined ? '—' : num(v)}`));
      const path = wirePath(a, b, w.vFirst === true);
      // The value's colour as a wide band, a thin theme-coloured line on top: a wire near 0 (the
      // scale's middle is the background colour) stays visible.
      g.append(svg('path', { d: path, stroke: colour(v, scale), class: 'wire-band' }));
      g.append(svg('path', { d: path, 'marker-end': 'url(#arrow)', class: 'wire-line' }));
      root.append(g);
    });
    for (const nd of d.nodes) root.append(node(nd, get, j, scale));
    clear(figure);
    figure.append(root);
  }

  function node(nd: DiagramNode, get: (t: string) => StepTensor | undefined, j: number, scale: number): SVGGElement {
    const shows = nd.tensor ?? nd.value;
    const v = shows ? wireValue(shows, get, unit, j) : undefined;
    const say = `${nd.role}${nd.tensor ? ` (${nd.tensor})` : ''}${v !== undefined ? ` = ${num(v)}` : ''}`;
    const g = svg('g', {
      class: `node ${nd.kind}`,
      'data-node': nd.id,
      ...(nd.tensor ? { 'data-card': nd.tensor, tabindex: 0, role: 'button', 'aria-label': `${say}. Enter opens its card.` } : { 'aria-label': say, role: 'img' }),
    });
    const r = nd.kind === 'io' || nd.kind === 'softmax' ? 0 : 17;
    // The value's colour on the outline (a filled node would hide its text in some themes).
    if (r) g.append(svg('circle', { cx: nd.x, cy: nd.y, r, stroke: colour(v, scale), class: 'node-shape' }));
    else g.append(svg('rect', { x: nd.x - 26, y: nd.y - 13, width: 52, height: 26, rx: 4, stroke: colour(v, scale), class: 'node-shape' }));
    g.append(svg('text', { x: nd.x, y: nd.y + 4, 'text-anchor': 'middle', class: 'node-text' }, nd.text));
    if (shows)
      g.append(svg('text', { x: nd.x, y: nd.y + (r ? r : 13) + 14, 'text-anchor': 'middle', class: 'node-value', 'data-shows': shows, 'data-value': v === undefined ? '' : String(v) }, v === undefined ? '—' : num(v)));
    if (nd.tensor) {
      const tensor = nd.tensor;
      g.addEventListener('click', () => openCard(tensor));
      g.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        e.stopPropagation();
        openCard(tensor);
      });
    }
    return g;
  }

  function drawStrip(run: RunInfo, s: State): void {
    clear(strip);
    if (s.cursor.phase === 'totals') return;
    const backward = s.cursor.phase === 'backward';
    const T = backward ? run.T_b : run.dims.T_x;
    const name = backward ? 'da_next' : 'a_next';
    for (let t = s.cursor.t - STRIP; t <= s.cursor.t + STRIP; t++) {
      if (t < 0 || t >= T) continue;
      const st = deps.data.getStep(s.cursor.phase, t);
      const m = st?.tensors.find((x) => x.name === name);
      const v = m && unit < m.rows ? m.data[unit * m.cols + s.batch] : undefined;
      const here = t === s.cursor.t;
      const b = h(
        'button',
        {
          type: 'button',
          class: here ? 'strip-step here' : 'strip-step',
          'aria-current': here ? 'step' : undefined,
          'aria-label': `${backward ? 'Backward' : 'Forward'} t = ${t + 1}: ${name}[${unit}] = ${v === undefined ? 'not loaded' : num(v)}`,
        },
        h('span', { class: 'strip-t', text: `t = ${t + 1}` }),
        h('span', { class: 'strip-v', text: v === undefined ? '…' : num(v) }),
      );
      const sw = h('span', { class: 'swatch' });
      sw.style.setProperty('background-color', colour(v, 1));
      b.prepend(sw);
      const target = t;
      b.addEventListener('click', () => {
        const r = deps.store.state.run;
        if (!r) return;
        deps.timer.start();
        deps.seek({ phase: backward ? 'backward' : 'forward', t: target });
      });
      strip.append(b);
    }
  }

  function render(s: State): void {
    const run = s.run;
    const step = run ? deps.data.getStep(s.cursor.phase, s.cursor.t) : undefined;
    el.hidden = !run || s.cursor.phase === 'totals';
    if (!run || !step || step.phase === 'totals') return;
    if (units !== run.dims.n_a) {
      units = run.dims.n_a;
      clear(unitSel);
      for (let i = 0; i < units; i++) unitSel.append(h('option', { value: i, text: String(i) }));
      unit = Math.min(unit, units - 1);
    }
    if (unitSel.value !== String(unit)) unitSel.value = String(unit);
    setText(caption, `values of unit ${unit}, example ${s.batch + 1}; colours on the ±scale of the wires; click a node for its card`);
    drawFigure(run, step, s);
    drawStrip(run, s);
  }

  return { render };
}
