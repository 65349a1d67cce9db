/**
 * Under a tensor card, the selected element's equation with the numbers in it (src/session/explain.ts):
 * `c_next[3,1] = ft[3,1]·c_prev[3,1] + it[3,1]·cct[3,1] = 0.7831·0.12 + … = 0.5`. A backward step
 * reads the forward values of the same t (ft, it, cct, ot, c_prev, c_next or a_next) from the
 * data client's cache; the weighted sums (gates, their pre-activations, ŷ and its logits, a_next
 * of the RNN, da_prev, dxt, a step's dW/db) read the run's parameters, asked once per run.
 */

import { explain, sumText, type Mat } from '../../session/explain';
import type { RunInfo } from '../../protocol/messages';
import type { DataClient, StepData } from '../client';
import { clear, h, show } from '../dom';

/** The lines explaining element (i, j) of `name` in `step`, or undefined when there is no expansion (yet). */
export function explainLines(run: RunInfo, step: StepData, data: DataClient, name: string, i: number, j: number): string[] | undefined {
  if (step.phase === 'totals') return undefined;
  const backward = step.phase === 'backward';
  const ts: Record<string, Mat> = {};
  const params = data.params;
  if (params) for (const [name, p] of params) ts[name] = p;
  else data.ensureParams();
  if (backward) {
    // Backward step t reads the forward caches of step t.
    const fwd = data.getStep('forward', step.t);
    if (!fwd) {
      data.ensureStep('forward', step.t);
      return undefined;
    }
    for (const t of fwd.tensors) ts[t.name] = t;
  }
  for (const t of step.tensors) ts[t.name] = t;
  const e = explain(run.cell, backward, name, ts, i, j);
  if (!e) return undefined;
  return [`${e.target} = ${e.equation}`, `= ${e.numbers}`, ...(e.sum ? sumText(e.sum) : [])];
}

/** Fill `el` with the lines (or hide it). */
export function showLines(el: HTMLElement, lines: string[] | undefined): void {
  clear(el);
  show(el, !!lines);
  if (lines) for (const l of lines) el.append(h('div', { text: l }));
}
