import { add, map, mul, oneMinusSq, tanh } from './ops';
import { LSTM_BACKWARD, RNN_BACKWARD, type Variant } from './types';

const tanhAgain = (x: number) => 1 - Math.tanh(x) ** 2;

export const dtanhDouble: Variant = {
  id: 'dtanh-double',
  functions: [...RNN_BACKWARD, ...LSTM_BACKWARD],
  message: "tanh's derivative is taken of a value that is already a tanh (1 - tanh(a_next)**2). Fix: the cache holds tanh's output, so the derivative is 1 - a_next**2 (1 - cct**2 for the candidate).",
  forms: [
    { what: '1 - np.tanh(a_next)**2', recipe: { rnnDpre: (da, aNext) => mul(da, map(aNext, tanhAgain)) } },
    { what: '1 - np.tanh(cct)**2', recipe: { dcct: (s) => mul(mul(s.dcTotal, s.it), map(s.cct, tanhAgain)) } },
    {
      what: '1 - np.tanh(np.tanh(c_next))**2',
      recipe: { dcTotal: (da, dc, ot, tanhC) => add(dc, mul(mul(da, ot), oneMinusSq(tanh(tanhC)))) },
    },
  ],
};
