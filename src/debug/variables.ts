/**
 * Tensors as DAP variables: a tensor reads `float64 (5, 10) min -0.98 max 0.99`, expands to its
 * rows (paged with `indexedVariables` / `start` + `count`), and a row to its exact values
 * (shortest round-trip text, so a value copied from the Variables view reads back bit-exactly).
 * Handles live until the next stop (`reset`).
 */
import { Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Tensor } from './workerRun';

/** Cells of a row preview before `…`. */
const PREVIEW = 8;

export type Container =
  /** A scope: its tensors are asked of the run worker when the client expands it. */
  | { kind: 'list'; items: () => Promise<Tensor[]>; extras?: () => DebugProtocol.Variable[] }
  | { kind: 'tensor'; tensor: Tensor }
  | { kind: 'row'; tensor: Tensor; row: number };

/** Short text of a number for summaries (exact values are in the rows). */
function short(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/** Summaries by tensor data: a scope expanded again at the same stop does not rescan its tensors. */
const summaries = new WeakMap<Float64Array, string>();

export function tensorSummary(t: Tensor): string {
  const had = summaries.get(t.data);
  if (had !== undefined) return had;
  const s = summarize(t);
  summaries.set(t.data, s);
  return s;
}

function summarize(t: Tensor): string {
  let min = Infinity;
  let max = -Infinity;
  let nan = 0;
  const n = t.rows * t.cols;
  for (let i = 0; i < n; i++) {
    const v = t.data[i] ?? Number.NaN;
    if (Number.isNaN(v)) nan++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const range = nan === n ? 'all NaN' : `min ${short(min)} max ${short(max)}${nan ? ` NaN ×${nan}` : ''}`;
  return `float64 (${t.rows}, ${t.cols}) ${range}`;
}

function rowPreview(t: Tensor, r: number): string {
  const cells: string[] = [];
  for (let j = 0; j < Math.min(t.cols, PREVIEW); j++) cells.push(short(t.data[r * t.cols + j] ?? Number.NaN));
  return `[${cells.join(', ')}${t.cols > PREVIEW ? ', …' : ''}]`;
}

export class VariableStore {
  private handles = new Handles<Container>();
  /** Counts stops: handles made for one stop are not handed out after the next. */
  private stop = 0;

  reset(): void {
    this.stop++;
    this.handles.reset();
  }

  /** A reference for a container (scope, tensor, row); 0 for nothing to expand. */
  create(c: Container): number {
    return this.handles.create(c);
  }

  tensorVariable(t: Tensor, evaluateName?: string): DebugProtocol.Variable {
    return {
      name: t.name,
      value: tensorSummary(t),
      type: `float64 (${t.rows}, ${t.cols})`,
      variablesReference: this.create({ kind: 'tensor', tensor: t }),
      indexedVariables: t.rows,
      ...(evaluateName ? { evaluateName } : {}),
    };
  }

  /**
   * The children of a reference, the `start`/`count` page of them for indexed ones; undefined for
   * a reference of an earlier stop (also when the stop changed while a scope's tensors came).
   */
  async children(ref: number, start = 0, count = 0): Promise<DebugProtocol.Variable[] | undefined> {
    const c = this.handles.get(ref);
    if (!c) return undefined;
    if (c.kind === 'list') {
      const stop = this.stop;
      const items = await c.items();
      if (stop !== this.stop) return undefined;
      return [...(c.extras?.() ?? []), ...items.map((t) => this.tensorVariable(t, t.name))];
    }
    const t = c.tensor;
    const total = c.kind === 'tensor' ? t.rows : t.cols;
    const from = Math.max(0, Math.min(start, total));
    const to = count > 0 ? Math.min(total, from + count) : total;
    const out: DebugProtocol.Variable[] = [];
    for (let i = from; i < to; i++) {
      if (c.kind === 'tensor') {
        // mathjs indexes from 1: the evaluateName is what a Watch would read (`a_next[3, :]`).
        out.push({
          name: `[${i}]`,
          value: rowPreview(t, i),
          variablesReference: this.create({ kind: 'row', tensor: t, row: i }),
          indexedVariables: t.cols,
          evaluateName: `${t.name}[${i + 1}, :]`,
        });
      } else {
        out.push({
          name: `[${i}]`,
          value: String(t.data[c.row * t.cols + i]),
          type: 'float64',
          variablesReference: 0,
          evaluateName: `${t.name}[${c.row + 1}, ${i + 1}]`,
        });
      }
    }
    return out;
  }
}
