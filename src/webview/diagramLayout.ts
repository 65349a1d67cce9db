/**
 * Where the cell diagram's nodes sit and which tensor each wire carries, drawn like the seed's
 * figures: the LSTM's cell-state line along the top (c⟨t-1⟩ → ⊙ forget → + → c⟨t⟩), the four gates
 * fed by [a⟨t-1⟩; x⟨t⟩] below it, tanh(c⟨t⟩) ⊙ o → a⟨t⟩ → ŷ on the right; the RNN as
 * tanh(Waa a⟨t-1⟩ + Wax x⟨t⟩ + ba) → a⟨t⟩ → softmax → ŷ. The backward figure is the same drawing
 * with the gradients on the wires, flowing right to left. DOM-free (unit-tested).
 */

import type { CellType } from '../engine/types';

export type NodeKind = 'io' | 'sigma' | 'tanh' | 'mul' | 'add' | 'softmax';

export interface DiagramNode {
  id: string;
  kind: NodeKind;
  /** Text in the node (σ, tanh, ⊙, +) or the input/output's name. */
  text: string;
  /** What a screen reader hears, e.g. "forget gate". */
  role: string;
  x: number;
  y: number;
  /** The step tensor whose card a click on this node opens (and whose value the node shows). */
  tensor?: string;
  /** For an operation node: the intermediate value it outputs (see `wireValue`), shown under it. */
  value?: string;
}

export interface DiagramWire {
  from: string;
  to: string;
  /** The step tensor whose element (unit, example) the wire carries and shows. */
  tensor: string;
  /** Label of the wire (the tensor's name in the course's notation), read as its tooltip. */
  label: string;
  /** Vertical segment first (an elbow that would otherwise cross a node). */
  vFirst?: boolean;
}

export interface Diagram {
  width: number;
  height: number;
  nodes: DiagramNode[];
  wires: DiagramWire[];
}

const n = (id: string, kind: NodeKind, text: string, role: string, x: number, y: number, tensor?: string, value?: string): DiagramNode => ({
  id,
  kind,
  text,
  role,
  x,
  y,
  ...(tensor ? { tensor } : {}),
  ...(value ? { value } : {}),
});

const LSTM_NODES = (b: boolean): DiagramNode[] => [
  n('c_prev', 'io', 'c⟨t-1⟩', 'previous cell state', 30, 40, b ? 'dc_prev' : 'c_prev'),
  n('a_prev', 'io', 'a⟨t-1⟩', 'previous hidden state', 30, 230, b ? 'da_prev' : 'a_prev'),
  n('xt', 'io', 'x⟨t⟩', 'input', 120, 290, b ? 'dxt' : 'xt'),
  n('ft', 'sigma', 'σ', 'forget gate ft', 190, 160, b ? 'dft' : 'ft'),
  n('it', 'sigma', 'σ', 'update gate it', 270, 160, b ? 'dit' : 'it'),
  n('cct', 'tanh', 'tanh', 'candidate cct', 350, 160, b ? 'dcct' : 'cct'),
  n('ot', 'sigma', 'σ', 'output gate ot', 430, 160, b ? 'dot' : 'ot'),
  n('mulF', 'mul', '⊙', b ? 'forget ⊙: dC · c⟨t-1⟩ and dC · ft' : 'forget ⊙: ft · c⟨t-1⟩', 190, 40, undefined, b ? undefined : 'ft·c_prev'),
  n('mulI', 'mul', '⊙', b ? 'update ⊙: dC · cct and dC · it' : 'update ⊙: it · cct', 310, 100, undefined, b ? undefined : 'it·cct'),
  n('add', 'add', '+', b ? 'cell state gradient dC' : 'cell state sum', 310, 40, undefined, b ? 'dC' : undefined),
  n('tanhC', 'tanh', 'tanh', b ? 'through tanh(c⟨t⟩): da_next · ot · (1 − tanh² c⟨t⟩)' : 'tanh(c⟨t⟩)', 520, 100, undefined, b ? 'dtanhC' : 'tanh(c_next)'),
  n('mulO', 'mul', '⊙', b ? 'output ⊙: da_next · ot' : 'output ⊙: ot · tanh(c⟨t⟩)', 520, 160, undefined, b ? 'da_next·ot' : undefined),
  ...(b ? [n('Wt', 'mul', 'Wᵀ', 'Σ over the gates of W*ᵀ · d*', 250, 230)] : []),
  n('c_next', 'io', 'c⟨t⟩', 'cell state', 640, 40, b ? 'dc_next' : 'c_next'),
  n('a_next', 'io', 'a⟨t⟩', 'hidden state', 640, 230, b ? 'da_next' : 'a_next'),
  ...(b ? [] : [n('yt_pred', 'softmax', 'ŷ⟨t⟩', 'prediction (softmax)', 640, 290, 'yt_pred')]),
];

const LSTM_FWD_WIRES: DiagramWire[] = [
  { from: 'c_prev', to: 'mulF', tensor: 'c_prev', label: 'c⟨t-1⟩' },
  { from: 'ft', to: 'mulF', tensor: 'ft', label: 'ft' },
  { from: 'it', to: 'mulI', tensor: 'it', label: 'it' },
  { from: 'cct', to: 'mulI', tensor: 'cct', label: 'cct' },
  { from: 'mulI', to: 'add', tensor: 'it·cct', label: '' },
  { from: 'mulF', to: 'add', tensor: 'ft·c_prev', label: '' },
  { from: 'add', to: 'c_next', tensor: 'c_next', label: 'c⟨t⟩' },
  { from: 'add', to: 'tanhC', tensor: 'c_next', label: '' },
  { from: 'tanhC', to: 'mulO', tensor: 'tanh(c_next)', label: '' },
  { from: 'ot', to: 'mulO', tensor: 'ot', label: 'ot' },
  { from: 'mulO', to: 'a_next', tensor: 'a_next', label: 'a⟨t⟩' },
  { from: 'a_next', to: 'yt_pred', tensor: 'yt_pred', label: 'ŷ' },
  { from: 'a_prev', to: 'ft', tensor: 'a_prev', label: 'a⟨t-1⟩' },
  { from: 'a_prev', to: 'it', tensor: 'a_prev', label: 'a⟨t-1⟩' },
  { from: 'a_prev', to: 'cct', tensor: 'a_prev', label: 'a⟨t-1⟩' },
  { from: 'a_prev', to: 'ot', tensor: 'a_prev', label: 'a⟨t-1⟩' },
  { from: 'xt', to: 'ft', tensor: 'xt', label: 'x⟨t⟩', vFirst: true },
  { from: 'xt', to: 'it', tensor: 'xt', label: 'x⟨t⟩', vFirst: true },
  { from: 'xt', to: 'cct', tensor: 'xt', label: 'x⟨t⟩', vFirst: true },
  { from: 'xt', to: 'ot', tensor: 'xt', label: 'x⟨t⟩', vFirst: true },
];

/** Backward: the gradient of each wire's value, flowing from its head to its tail. */
const LSTM_BWD_WIRES: DiagramWire[] = [
  { from: 'c_next', to: 'add', tensor: 'dc_next', label: 'dc_next' },
  { from: 'a_next', to: 'mulO', tensor: 'da_next', label: 'da_next' },
  { from: 'mulO', to: 'ot', tensor: 'dot', label: 'dot' },
  { from: 'mulO', to: 'tanhC', tensor: 'da_next·ot', label: 'da_next·ot' },
  { from: 'tanhC', to: 'add', tensor: 'dtanhC', label: 'da_next·ot·(1 − tanh² c⟨t⟩)', vFirst: true },
  { from: 'add', to: 'mulI', tensor: 'dC', label: 'dC' },
  { from: 'add', to: 'mulF', tensor: 'dC', label: 'dC' },
  { from: 'mulI', to: 'it', tensor: 'dit', label: 'dit', vFirst: true },
  { from: 'mulI', to: 'cct', tensor: 'dcct', label: 'dcct', vFirst: true },
  { from: 'mulF', to: 'ft', tensor: 'dft', label: 'dft' },
  { from: 'mulF', to: 'c_prev', tensor: 'dc_prev', label: 'dc_prev' },
  { from: 'ft', to: 'Wt', tensor: 'dft', label: 'dft', vFirst: true },
  { from: 'it', to: 'Wt', tensor: 'dit', label: 'dit', vFirst: true },
  { from: 'cct', to: 'Wt', tensor: 'dcct', label: 'dcct', vFirst: true },
  { from: 'ot', to: 'Wt', tensor: 'dot', label: 'dot', vFirst: true },
  { from: 'Wt', to: 'a_prev', tensor: 'da_prev', label: 'da_prev' },
  { from: 'Wt', to: 'xt', tensor: 'dxt', label: 'dxt' },
];

const RNN_NODES = (b: boolean): DiagramNode[] => [
  n('a_prev', 'io', 'a⟨t-1⟩', 'previous hidden state', 30, 160, b ? 'da_prev' : 'a_prev'),
  n('xt', 'io', 'x⟨t⟩', 'input', 200, 290, b ? 'dxt' : 'xt'),
  n('tanh', 'tanh', 'tanh', b ? 'dtanh = da_next · (1 − a⟨t⟩²)' : 'tanh(Waa a⟨t-1⟩ + Wax x⟨t⟩ + ba)', 330, 160, b ? 'dtanh' : undefined, b ? undefined : 'a_next'),
  n('a_next', 'io', 'a⟨t⟩', 'hidden state', 640, 160, b ? 'da_next' : 'a_next'),
  ...(b ? [] : [n('yt_pred', 'softmax', 'ŷ⟨t⟩', 'prediction softmax(Wya a⟨t⟩ + by)', 640, 50, 'yt_pred')]),
];

const RNN_FWD_WIRES: DiagramWire[] = [
  { from: 'a_prev', to: 'tanh', tensor: 'a_prev', label: 'a⟨t-1⟩' },
  { from: 'xt', to: 'tanh', tensor: 'xt', label: 'x⟨t⟩', vFirst: false },
  { from: 'tanh', to: 'a_next', tensor: 'a_next', label: 'a⟨t⟩' },
  { from: 'a_next', to: 'yt_pred', tensor: 'yt_pred', label: 'ŷ' },
];

const RNN_BWD_WIRES: DiagramWire[] = [
  { from: 'a_next', to: 'tanh', tensor: 'da_next', label: 'da_next' },
  { from: 'tanh', to: 'a_prev', tensor: 'da_prev', label: 'da_prev' },
  { from: 'tanh', to: 'xt', tensor: 'dxt', label: 'dxt' },
];

export function diagramOf(cell: CellType, backward: boolean): Diagram {
  if (cell === 'lstm')
    return { width: 680, height: 320, nodes: LSTM_NODES(backward), wires: backward ? LSTM_BWD_WIRES : LSTM_FWD_WIRES };
  return { width: 680, height: 320, nodes: RNN_NODES(backward), wires: backward ? RNN_BWD_WIRES : RNN_FWD_WIRES };
}

/** A tensor of the step by name (rows × cols row-major), as the data client holds them. */
export interface StepTensor {
  rows: number;
  cols: number;
  data: Float64Array;
}

/**
 * The value a wire or node shows for unit `i` of example `j`: the tensor's element, or one of the
 * intermediate products the figure draws (it·cct, tanh(c⟨t⟩), dC …) from the step's tensors.
 * `x⟨t⟩`/`dx⟨t⟩` have n_x rows: unit i ≥ n_x has no value there. ŷ shows the selected unit's row
 * when n_y > i, else its largest class.
 */
export function wireValue(name: string, get: (t: string) => StepTensor | undefined, i: number, j: number): number | undefined {
  const el = (t: string, row = i) => {
    const m = get(t);
    return m && row < m.rows && j < m.cols ? m.data[row * m.cols + j] : undefined;
  };
  const both = (a: number | undefined, b: number | undefined, f: (x: number, y: number) => number) =>
    a === undefined || b === undefined ? undefined : f(a, b);
  switch (name) {
    case 'it·cct':
      return both(el('it'), el('cct'), (x, y) => x * y);
    case 'ft·c_prev':
      return both(el('ft'), el('c_prev'), (x, y) => x * y);
    case 'tanh(c_next)': {
      const c = el('c_next');
      return c === undefined ? undefined : Math.tanh(c);
    }
    case 'da_next·ot':
      return both(el('da_next'), el('ot'), (x, y) => x * y);
    case 'dtanhC': {
      const c = el('c_next');
      const base = both(el('da_next'), el('ot'), (x, y) => x * y);
      return c === undefined || base === undefined ? undefined : base * (1 - Math.tanh(c) ** 2);
    }
    case 'dC': {
      const c = el('c_next');
      const base = both(el('da_next'), el('ot'), (x, y) => x * y);
      const dc = el('dc_next');
      return c === undefined || base === undefined || dc === undefined ? undefined : dc + base * (1 - Math.tanh(c) ** 2);
    }
    case 'yt_pred': {
      const m = get('yt_pred');
      if (!m || j >= m.cols) return undefined;
      return i < m.rows ? m.data[i * m.cols + j] : undefined;
    }
    default:
      return el(name);
  }
}
