/**
 * What is checked, in which order (the order): per family the cell forward, the sequence
 * forward, the cell backward, the sequence backward; inside a function its outputs in computation
 * order; sequence tensors step by step in the order the function computes them (forward: t = 1…T,
 * backward: t = T…1), then the whole-array outputs.
 */
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

const LSTM_PARAM_GRADS = ['dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo'] as const;

export const PLANS: Record<FunctionName, FunctionPlan> = {
  rnn_cell_forward: { name: 'rnn_cell_forward', cell: true, backward: false, outputs: ['a_next', 'yt_pred'], perStep: [] },
  rnn_forward: { name: 'rnn_forward', cell: false, backward: false, outputs: ['a', 'y_pred'], perStep: ['a', 'y_pred'] },
  rnn_cell_backward: {
    name: 'rnn_cell_backward', cell: true, backward: true, outputs: ['dxt', 'da_prev', 'dWax', 'dWaa', 'dba'], perStep: [],
  },
  rnn_backward: { name: 'rnn_backward', cell: false, backward: true, outputs: ['dx', 'da0', 'dWax', 'dWaa', 'dba'], perStep: ['dx'] },
  lstm_cell_forward: {
    name: 'lstm_cell_forward', cell: true, backward: false,
    outputs: ['ft', 'it', 'cct', 'ot', 'c_next', 'a_next', 'yt_pred'], perStep: [],
  },
  lstm_forward: { name: 'lstm_forward', cell: false, backward: false, outputs: ['c', 'a', 'y'], perStep: ['c', 'a', 'y'] },
  lstm_cell_backward: {
    name: 'lstm_cell_backward', cell: true, backward: true, outputs: ['dxt', 'da_prev', 'dc_prev', ...LSTM_PARAM_GRADS], perStep: [],
  },
  lstm_backward: {
    name: 'lstm_backward', cell: false, backward: true, outputs: ['dx', 'da0', ...LSTM_PARAM_GRADS], perStep: ['dx'],
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
