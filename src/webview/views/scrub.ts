/** The timeline scrubber, the strip under it (computed part, breakpoints, first non-finite, cursor) and the run's progress. */

import { css, rgba } from '../colors';
import { h, setText, show } from '../dom';
import { cursorAt, indexOf, parseBpKey, positionText, reachableMax, timelineLength, type State } from '../store';
import { ctx2d } from '../heatmap';
import type { View, ViewDeps } from './deps';

export interface ScrubView extends View {
  /** The range input: the keymap's timeline keys act while it has the focus. */
  readonly scrubber: HTMLInputElement;
}

export function create(parent: HTMLElement, deps: ViewDeps): ScrubView {
  const scrubber = h('input', {
    id: 'scrubber',
    type: 'range',
    min: 0,
    max: 0,
    value: 0,
    step: 1,
    'aria-label': 'Timeline: forward steps, then backward steps, then totals',
  });
  const strip = h('canvas', { id: 'timeline', 'aria-hidden': 'true', height: 14 });
  const progress = h('progress', { id: 'progress', max: 1, value: 0, 'aria-label': 'Run progress' });
  const progressText = h('span', { id: 'progressText', class: 'muted' });
  parent.append(h('div', { class: 'scrub' }, scrubber, strip, h('div', { class: 'progress-row' }, progress, progressText)));

  scrubber.addEventListener('input', () => {
    deps.timer.start();
    const run = deps.store.state.run;
    // The host's timeline moves there (once computed) and says where the cursor is.
    if (run) deps.seek(cursorAt(run, Number(scrubber.value)));
  });
  strip.addEventListener('click', (e) => {
    const run = deps.store.state.run;
    if (!run) return;
    deps.seek(cursorAt(run, Math.floor((e.offsetX / strip.clientWidth) * timelineLength(run))));
  });

  function render(s: State): void {
    const run = s.run;
    if (!run) return;
    const L = timelineLength(run);
    const idx = indexOf(run, s.cursor);
    if (scrubber.max !== String(L - 1)) scrubber.max = String(L - 1);
    if (scrubber.value !== String(idx)) scrubber.value = String(idx);
    scrubber.setAttribute('aria-valuetext', positionText(run, s.cursor));
    const p = s.progress;
    progress.max = run.dims.T_x + run.T_b;
    progress.value = p ? Math.min(p.forwardDone, run.dims.T_x) + Math.min(p.backwardDone, run.T_b) : 0;
    show(progress, !p?.finished);
    setText(
      progressText,
      p?.error
        ? `Run failed: ${p.error}`
        : p?.finished
          ? ''
          : `computing… forward ${p ? p.forwardDone : 0}/${run.dims.T_x}, backward ${p ? p.backwardDone : 0}/${run.T_b}`,
    );
    progressText.classList.toggle('error-text', !!p?.error);
    drawStrip(s);
  }

  function drawStrip(s: State): void {
    const run = s.run;
    if (!run) return;
    const palette = deps.theme.palette;
    const W = deps.layout.timeline;
    if (strip.width !== W) strip.width = W;
    strip.style.setProperty('width', `${W}px`);
    const ctx = ctx2d(strip);
    if (!ctx) return;
    const L = timelineLength(run);
    const x = (i: number) => ((i + 0.5) / L) * W;
    ctx.clearRect(0, 0, W, 14);
    const max = reachableMax(run, s.progress);
    ctx.fillStyle = rgba(palette.muted, 90);
    ctx.fillRect(0, 5, ((max + 1) / L) * W, 4);
    ctx.fillStyle = css(palette.muted);
    ctx.fillRect((run.dims.T_x / L) * W, 2, 1, 10);
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

  return { render, scrubber };
}
