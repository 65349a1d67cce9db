/**
 * Colours for canvases, read from the theme's `--vscode-*` variables (never hard-coded per theme)
 * and re-read when the body's theme class changes.
 */

export type Rgba = [number, number, number, number];

export interface Palette {
  neg: Rgba;
  pos: Rgba;
  mid: Rgba;
  nan: Rgba;
  posInf: Rgba;
  negInf: Rgba;
  fg: Rgba;
  muted: Rgba;
  cursor: Rgba;
  breakpoint: Rgba;
  lineDa: Rgba;
  lineDc: Rgba;
  border: Rgba;
  highContrast: boolean;
  /** 256-entry diverging lookup, packed for a little-endian Uint32Array view of ImageData. */
  lut: Uint32Array;
  nanPacked: number;
  posInfPacked: number;
  negInfPacked: number;
  fgPacked: number;
}

const VARS: Record<Exclude<keyof Palette, 'highContrast' | 'lut' | 'nanPacked' | 'posInfPacked' | 'negInfPacked' | 'fgPacked'>, [string, string]> = {
  neg: ['--vscode-charts-blue', '#3794ff'],
  pos: ['--vscode-charts-red', '#f14c4c'],
  mid: ['--vscode-editor-background', '#1e1e1e'],
  nan: ['--vscode-charts-yellow', '#cca700'],
  posInf: ['--vscode-charts-purple', '#b180d7'],
  negInf: ['--vscode-charts-green', '#89d185'],
  fg: ['--vscode-foreground', '#cccccc'],
  muted: ['--vscode-descriptionForeground', '#9d9d9d'],
  cursor: ['--vscode-focusBorder', '#007fd4'],
  breakpoint: ['--vscode-debugIcon-breakpointForeground', '#e51400'],
  lineDa: ['--vscode-charts-blue', '#3794ff'],
  lineDc: ['--vscode-charts-orange', '#d18616'],
  border: ['--vscode-panel-border', '#80808059'],
};

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour string → RGBA bytes, via a 1×1 canvas (handles #rgb, #rrggbbaa, rgb(), names). */
function parseColor(css: string, fallback: string): Rgba {
  if (!probe) {
    const c = document.createElement('canvas');
    c.width = c.height = 1;
    probe = c.getContext('2d', { willReadFrequently: true });
  }
  if (!probe) return [128, 128, 128, 255];
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = fallback;
  probe.fillStyle = css.trim() || fallback;
  probe.fillRect(0, 0, 1, 1);
  const d = probe.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3]];
}

/** Composite a possibly translucent colour over an opaque background. */
function over(c: Rgba, bg: Rgba): Rgba {
  const a = c[3] / 255;
  return [
    Math.round(c[0] * a + bg[0] * (1 - a)),
    Math.round(c[1] * a + bg[1] * (1 - a)),
    Math.round(c[2] * a + bg[2] * (1 - a)),
    255,
  ];
}

export const pack = (c: Rgba): number => ((c[3] << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;

export const css = (c: Rgba): string => `rgba(${c[0]},${c[1]},${c[2]},${(c[3] / 255).toFixed(3)})`;
/** `c` with its alpha replaced (0-255). */
export const rgba = (c: Rgba, alpha: number): string => css([c[0], c[1], c[2], alpha]);

export function readPalette(): Palette {
  const cs = getComputedStyle(document.body);
  const get = (k: keyof typeof VARS): Rgba => parseColor(cs.getPropertyValue(VARS[k][0]), VARS[k][1]);
  const mid = over(get('mid'), [128, 128, 128, 255]);
  const p = {} as Record<keyof typeof VARS, Rgba>;
  for (const k of Object.keys(VARS) as (keyof typeof VARS)[]) p[k] = over(get(k), mid);
  p.mid = mid;
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const u = (i - 127.5) / 127.5; // -1 … 1
    const end = u < 0 ? p.neg : p.pos;
    const k = Math.abs(u);
    lut[i] = pack([
      Math.round(mid[0] + (end[0] - mid[0]) * k),
      Math.round(mid[1] + (end[1] - mid[1]) * k),
      Math.round(mid[2] + (end[2] - mid[2]) * k),
      255,
    ]);
  }
  const cls = document.body.classList;
  return {
    ...p,
    highContrast: cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light'),
    lut,
    nanPacked: pack(p.nan),
    posInfPacked: pack(p.posInf),
    negInfPacked: pack(p.negInf),
    fgPacked: pack(p.fg),
  };
}
