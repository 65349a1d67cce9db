import { sumCols } from './ops';
import { LSTM_BACKWARD, RNN_BACKWARD, type Variant } from './types';

export const dbKeepdims: Variant = {
  id: 'db-keepdims',
  functions: [...RNN_BACKWARD, ...LSTM_BACKWARD],
  message: 'The bias gradient has shape (n,) instead of (n, 1). Fix: np.sum(d, axis=1, keepdims=True).',
  forms: [{ recipe: { biasGrad: (d) => sumCols(d, false) } }],
};
