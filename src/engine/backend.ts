/**
 * Which matmul kernels the engine uses. `auto` (the default) picks WebAssembly when the runtime
 * supports it and the problem is big enough for it to pay, and plain JavaScript otherwise; of the
 * two wasm builds it prefers `wasm-fma` (relaxed SIMD, feature-detected) over `wasm-simd`. Tests
 * force each one.
 */

import { jsKernels, type KernelName, type Kernels } from './kernels';
import { loadWasmKernels, type WasmKernelName } from './wasm';

export type BackendName = KernelName;
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'js', 'wasm-simd', 'wasm-fma'];

let choice: BackendChoice = 'auto';
const loaded = new Map<WasmKernelName, Kernels | null>();

function loadWasm(name: WasmKernelName): Kernels | null {
  let k = loaded.get(name);
  if (k === undefined) {
    try {
      k = loadWasmKernels(name);
    } catch {
      k = null;
    }
    loaded.set(name, k);
  }
  return k;
}

/** The best wasm kernels this runtime runs: FMA when relaxed SIMD validates, else plain SIMD. */
function bestWasm(): Kernels | null {
  return loadWasm('wasm-fma') ?? loadWasm('wasm-simd');
}

function unavailable(b: WasmKernelName): Error {
  return new Error(b === 'wasm-fma'
    ? 'the WebAssembly FMA kernels need relaxed SIMD (Node 22+, or Node 20 with --experimental-wasm-relaxed-simd)'
    : 'WebAssembly SIMD kernels are not available here');
}

/** Force a backend (`auto` restores the default choice). Throws if the wasm kernel asked for is unavailable. */
export function setBackend(b: BackendChoice): void {
  if ((b === 'wasm-simd' || b === 'wasm-fma') && !loadWasm(b)) throw unavailable(b);
  choice = b;
}

/** Whether some WebAssembly SIMD kernel runs here. */
export function wasmAvailable(): boolean {
  return bestWasm() !== null;
}

/** Whether the relaxed-SIMD FMA kernel runs here. */
export function wasmFmaAvailable(): boolean {
  return loadWasm('wasm-fma') !== null;
}

/**
 * Below this many multiply-adds per step (H·(n_a+n_x)·m), instantiating a wasm workspace costs
 * more than the SIMD kernel saves.
 */
export const WASM_MIN_MACS_PER_STEP = 2048;

/** The kernels for a problem with `macsPerStep` multiply-adds per step (∞ when unknown). */
export function getKernels(macsPerStep = Infinity): Kernels {
  if (choice === 'js') return jsKernels;
  if (choice === 'wasm-simd' || choice === 'wasm-fma') {
    const w = loadWasm(choice);
    if (!w) throw unavailable(choice);
    return w;
  }
  const w = bestWasm();
  return w && macsPerStep >= WASM_MIN_MACS_PER_STEP ? w : jsKernels;
}
