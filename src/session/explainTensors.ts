/**
 * The pre-activations of a forward step, as tensors of their own (the panel's "Pre-activations"
 * cards): LSTM `z_ft z_it z_cct z_ot` (Wg·[a_prev; xt] + bg) and the logits `z_y` (Wy·a_next + by);
 * RNN `z_a` (Waa·a_prev + Wax·xt + ba) and `z_y` (Wya·a_next + by). Each element is summed in the
 * order `weightedSum` (explainSum.ts) sums it, bias first, then k, so a card's value and its
 * expansion's pre-activation are the same float. Pure and DOM-free.
 */

import type { Mat, Tensors } from './explainSum';

/** Names of the pre-activation tensors of a forward step, in card order. */
export const PRE_ACTIVATIONS: Readonly<Record<'rnn' | 'lstm', readonly string[]>> = {
  lstm: ['z_ft', 'z_it', 'z_cct', 'z_ot', 'z_y'],
  rnn: ['z_a', 'z_y'],
};

/** Parameter names of each cell, in the order the panel lists them. */
export const PARAMETERS: Readonly<Record<'rnn' | 'lstm', readonly string[]>> = {
  lstm: ['Wf', 'bf', 'Wi', 'bi', 'Wc', 'bc', 'Wo', 'bo', 'Wy', 'by'],
  rnn: ['Wax', 'Waa', 'ba', 'Wya', 'by'],
};

/** One block of a sum: the columns k0… of `W` times the rows of `z`. */
interface Block {
  W: Mat;
  k0: number;
  z: Mat;
}

/** b + Σ_blocks W[:, k0+k]·z[k, :], each element summed bias first, then k in order. */
function affine(blocks: Block[], b: Mat): Mat {
  const rows = b.rows, cols = blocks[0].z.cols;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = b.data[i * b.cols];
      for (const { W, k0, z } of blocks) for (let k = 0; k < z.rows; k++) s += W.data[i * W.cols + k0 + k] * z.data[k * z.cols + j];
      out[i * cols + j] = s;
    }
  return { rows, cols, data: out };
}

const GATE_PARAMS: Record<string, [string, string]> = { z_ft: ['Wf', 'bf'], z_it: ['Wi', 'bi'], z_cct: ['Wc', 'bc'], z_ot: ['Wo', 'bo'] };

/**
 * The pre-activations of a forward step from its tensors (`xt`, `a_prev`, `a_next`) and the
 * parameters, by name; empty when something is missing (parameters not received yet).
 */
export function preActivations(cell: 'rnn' | 'lstm', ts: Tensors): Map<string, Mat> {
  const out = new Map<string, Mat>();
  const { xt, a_prev: a, a_next } = ts;
  if (!xt || !a || !a_next) return out;
  if (cell === 'lstm') {
    for (const [name, [W, b]] of Object.entries(GATE_PARAMS)) {
      const Wm = ts[W], bm = ts[b];
      if (!Wm || !bm) return new Map();
      out.set(name, affine([{ W: Wm, k0: 0, z: a }, { W: Wm, k0: a.rows, z: xt }], bm));
    }
  } else {
    const { Waa, Wax, ba } = ts;
    if (!Waa || !Wax || !ba) return out;
    out.set('z_a', affine([{ W: Waa, k0: 0, z: a }, { W: Wax, k0: 0, z: xt }], ba));
  }
  const Wy = ts[cell === 'lstm' ? 'Wy' : 'Wya'], by = ts.by;
  if (!Wy || !by) return new Map();
  out.set('z_y', affine([{ W: Wy, k0: 0, z: a_next }], by));
  return out;
}
