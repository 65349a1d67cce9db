/**
 * Which part of a stop each tensor belongs to (protocol/messages.ts `StepPart`), and the names and
 * shapes of a part, known from the run's dimensions before any of it arrives. The worker serves
 * the parts a request names (steps.ts), the panel asks for the parts it paints and sizes its
 * prefetch by their exact bytes (webview/views/prefetch.ts), and draws a card for every tensor of
 * a stop even while its part is not here (webview/views/stepCards.ts).
 */
import {
  BACKWARD_LSTM,
  BACKWARD_RNN,
  FORWARD_LSTM,
  FORWARD_RNN,
  TOTALS_LSTM,
  TOTALS_RNN,
  isParamGrad,
  paramGradShape,
  paramGradsOf,
  sumName,
} from '../engine/names';
import type { CellType, Dims } from '../engine/types';
import type { Phase, StepPart } from '../protocol/messages';

/** The parts a stop of `phase` has: a backward stop three, the others one. */
export const partsOf = (phase: Phase): readonly StepPart[] => (phase === 'backward' ? ['core', 'grads', 'sums'] : ['core']);

/** The part tensor `name` of a stop of `phase` belongs to. */
export function partOf(phase: Phase, name: string): StepPart {
  if (phase !== 'backward') return 'core';
  if (name.startsWith('sum_')) return 'sums';
  return isParamGrad(name) ? 'grads' : 'core';
}

export interface TensorShape {
  name: string;
  rows: number;
  cols: number;
}

/** Every tensor of a stop, in the order of its payload (the panel's card order), with its shape. */
export function stopShapes(cell: CellType, dims: Pick<Dims, 'n_x' | 'n_a' | 'n_y' | 'm'>, phase: Phase): TensorShape[] {
  const { n_x, n_a, n_y, m } = dims;
  const of = (name: string): TensorShape => {
    if (isParamGrad(name)) {
      const [rows, cols] = paramGradShape(name, dims);
      return { name, rows, cols };
    }
    if (name === 'xt' || name === 'dxt') return { name, rows: n_x, cols: m };
    if (name === 'yt_pred') return { name, rows: n_y, cols: m };
    return { name, rows: n_a, cols: m };
  };
  const lstm = cell === 'lstm';
  if (phase === 'forward') return (lstm ? FORWARD_LSTM : FORWARD_RNN).map(of);
  if (phase === 'totals') return (lstm ? TOTALS_LSTM : TOTALS_RNN).map(of);
  const sums = paramGradsOf(cell).map((g) => ({ ...of(g), name: sumName(g) }));
  return [...(lstm ? BACKWARD_LSTM : BACKWARD_RNN).map(of), ...sums];
}

/** The tensors of one part of a stop, in payload order. */
export function partShapes(cell: CellType, dims: Pick<Dims, 'n_x' | 'n_a' | 'n_y' | 'm'>, phase: Phase, part: StepPart): TensorShape[] {
  return stopShapes(cell, dims, phase).filter((s) => partOf(phase, s.name) === part);
}

/** Bytes of float64 data a part of a stop carries. */
export function partBytes(cell: CellType, dims: Pick<Dims, 'n_x' | 'n_a' | 'n_y' | 'm'>, phase: Phase, part: StepPart): number {
  return partShapes(cell, dims, phase, part).reduce((n, s) => n + s.rows * s.cols * 8, 0);
}
