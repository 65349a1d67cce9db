import { matmul, transpose } from './ops';
import { LSTM_BACKWARD, RNN_BACKWARD, type Variant } from './types';

export const dWTransposed: Variant = {
  id: 'dW-transposed',
  functions: [...RNN_BACKWARD, ...LSTM_BACKWARD],
  message: 'The weight gradients are transposed (input @ d.T). Fix: dW = d @ input.T, the same shape as W (e.g. dWax = dtanh @ xt.T).',
  forms: [{ recipe: { paramGrad: (d, input) => matmul(input, transpose(d)) } }],
};
