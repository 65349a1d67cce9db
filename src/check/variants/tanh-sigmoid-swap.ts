import { mul, sigmoid, tanh } from './ops';
import { LSTM_FORWARD, RNN_FORWARD, type Variant } from './types';

export const tanhSigmoidSwap: Variant = {
  id: 'tanh-sigmoid-swap',
  functions: [...RNN_FORWARD, ...LSTM_FORWARD],
  message: 'tanh and sigmoid are swapped. Fix: the hidden state and the candidate cct use tanh; the gates ft, it, ot use the sigmoid.',
  forms: [
    { what: 'a_next = sigmoid(…)', recipe: { rnnAct: sigmoid } },
    { what: 'cct = sigmoid(…)', recipe: { gateAct: (pre) => sigmoid(pre) } },
    { what: 'gates with tanh, cct with sigmoid', recipe: { gateAct: (pre, gate) => (gate === 'c' ? sigmoid(pre) : tanh(pre)) } },
    { what: 'a_next = ot * sigmoid(c_next)', recipe: { hidden: (ot, c) => mul(ot, sigmoid(c)) } },
  ],
};
