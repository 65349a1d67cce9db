/** The example chooser and the run's one-line summary (kind, sizes, warnings, first non-finite). */

import { clear, h, setText } from '../dom';
import { positionText, type State } from '../store';
import type { View, ViewDeps } from './deps';

export function create(parent: HTMLElement, deps: ViewDeps): View {
  const batch = h('select', { id: 'batch', 'aria-label': 'Batch example (column) to follow' });
  const info = h('div', { id: 'runinfo', class: 'muted' });
  parent.append(h('div', { class: 'options' }, h('label', { for: 'batch' }, 'Example ', batch), info));
  batch.addEventListener('change', () => deps.act({ type: 'setBatch', batch: Number(batch.value) }));

  function render(s: State, prev: State | undefined): void {
    const run = s.run;
    if (!run) return;
    const d = run.dims;
    if (!prev?.run || prev.run.dims.m !== d.m || batch.options.length !== d.m) {
      clear(batch);
      for (let j = 0; j < d.m; j++) batch.append(h('option', { value: j, text: `${j + 1} of ${d.m}` }));
    }
    if (batch.value !== String(s.batch)) batch.value = String(s.batch);
    const p = s.progress;
    setText(
      info,
      `${run.name} · ${run.kind} · n_x=${d.n_x} n_a=${d.n_a} n_y=${d.n_y} m=${d.m} T_x=${d.T_x}` +
        (run.T_b !== d.T_x ? ` T_b=${run.T_b}` : '') +
        ' · float64' +
        (run.daDefaulted ? ' · da not given: ones (L = Σ a)' : '') +
        (run.warnings.length ? ` · ${run.warnings.length} warning(s)` : '') +
        (p?.firstNonFinite ? ` · first non-finite: ${positionText(run, p.firstNonFinite)} (${p.firstNonFinite.tensor})` : ''),
    );
    info.title = run.warnings.join('\n');
  }
  return { render };
}
