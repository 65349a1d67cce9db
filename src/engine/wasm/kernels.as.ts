// @ts-nocheck -- AssemblyScript source (compiled by src/engine/wasm/build.mjs), not TypeScript.
//
// WebAssembly SIMD (f64x2) version of the engine's dense product
//     C[M×N] (+)= A[M×K] · B[K×N]      row-major, leading dimensions in elements, pointers in bytes.
// The general path keeps a 2×8 block of C in eight f64x2 registers across the whole K loop (each
// loaded B pair feeds two rows, each splatted A value feeds eight columns); measured faster here
// than 4×4, 6×4 and 3×8 blocks (the latter two spill). N = 1 (batch size 1) is a matrix–vector
// product and is vectorised along K instead.
//
// Built twice (build.mjs): without and with `--enable relaxed-simd`. Every multiply-add of the
// products goes through `madd`, which is `f64x2.relaxed_madd` (one fused multiply-add, a single
// rounding, where the CPU has FMA) in the second build and `add(c, mul(a, b))` (two roundings) in
// the first, so the two kernels sum in the same order and differ only in those last bits.
// The elementwise passes below are the same in both builds.

/** c + a·b: fused (relaxed_madd) when compiled with relaxed SIMD, else a multiply then an add. */
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

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
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(pC + <usize>i * sc, 0, <usize>N << 3);
    return;
  }
  const N8 = N & ~7;
  if (N8 > 0) packedPanels(M, N8, K, pA, sa, pB, sb, pC, sc, accumulate, false);
  if (N8 < N) gemmRest(M, N, K, N8, pA, sa, pB, sb, pC, sc, accumulate);
}

/**
 * C[M×N] (+)= A[M×K] · Bᵀ with B given as Bt (N×K, row-major, leading dimension ldb): the packed
 * panels are filled from Bt's rows; columns past the last multiple of 8 are dot products. Same sum
 * order over k as gemmNN on the transposed operand.
 */
export function gemmNT(
  M: i32, N: i32, K: i32,
  pA: usize, lda: i32,
  pB: usize, ldb: i32,
  pC: usize, ldc: i32,
  accumulate: i32,
): void {
  const sa: usize = <usize>lda << 3;
  const sb: usize = <usize>ldb << 3;
  const sc: usize = <usize>ldc << 3;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) memory.fill(pC + <usize>i * sc, 0, <usize>N << 3);
    return;
  }
  const N8 = N & ~7;
  if (N8 > 0) packedPanels(M, N8, K, pA, sa, pB, sb, pC, sc, accumulate, true);
  for (let i = 0; i < M; i++) {
    const ap: usize = pA + <usize>i * sa;
    for (let j = N8; j < N; j++) {
      const bp: usize = pB + <usize>j * sb;
      const cp: usize = pC + <usize>i * sc + (<usize>j << 3);
      let s = accumulate ? load<f64>(cp) : 0.0;
      for (let k = 0; k < K; k++) s += load<f64>(ap + (<usize>k << 3)) * load<f64>(bp + (<usize>k << 3));
      store<f64>(cp, s);
    }
  }
}

/** Scratch for a packed KC×NC block of B (the engine's workspaces start above it: BASE in wasm.ts). */
const SCRATCH: usize = 64;
const KC: i32 = 256;
const NC: i32 = 512;

/**
 * Columns [0, N8), blocked KC×NC: the block of B is copied into SCRATCH as contiguous kc×8 panels
 * (read sequentially, no cache-set conflicts from B's row stride), then each 2-row sliver of A (kept
 * in L1) runs over every panel. The sum over k keeps its order (C, then k = 0, 1, …).
 */
function packedPanels(
  M: i32, N8: i32, K: i32, pA: usize, sa: usize, pB: usize, sb: usize, pC: usize, sc: usize, accumulate: i32,
  transB: bool,
): void {
  const z = f64x2.splat(0.0);
  for (let j0 = 0; j0 < N8; j0 += NC) {
    const nc = min(NC, N8 - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const panel: usize = <usize>kc << 6;
      // pack B[k0 .. k0+kc, j0 .. j0+nc) as panels of 8 columns
      let dst: usize = SCRATCH;
      if (transB) {
        // B given as Bᵀ (N×K, row stride sb): panel row k is Bᵀ[j0+jj .. +8, k0+k], two k at a time
        for (let jj = 0; jj < nc; jj += 8) {
          const r0: usize = pB + <usize>(j0 + jj) * sb + (<usize>k0 << 3);
          let k = 0;
          for (; k + 1 < kc; k += 2) {
            const o: usize = <usize>k << 3;
            const v0 = v128.load(r0 + o), v1 = v128.load(r0 + sb + o), v2 = v128.load(r0 + 2 * sb + o), v3 = v128.load(r0 + 3 * sb + o);
            const v4 = v128.load(r0 + 4 * sb + o), v5 = v128.load(r0 + 5 * sb + o), v6 = v128.load(r0 + 6 * sb + o), v7 = v128.load(r0 + 7 * sb + o);
            v128.store(dst, v128.shuffle<f64>(v0, v1, 0, 2)); v128.store(dst, v128.shuffle<f64>(v2, v3, 0, 2), 16);
            v128.store(dst, v128.shuffle<f64>(v4, v5, 0, 2), 32); v128.store(dst, v128.shuffle<f64>(v6, v7, 0, 2), 48);
            v128.store(dst, v128.shuffle<f64>(v0, v1, 1, 3), 64); v128.store(dst, v128.shuffle<f64>(v2, v3, 1, 3), 80);
            v128.store(dst, v128.shuffle<f64>(v4, v5, 1, 3), 96); v128.store(dst, v128.shuffle<f64>(v6, v7, 1, 3), 112);
            dst += 128;
          }
          if (k < kc) {
            const o: usize = <usize>k << 3;
            for (let c = 0; c < 8; c++) store<f64>(dst + (<usize>c << 3), load<f64>(r0 + <usize>c * sb + o));
            dst += 64;
          }
        }
      } else {
        for (let jj = 0; jj < nc; jj += 8) {
          let src: usize = pB + <usize>k0 * sb + (<usize>(j0 + jj) << 3);
          for (let k = 0; k < kc; k++) {
            v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16);
            v128.store(dst, v128.load(src, 32), 32); v128.store(dst, v128.load(src, 48), 48);
            src += sb;
            dst += 64;
          }
        }
      }
      const ldC = accumulate != 0 || k0 > 0;
      const ko0: usize = <usize>k0 << 3;
      let i = 0;
      for (; i + 1 < M; i += 2) {
        const a0p: usize = pA + <usize>i * sa + ko0;
        const a1p: usize = a0p + sa;
        let bpp: usize = SCRATCH;
        for (let jj = 0; jj < nc; jj += 8) {
          const c0p: usize = pC + <usize>i * sc + (<usize>(j0 + jj) << 3);
          const c1p: usize = c0p + sc;
          let c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
          if (ldC) {
            c00 = v128.load(c0p); c01 = v128.load(c0p, 16); c02 = v128.load(c0p, 32); c03 = v128.load(c0p, 48);
            c10 = v128.load(c1p); c11 = v128.load(c1p, 16); c12 = v128.load(c1p, 32); c13 = v128.load(c1p, 48);
          }
          // pointer-bounded loop (no separate counter): V8 emits 6 loads, 16 FP ops and 3 adds per k
          let bp: usize = bpp;
          const bEnd: usize = bpp + panel;
          let ap0: usize = a0p, ap1: usize = a1p;
          do {
            // each B pair loaded right before its two uses (fewer live registers: ~8% faster than
            // loading all four first)
            const a0 = v128.load64_splat(ap0);
            const a1 = v128.load64_splat(ap1);
            const b0 = v128.load(bp);
            c00 = madd(a0, b0, c00); c10 = madd(a1, b0, c10);
            const b1 = v128.load(bp, 16);
            c01 = madd(a0, b1, c01); c11 = madd(a1, b1, c11);
            const b2 = v128.load(bp, 32);
            c02 = madd(a0, b2, c02); c12 = madd(a1, b2, c12);
            const b3 = v128.load(bp, 48);
            c03 = madd(a0, b3, c03); c13 = madd(a1, b3, c13);
            bp += 64;
            ap0 += 8;
            ap1 += 8;
          } while (bp < bEnd);
          v128.store(c0p, c00); v128.store(c0p, c01, 16); v128.store(c0p, c02, 32); v128.store(c0p, c03, 48);
          v128.store(c1p, c10); v128.store(c1p, c11, 16); v128.store(c1p, c12, 32); v128.store(c1p, c13, 48);
          bpp += panel;
        }
      }
      if (i < M) {
        const ap: usize = pA + <usize>i * sa + ko0;
        let bpp: usize = SCRATCH;
        for (let jj = 0; jj < nc; jj += 8) {
          const cp: usize = pC + <usize>i * sc + (<usize>(j0 + jj) << 3);
          let c0 = z, c1 = z, c2 = z, c3 = z;
          if (ldC) { c0 = v128.load(cp); c1 = v128.load(cp, 16); c2 = v128.load(cp, 32); c3 = v128.load(cp, 48); }
          let bp: usize = bpp;
          const bEnd: usize = bpp + panel;
          let ak: usize = ap;
          do {
            const a = v128.load64_splat(ak);
            c0 = madd(a, v128.load(bp), c0); c1 = madd(a, v128.load(bp, 16), c1);
            c2 = madd(a, v128.load(bp, 32), c2); c3 = madd(a, v128.load(bp, 48), c3);
            bp += 64;
            ak += 8;
          } while (bp < bEnd);
          v128.store(cp, c0); v128.store(cp, c1, 16); v128.store(cp, c2, 32); v128.store(cp, c3, 48);
          bpp += panel;
        }
      }
    }
  }
}

/** Columns [j0, N) (fewer than 8 when called after the panels) by the unpacked kernel. */
function gemmRest(
  M: i32, N: i32, K: i32, j0: i32, pA: usize, sa: usize, pB: usize, sb: usize, pC: usize, sc: usize, accumulate: i32,
): void {
  const z = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const a0p: usize = pA + <usize>i * sa;
    const a1p: usize = a0p + sa;
    const c0p: usize = pC + <usize>i * sc;
    const c1p: usize = c0p + sc;
    let j = j0;
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
        const a0 = v128.load64_splat(a0p + ko);
        const a1 = v128.load64_splat(a1p + ko);
        c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
        c02 = madd(a0, b2, c02); c03 = madd(a0, b3, c03);
        c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
        c12 = madd(a1, b2, c12); c13 = madd(a1, b3, c13);
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
        c0 = madd(v128.load64_splat(a0p + ko), b0, c0);
        c1 = madd(v128.load64_splat(a1p + ko), b0, c1);
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
    let j = j0;
    for (; j + 3 < N; j += 4) {
      const jo: usize = <usize>j << 3;
      let c0 = z, c1 = z;
      if (accumulate) { c0 = v128.load(cp + jo); c1 = v128.load(cp + jo, 16); }
      let bp: usize = pB + jo;
      let ko: usize = 0;
      for (let k = 0; k < K; k++) {
        const a = v128.load64_splat(ap + ko);
        c0 = madd(a, v128.load(bp), c0);
        c1 = madd(a, v128.load(bp, 16), c1);
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
      s0 = madd(v128.load(a0p + ko), xv, s0);
      s1 = madd(v128.load(a1p + ko), xv, s1);
      s2 = madd(v128.load(a2p + ko), xv, s2);
      s3 = madd(v128.load(a3p + ko), xv, s3);
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

// ---------------------------------------------------------------- elementwise (activations)
// exp, tanh and sigmoid on f64x2, accurate to a few ulp: exp by Cody–Waite reduction
// x = k·ln2 + r (|r| ≤ ln2/2), a degree-13 Taylor polynomial, and 2^k applied in two halves
// (exact, so subnormal results and overflow to ∞ round once, like libm). NaN propagates.
// The polynomials' Horner steps go through `madd` (fused in the FMA build: one rounding per step
// instead of two, so the two builds' activations differ in the last bits, both within 3 ulp).
// The input clamps use pmin/pmax (one minpd/maxpd each) rather than min/max, which V8 expands to
// ~7 instructions for the −0/NaN rules: with the value as first operand, pmin/pmax return a NaN
// value unchanged, and the bounds are far from ±0, so the clamps give the same results.

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700e+00;
/** 2^52 + 1023: adding it to a small integer-valued double puts k + 1023 in the low mantissa bits. */
const EXP_MAGIC: f64 = 4503599627371519.0;

function pow2(k: v128): v128 {
  return i64x2.shl(f64x2.add(k, f64x2.splat(EXP_MAGIC)), 52);
}

function vexp(x0: v128): v128 {
  const x = f64x2.pmin(f64x2.pmax(x0, f64x2.splat(-746.0)), f64x2.splat(710.0));
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(INV_LN2)));
  let r = f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI)));
  r = f64x2.sub(r, f64x2.mul(k, f64x2.splat(LN2_LO)));
  let p = f64x2.splat(1.6059043836821613e-10); // 1/13!
  p = madd(p, r, f64x2.splat(2.08767569878681e-9)); // 1/12!
  p = madd(p, r, f64x2.splat(2.505210838544172e-8)); // 1/11!
  p = madd(p, r, f64x2.splat(2.755731922398589e-7)); // 1/10!
  p = madd(p, r, f64x2.splat(2.7557319223985893e-6)); // 1/9!
  p = madd(p, r, f64x2.splat(2.48015873015873e-5)); // 1/8!
  p = madd(p, r, f64x2.splat(1.984126984126984e-4)); // 1/7!
  p = madd(p, r, f64x2.splat(1.388888888888889e-3)); // 1/6!
  p = madd(p, r, f64x2.splat(8.333333333333333e-3)); // 1/5!
  p = madd(p, r, f64x2.splat(4.1666666666666664e-2)); // 1/4!
  p = madd(p, r, f64x2.splat(0.16666666666666666)); // 1/3!
  p = madd(p, r, f64x2.splat(0.5));
  p = madd(p, r, f64x2.splat(1.0));
  p = madd(p, r, f64x2.splat(1.0));
  const k1 = f64x2.floor(f64x2.mul(k, f64x2.splat(0.5)));
  const k2 = f64x2.sub(k, k1);
  return f64x2.mul(f64x2.mul(p, pow2(k1)), pow2(k2));
}

const SIGN: v128 = i64x2.splat(0x8000000000000000);

/**
 * tanh(x) = e/(e+2) with e = expm1(2|x|) (no cancellation: e ≥ 0), sign restored. 2|x| is clamped
 * to 40 (tanh = 1 to double precision from |x| ≈ 19.1 on); expm1(y) = 2^k·p + (2^k − 1) with
 * y = k·ln2 + r, |r| ≤ ln2/2 and p = expm1(r) by its Taylor series (degree 13, truncation < 1e-17
 * relative). One polynomial and one division per pair; NaN propagates, ±∞ give ±1.
 */
function vtanh(x: v128): v128 {
  const ax = f64x2.abs(x);
  const y = f64x2.pmin(f64x2.add(ax, ax), f64x2.splat(40.0));
  const k = f64x2.nearest(f64x2.mul(y, f64x2.splat(INV_LN2)));
  let r = f64x2.sub(y, f64x2.mul(k, f64x2.splat(LN2_HI)));
  r = f64x2.sub(r, f64x2.mul(k, f64x2.splat(LN2_LO)));
  let p = f64x2.splat(1.6059043836821613e-10); // 1/13!
  p = madd(p, r, f64x2.splat(2.08767569878681e-9)); // 1/12!
  p = madd(p, r, f64x2.splat(2.505210838544172e-8)); // 1/11!
  p = madd(p, r, f64x2.splat(2.755731922398589e-7)); // 1/10!
  p = madd(p, r, f64x2.splat(2.7557319223985893e-6)); // 1/9!
  p = madd(p, r, f64x2.splat(2.48015873015873e-5)); // 1/8!
  p = madd(p, r, f64x2.splat(1.984126984126984e-4)); // 1/7!
  p = madd(p, r, f64x2.splat(1.388888888888889e-3)); // 1/6!
  p = madd(p, r, f64x2.splat(8.333333333333333e-3)); // 1/5!
  p = madd(p, r, f64x2.splat(4.1666666666666664e-2)); // 1/4!
  p = madd(p, r, f64x2.splat(0.16666666666666666)); // 1/3!
  p = madd(p, r, f64x2.splat(0.5));
  p = madd(p, r, f64x2.splat(1.0));
  p = f64x2.mul(p, r);
  const s = pow2(k);
  const e = f64x2.add(f64x2.mul(s, p), f64x2.sub(s, f64x2.splat(1.0)));
  const t = f64x2.div(e, f64x2.add(e, f64x2.splat(2.0)));
  return v128.or(t, v128.and(x, SIGN));
}

function vsigmoid(x: v128): v128 {
  return f64x2.div(f64x2.splat(1.0), f64x2.add(f64x2.splat(1.0), vexp(f64x2.neg(x))));
}

/**
 * In place: p[0..n) = sigmoid(p[0..n)) = 1/(1+exp(−p)), bitwise as vsigmoid. Eight values per
 * iteration as four independent f64x2 chains written in lockstep (one chain is latency-bound: each
 * Horner step waits for the previous), then pairs, then a last odd value.
 */
export function sigmoidInPlace(p: usize, n: i32): void {
  let q = 0;
  for (; q + 7 < n; q += 8) {
    const o: usize = p + (<usize>q << 3);
    const y0 = f64x2.pmin(f64x2.pmax(f64x2.neg(v128.load(o, 0*16)), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const y1 = f64x2.pmin(f64x2.pmax(f64x2.neg(v128.load(o, 1*16)), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const y2 = f64x2.pmin(f64x2.pmax(f64x2.neg(v128.load(o, 2*16)), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const y3 = f64x2.pmin(f64x2.pmax(f64x2.neg(v128.load(o, 3*16)), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const k0 = f64x2.nearest(f64x2.mul(y0, f64x2.splat(INV_LN2)));
    const k1 = f64x2.nearest(f64x2.mul(y1, f64x2.splat(INV_LN2)));
    const k2 = f64x2.nearest(f64x2.mul(y2, f64x2.splat(INV_LN2)));
    const k3 = f64x2.nearest(f64x2.mul(y3, f64x2.splat(INV_LN2)));
    let r0 = f64x2.sub(y0, f64x2.mul(k0, f64x2.splat(LN2_HI)));
    let r1 = f64x2.sub(y1, f64x2.mul(k1, f64x2.splat(LN2_HI)));
    let r2 = f64x2.sub(y2, f64x2.mul(k2, f64x2.splat(LN2_HI)));
    let r3 = f64x2.sub(y3, f64x2.mul(k3, f64x2.splat(LN2_HI)));
    r0 = f64x2.sub(r0, f64x2.mul(k0, f64x2.splat(LN2_LO)));
    r1 = f64x2.sub(r1, f64x2.mul(k1, f64x2.splat(LN2_LO)));
    r2 = f64x2.sub(r2, f64x2.mul(k2, f64x2.splat(LN2_LO)));
    r3 = f64x2.sub(r3, f64x2.mul(k3, f64x2.splat(LN2_LO)));
    let p0 = madd(f64x2.splat(1.6059043836821613e-10), r0, f64x2.splat(2.08767569878681e-9));
    let p1 = madd(f64x2.splat(1.6059043836821613e-10), r1, f64x2.splat(2.08767569878681e-9));
    let p2 = madd(f64x2.splat(1.6059043836821613e-10), r2, f64x2.splat(2.08767569878681e-9));
    let p3 = madd(f64x2.splat(1.6059043836821613e-10), r3, f64x2.splat(2.08767569878681e-9));
    p0 = madd(p0, r0, f64x2.splat(2.505210838544172e-8));
    p1 = madd(p1, r1, f64x2.splat(2.505210838544172e-8));
    p2 = madd(p2, r2, f64x2.splat(2.505210838544172e-8));
    p3 = madd(p3, r3, f64x2.splat(2.505210838544172e-8));
    p0 = madd(p0, r0, f64x2.splat(2.755731922398589e-7));
    p1 = madd(p1, r1, f64x2.splat(2.755731922398589e-7));
    p2 = madd(p2, r2, f64x2.splat(2.755731922398589e-7));
    p3 = madd(p3, r3, f64x2.splat(2.755731922398589e-7));
    p0 = madd(p0, r0, f64x2.splat(2.7557319223985893e-6));
    p1 = madd(p1, r1, f64x2.splat(2.7557319223985893e-6));
    p2 = madd(p2, r2, f64x2.splat(2.7557319223985893e-6));
    p3 = madd(p3, r3, f64x2.splat(2.7557319223985893e-6));
    p0 = madd(p0, r0, f64x2.splat(2.48015873015873e-5));
    p1 = madd(p1, r1, f64x2.splat(2.48015873015873e-5));
    p2 = madd(p2, r2, f64x2.splat(2.48015873015873e-5));
    p3 = madd(p3, r3, f64x2.splat(2.48015873015873e-5));
    p0 = madd(p0, r0, f64x2.splat(1.984126984126984e-4));
    p1 = madd(p1, r1, f64x2.splat(1.984126984126984e-4));
    p2 = madd(p2, r2, f64x2.splat(1.984126984126984e-4));
    p3 = madd(p3, r3, f64x2.splat(1.984126984126984e-4));
    p0 = madd(p0, r0, f64x2.splat(1.388888888888889e-3));
    p1 = madd(p1, r1, f64x2.splat(1.388888888888889e-3));
    p2 = madd(p2, r2, f64x2.splat(1.388888888888889e-3));
    p3 = madd(p3, r3, f64x2.splat(1.388888888888889e-3));
    p0 = madd(p0, r0, f64x2.splat(8.333333333333333e-3));
    p1 = madd(p1, r1, f64x2.splat(8.333333333333333e-3));
    p2 = madd(p2, r2, f64x2.splat(8.333333333333333e-3));
    p3 = madd(p3, r3, f64x2.splat(8.333333333333333e-3));
    p0 = madd(p0, r0, f64x2.splat(4.1666666666666664e-2));
    p1 = madd(p1, r1, f64x2.splat(4.1666666666666664e-2));
    p2 = madd(p2, r2, f64x2.splat(4.1666666666666664e-2));
    p3 = madd(p3, r3, f64x2.splat(4.1666666666666664e-2));
    p0 = madd(p0, r0, f64x2.splat(0.16666666666666666));
    p1 = madd(p1, r1, f64x2.splat(0.16666666666666666));
    p2 = madd(p2, r2, f64x2.splat(0.16666666666666666));
    p3 = madd(p3, r3, f64x2.splat(0.16666666666666666));
    p0 = madd(p0, r0, f64x2.splat(0.5));
    p1 = madd(p1, r1, f64x2.splat(0.5));
    p2 = madd(p2, r2, f64x2.splat(0.5));
    p3 = madd(p3, r3, f64x2.splat(0.5));
    p0 = madd(p0, r0, f64x2.splat(1.0));
    p1 = madd(p1, r1, f64x2.splat(1.0));
    p2 = madd(p2, r2, f64x2.splat(1.0));
    p3 = madd(p3, r3, f64x2.splat(1.0));
    p0 = madd(p0, r0, f64x2.splat(1.0));
    p1 = madd(p1, r1, f64x2.splat(1.0));
    p2 = madd(p2, r2, f64x2.splat(1.0));
    p3 = madd(p3, r3, f64x2.splat(1.0));
    const h0 = f64x2.floor(f64x2.mul(k0, f64x2.splat(0.5)));
    const h1 = f64x2.floor(f64x2.mul(k1, f64x2.splat(0.5)));
    const h2 = f64x2.floor(f64x2.mul(k2, f64x2.splat(0.5)));
    const h3 = f64x2.floor(f64x2.mul(k3, f64x2.splat(0.5)));
    const e0 = f64x2.mul(f64x2.mul(p0, pow2(h0)), pow2(f64x2.sub(k0, h0)));
    const e1 = f64x2.mul(f64x2.mul(p1, pow2(h1)), pow2(f64x2.sub(k1, h1)));
    const e2 = f64x2.mul(f64x2.mul(p2, pow2(h2)), pow2(f64x2.sub(k2, h2)));
    const e3 = f64x2.mul(f64x2.mul(p3, pow2(h3)), pow2(f64x2.sub(k3, h3)));
    v128.store(o, f64x2.div(f64x2.splat(1.0), f64x2.add(f64x2.splat(1.0), e0)), 0*16);
    v128.store(o, f64x2.div(f64x2.splat(1.0), f64x2.add(f64x2.splat(1.0), e1)), 1*16);
    v128.store(o, f64x2.div(f64x2.splat(1.0), f64x2.add(f64x2.splat(1.0), e2)), 2*16);
    v128.store(o, f64x2.div(f64x2.splat(1.0), f64x2.add(f64x2.splat(1.0), e3)), 3*16);
  }
  for (; q + 1 < n; q += 2) {
    const o: usize = p + (<usize>q << 3);
    v128.store(o, vsigmoid(v128.load(o)));
  }
  if (q < n) {
    const o: usize = p + (<usize>q << 3);
    store<f64>(o, f64x2.extract_lane(vsigmoid(v128.load64_splat(o)), 0));
  }
}

/** In place: p[0..n) = tanh(p[0..n)), bitwise as vtanh; four chains in lockstep as sigmoidInPlace. */
export function tanhInPlace(p: usize, n: i32): void {
  let q = 0;
  for (; q + 7 < n; q += 8) {
    const o: usize = p + (<usize>q << 3);
    const x0 = v128.load(o, 0*16);
    const x1 = v128.load(o, 1*16);
    const x2 = v128.load(o, 2*16);
    const x3 = v128.load(o, 3*16);
    const a0 = f64x2.abs(x0);
    const a1 = f64x2.abs(x1);
    const a2 = f64x2.abs(x2);
    const a3 = f64x2.abs(x3);
    const y0 = f64x2.pmin(f64x2.add(a0, a0), f64x2.splat(40.0));
    const y1 = f64x2.pmin(f64x2.add(a1, a1), f64x2.splat(40.0));
    const y2 = f64x2.pmin(f64x2.add(a2, a2), f64x2.splat(40.0));
    const y3 = f64x2.pmin(f64x2.add(a3, a3), f64x2.splat(40.0));
    const k0 = f64x2.nearest(f64x2.mul(y0, f64x2.splat(INV_LN2)));
    const k1 = f64x2.nearest(f64x2.mul(y1, f64x2.splat(INV_LN2)));
    const k2 = f64x2.nearest(f64x2.mul(y2, f64x2.splat(INV_LN2)));
    const k3 = f64x2.nearest(f64x2.mul(y3, f64x2.splat(INV_LN2)));
    let r0 = f64x2.sub(y0, f64x2.mul(k0, f64x2.splat(LN2_HI)));
    let r1 = f64x2.sub(y1, f64x2.mul(k1, f64x2.splat(LN2_HI)));
    let r2 = f64x2.sub(y2, f64x2.mul(k2, f64x2.splat(LN2_HI)));
    let r3 = f64x2.sub(y3, f64x2.mul(k3, f64x2.splat(LN2_HI)));
    r0 = f64x2.sub(r0, f64x2.mul(k0, f64x2.splat(LN2_LO)));
    r1 = f64x2.sub(r1, f64x2.mul(k1, f64x2.splat(LN2_LO)));
    r2 = f64x2.sub(r2, f64x2.mul(k2, f64x2.splat(LN2_LO)));
    r3 = f64x2.sub(r3, f64x2.mul(k3, f64x2.splat(LN2_LO)));
    let p0 = madd(f64x2.splat(1.6059043836821613e-10), r0, f64x2.splat(2.08767569878681e-9));
    let p1 = madd(f64x2.splat(1.6059043836821613e-10), r1, f64x2.splat(2.08767569878681e-9));
    let p2 = madd(f64x2.splat(1.6059043836821613e-10), r2, f64x2.splat(2.08767569878681e-9));
    let p3 = madd(f64x2.splat(1.6059043836821613e-10), r3, f64x2.splat(2.08767569878681e-9));
    p0 = madd(p0, r0, f64x2.splat(2.505210838544172e-8));
    p1 = madd(p1, r1, f64x2.splat(2.505210838544172e-8));
    p2 = madd(p2, r2, f64x2.splat(2.505210838544172e-8));
    p3 = madd(p3, r3, f64x2.splat(2.505210838544172e-8));
    p0 = madd(p0, r0, f64x2.splat(2.755731922398589e-7));
    p1 = madd(p1, r1, f64x2.splat(2.755731922398589e-7));
    p2 = madd(p2, r2, f64x2.splat(2.755731922398589e-7));
    p3 = madd(p3, r3, f64x2.splat(2.755731922398589e-7));
    p0 = madd(p0, r0, f64x2.splat(2.7557319223985893e-6));
    p1 = madd(p1, r1, f64x2.splat(2.7557319223985893e-6));
    p2 = madd(p2, r2, f64x2.splat(2.7557319223985893e-6));
    p3 = madd(p3, r3, f64x2.splat(2.7557319223985893e-6));
    p0 = madd(p0, r0, f64x2.splat(2.48015873015873e-5));
    p1 = madd(p1, r1, f64x2.splat(2.48015873015873e-5));
    p2 = madd(p2, r2, f64x2.splat(2.48015873015873e-5));
    p3 = madd(p3, r3, f64x2.splat(2.48015873015873e-5));
    p0 = madd(p0, r0, f64x2.splat(1.984126984126984e-4));
    p1 = madd(p1, r1, f64x2.splat(1.984126984126984e-4));
    p2 = madd(p2, r2, f64x2.splat(1.984126984126984e-4));
    p3 = madd(p3, r3, f64x2.splat(1.984126984126984e-4));
    p0 = madd(p0, r0, f64x2.splat(1.388888888888889e-3));
    p1 = madd(p1, r1, f64x2.splat(1.388888888888889e-3));
    p2 = madd(p2, r2, f64x2.splat(1.388888888888889e-3));
    p3 = madd(p3, r3, f64x2.splat(1.388888888888889e-3));
    p0 = madd(p0, r0, f64x2.splat(8.333333333333333e-3));
    p1 = madd(p1, r1, f64x2.splat(8.333333333333333e-3));
    p2 = madd(p2, r2, f64x2.splat(8.333333333333333e-3));
    p3 = madd(p3, r3, f64x2.splat(8.333333333333333e-3));
    p0 = madd(p0, r0, f64x2.splat(4.1666666666666664e-2));
    p1 = madd(p1, r1, f64x2.splat(4.1666666666666664e-2));
    p2 = madd(p2, r2, f64x2.splat(4.1666666666666664e-2));
    p3 = madd(p3, r3, f64x2.splat(4.1666666666666664e-2));
    p0 = madd(p0, r0, f64x2.splat(0.16666666666666666));
    p1 = madd(p1, r1, f64x2.splat(0.16666666666666666));
    p2 = madd(p2, r2, f64x2.splat(0.16666666666666666));
    p3 = madd(p3, r3, f64x2.splat(0.16666666666666666));
    p0 = madd(p0, r0, f64x2.splat(0.5));
    p1 = madd(p1, r1, f64x2.splat(0.5));
    p2 = madd(p2, r2, f64x2.splat(0.5));
    p3 = madd(p3, r3, f64x2.splat(0.5));
    p0 = madd(p0, r0, f64x2.splat(1.0));
    p1 = madd(p1, r1, f64x2.splat(1.0));
    p2 = madd(p2, r2, f64x2.splat(1.0));
    p3 = madd(p3, r3, f64x2.splat(1.0));
    p0 = f64x2.mul(p0, r0);
    p1 = f64x2.mul(p1, r1);
    p2 = f64x2.mul(p2, r2);
    p3 = f64x2.mul(p3, r3);
    const s0 = pow2(k0);
    const s1 = pow2(k1);
    const s2 = pow2(k2);
    const s3 = pow2(k3);
    const e0 = f64x2.add(f64x2.mul(s0, p0), f64x2.sub(s0, f64x2.splat(1.0)));
    const e1 = f64x2.add(f64x2.mul(s1, p1), f64x2.sub(s1, f64x2.splat(1.0)));
    const e2 = f64x2.add(f64x2.mul(s2, p2), f64x2.sub(s2, f64x2.splat(1.0)));
    const e3 = f64x2.add(f64x2.mul(s3, p3), f64x2.sub(s3, f64x2.splat(1.0)));
    v128.store(o, v128.or(f64x2.div(e0, f64x2.add(e0, f64x2.splat(2.0))), v128.and(x0, SIGN)), 0*16);
    v128.store(o, v128.or(f64x2.div(e1, f64x2.add(e1, f64x2.splat(2.0))), v128.and(x1, SIGN)), 1*16);
    v128.store(o, v128.or(f64x2.div(e2, f64x2.add(e2, f64x2.splat(2.0))), v128.and(x2, SIGN)), 2*16);
    v128.store(o, v128.or(f64x2.div(e3, f64x2.add(e3, f64x2.splat(2.0))), v128.and(x3, SIGN)), 3*16);
  }
  for (; q + 1 < n; q += 2) {
    const o: usize = p + (<usize>q << 3);
    v128.store(o, vtanh(v128.load(o)));
  }
  if (q < n) {
    const o: usize = p + (<usize>q << 3);
    store<f64>(o, f64x2.extract_lane(vtanh(v128.load64_splat(o)), 0));
  }
}


/** In place: p[0..n) = exp(p[0..n)), bitwise as vexp; four chains in lockstep as sigmoidInPlace. */
export function expInPlace(p: usize, n: i32): void {
  let q = 0;
  for (; q + 7 < n; q += 8) {
    const o: usize = p + (<usize>q << 3);
    const y0 = f64x2.pmin(f64x2.pmax(v128.load(o, 0*16), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const y1 = f64x2.pmin(f64x2.pmax(v128.load(o, 1*16), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const y2 = f64x2.pmin(f64x2.pmax(v128.load(o, 2*16), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const y3 = f64x2.pmin(f64x2.pmax(v128.load(o, 3*16), f64x2.splat(-746.0)), f64x2.splat(710.0));
    const k0 = f64x2.nearest(f64x2.mul(y0, f64x2.splat(INV_LN2)));
    const k1 = f64x2.nearest(f64x2.mul(y1, f64x2.splat(INV_LN2)));
    const k2 = f64x2.nearest(f64x2.mul(y2, f64x2.splat(INV_LN2)));
    const k3 = f64x2.nearest(f64x2.mul(y3, f64x2.splat(INV_LN2)));
    let r0 = f64x2.sub(y0, f64x2.mul(k0, f64x2.splat(LN2_HI)));
    let r1 = f64x2.sub(y1, f64x2.mul(k1, f64x2.splat(LN2_HI)));
    let r2 = f64x2.sub(y2, f64x2.mul(k2, f64x2.splat(LN2_HI)));
    let r3 = f64x2.sub(y3, f64x2.mul(k3, f64x2.splat(LN2_HI)));
    r0 = f64x2.sub(r0, f64x2.mul(k0, f64x2.splat(LN2_LO)));
    r1 = f64x2.sub(r1, f64x2.mul(k1, f64x2.splat(LN2_LO)));
    r2 = f64x2.sub(r2, f64x2.mul(k2, f64x2.splat(LN2_LO)));
    r3 = f64x2.sub(r3, f64x2.mul(k3, f64x2.splat(LN2_LO)));
    let p0 = madd(f64x2.splat(1.6059043836821613e-10), r0, f64x2.splat(2.08767569878681e-9));
    let p1 = madd(f64x2.splat(1.6059043836821613e-10), r1, f64x2.splat(2.08767569878681e-9));
    let p2 = madd(f64x2.splat(1.6059043836821613e-10), r2, f64x2.splat(2.08767569878681e-9));
    let p3 = madd(f64x2.splat(1.6059043836821613e-10), r3, f64x2.splat(2.08767569878681e-9));
    p0 = madd(p0, r0, f64x2.splat(2.505210838544172e-8));
    p1 = madd(p1, r1, f64x2.splat(2.505210838544172e-8));
    p2 = madd(p2, r2, f64x2.splat(2.505210838544172e-8));
    p3 = madd(p3, r3, f64x2.splat(2.505210838544172e-8));
    p0 = madd(p0, r0, f64x2.splat(2.755731922398589e-7));
    p1 = madd(p1, r1, f64x2.splat(2.755731922398589e-7));
    p2 = madd(p2, r2, f64x2.splat(2.755731922398589e-7));
    p3 = madd(p3, r3, f64x2.splat(2.755731922398589e-7));
    p0 = madd(p0, r0, f64x2.splat(2.7557319223985893e-6));
    p1 = madd(p1, r1, f64x2.splat(2.7557319223985893e-6));
    p2 = madd(p2, r2, f64x2.splat(2.7557319223985893e-6));
    p3 = madd(p3, r3, f64x2.splat(2.7557319223985893e-6));
    p0 = madd(p0, r0, f64x2.splat(2.48015873015873e-5));
    p1 = madd(p1, r1, f64x2.splat(2.48015873015873e-5));
    p2 = madd(p2, r2, f64x2.splat(2.48015873015873e-5));
    p3 = madd(p3, r3, f64x2.splat(2.48015873015873e-5));
    p0 = madd(p0, r0, f64x2.splat(1.984126984126984e-4));
    p1 = madd(p1, r1, f64x2.splat(1.984126984126984e-4));
    p2 = madd(p2, r2, f64x2.splat(1.984126984126984e-4));
    p3 = madd(p3, r3, f64x2.splat(1.984126984126984e-4));
    p0 = madd(p0, r0, f64x2.splat(1.388888888888889e-3));
    p1 = madd(p1, r1, f64x2.splat(1.388888888888889e-3));
    p2 = madd(p2, r2, f64x2.splat(1.388888888888889e-3));
    p3 = madd(p3, r3, f64x2.splat(1.388888888888889e-3));
    p0 = madd(p0, r0, f64x2.splat(8.333333333333333e-3));
    p1 = madd(p1, r1, f64x2.splat(8.333333333333333e-3));
    p2 = madd(p2, r2, f64x2.splat(8.333333333333333e-3));
    p3 = madd(p3, r3, f64x2.splat(8.333333333333333e-3));
    p0 = madd(p0, r0, f64x2.splat(4.1666666666666664e-2));
    p1 = madd(p1, r1, f64x2.splat(4.1666666666666664e-2));
    p2 = madd(p2, r2, f64x2.splat(4.1666666666666664e-2));
    p3 = madd(p3, r3, f64x2.splat(4.1666666666666664e-2));
    p0 = madd(p0, r0, f64x2.splat(0.16666666666666666));
    p1 = madd(p1, r1, f64x2.splat(0.16666666666666666));
    p2 = madd(p2, r2, f64x2.splat(0.16666666666666666));
    p3 = madd(p3, r3, f64x2.splat(0.16666666666666666));
    p0 = madd(p0, r0, f64x2.splat(0.5));
    p1 = madd(p1, r1, f64x2.splat(0.5));
    p2 = madd(p2, r2, f64x2.splat(0.5));
    p3 = madd(p3, r3, f64x2.splat(0.5));
    p0 = madd(p0, r0, f64x2.splat(1.0));
    p1 = madd(p1, r1, f64x2.splat(1.0));
    p2 = madd(p2, r2, f64x2.splat(1.0));
    p3 = madd(p3, r3, f64x2.splat(1.0));
    p0 = madd(p0, r0, f64x2.splat(1.0));
    p1 = madd(p1, r1, f64x2.splat(1.0));
    p2 = madd(p2, r2, f64x2.splat(1.0));
    p3 = madd(p3, r3, f64x2.splat(1.0));
    const h0 = f64x2.floor(f64x2.mul(k0, f64x2.splat(0.5)));
    const h1 = f64x2.floor(f64x2.mul(k1, f64x2.splat(0.5)));
    const h2 = f64x2.floor(f64x2.mul(k2, f64x2.splat(0.5)));
    const h3 = f64x2.floor(f64x2.mul(k3, f64x2.splat(0.5)));
    v128.store(o, f64x2.mul(f64x2.mul(p0, pow2(h0)), pow2(f64x2.sub(k0, h0))), 0*16);
    v128.store(o, f64x2.mul(f64x2.mul(p1, pow2(h1)), pow2(f64x2.sub(k1, h1))), 1*16);
    v128.store(o, f64x2.mul(f64x2.mul(p2, pow2(h2)), pow2(f64x2.sub(k2, h2))), 2*16);
    v128.store(o, f64x2.mul(f64x2.mul(p3, pow2(h3)), pow2(f64x2.sub(k3, h3))), 3*16);
  }
  for (; q + 1 < n; q += 2) {
    const o: usize = p + (<usize>q << 3);
    v128.store(o, vexp(v128.load(o)));
  }
  if (q < n) {
    const o: usize = p + (<usize>q << 3);
    store<f64>(o, f64x2.extract_lane(vexp(v128.load64_splat(o)), 0));
  }
}

/**
 * Softmax over the rows of each column of an (n, m) block in place, each column shifted by its own
 * max (NaN anywhere in a column makes the whole column NaN, as np.max does): as softmaxColumns in
 * core.ts, with the column maxima and sums kept in the packing scratch (free outside gemmNN).
 */
export function softmaxColumns(p: usize, n: i32, m: i32): void {
  // Column pairs as f64x2 lanes, rows in order: every column's max, shift, sum and quotient are the
  // scalar loop's operations in its order (pmax(v, z) is `z > v ? z : v`, NaN never replacing v).
  const sm: usize = <usize>m << 3;
  const mx: usize = SCRATCH, sum: usize = SCRATCH + sm + 16, nan: usize = SCRATCH + 2 * (sm + 16);
  const m2 = m & ~1;
  for (let j = 0; j < m; j++) {
    store<f64>(mx + (<usize>j << 3), -Infinity);
    store<f64>(sum + (<usize>j << 3), 0.0);
    store<i64>(nan + (<usize>j << 3), 0);
  }
  for (let i = 0; i < n; i++) {
    const r: usize = p + <usize>i * sm;
    let j = 0;
    for (; j < m2; j += 2) {
      const o: usize = <usize>j << 3;
      const z = v128.load(r + o);
      v128.store(mx + o, f64x2.pmax(v128.load(mx + o), z));
      v128.store(nan + o, v128.or(v128.load(nan + o), f64x2.ne(z, z)));
    }
    if (j < m) {
      const o: usize = <usize>j << 3;
      const z = load<f64>(r + o);
      if (z > load<f64>(mx + o)) store<f64>(mx + o, z);
      else if (z != z) store<i64>(nan + o, -1);
    }
  }
  // NaN anywhere in a column makes its max NaN (as np.max), so the whole column comes out NaN
  for (let j = 0; j < m; j++) {
    const o: usize = <usize>j << 3;
    if (load<i64>(nan + o) != 0) store<f64>(mx + o, NaN);
  }
  for (let i = 0; i < n; i++) {
    const r: usize = p + <usize>i * sm;
    let j = 0;
    for (; j < m2; j += 2) {
      const o: usize = <usize>j << 3;
      v128.store(r + o, f64x2.sub(v128.load(r + o), v128.load(mx + o)));
    }
    if (j < m) store<f64>(r + (<usize>j << 3), load<f64>(r + (<usize>j << 3)) - load<f64>(mx + (<usize>j << 3)));
  }
  expInPlace(p, n * m);
  for (let i = 0; i < n; i++) {
    const r: usize = p + <usize>i * sm;
    let j = 0;
    for (; j < m2; j += 2) {
      const o: usize = <usize>j << 3;
      v128.store(sum + o, f64x2.add(v128.load(sum + o), v128.load(r + o)));
    }
    if (j < m) store<f64>(sum + (<usize>j << 3), load<f64>(sum + (<usize>j << 3)) + load<f64>(r + (<usize>j << 3)));
  }
  for (let i = 0; i < n; i++) {
    const r: usize = p + <usize>i * sm;
    let j = 0;
    for (; j < m2; j += 2) {
      const o: usize = <usize>j << 3;
      v128.store(r + o, f64x2.div(v128.load(r + o), v128.load(sum + o)));
    }
    if (j < m) store<f64>(r + (<usize>j << 3), load<f64>(r + (<usize>j << 3)) / load<f64>(sum + (<usize>j << 3)));
  }
}


/**
 * LSTM cell, in place: G (4S) holds the pre-activations [f; i; c; o] and becomes the activations
 * [ft; it; cct; ot]; c (S) goes from c⟨t-1⟩ to c⟨t⟩ = ft⊙c⟨t-1⟩ + it⊙cct; a (S) gets ot⊙tanh(c⟨t⟩).
 * Done as bulk passes (activations in lockstep chains, then the elementwise products).
 */
export function lstmCell(pG: usize, S: i32, pc: usize, pa: usize): void {
  const s: usize = <usize>S << 3;
  sigmoidInPlace(pG, 2 * S); // f, i
  tanhInPlace(pG + 2 * s, S); // cct
  sigmoidInPlace(pG + 3 * s, S); // o
  let q = 0;
  for (; q + 1 < S; q += 2) {
    const o: usize = <usize>q << 3;
    const g: usize = pG + o;
    const c = f64x2.add(f64x2.mul(v128.load(g), v128.load(pc + o)), f64x2.mul(v128.load(g + s), v128.load(g + 2 * s)));
    v128.store(pc + o, c);
    v128.store(pa + o, c);
  }
  if (q < S) {
    const o: usize = <usize>q << 3;
    const g: usize = pG + o;
    const c = load<f64>(g) * load<f64>(pc + o) + load<f64>(g + s) * load<f64>(g + 2 * s);
    store<f64>(pc + o, c);
    store<f64>(pa + o, c);
  }
  tanhInPlace(pa, S);
  q = 0;
  for (; q + 1 < S; q += 2) {
    const o: usize = <usize>q << 3;
    v128.store(pa + o, f64x2.mul(v128.load(pG + 3 * s + o), v128.load(pa + o)));
  }
  if (q < S) {
    const o: usize = <usize>q << 3;
    store<f64>(pa + o, load<f64>(pG + 3 * s + o) * load<f64>(pa + o));
  }
}

/**
 * LSTM cell backward (elementwise part) for one step. In (7S, in this order): da_next, c⟨t⟩,
 * c⟨t-1⟩, ft, it, cct, ot (a scratch copy: the c⟨t⟩ block is overwritten with tanh(c⟨t⟩)). dc (S): dc_next in, dc_prev = dC⊙ft out. Ds (4S) gets the gate
 * gradients [dft; dit; dcct; dot]. Same expressions and order as the JavaScript loop in core.ts.
 */
export function lstmBackward(pIn: usize, S: i32, pdc: usize, pDs: usize): void {
  const s: usize = <usize>S << 3;
  tanhInPlace(pIn + s, S); // the c⟨t⟩ block (a scratch copy) becomes tanh(c⟨t⟩)
  const n2 = S & ~1;
  let q = 0;
  for (; q < n2; q += 2) {
    const o: usize = <usize>q << 3;
    const g: usize = pIn + o;
    lstmBackPair(v128.load(g), v128.load(g + s), v128.load(g + 2 * s), v128.load(g + 3 * s), v128.load(g + 4 * s),
      v128.load(g + 5 * s), v128.load(g + 6 * s), pdc + o, pDs + o, s, false);
  }
  if (q < S) {
    const o: usize = <usize>q << 3;
    const g: usize = pIn + o;
    lstmBackPair(v128.load64_splat(g), v128.load64_splat(g + s), v128.load64_splat(g + 2 * s), v128.load64_splat(g + 3 * s),
      v128.load64_splat(g + 4 * s), v128.load64_splat(g + 5 * s), v128.load64_splat(g + 6 * s), pdc + o, pDs + o, s, true);
  }
}

// @inline
function lstmBackPair(
  da: v128, c: v128, cp: v128, f: v128, i: v128, cc: v128, ot: v128, pdc: usize, pD: usize, s: usize, one: bool,
): void {
  const one2 = f64x2.splat(1.0);
  const dcN = one ? v128.load64_splat(pdc) : v128.load(pdc);
  const tc = c; // already tanh(c⟨t⟩)
  const dC = f64x2.add(dcN, f64x2.mul(f64x2.mul(da, ot), f64x2.sub(one2, f64x2.mul(tc, tc))));
  const dot = f64x2.mul(f64x2.mul(f64x2.mul(da, tc), ot), f64x2.sub(one2, ot));
  const dcct = f64x2.mul(f64x2.mul(dC, i), f64x2.sub(one2, f64x2.mul(cc, cc)));
  const dit = f64x2.mul(f64x2.mul(f64x2.mul(dC, cc), i), f64x2.sub(one2, i));
  const dft = f64x2.mul(f64x2.mul(f64x2.mul(dC, cp), f), f64x2.sub(one2, f));
  const dcP = f64x2.mul(dC, f);
  if (one) {
    store<f64>(pdc, f64x2.extract_lane(dcP, 0));
    store<f64>(pD, f64x2.extract_lane(dft, 0)); store<f64>(pD + s, f64x2.extract_lane(dit, 0));
    store<f64>(pD + 2 * s, f64x2.extract_lane(dcct, 0)); store<f64>(pD + 3 * s, f64x2.extract_lane(dot, 0));
  } else {
    v128.store(pdc, dcP);
    v128.store(pD, dft); v128.store(pD + s, dit); v128.store(pD + 2 * s, dcct); v128.store(pD + 3 * s, dot);
  }
}

// ---------------------------------------------------------------- small strided moves

/** dst[r·ldd + j] = src[r·lds + j] + (pb ? b[r] : 0) for r < rows, j < cols (byte pointers, strides in elements). */
export function copyRows(pDst: usize, ldd: i32, pSrc: usize, lds: i32, rows: i32, cols: i32, pb: usize): void {
  const sd: usize = <usize>ldd << 3, ss: usize = <usize>lds << 3;
  const n2 = cols & ~1;
  // (no memory.copy: V8 makes it a runtime call, too dear for rows of one or a few values)
  for (let r = 0; r < rows; r++) {
    const d: usize = pDst + <usize>r * sd, s: usize = pSrc + <usize>r * ss;
    let j = 0;
    if (pb) {
      const bv = v128.load64_splat(pb + (<usize>r << 3));
      for (; j < n2; j += 2) {
        const o: usize = <usize>j << 3;
        v128.store(d + o, f64x2.add(v128.load(s + o), bv));
      }
      if (j < cols) store<f64>(d + (<usize>j << 3), load<f64>(s + (<usize>j << 3)) + f64x2.extract_lane(bv, 0));
    } else {
      for (; j < n2; j += 2) {
        const o: usize = <usize>j << 3;
        v128.store(d + o, v128.load(s + o));
      }
      if (j < cols) store<f64>(d + (<usize>j << 3), load<f64>(s + (<usize>j << 3)));
    }
  }
}

/** out[r] += Σ_{q<K} A[r·lda + q] for r < M, the sum in order q = 0, 1, … (as the JavaScript loop). */
export function rowSumsAdd(pA: usize, lda: i32, M: i32, K: i32, pOut: usize): void {
  const sa: usize = <usize>lda << 3;
  let r = 0;
  // four rows at a time: four independent sums (each still in order over q)
  for (; r + 3 < M; r += 4) {
    const a0: usize = pA + <usize>r * sa, a1: usize = a0 + sa, a2: usize = a1 + sa, a3: usize = a2 + sa;
    let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (let q = 0; q < K; q++) {
      const o: usize = <usize>q << 3;
      s0 += load<f64>(a0 + o); s1 += load<f64>(a1 + o); s2 += load<f64>(a2 + o); s3 += load<f64>(a3 + o);
    }
    const po: usize = pOut + (<usize>r << 3);
    store<f64>(po, load<f64>(po) + s0); store<f64>(po, load<f64>(po, 8) + s1, 8);
    store<f64>(po, load<f64>(po, 16) + s2, 16); store<f64>(po, load<f64>(po, 24) + s3, 24);
  }
  for (; r < M; r++) {
    const a0: usize = pA + <usize>r * sa;
    let s0 = 0.0;
    for (let q = 0; q < K; q++) s0 += load<f64>(a0 + (<usize>q << 3));
    const po: usize = pOut + (<usize>r << 3);
    store<f64>(po, load<f64>(po) + s0);
  }
}

/** dst[q] = a[q] + b[q] for q < n (the backward's da_next = upstream da + carried da_prev). */
export function addVec(pDst: usize, pA: usize, pB: usize, n: i32): void {
  let q = 0;
  for (; q + 1 < n; q += 2) {
    const o: usize = <usize>q << 3;
    v128.store(pDst + o, f64x2.add(v128.load(pA + o), v128.load(pB + o)));
  }
  if (q < n) {
    const o: usize = <usize>q << 3;
    store<f64>(pDst + o, load<f64>(pA + o) + load<f64>(pB + o));
  }
}

/** Ds[q] = da[q]·(1 − a[q]·a[q]) for q < n: the RNN's tanh backward, as the JavaScript loop. */
export function tanhBackward(pDs: usize, pDa: usize, pA: usize, n: i32): void {
  const one = f64x2.splat(1.0);
  let q = 0;
  for (; q + 1 < n; q += 2) {
    const o: usize = <usize>q << 3;
    const a = v128.load(pA + o);
    v128.store(pDs + o, f64x2.mul(v128.load(pDa + o), f64x2.sub(one, f64x2.mul(a, a))));
  }
  if (q < n) {
    const o: usize = <usize>q << 3;
    const a = load<f64>(pA + o);
    store<f64>(pDs + o, load<f64>(pDa + o) * (1.0 - a * a));
  }
}
