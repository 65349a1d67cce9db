import { add, map, mul, sigmoidGrad } from './ops';
import type { LstmBackState } from './classic';
import type { Tensor } from '../types';
import { LSTM_BACKWARD, type Variant } from './types';

/** dc_next*other + ot*(1-tanh(c_next)**2)*other*da_next*gate*(1-gate): σ′ only on the da_next term. */
function printed(s: LstmBackState, other: Tensor, gate: Tensor): Tensor {
  const viaA = mul(mul(mul(s.ot, map(s.tanhC, (v) => 1 - v * v)), other), s.daNext);
  return add(mul(s.dcNext, other), mul(viaA, sigmoidGrad(gate)));
}

export const gateGradParentheses: Variant = {
  id: 'gate-grad-parentheses',
  functions: LSTM_BACKWARD,
  message:
    "dit and dft follow an old notebook's equations (9) and (10) as printed: the sigmoid derivative multiplies only the da_next term. " +
    'Fix: dit = (dc_next + ot*(1 - np.tanh(c_next)**2)*da_next) * cct * it*(1 - it), and dft the same with c_prev and ft.',
  forms: [{ recipe: { dit: (s) => printed(s, s.cct, s.it), dft: (s) => printed(s, s.cPrev, s.ft) } }],
};
