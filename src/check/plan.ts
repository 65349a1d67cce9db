/**
 * What is checked, in which order (the order): per family the cell forward, the sequence
 * forward, the cell backward, the sequence backward; inside a function its outputs in computation
 * order; sequence tensors step by step in the order the function computes them (forward: t = 1…T,
 * backward: t = T…1), then the whole-array outputs.
 */
import { LSTM_GATES, PARAM_GRADS_LSTM, PARAM_GRADS_RNN } from '../engine/names';
import type { FixtureKind } from '../engine/types';
import { LSTM_FUNCTIONS, RNN_FUNCTIONS, type FunctionName } from './types';

export interface FunctionPlan {
  name: FunctionName;
  /** Called once per step (cell) or once (sequence). */
  cell: boolean;
  backward: boolean;
  /** Output names in comparison order. */
  outputs: readonly string[];
  /** Outputs with a time axis (last NumPy axis), for sequence functions. */
  perStep: readonly string[];
}


export const PLANS: Record<FunctionName, FunctionPlan> = {
  rnn_cell_forward: { name: 'rnn_cell_forward', cell: true, backward: false, outputs: ['a_next', 'yt_pred'], perStep: [] },
  rnn_forward: { name: 'rnn_forward', cell: false, backward: false, outputs: ['a', 'y_pred'], perStep: ['a', 'y_pred'] },
  rnn_cell_backward: {
    name: 'rnn_cell_backward', cell: true, backward: true, outputs: ['dxt', 'da_prev', ...PARAM_GRADS_RNN], perStep: [],
  },
  rnn_backward: { name: 'rnn_backward', cell: false, backward: true, outputs: ['dx', 'da0', ...PARAM_GRADS_RNN], perStep: ['dx'] },
  lstm_cell_forward: {
    name: 'lstm_cell_forward', cell: true, backward: false,
    outputs: [...LSTM_GATES, 'c_next', 'a_next', 'yt_pred'], perStep: [],
  },
  lstm_forward: { name: 'lstm_forward', cell: false, backward: false, outputs: ['c', 'a', 'y'], perStep: ['c', 'a', 'y'] },
  lstm_cell_backward: {
    name: 'lstm_cell_backward', cell: true, backward: true, outputs: ['dxt', 'da_prev', 'dc_prev', ...PARAM_GRADS_LSTM], perStep: [],
  },
  lstm_backward: {
    name: 'lstm_backward', cell: false, backward: true, outputs: ['dx', 'da0', ...PARAM_GRADS_LSTM], perStep: ['dx'],
  },
};

/** The functions a fixture kind is checked with: the cell kinds have no sequence to run. */
export function functionsFor(kind: FixtureKind): FunctionName[] {
  const all: readonly FunctionName[] = kind === 'rnn' || kind === 'rnn_cell' ? RNN_FUNCTIONS : LSTM_FUNCTIONS;
  return kind.endsWith('_cell') ? all.filter((f) => PLANS[f].cell) : [...all];
}

/** 0-based steps in the order the function computes them. */
export function stepOrder(backward: boolean, T: number): number[] {
  const steps = Array.from({ length: T }, (_, t) => t);
  return backward ? steps.reverse() : steps;
}
