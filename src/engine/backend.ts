/**
 * Which matmul kernels the engine uses. `auto` (the default) picks WebAssembly SIMD when the
 * runtime supports it and falls back to plain JavaScript otherwise; tests force each one.
 */

import { jsKernels, type Kernels } from './kernels';

export type BackendName = 'js' | 'wasm-simd';
type Choice = BackendName | 'auto';

let choice: Choice = 'auto';
let wasmKernels: Kernels | null | undefined;
let wasmLoader: (() => Kernels | null) | undefined;

/** Registered by `wasm.ts` (kept separate so the JS path has no dependency on it). */
export function registerWasmLoader(loader: () => Kernels | null): void {
  wasmLoader = loader;
  wasmKernels = undefined;
}

function loadWasm(): Kernels | null {
  if (wasmKernels === undefined) {
    try {
      wasmKernels = wasmLoader ? wasmLoader() : null;
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

export function getKernels(): Kernels {
  if (choice === 'js') return jsKernels;
  const w = loadWasm();
  if (w) return w;
  if (choice === 'wasm-simd') throw new Error('WebAssembly SIMD kernels are not available here');
  return jsKernels;
}

export function backendName(): BackendName {
  return getKernels().name;
}
