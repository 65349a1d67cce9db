/**
 * The two dense products the engine is built on, in plain JavaScript over Float64Array (row-major,
 * explicit leading dimensions and offsets so steps and chunks are views, never copies):
 *
 *  - `gemmNN`: C[M×N] (+)= A[M×K] · B[K×N]
 *  - `gemmNT`: C[M×N] (+)= A[M×K] · B[N×K]ᵀ   (both operands walk their contiguous K axis)
 *
 * A WebAssembly SIMD implementation with the same signatures lives in `wasm.ts`; `core.ts` calls
 * whichever `Kernels` object it is given, so both paths can be tested against each other.
 */

export interface Kernels {
  readonly name: 'js' | 'wasm-simd';
  gemmNN(
    M: number, N: number, K: number,
    A: Float64Array, aOff: number, lda: number,
    B: Float64Array, bOff: number, ldb: number,
    C: Float64Array, cOff: number, ldc: number,
    accumulate: boolean,
  ): void;
  gemmNT(
    M: number, N: number, K: number,
    A: Float64Array, aOff: number, lda: number,
    B: Float64Array, bOff: number, ldb: number,
    C: Float64Array, cOff: number, ldc: number,
    accumulate: boolean,
  ): void;
}

/**
 * C (+)= A·B. Rows of C are produced four at a time so every loaded row of B feeds four
 * accumulating rows (register/cache reuse), and the inner loop runs along contiguous memory.
 */
function gemmNN(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (!accumulate) {
    for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  }
  if (N === 1) {
    // matrix–vector: dot products along A's rows
    for (let i = 0; i < M; i++) {
      let s0 = 0, s1 = 0;
      const ar = aOff + i * lda;
      let k = 0;
      for (; k + 1 < K; k += 2) {
        s0 += A[ar + k] * B[bOff + k * ldb];
        s1 += A[ar + k + 1] * B[bOff + (k + 1) * ldb];
      }
      if (k < K) s0 += A[ar + k] * B[bOff + k * ldb];
      C[cOff + i * ldc] += s0 + s1;
    }
    return;
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
}

/** C (+)= A·Bᵀ as blocked dot products (2×2 register block). */
function gemmNT(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const a0 = aOff + i * lda, a1 = a0 + lda;
    let j = 0;
    for (; j + 1 < N; j += 2) {
      const b0 = bOff + j * ldb, b1 = b0 + ldb;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k], x1 = A[a1 + k], y0 = B[b0 + k], y1 = B[b1 + k];
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      const c0 = cOff + i * ldc + j, c1 = c0 + ldc;
      if (accumulate) { C[c0] += s00; C[c0 + 1] += s01; C[c1] += s10; C[c1 + 1] += s11; }
      else { C[c0] = s00; C[c0 + 1] = s01; C[c1] = s10; C[c1 + 1] = s11; }
    }
    for (; j < N; j++) {
      const b0 = bOff + j * ldb;
      let s0 = 0, s1 = 0;
      for (let k = 0; k < K; k++) { const y = B[b0 + k]; s0 += A[a0 + k] * y; s1 += A[a1 + k] * y; }
      const c0 = cOff + i * ldc + j;
      if (accumulate) { C[c0] += s0; C[c0 + ldc] += s1; } else { C[c0] = s0; C[c0 + ldc] = s1; }
    }
  }
  for (; i < M; i++) {
    const a0 = aOff + i * lda;
    for (let j = 0; j < N; j++) {
      const b0 = bOff + j * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      const c = cOff + i * ldc + j;
      if (accumulate) C[c] += s; else C[c] = s;
    }
  }
}

export const jsKernels: Kernels = { name: 'js', gemmNN, gemmNT };
