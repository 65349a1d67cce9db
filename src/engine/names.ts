/**
 * The names of the tensors and gradients, written once: the NumPy reference's names (rnn_reference.py),
 * which the panel's payloads, the caches export, "check my implementation", gradcheck and the
 * running sums all use. A name list needed anywhere else is imported from here.
 */

import type { CellType } from './types';

/** The parameter gradients of a cell, in the order the NumPy backward functions return them. */
export const PARAM_GRADS_RNN = ['dWax', 'dWaa', 'dba'] as const;
export const PARAM_GRADS_LSTM = ['dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo'] as const;
export type ParamGrad = (typeof PARAM_GRADS_RNN)[number] | (typeof PARAM_GRADS_LSTM)[number];

const ALL_PARAM_GRADS: ReadonlySet<string> = new Set<string>([...PARAM_GRADS_RNN, ...PARAM_GRADS_LSTM]);
export const isParamGrad = (name: string): name is ParamGrad => ALL_PARAM_GRADS.has(name);

export const paramGradsOf = (cell: CellType): readonly ParamGrad[] => (cell === 'lstm' ? PARAM_GRADS_LSTM : PARAM_GRADS_RNN);

/** NumPy shape (rows, cols) of a parameter gradient: biases (n_a, 1); LSTM weights act on [a; x]. */
export function paramGradShape(name: ParamGrad, dims: { n_x: number; n_a: number }): [number, number] {
  const { n_x, n_a } = dims;
  if (name.startsWith('db')) return [n_a, 1];
  if (name === 'dWax') return [n_a, n_x];
  if (name === 'dWaa') return [n_a, n_a];
  return [n_a, n_a + n_x];
}

/** The LSTM's gate activations (forget, update, candidate, output), as the caches name them. */
export const LSTM_GATES = ['ft', 'it', 'cct', 'ot'] as const;
/** Their gradients. */
export const LSTM_GATE_GRADS = ['dft', 'dit', 'dcct', 'dot'] as const;

/** The tensors of one step of the timeline, in the order the panel shows them. */
export const FORWARD_RNN = ['xt', 'a_prev', 'a_next', 'yt_pred'] as const;
export const FORWARD_LSTM = ['xt', 'a_prev', 'c_prev', ...LSTM_GATES, 'c_next', 'a_next', 'yt_pred'] as const;
export const BACKWARD_RNN = ['da_next', 'dtanh', 'dxt', 'da_prev', ...PARAM_GRADS_RNN] as const;
export const BACKWARD_LSTM = ['da_next', 'dc_next', ...LSTM_GATE_GRADS, 'dxt', 'da_prev', 'dc_prev', ...PARAM_GRADS_LSTM] as const;
export const TOTALS_RNN = ['da0', ...PARAM_GRADS_RNN] as const;
export const TOTALS_LSTM = ['da0', 'dc0', ...PARAM_GRADS_LSTM] as const;

/** Units × time views: forward caches, and the gradients flowing back in time. */
export const FORWARD_WINDOWS = ['a', 'c', ...LSTM_GATES, 'y'] as const;
export const BACKWARD_WINDOWS = ['da', 'dc'] as const;

/** Payload name of a gradient's running sum Σ_{s≥t} (backward steps carry one per parameter gradient). */
export const sumName = (grad: string): string => `sum_${grad}`;
