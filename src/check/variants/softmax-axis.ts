import { softmax } from './ops';
import { LSTM_FORWARD, RNN_FORWARD, type Variant } from './types';

export const softmaxAxis: Variant = {
  id: 'softmax-axis',
  functions: [...RNN_FORWARD, ...LSTM_FORWARD],
  message: 'The softmax is normalised over the batch (axis 1) instead of over the classes. Fix: sum over axis 0 (np.sum(e, axis=0, keepdims=True)), one distribution per column.',
  forms: [{ recipe: { softmax: (z) => softmax(z, 1) } }],
};
