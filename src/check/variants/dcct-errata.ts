import { add, map, mul } from './ops';
import { LSTM_BACKWARD, type Variant } from './types';

const dTanhOfTanh = (x: number) => 1 - Math.tanh(x) ** 2;

export const dcctErrata: Variant = {
  id: 'dcct-errata',
  functions: LSTM_BACKWARD,
  message:
    "dcct follows an old notebook's equation (8) as printed (dc_next*it + ot*(1-tanh(c_next)**2)*it*da_next*cct*(1-tanh(cct)**2)). " +
    'Fix: dcct = (dc_next + ot*(1 - np.tanh(c_next)**2)*da_next) * it * (1 - cct**2).',
  forms: [
    {
      recipe: {
        dcct: (s) =>
          add(mul(s.dcNext, s.it), mul(mul(mul(mul(mul(s.ot, map(s.tanhC, (v) => 1 - v * v)), s.it), s.daNext), s.cct), map(s.cct, dTanhOfTanh))),
      },
    },
  ],
};
