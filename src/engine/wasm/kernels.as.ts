// @ts-nocheck -- AssemblyScript source (compiled by src/engine/wasm/build.mjs), not TypeScript.
//
// WebAssembly SIMD (f64x2) version of the engine's dense product
//     C[M×N] (+)= A[M×K] · B[K×N]      row-major, leading dimensions in elements, pointers in bytes.
// The general path keeps a 2×8 block of C in eight f64x2 registers across the whole K loop (each
// loaded B pair feeds two rows, each splatted A value feeds eight columns); measured faster here
// than 4×4, 6×4 and 3×8 blocks (the latter two spill). N = 1 (batch size 1) is a matrix–vector
// product and is vectorised along K instead.

export function gemmNN(
  M: i32, N: i32, K: i32,
  pA: usize, lda: i32,
  pB: usize, ldb: i32,
  pC: usize, ldc: i32,
  accumulate: i32,
): void {
  const sa: usize = <usize>lda << 3;
  const sb: usize = <usize>ldb << 3;
  const sc: usize = <usize>ldc << 3;
  if (N == 1 && ldb == 1) {
    matvec(M, K, pA, sa, pB, pC, sc, accumulate);
    return;
  }
  const z = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const a0p: usize = pA + <usize>i * sa;
    const a1p: usize = a0p + sa;
    const c0p: usize = pC + <usize>i * sc;
    const c1p: usize = c0p + sc;
    let j = 0;
    for (; j + 7 < N; j += 8) {
      const jo: usize = <usize>j << 3;
      let c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
      if (accumulate) {
        c00 = v128.load(c0p + jo); c01 = v128.load(c0p + jo, 16); c02 = v128.load(c0p + jo, 32); c03 = v128.load(c0p + jo, 48);
        c10 = v128.load(c1p + jo); c11 = v128.load(c1p + jo, 16); c12 = v128.load(c1p + jo, 32); c13 = v128.load(c1p + jo, 48);
      }
      let bp: usize = pB + jo;
      let ko: usize = 0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16), b2 = v128.load(bp, 32), b3 = v128.load(bp, 48);
        const a0 = f64x2.splat(load<f64>(a0p + ko));
        const a1 = f64x2.splat(load<f64>(a1p + ko));
        c00 = f64x2.add(c00, f64x2.mul(a0, b0)); c01 = f64x2.add(c01, f64x2.mul(a0, b1));
        c02 = f64x2.add(c02, f64x2.mul(a0, b2)); c03 = f64x2.add(c03, f64x2.mul(a0, b3));
        c10 = f64x2.add(c10, f64x2.mul(a1, b0)); c11 = f64x2.add(c11, f64x2.mul(a1, b1));
        c12 = f64x2.add(c12, f64x2.mul(a1, b2)); c13 = f64x2.add(c13, f64x2.mul(a1, b3));
        bp += sb;
        ko += 8;
      }
      v128.store(c0p + jo, c00); v128.store(c0p + jo, c01, 16); v128.store(c0p + jo, c02, 32); v128.store(c0p + jo, c03, 48);
      v128.store(c1p + jo, c10); v128.store(c1p + jo, c11, 16); v128.store(c1p + jo, c12, 32); v128.store(c1p + jo, c13, 48);
    }
    for (; j + 1 < N; j += 2) {
      const jo: usize = <usize>j << 3;
      let c0 = z, c1 = z;
      if (accumulate) { c0 = v128.load(c0p + jo); c1 = v128.load(c1p + jo); }
      let bp: usize = pB + jo;
      let ko: usize = 0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp);
        c0 = f64x2.add(c0, f64x2.mul(f64x2.splat(load<f64>(a0p + ko)), b0));
        c1 = f64x2.add(c1, f64x2.mul(f64x2.splat(load<f64>(a1p + ko)), b0));
        bp += sb;
        ko += 8;
      }
      v128.store(c0p + jo, c0); v128.store(c1p + jo, c1);
    }
    for (; j < N; j++) {
      const jo: usize = <usize>j << 3;
      let s0 = 0.0, s1 = 0.0;
      let bp: usize = pB + jo;
      let ko: usize = 0;
      for (let k = 0; k < K; k++) {
        const b = load<f64>(bp);
        s0 += load<f64>(a0p + ko) * b; s1 += load<f64>(a1p + ko) * b;
        bp += sb;
        ko += 8;
      }
      if (accumulate) { s0 += load<f64>(c0p + jo); s1 += load<f64>(c1p + jo); }
      store<f64>(c0p + jo, s0); store<f64>(c1p + jo, s1);
    }
  }
  for (; i < M; i++) {
    const ap: usize = pA + <usize>i * sa;
    const cp: usize = pC + <usize>i * sc;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const jo: usize = <usize>j << 3;
      let c0 = z, c1 = z;
      if (accumulate) { c0 = v128.load(cp + jo); c1 = v128.load(cp + jo, 16); }
      let bp: usize = pB + jo;
      let ko: usize = 0;
      for (let k = 0; k < K; k++) {
        const a = f64x2.splat(load<f64>(ap + ko));
        c0 = f64x2.add(c0, f64x2.mul(a, v128.load(bp)));
        c1 = f64x2.add(c1, f64x2.mul(a, v128.load(bp, 16)));
        bp += sb;
        ko += 8;
      }
      v128.store(cp + jo, c0); v128.store(cp + jo, c1, 16);
    }
    for (; j < N; j++) {
      const jo: usize = <usize>j << 3;
      let s = 0.0;
      let bp: usize = pB + jo;
      let ko: usize = 0;
      for (let k = 0; k < K; k++) {
        s += load<f64>(ap + ko) * load<f64>(bp);
        bp += sb;
        ko += 8;
      }
      if (accumulate) s += load<f64>(cp + jo);
      store<f64>(cp + jo, s);
    }
  }
}

/** y[M] (+)= A[M×K] · x[K] with x contiguous: four rows at a time, f64x2 along K. */
function matvec(M: i32, K: i32, pA: usize, sa: usize, px: usize, pC: usize, sc: usize, accumulate: i32): void {
  const z = f64x2.splat(0.0);
  let i = 0;
  for (; i + 3 < M; i += 4) {
    const a0p: usize = pA + <usize>i * sa;
    const a1p: usize = a0p + sa;
    const a2p: usize = a1p + sa;
    const a3p: usize = a2p + sa;
    let s0 = z, s1 = z, s2 = z, s3 = z;
    let k = 0;
    let ko: usize = 0;
    for (; k + 1 < K; k += 2) {
      const xv = v128.load(px + ko);
      s0 = f64x2.add(s0, f64x2.mul(v128.load(a0p + ko), xv));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(a1p + ko), xv));
      s2 = f64x2.add(s2, f64x2.mul(v128.load(a2p + ko), xv));
      s3 = f64x2.add(s3, f64x2.mul(v128.load(a3p + ko), xv));
      ko += 16;
    }
    let r0 = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    let r1 = f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
    let r2 = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
    let r3 = f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1);
    if (k < K) {
      const xv = load<f64>(px + ko);
      r0 += load<f64>(a0p + ko) * xv; r1 += load<f64>(a1p + ko) * xv;
      r2 += load<f64>(a2p + ko) * xv; r3 += load<f64>(a3p + ko) * xv;
    }
    const cp: usize = pC + <usize>i * sc;
    if (accumulate) {
      r0 += load<f64>(cp); r1 += load<f64>(cp + sc); r2 += load<f64>(cp + 2 * sc); r3 += load<f64>(cp + 3 * sc);
    }
    store<f64>(cp, r0); store<f64>(cp + sc, r1); store<f64>(cp + 2 * sc, r2); store<f64>(cp + 3 * sc, r3);
  }
  for (; i < M; i++) {
    const ap: usize = pA + <usize>i * sa;
    let s = 0.0;
    for (let k = 0; k < K; k++) s += load<f64>(ap + (<usize>k << 3)) * load<f64>(px + (<usize>k << 3));
    const cp: usize = pC + <usize>i * sc;
    if (accumulate) s += load<f64>(cp);
    store<f64>(cp, s);
  }
}
