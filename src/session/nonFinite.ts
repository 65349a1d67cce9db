/**
 * Finds the first step where a NaN or ±Infinity appears, scanning only the steps computed since
 * the last call (forward in time order, backward from T_b-1 down), so streaming stays cheap.
 */
import type { Phase } from '../protocol/messages';
import type { RunView } from './steps';

export interface NonFiniteHit {
  phase: Phase;
  t: number;
  tensor: string;
}

export class NonFiniteScanner {
  private forwardScanned = 0;
  private backwardScanned = 0;
  hit: NonFiniteHit | undefined;

  /** Scan new steps; returns the first hit (sticky once found). */
  update(run: RunView): NonFiniteHit | undefined {
    if (this.hit) return this.hit;
    const { n_a, n_y, m } = run.problem.dims;
    const f = run.forward;
    const fwd: [string, Float64Array | undefined, number][] = [
      ['ft', f.ft, n_a], ['it', f.it, n_a], ['cct', f.cct, n_a], ['ot', f.ot, n_a],
      ['c', f.c, n_a], ['a', f.a, n_a], ['y', f.y, n_y],
    ];
    for (; this.forwardScanned < run.forwardDone; this.forwardScanned++) {
      const t = this.forwardScanned;
      for (const [name, buf, rows] of fwd) {
        if (buf && !allFinite(buf, t * rows * m, (t + 1) * rows * m)) return (this.hit = { phase: 'forward', t, tensor: name });
      }
    }
    const b = run.backward, S = n_a * m;
    for (; this.backwardScanned < run.backwardDone; this.backwardScanned++) {
      const t = b.T_b - 1 - this.backwardScanned;
      for (const [name, buf] of [['da', b.da], ['dc', b.dc]] as const) {
        if (buf && !allFinite(buf, t * S, (t + 1) * S)) return (this.hit = { phase: 'backward', t, tensor: name });
      }
    }
    return undefined;
  }
}

function allFinite(buf: Float64Array, s: number, e: number): boolean {
  for (let q = s; q < e; q++) {
    // x - x is NaN exactly for NaN and ±Infinity.
    if (buf[q] - buf[q] !== 0) return false;
  }
  return true;
}
