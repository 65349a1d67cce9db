import { zerosLike } from './ops';
import type { Variant } from './types';

export const a0Ignored: Variant = {
  id: 'a0-ignored',
  functions: ['rnn_forward', 'lstm_forward'],
  message: 'The sequence starts from zeros instead of a0. Fix: initialise the hidden state with a_next = a0 before the loop.',
  forms: [{ recipe: { initialHidden: zerosLike } }],
};
