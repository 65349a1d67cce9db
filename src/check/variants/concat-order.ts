import { rows, vstack } from './ops';
import { LSTM_BACKWARD, LSTM_FORWARD, type Variant } from './types';

const xFirst = (aPrev: Parameters<typeof vstack>[0], xt: Parameters<typeof vstack>[0]) => vstack(xt, aPrev);

export const concatOrder: Variant = {
  id: 'concat-order',
  functions: [...LSTM_FORWARD, ...LSTM_BACKWARD],
  message: 'The concatenation is [xt; a_prev], but the weights expect a_prev first. Fix: concat = np.concatenate((a_prev, xt)); in the backward da_prev = dconcat[:n_a], dxt = dconcat[n_a:].',
  forms: [
    { recipe: { concat: xFirst, splitDz: (dz, _n_a, n_x) => ({ dxt: rows(dz, 0, n_x), da_prev: rows(dz, n_x, dz.shape[0]) }) } },
    { what: 'in dW = d @ concat.T', recipe: { concat: xFirst } },
    { what: 'when slicing da_prev and dxt', recipe: { splitDz: (dz, _n_a, n_x) => ({ dxt: rows(dz, 0, n_x), da_prev: rows(dz, n_x, dz.shape[0]) }) } },
  ],
};
