/**
 * NumPy's legacy global generator, `np.random.seed(s); np.random.randn(...)`: MT19937 seeded by
 * `init_genrand`, 53-bit doubles, and the polar (Marsaglia) normal that keeps its second value.
 * It lets the fixture generator reproduce the Coursera notebook's tensors (np.random.seed(1)).
 * The uniform stream is NumPy's bit for bit; V8's Math.log differs from the C library's in the last
 * bit on a few percent of inputs, so a few normals are an ulp or two off NumPy's (the unit test compares
 * with the committed Coursera fixtures).
 */
export class LegacyNumpyRandom {
  private mt = new Uint32Array(624);
  private mti = 624;
  private gauss: number | undefined;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float rounding
      mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
    }
  }

  private next32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** np.random.random_sample(): 53 random bits in [0, 1). */
  double(): number {
    const a = this.next32() >>> 5, b = this.next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** np.random.randn(): one standard normal. */
  gaussian(): number {
    if (this.gauss !== undefined) {
      const g = this.gauss;
      this.gauss = undefined;
      return g;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.double() - 1;
      x2 = 2 * this.double() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    return f * x2;
  }

  /** np.random.randn(*shape) as row-major data. */
  randn(size: number): Float64Array {
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = this.gaussian();
    return out;
  }
}
