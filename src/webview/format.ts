/** Number formatting for the panel: a short form for cells, the full float64 for hover/focus. */

/** Full float64, exactly as `String(v)` (round-trips), with readable non-finite names. */
export function full(v: number): string {
  return String(v);
}

/** Short display text: 4 significant digits, exponent form for very small/large magnitudes. */
export function short(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** `(rows, cols)` as NumPy prints a shape. */
export const shapeText = (rows: number, cols: number): string => `(${rows}, ${cols})`;
