/**
 * Which run a session holds: every step's caches when they fit in the cache budget (setting
 * rnnStepper.cacheMemoryMB; nothing is recomputed), else a checkpointed run whose spacing is the
 * smallest the budget allows (small windows: a step in a window not held is recomputed in a few
 * milliseconds, and the windows next to the one shown are prefetched). Also the up-front refusal
 * of a run that cannot fit in rnnStepper.maxMemoryMB at all.
 */
import { checkpointedBytes, fullCacheBytes, smallestSpacingFor } from '../engine/checkpoint';
import { formatMemory, memoryRefusal, runMemory } from '../engine/memory';
import { daIsLazyOnes } from '../engine/layout';
import type { Problem } from '../engine/types';
import { CheckpointedSessionRun } from './checkpointedRun';
import { LiveRun, type SessionRun } from './liveRun';

export { DEFAULT_CACHE_MEMORY_MB } from './protocol';
/**
 * Windows a checkpointed run keeps each way: the one shown, the neighbour it is closer to
 * (prefetched), and the windows of the steps the panel prefetches around it (±1, ±10 steps: with
 * windows of a few steps these are other windows).
 */
export const KEEP_WINDOWS = 4;
/**
 * Share of the cache budget for the checkpoints and windows (the rest: the running sums, see
 * `sumsBudget`). Measured at T = 1000 (n_a = 256, m = 32): the sums need about 130–200 MB for
 * stepping back to find them prefetched, the windows' spacing matters less.
 */
const WINDOW_SHARE = 0.6;
/**
 * The export's row-group buffer, as a share of the cache budget, held while an export is written
 * (on top of the windows): at a 200 MB budget, a T = 1000, m = 32 array of 256 units is one
 * group, so each array costs one pass over the windows.
 */
const EXPORT_SHARE = 0.5;

/** The running sums' least memory (their coarse checkpoints and a few recent sums; see runningSums.ts). */
const SUMS_MIN_BYTES = 64 * 1048576;
/**
 * And their most: at T = 1000, n_a = 256, 160 MiB gives checkpoints every 36 steps and a span
 * every 4 (a ±10 jump at most 3 contributions away); more buys little.
 */
const SUMS_MAX_BYTES = 160 * 1048576;

/**
 * The running sums' memory within the cache budget: what the caches leave of it (full caches),
 * else what the checkpoints and windows leave; between SUMS_MIN_BYTES and SUMS_MAX_BYTES. With more, the sums around the step
 * shown are prefetched densely and stepping back through the backward costs no recomputation.
 */
export function sumsBudget(problem: Problem, cacheBytes: number): number {
  // (checkpointed: what the checkpoints and windows leave, at least the share they do not take)
  const left = holdsAllCaches(problem, cacheBytes) ? cacheBytes - fullCacheBytes(problem)
    : Math.max(cacheBytes * (1 - WINDOW_SHARE), cacheBytes - checkpointedBytes(problem, checkpointSpacing(problem, cacheBytes), KEEP_WINDOWS + 1));
  return Math.max(SUMS_MIN_BYTES, Math.min(SUMS_MAX_BYTES, left));
}

/**
 * The bytes of the run's inputs (x, da, a0, c0, the parameters): held for the whole run, so the
 * cache budget counts them. A da of ones not held (a fixture without da) is not counted.
 */
export function inputBytes(problem: Problem): number {
  const { n_a, m } = problem.dims;
  const T_b = problem.da.shape[2] ?? problem.dims.T_x;
  const all = 8 * runMemory(problem.cell, problem.dims, T_b).inputs;
  return daIsLazyOnes(problem) ? all - 8 * n_a * m * T_b : all;
}

/**
 * The bytes left for caches (or checkpoints and windows) out of the setting rnnStepper.cacheMemoryMB
 * once the inputs are held: the setting bounds what the run holds, inputs included. At T = 1000 of
 * the issue-13 LSTM (85 MB of inputs with da) every step's caches (805 MB) still fit the default
 * 1024 MB; at T = 10,000 without da (167 MB of inputs, x alone 164 MB) the windows get the rest,
 * so host + worker stay under 1 GB.
 */
export function cacheBudget(problem: Problem, cacheMemoryBytes: number): number {
  return Math.max(0, cacheMemoryBytes - inputBytes(problem));
}

/** A run of one step (the cell kinds) or whose caches fit the budget holds them all. */
export function holdsAllCaches(problem: Problem, cacheBytes: number): boolean {
  return problem.dims.T_x === 1 || fullCacheBytes(problem) <= cacheBytes;
}

/** The spacing of the checkpointed run of `problem` within `cacheBytes`. */
export function checkpointSpacing(problem: Problem, cacheBytes: number): number {
  // (+1: the running sums' build walks through one more backward window of its own)
  return smallestSpacingFor(problem, cacheBytes * WINDOW_SHARE, KEEP_WINDOWS + 1);
}

/**
 * Why the run cannot fit in `maxMB` (with the remedy), or undefined. A run above the cache
 * budget holds its inputs and at most that budget (plus its smallest checkpointed run when the
 * budget is below even that).
 */
export function runRefusal(problem: Problem, maxMB: number, cacheMB: number, setting: string): string | undefined {
  const cacheBytes = cacheBudget(problem, cacheMB * 1e6);
  const T_b = problem.da.shape[2] ?? problem.dims.T_x;
  if (holdsAllCaches(problem, cacheBytes)) return memoryRefusal(problem.cell, problem.dims, T_b, maxMB, setting);
  const inputs = inputBytes(problem);
  const spacing = checkpointSpacing(problem, cacheBytes);
  const held = Math.max(cacheBytes, checkpointedBytes(problem, spacing, KEEP_WINDOWS + 1));
  const need = inputs + held;
  if (need <= maxMB * 1e6) return undefined;
  return (
    `this run needs about ${formatMemory(need)} (${formatMemory(inputs)} of inputs, ${formatMemory(held)} of checkpoints and windows; ` +
    `${problem.cell}; n_a=${problem.dims.n_a} m=${problem.dims.m} T_x=${problem.dims.T_x}), above the ${formatMemory(maxMB * 1e6)} budget: ` +
    `use fewer time steps or a smaller batch, or raise ${setting} if the machine has the memory`
  );
}

export interface StartOptions {
  /** Keep the LSTM gate gradients of a full-cache run when they are at most this big. */
  gateGradLimitBytes: number;
  /** The cache budget in bytes (the inputs not included: see `cacheBudget`). */
  cacheBytes: number;
}

/** The run for `problem` (throws when the engine cannot run it). */
export function startRun(problem: Problem, o: StartOptions): SessionRun {
  if (holdsAllCaches(problem, o.cacheBytes)) {
    const { n_a, m } = problem.dims;
    const T_b = problem.da.shape[2] ?? 1;
    const gateBytes = problem.cell === 'lstm' ? 4 * T_b * n_a * m * 8 : 0;
    const run = LiveRun.start(problem, { keepGateGrads: gateBytes <= o.gateGradLimitBytes, sumsBytes: sumsBudget(problem, o.cacheBytes) });
    // The runner reads da (NumPy layout) chunk-wise during the backward; nothing else reads
    // problem.da after this point (steps, windows and the export use the caches).
    problem.da = { shape: problem.da.shape, data: new Float64Array(0) };
    return run;
  }
  // A fixture without da runs on ones: not held (n_a·m·T doubles), made per window.
  const daOnes = problem.daDefaulted;
  const run = new CheckpointedSessionRun(problem, {
    spacing: checkpointSpacing(problem, o.cacheBytes),
    keepWindows: KEEP_WINDOWS,
    daOnes,
    exportGroupBytes: Math.max(1, o.cacheBytes * EXPORT_SHARE),
    sumsBytes: sumsBudget(problem, o.cacheBytes),
  });
  // (the windows read da from the problem: kept, unless it is the ones)
  if (daOnes) problem.da = { shape: problem.da.shape, data: new Float64Array(0) };
  return run;
}
