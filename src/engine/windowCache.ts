/**
 * The few windows of a checkpointed run kept for reuse (checkpoint.ts): the one shown and the
 * ones prefetched next to it. Least recently used goes first. Also the arrays of windows that
 * are gone, handed to the next window of the same shape: a run of small windows otherwise
 * allocates megabytes per window, which the garbage collector and the allocator give back late.
 */
import type { BackwardCaches, ForwardCaches } from './types';

/** The few most recent windows, most recent last; `evicted` is told of each one that goes. */
export class WindowCache<W extends { start: number; end: number }> {
  private readonly items: W[] = [];
  constructor(private readonly max: number, private readonly evicted: (w: W) => void = () => undefined) {}
  find(t: number): W | undefined {
    const i = this.items.findIndex((w) => t >= w.start && t < w.end);
    if (i < 0) return undefined;
    const w = this.items[i];
    this.items.splice(i, 1);
    this.items.push(w);
    return w;
  }
  add(w: W): W {
    const i = this.items.findIndex((v) => v.start === w.start);
    if (i >= 0) {
      const [old] = this.items.splice(i, 1);
      if (old !== w) this.evicted(old);
    }
    this.items.push(w);
    while (this.items.length > this.max) {
      const old = this.items.shift();
      if (old) this.evicted(old);
    }
    return w;
  }
  /** Whether this very window is one of those kept. */
  includes(w: object): boolean {
    return this.items.some((v) => v === w);
  }
  has(t: number): boolean {
    return this.items.some((w) => t >= w.start && t < w.end);
  }
}

/** Free cache arrays by window length, at most `perKey` sets each. */
export class CachePool<C> {
  private readonly free = new Map<number, C[]>();
  constructor(private readonly perKey: number, private readonly zero: (c: C) => void) {}
  /** A set for a window of `steps` steps (zeroed), or undefined: the caller allocates. */
  take(steps: number): C | undefined {
    const c = this.free.get(steps)?.pop();
    if (c) this.zero(c);
    return c;
  }
  give(steps: number, c: C): void {
    let list = this.free.get(steps);
    if (!list) this.free.set(steps, (list = []));
    if (list.length < this.perKey && !list.includes(c)) list.push(c);
  }
}

function fill0(a: Float64Array | undefined): void {
  a?.fill(0);
}

export function zeroForward(f: ForwardCaches): void {
  for (const a of [f.a, f.y, f.c, f.ft, f.it, f.cct, f.ot]) fill0(a);
}

export function zeroBackward(b: BackwardCaches): void {
  for (const a of [b.da, b.dx, b.da0, b.dc, b.dc0, b.dft, b.dit, b.dcct, b.dot]) fill0(a);
  for (const g of Object.values(b.grads)) g.fill(0);
}
