import type { Variant } from './types';

export const daNotCarried: Variant = {
  id: 'da-not-carried',
  functions: ['rnn_backward', 'lstm_backward'],
  message: 'Each step gets only da[:,:,t]: the gradient coming back from step t+1 (da_prev) is dropped. Fix: call the cell backward with da[:,:,t] + da_prevt.',
  forms: [{ recipe: { upstream: (daT) => daT } }],
};
