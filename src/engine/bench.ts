/** In-process timing of forward and backward (medians after warm-up). */

import { backward, forward, kernelsFor, modelOf } from './run';
import type { BackwardCaches, BenchResult, ForwardCaches, Problem } from './types';
import { now } from './hostGlobals';


type Proc = { cpuUsage?: () => { user: number; system: number } };
/** Process CPU time in ms where the runtime exposes it (Node), else null. */
const cpuNow = (): number | null => {
  const proc = (globalThis as { process?: Proc }).process;
  if (!proc?.cpuUsage) return null;
  const u = proc.cpuUsage();
  return (u.user + u.system) / 1000;
};

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/** Matrix-product work of one forward+backward, in floating-point operations. */
export function flopCount(problem: Problem): number {
  const { n_x, n_a, n_y, m, T_x } = problem.dims;
  const H = problem.cell === 'lstm' ? 4 * n_a : n_a;
  const T_b = problem.da.shape[2] ?? T_x;
  const fwd = T_x * (2 * H * (n_a + n_x) * m + 2 * n_y * n_a * m);
  const bwd = T_b * (2 * 2 * H * (n_a + n_x) * m); // dz = Wᵀd and dW += d zᵀ
  return fwd + bwd;
}

function peakRssMb(): number | null {
  const proc = (globalThis as { process?: { resourceUsage?: () => { maxRSS: number }; memoryUsage?: () => { rss: number } } }).process;
  if (proc?.resourceUsage) return proc.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  if (proc?.memoryUsage) return proc.memoryUsage().rss / (1024 * 1024);
  return null;
}

export interface BenchOptions {
  repeat?: number;
  warmup?: number;
  keepGateGrads?: boolean;
  /**
   * Allocate new caches every repetition (default false: each one writes into the caches of the
   * one before, as NumPy's arrays of the reference bench reuse the memory its allocator got back
   * from the repetition before; fresh caches cost their first-touch page faults every time:
   * ~6000 (14 ms of system time) per S3 RNN run).
   */
  freshCaches?: boolean;
}

export function benchmark(problem: Problem, o?: BenchOptions): BenchResult {
  const repeat = Math.max(1, o?.repeat ?? 5), warmup = Math.max(0, o?.warmup ?? 1);
  const keepGateGrads = o?.keepGateGrads ?? true;
  const f: number[] = [], b: number[] = [], tot: number[] = [], cpu: number[] = [];
  let fw: ForwardCaches | undefined, bw: BackwardCaches | undefined;
  for (let r = 0; r < warmup + repeat; r++) {
    if (o?.freshCaches) fw = bw = undefined;
    const c0 = cpuNow();
    const t0 = now();
    fw = forward(problem, { into: fw });
    const t1 = now();
    bw = backward(problem, fw, { keepGateGrads, into: bw });
    const t2 = now();
    const c1 = cpuNow();
    if (r >= warmup) {
      f.push(t1 - t0); b.push(t2 - t1); tot.push(t2 - t0);
      if (c0 !== null && c1 !== null) cpu.push(c1 - c0);
    }
  }
  const total_ms = median(tot);
  const gflop = flopCount(problem) / 1e9;
  return {
    forward_ms: median(f), backward_ms: median(b), total_ms, gflop, gflops: gflop / (total_ms / 1000),
    cpu_total_ms: cpu.length ? median(cpu) : null, peak_rss_mb: peakRssMb(), repeat, backend: kernelsFor(modelOf(problem)).name,
    caches: o?.freshCaches ? 'fresh' : 'reused',
  };
}
