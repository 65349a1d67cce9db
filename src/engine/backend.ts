/**
 * Which matmul kernels the engine uses. `auto` (the default) picks WebAssembly SIMD when the
 * runtime supports it and the problem is big enough for it to pay, and plain JavaScript otherwise;
 * tests force each one.
 */

import { jsKernels, type Kernels } from './kernels';
import { loadWasmKernels } from './wasm';

export type BackendName = 'js' | 'wasm-simd';
type Choice = BackendName | 'auto';

let choice: Choice = 'auto';
let wasmKernels: Kernels | null | undefined;

function loadWasm(): Kernels | null {
  if (wasmKernels === undefined) {
    try {
      wasmKernels = loadWasmKernels();
    } catch {
      wasmKernels = null;
    }
  }
  return wasmKernels;
}

/** Force a backend (`auto` restores the default choice). Throws if wasm-simd is unavailable. */
export function setBackend(b: Choice): void {
  if (b === 'wasm-simd' && !loadWasm()) throw new Error('WebAssembly SIMD kernels are not available here');
  choice = b;
}

export function wasmAvailable(): boolean {
  return loadWasm() !== null;
}

/**
 * Below this many multiply-adds per step (H·(n_a+n_x)·m), instantiating a wasm workspace costs
 * more than the SIMD kernel saves.
 */
export const WASM_MIN_MACS_PER_STEP = 2048;

/** The kernels for a problem with `macsPerStep` multiply-adds per step (∞ when unknown). */
export function getKernels(macsPerStep = Infinity): Kernels {
  if (choice === 'js') return jsKernels;
  const w = loadWasm();
  if (choice === 'wasm-simd') {
    if (!w) throw new Error('WebAssembly SIMD kernels are not available here');
    return w;
  }
  return w && macsPerStep >= WASM_MIN_MACS_PER_STEP ? w : jsKernels;
}
