/**
 * The dense product the engine is built on, C[M×N] (+)= A[M×K]·B[K×N] over row-major
 * Float64Arrays with explicit offsets and leading dimensions (steps and chunks are views, never
 * copies), and the workspace abstraction that lets a WebAssembly backend own the operands.
 *
 * A pass asks its `Kernels` for a `Workspace` sized once up front, allocates every matmul operand
 * (weights, scratch, recurrent state) from it, and calls `ws.gemmNN`. The JavaScript workspace
 * allocates ordinary Float64Arrays; the wasm one (wasm.ts) carves them out of a fixed-size
 * WebAssembly.Memory so the SIMD kernel reads them in place. Caches stay ordinary arrays.
 */

export type GemmNN = (
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
  accumulate: boolean,
) => void;

export interface Workspace {
  /** A zeroed array of n doubles (16-byte aligned in the wasm backend). */
  alloc(n: number): Float64Array;
  /**
   * Optional (wasm backend): hand the workspace's memory back now, not when the workspace is
   * garbage-collected; its arrays must not be used any more. A pass calls it when it is done, so
   * the next run's workspace gets pages already touched (fresh ones cost a page fault each) and
   * the shared memory does not fill up between collections.
   */
  release?(): void;
  gemmNN: GemmNN;
  /** Optional (wasm backend): C (+)= A·Btᵀ with the second operand given transposed, Bt (N×K) row-major. */
  gemmNT?: GemmNN;
  /**
   * Optional vectorised activations (wasm backend; arrays must come from `alloc`):
   * `tanhInPlace(p, n)`: p[0..n) = tanh(p[0..n));
   * `lstmCell(G, c, a, S)`: G (4S) pre-activations [f; i; c; o] → activations in place,
   * c ← ft⊙c + it⊙cct, a ← ot⊙tanh(c);
   * `lstmBackward(inp, S, dc, Ds)`: one step's LSTM cell backward (elementwise), see `jsLstmBackward`;
   * `copyRows`, `rowSumsAdd`: the passes' strided copies and bias sums.
   */
  tanhInPlace?: (p: Float64Array, n: number) => void;
  lstmCell?: (G: Float64Array, c: Float64Array, a: Float64Array, S: number) => void;
  lstmBackward?: (inp: Float64Array, S: number, dc: Float64Array, Ds: Float64Array) => void;
  /** dst[dOff + r·ldd + j] = src[sOff + r·lds + j] (+ b[r]) for r < rows, j < cols. */
  copyRows?: (
    dst: Float64Array, dOff: number, ldd: number, src: Float64Array, sOff: number, lds: number, rows: number, cols: number,
    b: Float64Array | null,
  ) => void;
  /** Softmax over the rows of each column of an (n, m) array from `alloc`, in place (as `softmaxColumns`). */
  softmaxColumns?: (Z: Float64Array, n: number, m: number) => void;
  /** dst[q] = a[aOff + q] + b[q] for q < n (all three from `alloc`). */
  addVec?: (dst: Float64Array, a: Float64Array, aOff: number, b: Float64Array, n: number) => void;
  /** Ds[q] = da[q]·(1 − a[q]²) for q < n (all three from `alloc`): the RNN's tanh backward. */
  tanhBackward?: (Ds: Float64Array, da: Float64Array, a: Float64Array, n: number) => void;
  /** out[r] += Σ_q A[aOff + r·lda + q] (q < K in order) for r < M. */
  rowSumsAdd?: (A: Float64Array, aOff: number, lda: number, M: number, K: number, out: Float64Array) => void;
}

/**
 * The elementwise LSTM cell backward of one step. `inp` (7S) holds da_next, c⟨t⟩, c⟨t-1⟩, ft, it,
 * cct, ot; `dc` (S) goes from dc_next to dc_prev = dC⊙ft; `Ds` (4S) gets [dft; dit; dcct; dot].
 */
export function jsLstmBackward(inp: Float64Array, S: number, dc: Float64Array, Ds: Float64Array): void {
  for (let q = 0; q < S; q++) {
    const daN = inp[q], dcN = dc[q];
    const tc = Math.tanh(inp[S + q]);
    const cPrev = inp[2 * S + q], fv = inp[3 * S + q], iv = inp[4 * S + q], cv = inp[5 * S + q], ov = inp[6 * S + q];
    const dC = dcN + daN * ov * (1 - tc * tc);
    Ds[q] = dC * cPrev * fv * (1 - fv);
    Ds[S + q] = dC * cv * iv * (1 - iv);
    Ds[2 * S + q] = dC * iv * (1 - cv * cv);
    Ds[3 * S + q] = daN * tc * ov * (1 - ov);
    dc[q] = dC * fv;
  }
}

/**
 * `js`: plain JavaScript; `wasm-simd`: f64x2 multiply then add; `wasm-fma`: the same kernel with
 * fused multiply-adds (relaxed SIMD). Same sum order, so the three differ in the last bits only.
 */
export type KernelName = 'js' | 'wasm-simd' | 'wasm-fma';

export interface Kernels {
  readonly name: KernelName;
  /** A workspace able to hold `doubles` float64 values (plus alignment) in `arrays` arrays. */
  workspace(doubles: number, arrays: number): Workspace;
}

/**
 * C (+)= A·B in plain JavaScript. Rows of C are produced four at a time so every loaded row of B
 * feeds four accumulating rows, and the inner loop runs along contiguous memory; N = 1 (batch
 * size 1) is a matrix–vector product done as dot products along A's rows.
 */
export const jsGemmNN: GemmNN = (M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, accumulate) => {
  if (N === 1) {
    for (let i = 0; i < M; i++) {
      let s0 = 0, s1 = 0;
      const ar = aOff + i * lda;
      let k = 0;
      for (; k + 1 < K; k += 2) {
        s0 += A[ar + k] * B[bOff + k * ldb];
        s1 += A[ar + k + 1] * B[bOff + (k + 1) * ldb];
      }
      if (k < K) s0 += A[ar + k] * B[bOff + k * ldb];
      const c = cOff + i * ldc;
      C[c] = accumulate ? C[c] + (s0 + s1) : s0 + s1;
    }
    return;
  }
  if (!accumulate) {
    for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  }
  let i = 0;
  for (; i + 3 < M; i += 4) {
    const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (let k = 0; k < K; k++) {
      const v0 = A[a0 + k], v1 = A[a1 + k], v2 = A[a2 + k], v3 = A[a3 + k];
      const br = bOff + k * ldb;
      for (let j = 0; j < N; j++) {
        const b = B[br + j];
        C[c0 + j] += v0 * b;
        C[c1 + j] += v1 * b;
        C[c2 + j] += v2 * b;
        C[c3 + j] += v3 * b;
      }
    }
  }
  for (; i < M; i++) {
    const c0 = cOff + i * ldc, a0 = aOff + i * lda;
    for (let k = 0; k < K; k++) {
      const v0 = A[a0 + k];
      const br = bOff + k * ldb;
      for (let j = 0; j < N; j++) C[c0 + j] += v0 * B[br + j];
    }
  }
};

/**
 * The JavaScript workspace: its arrays are views into one buffer of the size asked for (a pass
 * allocates ~10 of them; at S1 sizes separate Float64Arrays were ~15 % of a run's CPU time,
 * `node --cpu-prof`), with a fresh array past the end should a pass ask for more.
 */
function jsWorkspace(doubles: number): Workspace {
  const buf = new Float64Array(Math.max(0, doubles));
  let top = 0;
  return {
    alloc(n: number): Float64Array {
      if (top + n > buf.length) return new Float64Array(n);
      const a = buf.subarray(top, top + n);
      top += n;
      return a;
    },
    gemmNN: jsGemmNN,
  };
}

export const jsKernels: Kernels = {
  name: 'js',
  workspace: jsWorkspace,
};
