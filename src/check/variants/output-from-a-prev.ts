import { add, matmul } from './ops';
import { LSTM_FORWARD, RNN_FORWARD, type Variant } from './types';

export const outputFromAPrev: Variant = {
  id: 'output-from-a-prev',
  functions: [...RNN_FORWARD, ...LSTM_FORWARD],
  message: 'yt_pred is computed from a_prev (a⟨t-1⟩) instead of the new a_next. Fix: yt_pred = softmax(Wy @ a_next + by) after a_next is computed.',
  forms: [{ recipe: { logits: (Wy, by, _aNext, aPrev) => add(matmul(Wy, aPrev), by) } }],
};
