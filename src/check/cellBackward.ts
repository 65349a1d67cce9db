/**
 * The reference of a cell backward at every step of a fixture, from the engine's caches of one
 * `run()`: what `rnn_cell_backward` / `lstm_cell_backward` return when called with step t's
 * classic cache and the da_next (dc_next) that reached step t.
 *
 * The numbers are the engine's `cellBackwardAt` (engine/run.ts): the step's cell backward on the
 * run's own kernels (WebAssembly SIMD when the runtime has it, stacked weights built once per
 * problem), the same float64s the run's backward pass computed. Not the engine's NumPy port
 * `lstm_cell_backward` step after step: that builds a one-step problem per call and re-runs the
 * step's forward, 14 ms a step on the 1000-step LSTM (n_a=256, m=32), most of the check's time.
 * This file names them as the classic functions return them, in their shapes.
 */
import { GATE_BLOCKS } from '../engine/core';
import { cellBackwardAt } from '../engine/run';
import type { Reference } from './reference';
import type { Tensor } from './types';

export class CellBackwardReference {
  constructor(private readonly ref: Reference) {}

  /** The cell backward's outputs at 0-based step t (< T_b), by name, in NumPy shapes. */
  at(t: number): Map<string, Tensor> {
    const { problem: p, result: r } = this.ref;
    const { n_x, n_a, m } = p.dims;
    const nz = n_a + n_x;
    if (!Number.isInteger(t) || t < 0 || t >= r.backward.T_b) throw new Error(`reference: step ${t + 1} is not back-propagated`);
    const g = cellBackwardAt(p, r.forward, r.backward, t);
    const out = new Map<string, Tensor>();
    out.set('dxt', { shape: [n_x, m], data: g.dxt });
    out.set('da_prev', { shape: [n_a, m], data: g.da_prev });
    if (p.cell === 'lstm') {
      out.set('dc_prev', { shape: [n_a, m], data: g.dc_prev });
      for (const k of GATE_BLOCKS) {
        out.set(`dW${k}`, { shape: [n_a, nz], data: g[`dW${k}`] });
        out.set(`db${k}`, { shape: [n_a, 1], data: g[`db${k}`] });
      }
    } else {
      out.set('dWax', { shape: [n_a, n_x], data: g.dWax }).set('dWaa', { shape: [n_a, n_a], data: g.dWaa });
      out.set('dba', { shape: [n_a, 1], data: g.dba });
    }
    return out;
  }
}
