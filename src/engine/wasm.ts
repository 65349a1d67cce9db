/**
 * WebAssembly SIMD backend: the AssemblyScript kernels (wasm/kernels.as.ts, bytes embedded in
 * wasm/kernels.generated.ts) in two builds: `wasm-simd` (f64x2 multiply then add, any runtime with
 * SIMD) and `wasm-fma` (the products' multiply-adds fused by relaxed SIMD's `f64x2.relaxed_madd`:
 * Node 22+/Electron, Node 20 only behind --experimental-wasm-relaxed-simd). One shared instance over a fixed-size memory; each workspace is a
 * region of it, returned to a free list when the workspace is garbage-collected. Operands outside
 * that memory (should not happen) fall back to the JavaScript kernel.
 */

import { softmaxColumns } from './core';
import { jsGemmNN, jsLstmBackward, type Kernels, type Workspace } from './kernels';
import { KERNELS_FMA_WASM_BASE64, KERNELS_WASM_BASE64 } from './wasm/kernels.generated';
import { decodeBase64, wasmApi, type WasmMemory } from './hostGlobals';

type WasmGemm = (
  M: number, N: number, K: number, pA: number, lda: number, pB: number, ldb: number,
  pC: number, ldc: number, accumulate: number,
) => void;


const PAGE = 65536;
/** Bytes [64, BASE) of every instance's memory are the kernel's packing scratch (SCRATCH, KC×NC in kernels.as.ts). */
const BASE = 64 + 256 * 512 * 8;

type Exports = {
  gemmNN: WasmGemm;
  gemmNT: WasmGemm;
  tanhInPlace: (p: number, n: number) => void;
  lstmCell: (pG: number, S: number, pc: number, pa: number) => void;
  lstmBackward: (pIn: number, S: number, pdc: number, pDs: number) => void;
  copyRows: (pDst: number, ldd: number, pSrc: number, lds: number, rows: number, cols: number, pb: number) => void;
  rowSumsAdd: (pA: number, lda: number, M: number, K: number, pOut: number) => void;
  softmaxColumns: (p: number, n: number, m: number) => void;
  addVec: (pDst: number, pA: number, pB: number, n: number) => void;
  tanhBackward: (pDs: number, pDa: number, pA: number, n: number) => void;
};

/**
 * The kernels of one instance over one memory. Calls from the engine's time loop go through the
 * methods of this class, so a shared instance keeps every call site monomorphic (a fresh instance
 * per run would make V8 deoptimise the loop on "wrong call target" at every run).
 */
class Instance {
  readonly buf: ArrayBuffer;
  constructor(readonly ex: Exports, memory: WasmMemory) {
    this.buf = memory.buffer;
  }
  gemmNN(
    M: number, N: number, K: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number,
    ldb: number, C: Float64Array, cOff: number, ldc: number, accumulate: boolean,
  ): void {
    if (M === 0 || N === 0) return;
    const buf = this.buf;
    if (A.buffer !== buf || B.buffer !== buf || C.buffer !== buf) {
      jsGemmNN(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate);
      return;
    }
    this.ex.gemmNN(M, N, K, A.byteOffset + aOff * 8, lda, B.byteOffset + bOff * 8, ldb, C.byteOffset + cOff * 8, ldc,
      accumulate ? 1 : 0);
  }
  /** C (+)= A·Btᵀ, Bt (N×K) row-major. */
  gemmNT(
    M: number, N: number, K: number, A: Float64Array, aOff: number, lda: number, Bt: Float64Array, bOff: number,
    ldb: number, C: Float64Array, cOff: number, ldc: number, accumulate: boolean,
  ): void {
    if (M === 0 || N === 0) return;
    const buf = this.buf;
    if (A.buffer !== buf || Bt.buffer !== buf || C.buffer !== buf) {
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = accumulate ? C[cOff + i * ldc + j] : 0;
          for (let k = 0; k < K; k++) s += A[aOff + i * lda + k] * Bt[bOff + j * ldb + k];
          C[cOff + i * ldc + j] = s;
        }
      }
      return;
    }
    this.ex.gemmNT(M, N, K, A.byteOffset + aOff * 8, lda, Bt.byteOffset + bOff * 8, ldb, C.byteOffset + cOff * 8, ldc,
      accumulate ? 1 : 0);
  }
  tanhInPlace(p: Float64Array, n: number): void {
    if (p.buffer === this.buf) this.ex.tanhInPlace(p.byteOffset, n);
    else for (let q = 0; q < n; q++) p[q] = Math.tanh(p[q]);
  }
  lstmCell(G: Float64Array, c: Float64Array, a: Float64Array, S: number): void {
    const buf = this.buf;
    if (G.buffer === buf && c.buffer === buf && a.buffer === buf) {
      this.ex.lstmCell(G.byteOffset, S, c.byteOffset, a.byteOffset);
      return;
    }
    for (let q = 0; q < S; q++) {
      const f = 1 / (1 + Math.exp(-G[q])), i = 1 / (1 + Math.exp(-G[S + q]));
      const cc = Math.tanh(G[2 * S + q]), o = 1 / (1 + Math.exp(-G[3 * S + q]));
      G[q] = f; G[S + q] = i; G[2 * S + q] = cc; G[3 * S + q] = o;
      c[q] = f * c[q] + i * cc;
      a[q] = o * Math.tanh(c[q]);
    }
  }
  lstmBackward(inp: Float64Array, S: number, dc: Float64Array, Ds: Float64Array): void {
    const buf = this.buf;
    if (inp.buffer === buf && dc.buffer === buf && Ds.buffer === buf) {
      this.ex.lstmBackward(inp.byteOffset, S, dc.byteOffset, Ds.byteOffset);
      return;
    }
    jsLstmBackward(inp, S, dc, Ds);
  }
  copyRows(
    dst: Float64Array, dOff: number, ldd: number, src: Float64Array, sOff: number, lds: number, rows: number, cols: number,
    b: Float64Array | null,
  ): void {
    const buf = this.buf;
    if (dst.buffer === buf && src.buffer === buf && (b === null || b.buffer === buf)) {
      this.ex.copyRows(dst.byteOffset + dOff * 8, ldd, src.byteOffset + sOff * 8, lds, rows, cols, b === null ? 0 : b.byteOffset);
      return;
    }
    for (let r = 0; r < rows; r++) {
      const br = b === null ? 0 : b[r], d = dOff + r * ldd, s = sOff + r * lds;
      for (let j = 0; j < cols; j++) dst[d + j] = b === null ? src[s + j] : src[s + j] + br;
    }
  }
  softmaxColumns(Z: Float64Array, n: number, m: number): void {
    // the wasm version keeps 3m doubles (maxima, sums, NaN flags) in the packing scratch (BASE − 64 bytes)
    if (Z.buffer === this.buf && (3 * m + 6) * 8 <= BASE - 64) this.ex.softmaxColumns(Z.byteOffset, n, m);
    else softmaxColumns(Z, 0, n, m);
  }
  addVec(dst: Float64Array, a: Float64Array, aOff: number, b: Float64Array, n: number): void {
    const buf = this.buf;
    if (dst.buffer === buf && a.buffer === buf && b.buffer === buf) {
      this.ex.addVec(dst.byteOffset, a.byteOffset + aOff * 8, b.byteOffset, n);
      return;
    }
    for (let q = 0; q < n; q++) dst[q] = a[aOff + q] + b[q];
  }
  tanhBackward(Ds: Float64Array, da: Float64Array, a: Float64Array, n: number): void {
    const buf = this.buf;
    if (Ds.buffer === buf && da.buffer === buf && a.buffer === buf) {
      this.ex.tanhBackward(Ds.byteOffset, da.byteOffset, a.byteOffset, n);
      return;
    }
    for (let q = 0; q < n; q++) Ds[q] = da[q] * (1 - a[q] * a[q]);
  }
  rowSumsAdd(A: Float64Array, aOff: number, lda: number, M: number, K: number, out: Float64Array): void {
    if (A.buffer === this.buf && out.buffer === this.buf) {
      this.ex.rowSumsAdd(A.byteOffset + aOff * 8, lda, M, K, out.byteOffset);
      return;
    }
    for (let r = 0; r < M; r++) {
      let s = 0;
      const ro = aOff + r * lda;
      for (let q = 0; q < K; q++) s += A[ro + q];
      out[r] += s;
    }
  }
}

/** A region [base, end) of an instance's memory, handed out by a bump pointer. */
class RegionWorkspace implements Workspace {
  private top: number;
  /** Set when the region is the shared arena's: `release` hands it back. */
  onRelease: (() => void) | undefined;
  constructor(private readonly inst: Instance, base: number, private readonly end: number) {
    this.top = base;
  }
  release(): void {
    const f = this.onRelease;
    this.onRelease = undefined;
    this.top = this.end; // (nothing more is handed out of a released region)
    f?.();
  }
  alloc(n: number): Float64Array {
    const size = n * 8;
    if (this.top + size > this.end) return new Float64Array(n);
    const a = new Float64Array(this.inst.buf, this.top, n);
    a.fill(0); // regions are reused
    this.top += (size + 15) & ~15;
    return a;
  }
  gemmNN(
    M: number, N: number, K: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number,
    ldb: number, C: Float64Array, cOff: number, ldc: number, accumulate: boolean,
  ): void {
    this.inst.gemmNN(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate);
  }
  gemmNT(
    M: number, N: number, K: number, A: Float64Array, aOff: number, lda: number, Bt: Float64Array, bOff: number,
    ldb: number, C: Float64Array, cOff: number, ldc: number, accumulate: boolean,
  ): void {
    this.inst.gemmNT(M, N, K, A, aOff, lda, Bt, bOff, ldb, C, cOff, ldc, accumulate);
  }
  tanhInPlace(p: Float64Array, n: number): void {
    this.inst.tanhInPlace(p, n);
  }
  lstmCell(G: Float64Array, c: Float64Array, a: Float64Array, S: number): void {
    this.inst.lstmCell(G, c, a, S);
  }
  lstmBackward(inp: Float64Array, S: number, dc: Float64Array, Ds: Float64Array): void {
    this.inst.lstmBackward(inp, S, dc, Ds);
  }
  copyRows(
    dst: Float64Array, dOff: number, ldd: number, src: Float64Array, sOff: number, lds: number, rows: number, cols: number,
    b: Float64Array | null,
  ): void {
    this.inst.copyRows(dst, dOff, ldd, src, sOff, lds, rows, cols, b);
  }
  rowSumsAdd(A: Float64Array, aOff: number, lda: number, M: number, K: number, out: Float64Array): void {
    this.inst.rowSumsAdd(A, aOff, lda, M, K, out);
  }
  softmaxColumns(Z: Float64Array, n: number, m: number): void {
    this.inst.softmaxColumns(Z, n, m);
  }
  addVec(dst: Float64Array, a: Float64Array, aOff: number, b: Float64Array, n: number): void {
    this.inst.addVec(dst, a, aOff, b, n);
  }
  tanhBackward(Ds: Float64Array, da: Float64Array, a: Float64Array, n: number): void {
    this.inst.tanhBackward(Ds, da, a, n);
  }
}

/** Pages of the shared memory (virtual until touched): workspaces are weights + chunk scratch, MBs. */
const SHARED_PAGES = 2048;

/**
 * First-fit free list over the shared memory. A region returns to it when its workspace object
 * is garbage-collected (the passes that use the views hold the workspace).
 */
class Arena {
  private free: [number, number][];
  private readonly registry: FinalizationRegistry<[number, number]> | null;
  constructor(size: number) {
    this.free = [[BASE, size]];
    this.registry = typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<[number, number]>(([b, e]) => this.release(b, e)) : null;
  }
  take(bytes: number): [number, number] | null {
    if (!this.registry) return null;
    const need = (bytes + 15) & ~15;
    for (let i = 0; i < this.free.length; i++) {
      const [b, e] = this.free[i];
      if (e - b >= need) {
        if (e - b === need) this.free.splice(i, 1);
        else this.free[i] = [b + need, e];
        return [b, b + need];
      }
    }
    return null;
  }
  track(owner: object, region: [number, number]): void {
    this.registry?.register(owner, region, owner);
  }
  /** Return the region of `owner` now (it will not be used again), not when it is collected. */
  untrack(owner: object, region: [number, number]): void {
    if (this.registry?.unregister(owner)) this.release(region[0], region[1]);
  }
  private release(b: number, e: number): void {
    this.free.push([b, e]);
    this.free.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const r of this.free) {
      const last = merged[merged.length - 1];
      if (last && last[1] === r[0]) last[1] = r[1];
      else merged.push([r[0], r[1]]);
    }
    this.free = merged;
  }
}

/**
 * A function returning `f64x2.relaxed_madd` of three zero vectors: it validates exactly where
 * relaxed SIMD is on (checked before decoding the 15 kB FMA module).
 */
const RELAXED_MADD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, // \0asm, version 1
  1, 5, 1, 96, 0, 1, 123, // type section: () -> v128
  3, 2, 1, 0, // function section: one function of type 0
  10, 61, 1, 59, 0, // code section: one body of 59 bytes, no locals
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 135, 2, 11, // f64x2.relaxed_madd (0xfd 0x107), end
];

/** Whether this runtime validates relaxed SIMD's f64x2.relaxed_madd (the FMA kernel's instruction). */
export function relaxedSimdAvailable(): boolean {
  return wasmApi()?.validate(new Uint8Array(RELAXED_MADD_PROBE)) === true;
}

export type WasmKernelName = 'wasm-simd' | 'wasm-fma';

/** The kernels of one build, or null when this runtime cannot run it (or its smoke test fails). */
export function loadWasmKernels(name: WasmKernelName = 'wasm-simd'): Kernels | null {
  const WebAssembly = wasmApi();
  if (!WebAssembly) return null;
  if (name === 'wasm-fma' && !relaxedSimdAvailable()) return null;
  const bytes = decodeBase64(name === 'wasm-fma' ? KERNELS_FMA_WASM_BASE64 : KERNELS_WASM_BASE64);
  if (!WebAssembly.validate(bytes)) return null; // no SIMD support
  const module = new WebAssembly.Module(bytes);
  const instantiate = (pages: number): Instance => {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    return new Instance(new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports, memory);
  };
  const shared = instantiate(SHARED_PAGES);
  const arena = new Arena(SHARED_PAGES * PAGE);
  const workspace = (doubles: number, arrays: number): Workspace => {
    const bytesNeeded = (doubles + 2 * arrays + 2) * 8;
    const region = arena.take(bytesNeeded);
    if (region) {
      const ws = new RegionWorkspace(shared, region[0], region[1]);
      arena.track(ws, region);
      ws.onRelease = () => arena.untrack(ws, region);
      return ws;
    }
    // shared memory full (or no FinalizationRegistry): a private instance of the right size
    const pages = Math.max(1, Math.ceil((bytesNeeded + BASE) / PAGE));
    return new RegionWorkspace(instantiate(pages), BASE, pages * PAGE);
  };
  // smoke test: a 2×2 product must come out right, else do not use the backend
  const ws = workspace(12, 3);
  const A = ws.alloc(4), B = ws.alloc(4), C = ws.alloc(4);
  A.set([1, 2, 3, 4]); B.set([5, 6, 7, 8]);
  ws.gemmNN(2, 2, 2, A, 0, 2, B, 0, 2, C, 0, 2, false);
  if (C[0] !== 19 || C[1] !== 22 || C[2] !== 43 || C[3] !== 50) return null;
  return { name, workspace };
}
