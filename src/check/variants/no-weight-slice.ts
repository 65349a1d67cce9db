import { rows } from './ops';
import type { Variant } from './types';

export const noWeightSlice: Variant = {
  id: 'no-weight-slice',
  functions: ['lstm_cell_backward'],
  message:
    'da_prev / dxt are computed with the whole stacked W, giving shape (n_a+n_x, m). Fix: use the a_prev columns for da_prev ' +
    '(Wf[:, :n_a].T @ dft + …) and the x columns for dxt (Wf[:, n_a:].T @ dft + …).',
  forms: [
    { what: 'da_prev and dxt', recipe: { splitDz: (dz) => ({ da_prev: dz, dxt: dz }) } },
    { what: 'da_prev', recipe: { splitDz: (dz, n_a) => ({ da_prev: dz, dxt: rows(dz, n_a, dz.shape[0]) }) } },
    { what: 'dxt', recipe: { splitDz: (dz, n_a) => ({ da_prev: rows(dz, 0, n_a), dxt: dz }) } },
  ],
};
