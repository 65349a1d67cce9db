/**
 * The export of a checkpointed run, streamed from recomputation. The export is time-last
 * (`(n, m, T)`: one line of T numbers per unit and batch column) while the run recomputes
 * step-major windows, so each array is written in groups of rows: for rows [i0, i0 + g) a pass
 * over every window copies those rows of every step into a `g × m × T` buffer, whose lines are
 * then written. `g` comes from a byte budget; at T = 1000 and n_a = 256 one group of 64 MB holds
 * the whole of an array (one pass per array). One buffer serves every array in turn (they are
 * written one after the other), so the export holds one group, not one per array. The numbers are the windows', which are the
 * full-cache run's bit for bit (checkpoint.ts), so the file is `rnn-stepper run`'s.
 */
import { LSTM_GATES, paramGradsOf } from '../engine/names';
import type { BackwardWindow, CheckpointedRun, ForwardWindow } from '../engine/checkpoint';
import type { BackwardCaches, ForwardCaches } from '../engine/types';
import type { At3, Entry, Sections } from '../export/caches';

type FwdName = 'a' | 'y' | 'c' | 'ft' | 'it' | 'cct' | 'ot';
type BwdName = 'da' | 'dc' | 'dft' | 'dit' | 'dcct' | 'dot' | 'dx';

/**
 * The one row-group buffer of an export: the arrays are written one after the other, so they take
 * turns (`owner`: the array whose group is in it).
 */
export interface GroupBuffer {
  buf: Float64Array;
  owner: object | undefined;
}

/** One array read in row groups, each group filled by one pass over the run's windows. */
class RowGroups {
  private i0 = -1;
  private g = 0;

  constructor(
    private readonly shared: GroupBuffer,
    private readonly n: number,
    private readonly m: number,
    private readonly T: number,
    private readonly groupBytes: number,
    /** Calls `copy(start, end, steps)` for every window in turn (steps: step-major, local index). */
    private readonly eachWindow: (copy: (start: number, end: number, steps: Float64Array) => void) => void,
  ) {}

  readonly at: At3 = (i, j, t) => {
    if (this.shared.owner !== this || i < this.i0 || i >= this.i0 + this.g) this.fill(i);
    return this.shared.buf[((i - this.i0) * this.m + j) * this.T + t] ?? NaN;
  };

  private fill(i0: number): void {
    const { n, m, T } = this;
    const g = Math.max(1, Math.min(n - i0, Math.floor(this.groupBytes / (8 * m * T))));
    if (this.shared.buf.length < g * m * T) this.shared.buf = new Float64Array(g * m * T);
    this.shared.owner = this;
    const buf = this.shared.buf, nm = n * m;
    this.eachWindow((start, end, steps) => {
      for (let t = start; t < end; t++) {
        const o = (t - start) * nm;
        for (let r = 0; r < g; r++) {
          const src = o + (i0 + r) * m, dst = r * m * T + t;
          for (let j = 0; j < m; j++) buf[dst + j * T] = steps[src + j] ?? NaN;
        }
      }
    });
    this.i0 = i0;
    this.g = g;
  }
}

/**
 * The export's sections for a finished checkpointed sequence run (the cell kinds, T = 1, run
 * with full caches). Same keys, order and layout as `sections()` of caches.ts.
 */
export function checkpointedSections(ck: CheckpointedRun, groupBytes: number): Sections {
  const p = ck.problem;
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  const T_b = ck.T_b, k = ck.spacing;
  const eachForward = (name: FwdName) => (copy: (s: number, e: number, steps: Float64Array) => void) => {
    for (let t = 0; t < T_x; t += k) {
      const w: ForwardWindow = ck.forwardWindow(t, false);
      const buf: ForwardCaches[FwdName] = w.caches[name];
      if (!buf) throw new Error(`export: the run has no ${name}`);
      copy(w.start, w.end, buf);
      ck.release(w); // (its arrays serve the next window)
    }
  };
  const eachBackward = (name: BwdName) => (copy: (s: number, e: number, steps: Float64Array) => void) => {
    for (let hi = T_b; hi > 0; hi -= k) {
      const w: BackwardWindow = ck.backwardWindow(hi - 1, false);
      const buf: BackwardCaches[BwdName] = w.caches[name];
      if (!buf) throw new Error(`export: the run has no ${name}`);
      copy(w.start, w.end, buf);
      ck.release(w);
    }
  };
  const shared: GroupBuffer = { buf: new Float64Array(0), owner: undefined };
  const seq = (key: string, n: number, T: number, each: (copy: (s: number, e: number, steps: Float64Array) => void) => void): Entry => ({
    key, seq: { at: new RowGroups(shared, n, m, T, groupBytes, each).at, n, m, T },
  });
  const lstm = p.cell === 'lstm';
  const forward: Entry[] = [seq('a', n_a, T_x, eachForward('a')), seq('y_pred', n_y, T_x, eachForward('y'))];
  const backward: Entry[] = [seq('da', n_a, T_b, eachBackward('da'))];
  if (lstm) {
    for (const g of ['c', ...LSTM_GATES] as const) forward.push(seq(g, n_a, T_x, eachForward(g)));
    for (const g of ['dc', 'dft', 'dit', 'dcct', 'dot'] as const) backward.push(seq(g, n_a, T_b, eachBackward(g)));
  }
  const gradients: Entry[] = [
    seq('dx', n_x, T_b, eachBackward('dx')),
    { key: 'da0', matrix: { data: ck.da0, offset: 0, rows: n_a, cols: m } },
  ];
  const dc0 = ck.dc0;
  if (lstm && dc0) gradients.push({ key: 'dc0', matrix: { data: dc0, offset: 0, rows: n_a, cols: m } });
  for (const key of paramGradsOf(lstm ? 'lstm' : 'rnn')) {
    const data = ck.grads[key];
    if (!data) throw new Error(`export: the run has no gradient ${key}`);
    gradients.push({ key, matrix: { data, offset: 0, rows: n_a, cols: data.length / n_a } });
  }
  return { forward, backward, gradients };
}
