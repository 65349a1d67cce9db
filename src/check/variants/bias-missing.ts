import { add, matmul } from './ops';
import type { Gate } from './classic';
import { LSTM_FORWARD, RNN_FORWARD, type Variant, type VariantForm } from './types';

const gateWithout = (missing: readonly Gate[]): VariantForm => ({
  what: missing.length === 4 ? 'bf, bi, bc, bo' : `b${missing[0]}`,
  recipe: { gatePre: (W, b, z, gate) => (missing.includes(gate) ? matmul(W, z) : add(matmul(W, z), b)) },
});

export const biasMissing: Variant = {
  id: 'bias-missing',
  functions: [...RNN_FORWARD, ...LSTM_FORWARD],
  message: 'A bias is not added. Fix: add the bias column to the pre-activation (e.g. Wax @ xt + Waa @ a_prev + ba).',
  forms: [
    { what: 'ba', recipe: { rnnPre: (p, xt, aPrev) => add(matmul(p.Wax, xt), matmul(p.Waa, aPrev)) } },
    { what: 'by', recipe: { logits: (Wy, _by, aNext) => matmul(Wy, aNext) } },
    gateWithout(['f', 'i', 'c', 'o']),
    gateWithout(['f']),
    gateWithout(['i']),
    gateWithout(['c']),
    gateWithout(['o']),
  ],
};
