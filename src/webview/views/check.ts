/**
 * "Check my implementation" in the panel: a per-function summary of the last check of the user's
 * file against this fixture, a jump to each first divergence (moves the cursor to that step and
 * shows that tensor), the diverging tensor as three heatmaps (theirs, the reference, theirs minus
 * the reference) with the cells outside the tolerance outlined, and the steps where something
 * diverges marked on a strip under the timeline. Before any check: one line and a button.
 */

import type { CheckCursor, CheckPanelData, CheckTensor } from '../../protocol/check';
import { css } from '../colors';
import { clear, h, icon, setText, show } from '../dom';
import { cellSize, ctx2d, paintGrid, setCssSize, stats } from '../heatmap';
import { indexOf, timelineLength, type State } from '../store';
import type { View, ViewDeps } from './deps';

export interface CheckView extends View {
  /** A `check` message from the host (already validated): the new result, or null to clear. */
  set(data: CheckPanelData | null): void;
  /** Repaint the canvases (theme or width changed). */
  repaint(): void;
}

/** The step card that shows a check tensor: sequence outputs are shown per step in the panel. */
const CARD_OF: Record<string, string> = { a: 'a_next', y_pred: 'yt_pred', y: 'yt_pred', c: 'c_next', dx: 'dxt' };

const STATUS_ICON: Record<string, string> = { match: 'pass', mismatch: 'error', error: 'error', timeout: 'watch', missing: 'circle-slash' };

const sameCursor = (a: CheckCursor, b: CheckCursor) => a.phase === b.phase && a.t === b.t;

function fmt(v: number): string {
  if (v !== v) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '−∞';
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}

export function create(parent: HTMLElement, timelineAnchor: HTMLElement, deps: ViewDeps): CheckView {
  let data: CheckPanelData | null = null;
  /** The function whose tensor the heatmaps show. */
  let shown: string | null = null;

  // The marks strip sits right under the timeline, as wide as it.
  const marks = h('canvas', { id: 'checkMarks', height: 8, hidden: true, 'aria-hidden': 'true', title: 'Steps where your implementation diverges' });
  timelineAnchor.after(marks);

  const el = h('section', { id: 'check', 'aria-label': 'Check my implementation' });
  const title = h('h2', { text: 'Check my implementation' });
  const summary = h('span', { class: 'muted check-summary' });
  const runLabel = h('span', { text: ' Check My Implementation…' });
  const runBtn = h('button', { class: 'text-button', id: 'checkRun', type: 'button' }, icon('beaker'), runLabel);
  const head = h('div', { class: 'check-head' }, title, summary, runBtn);
  const table = h('table', { class: 'check-table', 'aria-label': 'Each function of your implementation against the reference' });
  const heat = h('div', { class: 'check-heat', hidden: true });
  const notes = h('ul', { class: 'check-notes muted' });
  el.append(head, table, heat, notes);
  parent.append(el);

  runBtn.addEventListener('click', () => deps.post({ type: 'checkRun' }));
  marks.addEventListener('click', (e) => {
    const run = deps.store.state.run;
    if (!run || !data) return;
    const i = Math.floor((e.offsetX / marks.clientWidth) * timelineLength(run));
    // The nearest mark within a few pixels of the click.
    const L = timelineLength(run);
    const tol = Math.max(1, Math.round((4 / Math.max(marks.clientWidth, 1)) * L));
    const hit = data.marks.find((m) => Math.abs(indexOf(run, m) - i) <= tol);
    if (hit) deps.seek({ phase: hit.phase, t: hit.t });
  });

  function jump(fn: string): void {
    const row = data?.functions.find((f) => f.name === fn);
    if (!row?.jump) return;
    shown = fn;
    paintHeat();
    deps.seek({ phase: row.jump.phase, t: row.jump.t });
    const card = CARD_OF[row.jump.tensor] ?? row.jump.tensor;
    // After the step's cards are painted, bring the tensor's card into view.
    requestAnimationFrame(() => {
      const target = [...document.querySelectorAll<HTMLElement>('#step [data-tensor]')].find((c) => c.dataset.tensor === card);
      target?.scrollIntoView({ block: 'nearest' });
    });
  }

  function paintTable(): void {
    clear(table);
    if (!data) return;
    table.append(h('thead', {}, h('tr', {}, h('th', { text: '' }), h('th', { text: 'Function' }), h('th', { text: 'Result' }), h('th', { text: 'Likely slip' }), h('th', { text: '' }))));
    const body = h('tbody');
    for (const f of data.functions) {
      const name = h('a', { href: '#', class: 'check-fn', title: `Open ${f.name} in ${data.implName}` }, f.name);
      name.addEventListener('click', (e) => {
        e.preventDefault();
        deps.post({ type: 'checkOpen', function: f.name });
      });
      const slip = h('td', { class: 'check-slip' });
      f.diagnosis.forEach((g, i) => {
        slip.append(h('div', { title: g.message }, h('code', { text: g.id }), ` ${i === 0 ? '' : '(or) '}${g.message}`));
      });
      if (f.status === 'mismatch' && f.diagnosis.length === 0) slip.append(h('span', { class: 'muted', text: 'no known slip reproduces your numbers' }));
      const go = h('td');
      if (f.jump) {
        const b = h('button', { class: 'text-button check-jump', type: 'button', 'data-function': f.name, title: 'Go to the first divergence' }, icon('debug-step-into'), ' Jump');
        b.addEventListener('click', () => jump(f.name));
        go.append(b);
      }
      body.append(
        h('tr', { class: `check-row ${f.status}`, 'data-function': f.name, 'data-status': f.status },
          h('td', {}, icon(STATUS_ICON[f.status] ?? 'circle')), h('td', {}, name), h('td', { class: 'check-headline', text: f.headline }), slip, go),
      );
    }
    table.append(body);
  }

  function figure(label: string, canvas: HTMLCanvasElement): HTMLElement {
    return h('figure', {}, h('figcaption', { text: label }), canvas);
  }

  function paintGridWithOutlines(canvas: HTMLCanvasElement, values: Float64Array, t: CheckTensor, scale: number, cw: number, ch: number): void {
    const pal = deps.theme.palette;
    paintGrid(canvas, values, t.rows, t.cols, cw, ch, scale, pal);
    setCssSize(canvas, canvas.width, canvas.height);
    const ctx = ctx2d(canvas);
    if (!ctx) return;
    ctx.strokeStyle = css(pal.fg);
    ctx.lineWidth = Math.max(1, Math.min(2, Math.floor(Math.min(cw, ch) / 6)));
    for (const k of t.mismatches) {
      const i = Math.floor(k / t.cols), j = k % t.cols;
      ctx.strokeRect(j * cw + 0.5, i * ch + 0.5, cw - 1, ch - 1);
    }
  }

  function paintHeat(): void {
    clear(heat);
    const t = data?.tensors.find((x) => x.function === shown) ?? data?.tensors[0];
    show(heat, !!t);
    if (!t) return;
    shown = t.function;
    const ref = new Float64Array(t.reference);
    const mine = t.mine ? new Float64Array(t.mine) : null;
    const width = Math.max(120, Math.floor((deps.layout.content - 48) / 3));
    const { w, h: ch } = cellSize(t.rows, t.cols, width, 220, 22);
    const caption = `${t.tensor}${t.step !== null ? ` at t=${t.step}` : ''} (${t.function}) · ${t.rows}×${t.cols} · ${t.mismatches.length} cell${t.mismatches.length === 1 ? '' : 's'} outside rtol ${data?.rtol}, atol ${data?.atol} (outlined)`;
    heat.append(h('div', { class: 'check-heat-caption', text: caption }));
    const row = h('div', { class: 'check-heat-row' });
    const refCanvas = h('canvas', { class: 'check-grid', 'data-grid': 'reference', 'aria-label': `reference ${t.tensor}` });
    if (mine) {
      const diff = new Float64Array(ref.length);
      for (let k = 0; k < ref.length; k++) diff[k] = mine[k] - ref[k];
      // Theirs and the reference share one colour scale; the difference has its own.
      const scale = Math.max(stats(ref).maxAbs, stats(mine).maxAbs);
      const mineCanvas = h('canvas', { class: 'check-grid', 'data-grid': 'mine', 'aria-label': `your ${t.tensor}` });
      const diffCanvas = h('canvas', { class: 'check-grid', 'data-grid': 'difference', 'aria-label': `difference ${t.tensor}` });
      paintGridWithOutlines(mineCanvas, mine, t, scale, w, ch);
      paintGridWithOutlines(refCanvas, ref, t, scale, w, ch);
      const ds = stats(diff);
      paintGridWithOutlines(diffCanvas, diff, t, ds.maxAbs, w, ch);
      const k0 = t.mismatches[0];
      if (k0 !== undefined) {
        heat.append(h('div', { class: 'muted', text: `first cell [${Math.floor(k0 / t.cols)}, ${k0 % t.cols}]: yours ${fmt(mine[k0])}, reference ${fmt(ref[k0])}` }));
      }
      row.append(figure('Yours', mineCanvas), figure('Reference', refCanvas), figure(`Yours − reference (max |Δ| ${fmt(ds.maxAbs)})`, diffCanvas));
    } else {
      paintGridWithOutlines(refCanvas, ref, { ...t, mismatches: [] }, stats(ref).maxAbs, w, ch);
      row.append(figure('Reference (your shape differs: nothing to compare cell by cell)', refCanvas));
    }
    heat.append(row);
  }

  function paintMarks(s: State): void {
    const run = s.run;
    show(marks, !!run && !!data && data.marks.length > 0);
    if (!run || !data || data.marks.length === 0) return;
    const W = deps.layout.timeline;
    if (marks.width !== W) marks.width = W;
    marks.style.setProperty('width', `${W}px`);
    const ctx = ctx2d(marks);
    if (!ctx) return;
    const L = timelineLength(run);
    ctx.clearRect(0, 0, W, 8);
    const pal = deps.theme.palette;
    for (const m of data.marks) {
      const x = ((indexOf(run, m) + 0.5) / L) * W;
      ctx.fillStyle = css(sameCursor(m, s.cursor) ? pal.cursor : pal.pos);
      ctx.fillRect(Math.round(x) - 2, 1, 4, 6);
    }
  }

  function paintSummary(): void {
    show(table, !!data);
    show(notes, !!data && data.notes.length > 0);
    clear(notes);
    if (!data) {
      setText(summary, 'Run your own rnn.py or notebook on this fixture and find where its numbers first go wrong.');
      setText(runLabel, ' Check My Implementation…');
      el.dataset.check = 'none';
      return;
    }
    const present = data.functions.filter((f) => f.status !== 'missing');
    const bad = present.filter((f) => f.status !== 'match');
    setText(title, `Check: ${data.implName}`);
    title.title = data.implPath;
    setText(
      summary,
      present.length === 0 ? 'defines none of the checked functions' : bad.length === 0 ? `all ${present.length} functions match` : `${bad.length} of ${present.length} functions do not match`,
    );
    setText(runLabel, ' Check again');
    el.dataset.check = data.ok ? 'ok' : 'mismatch';
    for (const n of data.notes) notes.append(h('li', { text: n }));
  }

  return {
    set(d) {
      data = d;
      if (shown && !d?.tensors.some((t) => t.function === shown)) shown = null;
      paintSummary();
      paintTable();
      paintHeat();
      paintMarks(deps.store.state);
    },
    repaint() {
      paintHeat();
      paintMarks(deps.store.state);
    },
    render(s, prev) {
      if (!prev || prev.cursor !== s.cursor || prev.run !== s.run) paintMarks(s);
    },
  };
}
