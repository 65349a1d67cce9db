/**
 * WebAssembly SIMD backend: the AssemblyScript kernel (wasm/kernels.as.ts, bytes embedded in
 * wasm/kernels.generated.ts) instantiated once per workspace over its own fixed-size memory.
 * Operands outside that memory (should not happen) fall back to the JavaScript kernel.
 */

import { jsGemmNN, type GemmNN, type Kernels, type Workspace } from './kernels';
import { KERNELS_WASM_BASE64 } from './wasm/kernels.generated';

type WasmGemm = (
  M: number, N: number, K: number, pA: number, lda: number, pB: number, ldb: number,
  pC: number, ldc: number, accumulate: number,
) => void;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const PAGE = 65536;

export function loadWasmKernels(): Kernels | null {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') return null;
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  if (!WebAssembly.validate(bytes)) return null; // no SIMD support
  const module = new WebAssembly.Module(bytes);
  const workspace = (doubles: number, arrays: number): Workspace => {
    const bytesNeeded = (doubles + 2 * arrays + 2) * 8;
    const pages = Math.max(1, Math.ceil(bytesNeeded / PAGE));
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const gemm = instance.exports.gemmNN as WasmGemm;
    const buf = memory.buffer;
    let top = 16;
    const alloc = (n: number): Float64Array => {
      const size = n * 8;
      if (top + size > buf.byteLength) return new Float64Array(n);
      const a = new Float64Array(buf, top, n);
      top += (size + 15) & ~15;
      return a;
    };
    const gemmNN: GemmNN = (M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate) => {
      if (M === 0 || N === 0) return;
      if (A.buffer !== buf || B.buffer !== buf || C.buffer !== buf) {
        jsGemmNN(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate);
        return;
      }
      gemm(M, N, K, A.byteOffset + aOff * 8, lda, B.byteOffset + bOff * 8, ldb, C.byteOffset + cOff * 8, ldc,
        accumulate ? 1 : 0);
    };
    return { alloc, gemmNN };
  };
  // smoke test: a 2×2 product must come out right, else do not use the backend
  const ws = workspace(12, 3);
  const A = ws.alloc(4), B = ws.alloc(4), C = ws.alloc(4);
  A.set([1, 2, 3, 4]); B.set([5, 6, 7, 8]);
  ws.gemmNN(2, 2, 2, A, 0, 2, B, 0, 2, C, 0, 2, false);
  if (C[0] !== 19 || C[1] !== 22 || C[2] !== 43 || C[3] !== 50) return null;
  return { name: 'wasm-simd', workspace };
}

