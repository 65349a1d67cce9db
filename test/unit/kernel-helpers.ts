/**
 * Which backends the engine tests hold to the reference: JavaScript always, the wasm SIMD kernel
 * where SIMD validates (every supported Node), and the relaxed-SIMD FMA kernel where it validates
 * (Node 22+, e.g. the test host's Node 24, which engine-kernels.test.ts runs these files under).
 * RNN_STEPPER_REQUIRE_FMA=1 turns a missing FMA kernel into a failure instead of a skip.
 */
import type { BackendName } from '../../src/engine/index';
import { wasmAvailable, wasmFmaAvailable } from '../../src/engine/index';

export function testedBackends(): BackendName[] {
  const out: BackendName[] = ['js'];
  if (wasmAvailable()) out.push('wasm-simd');
  if (wasmFmaAvailable() || process.env.RNN_STEPPER_REQUIRE_FMA === '1') out.push('wasm-fma');
  return out;
}
