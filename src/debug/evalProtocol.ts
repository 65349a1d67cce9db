/** Messages between the debug adapter and its expression thread (evalWorker.ts), and the limits. */

/** Largest matrix an expression may create or return (cells). */
export const MAX_RESULT_CELLS = 1_000_000;
/** Longest text result (characters). */
export const MAX_RESULT_TEXT = 100_000;
/** Longest expression accepted (characters): a 10 MB paste is refused before it is parsed. */
export const MAX_EXPRESSION = 10_000;

/** A tensor in the expression's scope: `rows × cols` float64, row-major. */
export interface ScopeTensor {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface EvalRequest {
  id: number;
  expression: string;
  /**
   * The stop (run and step) the request is about. The thread keeps the tensors it was sent for
   * the current stop, so Watch, hovers and conditions at one stop send each tensor once.
   */
  stop: string;
  /** Values the thread does not hold yet for this stop (tensors), and the small ones (t, phase, dims). */
  scope: Record<string, ScopeTensor | number | string>;
  /** Tensor names the thread already holds for this stop (sent by an earlier request). */
  held: string[];
  /**
   * Tensor names the expression uses that this stop does not have (another phase's, e.g. `ft` at
   * a backward step): refused by name, instead of mathjs reading `ft` as feet.
   */
  absent: string[];
}

/** How an error about a tensor of another phase starts (breakpoint conditions treat it as false). */
export const NOT_AT_THIS_STEP = 'not at this step:';

export type EvalValue =
  | { kind: 'number'; value: number }
  | { kind: 'tensor'; rows: number; cols: number; data: Float64Array }
  | { kind: 'text'; text: string };

export type EvalReply = { id: number; ok: true; value: EvalValue } | { id: number; ok: false; error: string };
