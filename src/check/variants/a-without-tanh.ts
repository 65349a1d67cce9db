import { mul } from './ops';
import { LSTM_FORWARD, type Variant } from './types';

export const aWithoutTanh: Variant = {
  id: 'a-without-tanh',
  functions: LSTM_FORWARD,
  message: 'a_next = ot * c_next misses the tanh. Fix: a_next = ot * np.tanh(c_next).',
  forms: [{ recipe: { hidden: mul } }],
};
