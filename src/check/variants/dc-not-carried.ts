import { zerosLike } from './ops';
import type { Variant } from './types';

export const dcNotCarried: Variant = {
  id: 'dc-not-carried',
  functions: ['lstm_backward'],
  message: 'dc_prev is not passed back: every step gets dc_next = 0. Fix: feed each step the dc_prev of the step after it (dc_prevt = gradients["dc_prev"]).',
  forms: [{ recipe: { dcCarry: zerosLike } }],
};
