import { add, mul } from './ops';
import { LSTM_FORWARD, type Variant } from './types';

export const cGatesSwapped: Variant = {
  id: 'c-gates-swapped',
  functions: LSTM_FORWARD,
  message: 'The forget and update gates are swapped in the cell state (it*c_prev + ft*cct). Fix: c_next = ft * c_prev + it * cct.',
  forms: [{ recipe: { cellState: (ft, it, cct, cPrev) => add(mul(it, cPrev), mul(ft, cct)) } }],
};
