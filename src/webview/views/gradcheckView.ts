/**
 * The gradient check in the panel: a button that runs the sampled finite-difference check of the
 * fixture (its own thread on the host side, so stepping goes on), its progress with Cancel, then
 * per gradient the relative error of every probed entry on a log scale with the 1e-7 line, and the
 * worst entries as buttons that jump to the tensor and element (dx → the backward step's dxt,
 * da0/dc0 and the weight gradients → the totals).
 */
import type { GradcheckEntryData, GradcheckPanelData } from '../../protocol/gradcheck';
import type { Phase } from '../../protocol/messages';
import { num } from '../../session/explainSum';
import { clear, h, icon, setText, show, svg } from '../dom';
import type { State } from '../store';
import type { View, ViewDeps } from './deps';

export interface GradcheckView extends View {
  /** A validated `gradcheck` message. */
  set(g: GradcheckPanelData): void;
}

/** Where a probed entry is shown: the stop, the card and the element. */
export interface EntryPlace {
  phase: Phase;
  t: number;
  tensor: string;
  i: number;
  j: number;
}

/** dx[i, j, t] is backward step t's dxt[i, j]; da0, dc0 and the weight gradients are on the totals. */
export function placeOf(gradient: string, index: readonly number[]): EntryPlace {
  if (gradient === 'dx') return { phase: 'backward', t: index[2] ?? 0, tensor: 'dxt', i: index[0] ?? 0, j: index[1] ?? 0 };
  return { phase: 'totals', t: 0, tensor: gradient, i: index[0] ?? 0, j: index[1] ?? 0 };
}

/** The `n` entries with the largest relative error over every gradient (NaN first). */
export function worstEntries(g: GradcheckPanelData, n = 8): { gradient: string; e: GradcheckEntryData }[] {
  const all = g.rows.flatMap((r) => r.entries.map((e) => ({ gradient: r.name, e })));
  const key = (x: number) => (x !== x ? Infinity : x);
  return all.sort((a, b) => key(b.e.relErr) - key(a.e.relErr)).slice(0, n);
}


/** A tolerance or step as written on the command line: `1e−7`, `2.5e−6`. */
export const sci = (v: number): string => v.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e').replace('-', '−');

/** The chart's log axis: 1e-16 … 1 (errors below sit at the left edge, NaN/above at the right). */
const LO = -16, HI = 0;

export function create(parent: HTMLElement, deps: ViewDeps, onJump: (p: EntryPlace) => void): GradcheckView {
  let data: GradcheckPanelData | null = null;

  const el = h('section', { id: 'gradcheck', 'aria-label': 'Gradient check' });
  const summary = h('span', { class: 'muted gc-summary', 'aria-live': 'polite' });
  const runBtn = h('button', { class: 'text-button', id: 'gcRun', type: 'button', title: 'Check every gradient against central finite differences (a sample of the big ones)' }, icon('pulse'), ' Run gradient check');
  const cancelBtn = h('button', { class: 'text-button', id: 'gcCancel', type: 'button', hidden: true }, icon('debug-stop'), ' Cancel');
  const bar = h('progress', { id: 'gcProgress', max: 1, value: 0, hidden: true, 'aria-label': 'Gradient check progress' });
  const chartWrap = h('div', { class: 'gc-chart-wrap', hidden: true });
  const worstTitle = h('h3', { class: 'gc-worst-title', text: 'Worst entries', hidden: true });
  const worst = h('ol', { class: 'gc-worst', 'aria-label': 'The probed entries with the largest relative error' });
  el.append(h('div', { class: 'gc-head' }, h('h2', { text: 'Gradient check' }), summary, runBtn, cancelBtn), bar, chartWrap, worstTitle, worst);
  parent.append(el);

  runBtn.addEventListener('click', () => {
    const run = deps.store.state.run;
    if (run) deps.post({ type: 'gradcheckRun', runId: run.runId });
  });
  cancelBtn.addEventListener('click', () => deps.post({ type: 'gradcheckCancel' }));

  function paintChart(g: GradcheckPanelData): void {
    clear(chartWrap);
    const rowH = 20, labelW = 56, W = Math.max(320, Math.min(900, deps.layout.content - 20)), plotW = W - labelW - 12;
    const H = g.rows.length * rowH + 26;
    const x = (v: number) => {
      const l = v !== v || v === Infinity ? HI : v <= 0 ? LO : Math.min(HI, Math.max(LO, Math.log10(v)));
      return labelW + ((l - LO) / (HI - LO)) * plotW;
    };
    const s = svg('svg', { class: 'gc-chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Relative error of each probed entry per gradient, log scale from 1e${LO} to 1; tolerance ${g.tol}` });
    for (let d = LO; d <= HI; d += 2) {
      const xx = x(10 ** d);
      s.append(svg('line', { class: 'gc-grid', x1: xx, x2: xx, y1: 0, y2: H - 18 }));
      s.append(svg('text', { class: 'gc-tick', x: xx, y: H - 4, 'text-anchor': 'middle' }, `1e${d}`.replace('-', '−')));
    }
    g.rows.forEach((r, k) => {
      const y = k * rowH + rowH / 2;
      const fail = !(r.maxRelErr <= g.tol);
      s.append(svg('text', { class: `gc-label${fail ? ' fail' : ''}`, x: labelW - 6, y: y + 4, 'text-anchor': 'end' }, r.name));
      for (const e of r.entries) {
        const bad = !(e.relErr <= g.tol);
        const dot = svg('circle', { class: `gc-dot${bad ? ' fail' : ''}`, cx: x(e.relErr), cy: y, r: bad ? 3.5 : 2.5 });
        dot.append(svg('title', {}, `${r.name}[${e.index.join(', ')}]: relative error ${num(e.relErr)} (analytic ${num(e.analytic)}, numeric ${num(e.numeric)})`));
        s.append(dot);
      }
      const mx = x(r.maxRelErr);
      s.append(svg('line', { class: `gc-max${fail ? ' fail' : ''}`, x1: mx, x2: mx, y1: y - 7, y2: y + 7 }));
    });
    const tx = x(g.tol);
    s.append(svg('line', { class: 'gc-tol', x1: tx, x2: tx, y1: 0, y2: H - 18 }));
    s.append(svg('text', { class: 'gc-tol-label', x: tx + 3, y: 10 }, `tol ${sci(g.tol)}`));
    chartWrap.append(s, h('div', { class: 'muted gc-axis', text: 'relative error of each probed entry, |analytic − numeric| / max(|analytic| + |numeric|, max |gradient|); a bar marks each gradient’s largest' }));
  }

  function paintWorst(g: GradcheckPanelData): void {
    clear(worst);
    for (const { gradient, e } of worstEntries(g)) {
      const p = placeOf(gradient, e.index);
      const bad = !(e.relErr <= g.tol);
      const where = p.phase === 'backward' ? `backward t = ${p.t + 1} (index ${p.t}), ${p.tensor}[${p.i}, ${p.j}]` : `totals, ${p.tensor}[${p.i}, ${p.j}]`;
      const b = h('button', { class: `text-button gc-entry${bad ? ' fail' : ''}`, type: 'button', 'data-gradient': gradient, 'data-index': e.index.join(','), title: `Show ${where}` },
        icon(bad ? 'error' : 'pass'), ` ${gradient}[${e.index.join(', ')}]  rel ${num(e.relErr)}  (analytic ${num(e.analytic)}, numeric ${num(e.numeric)})`);
      b.addEventListener('click', () => onJump(p));
      worst.append(h('li', {}, b));
    }
  }

  function paint(): void {
    const g = data;
    const running = g?.state === 'running';
    show(runBtn, !running);
    show(cancelBtn, running);
    show(bar, running);
    const done = g?.state === 'done' ? g : null;
    show(chartWrap, !!done);
    show(worstTitle, !!done);
    if (!g) return setText(summary, 'finite differences of every gradient, sampled as in rnn-stepper gradcheck');
    if (running) {
      bar.max = Math.max(1, g.total);
      bar.value = g.done;
      setText(summary, g.total ? `${g.done} of ${g.total} entries probed${g.current ? ` (${g.current})` : ''}…` : 'reading the fixture…');
    } else if (g.state === 'failed') setText(summary, `failed: ${g.message}`);
    else if (g.state === 'cancelled') setText(summary, `cancelled after ${g.done} of ${g.total} entries`);
    if (!done) {
      clear(worst);
      return;
    }
    const failed = done.rows.filter((r) => !(r.maxRelErr <= done.tol));
    const sampled = done.rows.some((r) => r.checked < r.total);
    const probed = done.rows.reduce((n, r) => n + r.checked, 0);
    setText(summary,
      `${failed.length ? `FAIL: ${failed.map((r) => r.name).join(', ')} above ${sci(done.tol)}` : `PASS: every gradient below ${sci(done.tol)}`} · ` +
      `${probed} entries${sampled ? `, at most ${done.samples} per gradient (seed ${done.seed})` : ', all of them'} · h = ${sci(done.eps)} · ${(done.ms / 1000).toFixed(1)} s`);
    el.dataset.result = failed.length ? 'fail' : 'pass';
    paintChart(done);
    paintWorst(done);
  }

  paint();
  return {
    set(g) {
      data = g;
      paint();
    },
    render(s: State) {
      // A check of another run (the fixture changed since) is dropped.
      if (data && s.run && data.runId !== s.run.runId) {
        data = null;
        delete el.dataset.result;
        paint();
      }
      show(el, !!s.run);
    },
  };
}
