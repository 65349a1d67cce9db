/**
 * A small least-recently-used map: `get` refreshes an entry, `set` evicts the oldest entries
 * beyond `capacity` entries or, with a `weigh` function, beyond `maxWeight` in total.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  private weight = 0;
  constructor(
    readonly capacity: number,
    private readonly weigh?: (v: V) => number,
    readonly maxWeight = Infinity,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** Total weight of the entries (0 without a `weigh` function). */
  get totalWeight(): number {
    return this.weight;
  }

  has(k: K): boolean {
    return this.map.has(k);
  }

  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }

  /** Read without refreshing the entry's age. */
  peek(k: K): V | undefined {
    return this.map.get(k);
  }

  set(k: K, v: V): void {
    this.delete(k);
    this.map.set(k, v);
    if (this.weigh) this.weight += this.weigh(v);
    // Never evict the entry just added, even when it alone is over the weight budget.
    while (this.map.size > 1 && (this.map.size > this.capacity || this.weight > this.maxWeight)) {
      this.delete(this.map.keys().next().value as K);
    }
  }

  delete(k: K): void {
    const old = this.map.get(k);
    if (old === undefined) return;
    this.map.delete(k);
    if (this.weigh) this.weight -= this.weigh(old);
  }

  clear(): void {
    this.map.clear();
    this.weight = 0;
  }

  keys(): K[] {
    return [...this.map.keys()];
  }
}
