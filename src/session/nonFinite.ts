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
  /** Where in the step's (rows, m) slice: unit (or class) `row`, batch column `col`. */
  row: number;
  col: number;
  value: number;
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
        const q = buf ? firstBad(buf, t * rows * m, (t + 1) * rows * m) : -1;
        if (buf && q >= 0) return (this.hit = hitAt('forward', t, name, buf[q] ?? NaN, q - t * rows * m, m));
      }
    }
    const b = run.backward, S = n_a * m;
    for (; this.backwardScanned < run.backwardDone; this.backwardScanned++) {
      const t = b.T_b - 1 - this.backwardScanned;
      for (const [name, buf] of [['da', b.da], ['dc', b.dc]] as const) {
        const q = buf ? firstBad(buf, t * S, (t + 1) * S) : -1;
        if (buf && q >= 0) return (this.hit = hitAt('backward', t, name, buf[q] ?? NaN, q - t * S, m));
      }
    }
    return undefined;
  }
}

/** Index of the first NaN or ±Infinity in buf[s, e), or -1. */
function firstBad(buf: Float64Array, s: number, e: number): number {
  for (let q = s; q < e; q++) {
    // x - x is NaN exactly for NaN and ±Infinity.
    if (buf[q] - buf[q] !== 0) return q;
  }
  return -1;
}

function hitAt(phase: Phase, t: number, tensor: string, value: number, r: number, m: number): NonFiniteHit {
  return { phase, t, tensor, row: Math.floor(r / m), col: r % m, value };
}

/** NumPy spelling of the hit's cache entry, e.g. `a[3, 0, 5]` (time last) for the forward cache `a`. */
export function nonFiniteEntry(h: NonFiniteHit): string {
  return `${h.tensor}[${h.row}, ${h.col}, ${h.t}]`;
}

/**
 * The warning for a hit, as TensorFlow's check_numerics words it: where the first NaN/Infinity
 * appeared and what to look at.
 */
export function nonFiniteWarning(h: NonFiniteHit): string {
  const v = Number.isNaN(h.value) ? 'NaN' : h.value > 0 ? 'Infinity' : '-Infinity';
  const step = h.phase === 'forward' ? `forward step t=${h.t}` : `backward step t=${h.t}`;
  return (
    `the run produced a non-finite value: ${nonFiniteEntry(h)} = ${v} at ${step} (the first one; ` +
    `later values it feeds are not meaningful): look for overflowing weights or inputs`
  );
}
