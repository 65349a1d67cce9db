/**
 * The few windows of a checkpointed run kept for reuse (checkpoint.ts): the one shown and the
 * one prefetched next to it. Least recently used goes first.
 */
/** The few most recent windows, most recent last. */
export class WindowCache<W extends { start: number; end: number }> {
  private readonly items: W[] = [];
  constructor(private readonly max: number) {}
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
    if (i >= 0) this.items.splice(i, 1);
    this.items.push(w);
    while (this.items.length > this.max) this.items.shift();
    return w;
  }
  has(t: number): boolean {
    return this.items.some((w) => t >= w.start && t < w.end);
  }
}
