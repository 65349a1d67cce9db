/**
 * What every diagnosis re-runs: the catalogue's forms of the slips a function can hold
 * (`candidates`), the classic cache of a step built from the reference (`cacheAt`), and what one
 * step of a function costs in multiply-adds (`stepWork`, for the budgets), and a function re-run
 * with a recipe on the reference inputs (`runVariant`).
 */
import { PLANS } from './plan';
import { cellInputs, type Reference } from './reference';
import type { FunctionName, Tensor } from './types';
import {
  lstmBackward, lstmCellBackward, lstmCellForward, lstmForward, rnnBackward, rnnCellBackward, rnnCellForward, rnnForward,
  type LstmCache, type Recipe,
} from './variants/classic';
import { CATALOGUE, type Variant, type VariantForm } from './variants/index';

export function need(t: Tensor | undefined, what: string): Tensor {
  if (!t) throw new Error(`diagnose: no ${what}`);
  return t;
}

export function cacheAt(ref: Reference, t: number): LstmCache {
  const i = cellInputs(ref, t);
  return {
    aNext: need(i.a_next, 'a_next'), aPrev: i.a_prev, xt: i.xt, p: i.parameters, cNext: i.c_next ?? i.a_prev,
    cPrev: i.c_prev ?? i.a_prev, ft: i.ft ?? i.a_prev, it: i.it ?? i.a_prev, cct: i.cct ?? i.a_prev, ot: i.ot ?? i.a_prev,
  };
}

export interface Candidate {
  id: string;
  message: string;
  recipe: Partial<Recipe>;
}

export function candidates(fn: FunctionName): Candidate[] {
  const out: Candidate[] = [];
  // "<what it is> (here: <form>). Fix: <fix>": the form is said next to the slip, before the fix.
  const say = (v: Variant, f: VariantForm) => (f.what ? v.message.replace(/\.? Fix: /, ` (here: ${f.what}). Fix: `) : v.message);
  for (const v of CATALOGUE) {
    if (!v.functions.includes(fn)) continue;
    for (const f of v.forms) out.push({ id: v.id, message: say(v, f), recipe: f.recipe });
  }
  return out;
}

export function stepWork(ref: Reference, fn: FunctionName): number {
  const { n_x, n_a, n_y, m } = ref.problem.dims;
  const H = ref.problem.cell === 'lstm' ? 4 * n_a : n_a;
  return (H * (n_a + n_x) + n_y * n_a) * m * (PLANS[fn].backward ? 3 : 1);
}

/** Runs `fn` with recipe r on the reference inputs (step t for a cell function; `steps` for a forward). */
export function runVariant(ref: Reference, fn: FunctionName, r: Recipe, t: number | null, steps?: number): Map<string, Tensor> {
  const p = ref.problem;
  const params = p.parameters;
  const cacheOf = (k: number): LstmCache => cacheAt(ref, k);
  switch (fn) {
    case 'rnn_cell_forward': {
      const i = cellInputs(ref, t ?? 0);
      return rnnCellForward(r, i.xt, i.a_prev, params);
    }
    case 'lstm_cell_forward': {
      const i = cellInputs(ref, t ?? 0);
      return lstmCellForward(r, i.xt, i.a_prev, need(i.c_prev, 'c_prev'), params);
    }
    case 'rnn_forward':
      return rnnForward(r, p.x, p.a0, params, steps);
    case 'lstm_forward':
      return lstmForward(r, p.x, p.a0, params, steps);
    case 'rnn_cell_backward': {
      const i = cellInputs(ref, t ?? 0);
      return rnnCellBackward(r, need(i.da_next, 'da_next'), cacheAt(ref, t ?? 0));
    }
    case 'lstm_cell_backward': {
      const i = cellInputs(ref, t ?? 0);
      return lstmCellBackward(r, need(i.da_next, 'da_next'), need(i.dc_next, 'dc_next'), cacheAt(ref, t ?? 0));
    }
    case 'rnn_backward':
      return rnnBackward(r, p.da, cacheOf, p.dims.n_x);
    case 'lstm_backward':
      return lstmBackward(r, p.da, cacheOf, p.dims.n_x);
  }
}
