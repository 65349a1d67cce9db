/**
 * Canvas heatmaps drawn through ImageData (one pass over a Uint32 view, no per-cell DOM), with a
 * diverging colour scale symmetric around 0 and distinct, hatched markers for NaN and ±Infinity.
 */

import type { Palette } from './colors';

export interface Stats {
  /** Largest finite |v| (1 when everything is 0 or non-finite, so the scale stays defined). */
  maxAbs: number;
  min: number;
  max: number;
  nan: number;
  posInf: number;
  negInf: number;
}

export function stats(data: Float64Array, have?: Uint8Array, rows = 0, cols = 0): Stats {
  let m = 0;
  let min = Infinity;
  let max = -Infinity;
  let nan = 0;
  let pi = 0;
  let ni = 0;
  for (let k = 0; k < data.length; k++) {
    if (have && cols > 0 && !have[k % cols]) continue;
    const v = data[k];
    if (v !== v) nan++;
    else if (v === Infinity) pi++;
    else if (v === -Infinity) ni++;
    else {
      const a = v < 0 ? -v : v;
      if (a > m) m = a;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  void rows;
  return { maxAbs: m > 0 ? m : 1, min, max, nan, posInf: pi, negInf: ni };
}

const images = new WeakMap<HTMLCanvasElement, ImageData>();
const contexts = new WeakMap<HTMLCanvasElement, CanvasRenderingContext2D>();

/** The canvas's 2D context, looked up once (getContext is not free on every frame). */
export function ctx2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  let c = contexts.get(canvas);
  if (!c) {
    c = canvas.getContext('2d') ?? undefined;
    if (c) contexts.set(canvas, c);
  }
  return c ?? null;
}

/**
 * Paint `rows × cols` values (row-major) as `cellW × cellH` pixel blocks. Columns with
 * `have[j] === 0` stay transparent (not computed yet). `scale` maps ±scale to the ends.
 */
export function paintGrid(
  canvas: HTMLCanvasElement,
  data: Float64Array,
  rows: number,
  cols: number,
  cellW: number,
  cellH: number,
  scale: number,
  pal: Palette,
  have?: Uint8Array,
): void {
  const W = cols * cellW;
  const H = rows * cellH;
  if (canvas.width !== W) canvas.width = W;
  if (canvas.height !== H) canvas.height = H;
  const ctx = ctx2d(canvas);
  if (!ctx || W === 0 || H === 0) return;
  let img = images.get(canvas);
  if (!img || img.width !== W || img.height !== H) {
    img = ctx.createImageData(W, H);
    images.set(canvas, img);
  }
  const px = new Uint32Array(img.data.buffer);
  const lut = pal.lut;
  const k = 127.5 / scale;
  const hatch = cellW >= 3 && cellH >= 3;
  const fg = pal.fgPacked;
  for (let i = 0; i < rows; i++) {
    const rowBase = i * cellH * W;
    for (let j = 0; j < cols; j++) {
      let color: number;
      let special = false;
      if (have && !have[j]) color = 0;
      else {
        const v = data[i * cols + j];
        if (v !== v) {
          color = pal.nanPacked;
          special = true;
        } else if (v === Infinity) {
          color = pal.posInfPacked;
          special = true;
        } else if (v === -Infinity) {
          color = pal.negInfPacked;
          special = true;
        } else {
          let idx = (v * k + 127.5) | 0;
          if (idx < 0) idx = 0;
          else if (idx > 255) idx = 255;
          color = lut[idx];
        }
      }
      const x0 = j * cellW;
      if (cellW === 1 && cellH === 1) {
        px[rowBase + x0] = color;
        continue;
      }
      for (let y = 0; y < cellH; y++) {
        const base = rowBase + y * W + x0;
        if (special && hatch) {
          for (let x = 0; x < cellW; x++) px[base + x] = (x + y) % 4 === 0 ? fg : color;
        } else {
          for (let x = 0; x < cellW; x++) px[base + x] = color;
        }
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** Cell size for a grid of `rows × cols` in at most `maxW × maxH` CSS pixels. */
export function cellSize(rows: number, cols: number, maxW: number, maxH: number, maxCell = 26): { w: number; h: number } {
  const w = Math.max(1, Math.min(maxCell, Math.floor(maxW / Math.max(cols, 1))));
  const h = Math.max(1, Math.min(Math.max(w, 4), maxCell, Math.floor(maxH / Math.max(rows, 1))));
  return { w, h };
}

/** Set a canvas's CSS size to its pixel size (crisp cells; CSSOM, allowed by the CSP). */
export function fixCssSize(canvas: HTMLCanvasElement): void {
  const w = `${canvas.width}px`;
  const h = `${canvas.height}px`;
  if (canvas.style.getPropertyValue('width') !== w) canvas.style.setProperty('width', w);
  if (canvas.style.getPropertyValue('height') !== h) canvas.style.setProperty('height', h);
}

/** Set a canvas's CSS size (it may differ from its pixel size: pixelated scaling). */
export function setCssSize(canvas: HTMLCanvasElement, w: number, h: number): void {
  const ws = `${w}px`;
  const hs = `${h}px`;
  if (canvas.style.getPropertyValue('width') !== ws) canvas.style.setProperty('width', ws);
  if (canvas.style.getPropertyValue('height') !== hs) canvas.style.setProperty('height', hs);
}
