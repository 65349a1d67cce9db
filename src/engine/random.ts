/** Reproducible random problems: a seeded xoshiro128** generator and Box–Muller normals. */

import { nd } from './layout';
import type { CellType, NdArray, Problem } from './types';

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    // splitmix32 expands the seed into the four state words
    let x = (seed >>> 0) ^ 0x9e3779b9;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function randn(rng: Rng, shape: number[], scale = 1): NdArray {
  const a = nd(shape);
  for (let i = 0; i < a.data.length; i++) a.data[i] = rng.normal() * scale;
  return a;
}

export interface RandomProblemOptions {
  kind: CellType;
  n_x: number;
  n_a: number;
  n_y: number;
  m: number;
  T: number;
  seed?: number;
}

/**
 * A reproducible random problem: weights ~ N(0,1)/√fan_in (fan_in = n_a+n_x for the recurrent
 * weights, n_a for the output layer), biases ~ 0.1·N(0,1), x ~ N(0,1), a0 ~ 0.1·N(0,1),
 * da ~ N(0,1) over all T steps. Draw order: x, a0, parameters (in the kind's key order), da.
 */
export function randomProblem(o: RandomProblemOptions): Problem {
  const { kind, n_x, n_a, n_y, m, T } = o;
  for (const [k, v] of Object.entries({ n_x, n_a, n_y, m, T })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`randomProblem: ${k} must be a positive integer, got ${v}`);
  }
  if (kind !== 'rnn' && kind !== 'lstm') throw new Error(`randomProblem: kind must be "rnn" or "lstm", got ${String(kind)}`);
  const seed = o.seed ?? 1;
  const rng = new Rng(seed);
  const x = randn(rng, [n_x, m, T]);
  const a0 = randn(rng, [n_a, m], 0.1);
  const sIn = 1 / Math.sqrt(n_a + n_x), sOut = 1 / Math.sqrt(n_a);
  let parameters: Problem['parameters'];
  if (kind === 'rnn') {
    parameters = {
      Wax: randn(rng, [n_a, n_x], sIn), Waa: randn(rng, [n_a, n_a], sIn), Wya: randn(rng, [n_y, n_a], sOut),
      ba: randn(rng, [n_a, 1], 0.1), by: randn(rng, [n_y, 1], 0.1),
    };
  } else {
    parameters = {
      Wf: randn(rng, [n_a, n_a + n_x], sIn), bf: randn(rng, [n_a, 1], 0.1),
      Wi: randn(rng, [n_a, n_a + n_x], sIn), bi: randn(rng, [n_a, 1], 0.1),
      Wc: randn(rng, [n_a, n_a + n_x], sIn), bc: randn(rng, [n_a, 1], 0.1),
      Wo: randn(rng, [n_a, n_a + n_x], sIn), bo: randn(rng, [n_a, 1], 0.1),
      Wy: randn(rng, [n_y, n_a], sOut), by: randn(rng, [n_y, 1], 0.1),
    };
  }
  const da = randn(rng, [n_a, m, T]);
  const problem: Problem = {
    kind, cell: kind, name: `${kind}_${n_x}x${n_a}x${n_y}_m${m}_T${T}_seed${seed}`,
    dims: { n_x, n_a, n_y, m, T_x: T }, x, a0, parameters, da, daDefaulted: false, warnings: [],
  };
  if (kind === 'lstm') {
    problem.c0 = nd([n_a, m]);
    problem.dcFinal = nd([n_a, m]);
  }
  return problem;
}
