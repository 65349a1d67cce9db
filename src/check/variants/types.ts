/** A catalogue entry: a known slip, as one or more ways of writing it (forms), each a recipe change. */
import type { FunctionName } from '../types';
import type { Recipe } from './classic';

export interface VariantForm {
  /** The hooks this way of writing the slip changes. */
  recipe: Partial<Recipe>;
  /** Which part, when the slip has several forms (e.g. `ba` for bias-missing), said after the message. */
  what?: string;
}

export interface Variant {
  /** Part of the interface (`diagnosis[].id`): never rename. */
  id: string;
  /** The functions where this slip can be (the sequence functions inherit their cell's slips). */
  functions: readonly FunctionName[];
  /** What it is and the fix, one or two sentences. */
  message: string;
  forms: readonly VariantForm[];
}

export const RNN_FORWARD: readonly FunctionName[] = ['rnn_cell_forward', 'rnn_forward'];
export const LSTM_FORWARD: readonly FunctionName[] = ['lstm_cell_forward', 'lstm_forward'];
export const RNN_BACKWARD: readonly FunctionName[] = ['rnn_cell_backward', 'rnn_backward'];
export const LSTM_BACKWARD: readonly FunctionName[] = ['lstm_cell_backward', 'lstm_backward'];
