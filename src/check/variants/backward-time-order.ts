import type { Variant } from './types';

export const backwardTimeOrder: Variant = {
  id: 'backward-time-order',
  functions: ['rnn_backward', 'lstm_backward'],
  message: 'The BPTT loop runs forward in time (t = 0…T-1), so each step gets the gradient of the step before it. Fix: for t in reversed(range(T_x)).',
  forms: [{ recipe: { timeOrder: (T) => Array.from({ length: T }, (_, t) => t) } }],
};
