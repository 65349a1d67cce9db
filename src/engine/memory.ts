/**
 * What a run will allocate, from its dims alone, before anything is allocated: the caches the
 * engine keeps for every step (core.ts `allocForward`, `BackwardPass`), the inputs they are
 * computed from, and the export's text buffers. A run whose caches do not fit is refused up
 * front with the figure, rather than dying halfway in "Array buffer allocation failed".
 */
import type { CellType, Dims } from './types';

export interface RunMemory {
  /** Float64 numbers held by the run's inputs (x, a0, c0, da, parameters). */
  inputs: number;
  /** Float64 numbers of the forward caches (a, y; LSTM: c and the four gates). */
  forward: number;
  /** Float64 numbers of the backward caches (da, dx, da0; LSTM: dc, dc0 and the four gate gradients) and gradients. */
  backward: number;
  /** Everything, in bytes. */
  bytes: number;
}

/** Bytes the run of a `cell` problem of these dims (backward over `T_b` steps) holds at its peak. */
export function runMemory(cell: CellType, dims: Dims, T_b: number = dims.T_x): RunMemory {
  const { n_x, n_a, n_y, m, T_x } = dims;
  const lstm = cell === 'lstm';
  const H = lstm ? 4 * n_a : n_a;
  const Sx = T_x * n_a * m;
  const Sb = T_b * n_a * m;
  const params = H * (n_a + n_x + 1) + n_y * (n_a + 1);
  const inputs = n_x * m * T_x + n_a * m * T_b + n_a * m * (lstm ? 2 : 1) + params;
  const forward = Sx * (lstm ? 6 : 1) + T_x * n_y * m;
  const backward = Sb * (lstm ? 6 : 1) + T_b * n_x * m + n_a * m * (lstm ? 2 : 1) + H * (n_a + n_x + 1);
  // Working copies of the weights (stacked and transposed: about twice the parameters).
  const bytes = 8 * (inputs + forward + backward + 2 * params);
  return { inputs, forward, backward, bytes };
}

/** `1.5 GB`-style figure (decimal units, as memory settings are given in MB). */
export function formatMemory(bytes: number): string {
  if (bytes < 1e6) return `${Math.ceil(bytes / 1e3)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(bytes < 1e11 ? 1 : 0)} GB`;
}

/** Default budget of a run (CLI `--max-memory`, panel `rnnStepper.maxMemoryMB`), in MB. */
export const DEFAULT_MAX_MEMORY_MB = 4096;

/**
 * Why a run of these dims does not fit in `maxMB` megabytes, with the remedy, or `undefined`
 * when it fits. `setting` names the knob to raise (`--max-memory` or the panel's setting).
 */
export function memoryRefusal(cell: CellType, dims: Dims, T_b: number, maxMB: number, setting: string): string | undefined {
  const need = runMemory(cell, dims, T_b).bytes;
  if (need <= maxMB * 1e6) return undefined;
  const { m, T_x } = dims;
  // How many steps (or batch columns) would fit, everything else equal.
  const perStep = need / T_x;
  const fitT = Math.max(0, Math.floor((maxMB * 1e6) / perStep));
  const fitM = Math.max(0, Math.floor((maxMB * 1e6 * m) / need));
  return (
    `this run needs about ${formatMemory(need)} for its caches (${cell}; n_a=${dims.n_a} m=${m} T_x=${T_x}), above the ${formatMemory(maxMB * 1e6)} budget: ` +
    `use fewer time steps (T_x ≤ ${fitT} fits) or a smaller batch (m ≤ ${fitM} fits), or raise ${setting} if the machine has the memory`
  );
}
