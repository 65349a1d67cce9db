/** The cell's equations, per tensor of a step payload (names as in the protocol), for each phase. */

import { BACKWARD_WINDOWS, FORWARD_WINDOWS, PARAM_GRADS_LSTM, PARAM_GRADS_RNN, sumName } from '../engine/names';
import type { CellType, FixtureKind } from '../engine/types';
import type { Phase } from '../protocol/messages';
type _C = CellType;

/** Where a card's tensor comes from: the fixture's kind and the step (0-based t of T_b backward steps). */
export interface DocPlace {
  kind: FixtureKind;
  t: number;
  T_b: number;
}

export interface TensorDoc {
  /** Display name with the course's notation. */
  label: string;
  /** The equation that produced it (empty for inputs). */
  eq: string;
  /** Group heading it belongs to. */
  group: string;
}

const Z = '[a⟨t-1⟩; x⟨t⟩]';

const FWD_LSTM: Record<string, TensorDoc> = {
  xt: { label: 'x⟨t⟩', eq: 'input at step t', group: 'Inputs' },
  a_prev: { label: 'a⟨t-1⟩', eq: 'hidden state from step t-1', group: 'Inputs' },
  c_prev: { label: 'c⟨t-1⟩', eq: 'cell state from step t-1', group: 'Inputs' },
  ft: { label: 'Γf⟨t⟩ (ft)', eq: `ft = σ(Wf ${Z} + bf)`, group: 'Gates' },
  it: { label: 'Γi⟨t⟩ (it)', eq: `it = σ(Wi ${Z} + bi)`, group: 'Gates' },
  cct: { label: 'c̃⟨t⟩ (cct)', eq: `cct = tanh(Wc ${Z} + bc)`, group: 'Gates' },
  ot: { label: 'Γo⟨t⟩ (ot)', eq: `ot = σ(Wo ${Z} + bo)`, group: 'Gates' },
  c_next: { label: 'c⟨t⟩', eq: 'c_next = ft ⊙ c⟨t-1⟩ + it ⊙ cct', group: 'Outputs' },
  a_next: { label: 'a⟨t⟩', eq: 'a_next = ot ⊙ tanh(c⟨t⟩)', group: 'Outputs' },
  yt_pred: { label: 'ŷ⟨t⟩', eq: 'yt_pred = softmax(Wy a⟨t⟩ + by)', group: 'Outputs' },
};

const FWD_RNN: Record<string, TensorDoc> = {
  xt: FWD_LSTM.xt,
  a_prev: FWD_LSTM.a_prev,
  a_next: { label: 'a⟨t⟩', eq: 'a_next = tanh(Waa a⟨t-1⟩ + Wax x⟨t⟩ + ba)', group: 'Outputs' },
  yt_pred: { label: 'ŷ⟨t⟩', eq: 'yt_pred = softmax(Wya a⟨t⟩ + by)', group: 'Outputs' },
};

/** Group of the per-step weight-gradient cards: what this step adds to each total. */
const STEP_GRADS = 'Weight gradients: this step’s contribution';
/** A per-step weight-gradient card; its label gets the step number in `tensorDoc`. */
function stepGrad(name: string, rhs: string): TensorDoc {
  return { label: name, eq: `${name}⟨t⟩ = ${rhs}   (the totals add it up: ${name} = Σ_t ${name}⟨t⟩)`, group: STEP_GRADS };
}

const DC = 'dC = dc_next + da_next ⊙ ot ⊙ (1 − tanh²c⟨t⟩)';

const BWD_LSTM: Record<string, TensorDoc> = {
  da_next: { label: 'da_next', eq: 'da_next = da[:, :, t] + da_prev⟨t+1⟩ (upstream + carried)', group: 'Incoming' },
  dc_next: { label: 'dc_next', eq: 'dc_next = dc_prev⟨t+1⟩', group: 'Incoming' },
  dft: { label: 'dft', eq: `dft = dC ⊙ c⟨t-1⟩ ⊙ ft(1 − ft),  ${DC}`, group: 'Gate gradients' },
  dit: { label: 'dit', eq: 'dit = dC ⊙ cct ⊙ it(1 − it)', group: 'Gate gradients' },
  dcct: { label: 'dcct', eq: 'dcct = dC ⊙ it ⊙ (1 − cct²)', group: 'Gate gradients' },
  dot: { label: 'dot', eq: 'dot = da_next ⊙ tanh(c⟨t⟩) ⊙ ot(1 − ot)', group: 'Gate gradients' },
  dxt: { label: 'dx⟨t⟩', eq: 'dxt = last n_x rows of Σ W*ᵀ d*', group: 'Outgoing' },
  da_prev: { label: 'da_prev', eq: 'da_prev = first n_a rows of Σ W*ᵀ d*', group: 'Outgoing' },
  dc_prev: { label: 'dc_prev', eq: 'dc_prev = dC ⊙ ft', group: 'Outgoing' },
  dWf: stepGrad('dWf', `dft ${Z}ᵀ`),
  dbf: stepGrad('dbf', 'Σ_batch dft'),
  dWi: stepGrad('dWi', `dit ${Z}ᵀ`),
  dbi: stepGrad('dbi', 'Σ_batch dit'),
  dWc: stepGrad('dWc', `dcct ${Z}ᵀ`),
  dbc: stepGrad('dbc', 'Σ_batch dcct'),
  dWo: stepGrad('dWo', `dot ${Z}ᵀ`),
  dbo: stepGrad('dbo', 'Σ_batch dot'),
};

const BWD_RNN: Record<string, TensorDoc> = {
  da_next: BWD_LSTM.da_next,
  dtanh: { label: 'dtanh', eq: 'dtanh = da_next ⊙ (1 − a⟨t⟩²)', group: 'Through the tanh' },
  dxt: { label: 'dx⟨t⟩', eq: 'dxt = Waxᵀ dtanh', group: 'Outgoing' },
  da_prev: { label: 'da_prev', eq: 'da_prev = Waaᵀ dtanh', group: 'Outgoing' },
  dWax: stepGrad('dWax', 'dtanh x⟨t⟩ᵀ'),
  dWaa: stepGrad('dWaa', 'dtanh a⟨t-1⟩ᵀ'),
  dba: stepGrad('dba', 'Σ_batch dtanh'),
};

/** Group of the running sums, after the per-step contributions. */
export const SUMS_GROUP = 'Running sums (Σ over steps ≥ t)';
for (const [table, grads] of [
  [BWD_LSTM, PARAM_GRADS_LSTM],
  [BWD_RNN, PARAM_GRADS_RNN],
] as const) {
  for (const g of grads) table[sumName(g)] = { label: `Σ ${g} (steps ≥ t)`, eq: `${sumName(g)} = Σ_{s≥t} ${g}⟨s⟩`, group: SUMS_GROUP };
}

const TOTALS: Record<string, TensorDoc> = {
  da0: { label: 'da⟨0⟩', eq: 'gradient reaching the initial hidden state', group: 'Totals' },
  dc0: { label: 'dc⟨0⟩', eq: 'gradient reaching the initial cell state', group: 'Totals' },
};
for (const g of [...PARAM_GRADS_RNN, ...PARAM_GRADS_LSTM])
  TOTALS[g] = { label: g, eq: `${g} = Σ over all back-propagated steps`, group: 'Gradients' };

/**
 * The card of tensor `name`. With `at`, the equations name the step by its NumPy index next to
 * the 1-based t of the position line (t = 3 of 4 reads da[:, :, 2]), the cell kinds' incoming
 * gradients are the fixture's inputs, and per-step gradient labels say which step they hold.
 */
export function tensorDoc(cell: _C, phase: Phase, name: string, at?: DocPlace): TensorDoc {
  const base = docOf(cell, phase, name);
  if (!at || phase !== 'backward') return base;
  const { t, T_b, kind } = at;
  const cellKind = kind === 'rnn_cell' || kind === 'lstm_cell';
  const idx = `t = ${t + 1} is index ${t}`;
  const last = t === T_b - 1;
  if (name === 'da_next')
    return {
      ...base,
      eq: cellKind
        ? 'da_next: the fixture’s input da_next (the gradient reaching a⟨t⟩ from above)'
        : `da_next = da[:, :, ${t}]` + (last ? ` (the last step: nothing carried from later steps; ${idx})` : ` + da_prev of step index ${t + 1} (${idx})`),
    };
  if (name === 'dc_next')
    return {
      ...base,
      eq: cellKind
        ? 'dc_next: the fixture’s input dc_next (the gradient reaching c⟨t⟩ from above)'
        : last
          ? `dc_next = the fixture’s dc_next, or 0 when it has none (the last step; ${idx})`
          : `dc_next = dc_prev of step index ${t + 1} (${idx})`,
    };
  if (base.group === STEP_GRADS) return { ...base, label: `${name}⟨t⟩: contribution of step t = ${t + 1} (index ${t})` };
  return base;
}

/** Group of the parameter cards (shown at every stop, collapsed until opened). */
export const PARAMS_GROUP = 'Parameters';
/** Group of the pre-activation cards of a forward step (collapsed until opened). */
export const PRE_GROUP = 'Pre-activations';

const gateW = (g: string, what: string): TensorDoc => ({
  label: `W${g}`,
  eq: `${what} weights (n_a, n_a + n_x): columns 0…n_a−1 multiply a⟨t-1⟩, the rest x⟨t⟩`,
  group: PARAMS_GROUP,
});
const bias = (name: string, what: string): TensorDoc => ({ label: name, eq: `${what} bias (n_a, 1)`, group: PARAMS_GROUP });

const PARAMS: Record<_C, Record<string, TensorDoc>> = {
  lstm: {
    Wf: gateW('f', 'forget-gate'), bf: bias('bf', 'forget-gate'),
    Wi: gateW('i', 'update-gate'), bi: bias('bi', 'update-gate'),
    Wc: gateW('c', 'candidate'), bc: bias('bc', 'candidate'),
    Wo: gateW('o', 'output-gate'), bo: bias('bo', 'output-gate'),
    Wy: { label: 'Wy', eq: 'output weights (n_y, n_a): logits = Wy a⟨t⟩ + by', group: PARAMS_GROUP },
    by: { label: 'by', eq: 'output bias (n_y, 1)', group: PARAMS_GROUP },
    z_ft: { label: 'z_f⟨t⟩', eq: `Wf ${Z} + bf   (ft = σ(z_f))`, group: PRE_GROUP },
    z_it: { label: 'z_i⟨t⟩', eq: `Wi ${Z} + bi   (it = σ(z_i))`, group: PRE_GROUP },
    z_cct: { label: 'z_c⟨t⟩', eq: `Wc ${Z} + bc   (cct = tanh(z_c))`, group: PRE_GROUP },
    z_ot: { label: 'z_o⟨t⟩', eq: `Wo ${Z} + bo   (ot = σ(z_o))`, group: PRE_GROUP },
    z_y: { label: 'logits z_y⟨t⟩', eq: 'Wy a⟨t⟩ + by   (ŷ = softmax(z_y) over each column)', group: PRE_GROUP },
  },
  rnn: {
    Wax: { label: 'Wax', eq: 'input weights (n_a, n_x)', group: PARAMS_GROUP },
    Waa: { label: 'Waa', eq: 'recurrent weights (n_a, n_a)', group: PARAMS_GROUP },
    ba: { label: 'ba', eq: 'hidden bias (n_a, 1)', group: PARAMS_GROUP },
    Wya: { label: 'Wya', eq: 'output weights (n_y, n_a): logits = Wya a⟨t⟩ + by', group: PARAMS_GROUP },
    by: { label: 'by', eq: 'output bias (n_y, 1)', group: PARAMS_GROUP },
    z_a: { label: 'z_a⟨t⟩', eq: 'Waa a⟨t-1⟩ + Wax x⟨t⟩ + ba   (a⟨t⟩ = tanh(z_a))', group: PRE_GROUP },
    z_y: { label: 'logits z_y⟨t⟩', eq: 'Wya a⟨t⟩ + by   (ŷ = softmax(z_y) over each column)', group: PRE_GROUP },
  },
};

/** True for a parameter of the cell (Wf, by, Wax, …): the same at every step. */
export const isParameter = (cell: _C, name: string): boolean => PARAMS[cell][name]?.group === PARAMS_GROUP;

function docOf(cell: _C, phase: Phase, name: string): TensorDoc {
  const param = Object.hasOwn(PARAMS[cell], name) ? PARAMS[cell][name] : undefined;
  if (param) return param;
  const table =
    phase === 'forward'
      ? cell === 'lstm'
        ? FWD_LSTM
        : FWD_RNN
      : phase === 'backward'
        ? cell === 'lstm'
          ? BWD_LSTM
          : BWD_RNN
        : TOTALS;
  return table[name] ?? { label: name, eq: '', group: 'Other' };
}

/** Window (units × time) tensors shown under "Across time", per phase group. */
export function windowTensors(cell: _C, backward: boolean): string[] {
  if (backward) return cell === 'lstm' ? [...BACKWARD_WINDOWS] : ['da'];
  return cell === 'lstm' ? [...FORWARD_WINDOWS] : ['a', 'y'];
}

export const WINDOW_LABEL: Record<string, string> = {
  a: 'a⟨t⟩',
  c: 'c⟨t⟩',
  ft: 'ft',
  it: 'it',
  cct: 'cct',
  ot: 'ot',
  y: 'ŷ⟨t⟩',
  da: 'da_next⟨t⟩',
  dc: 'dc_next⟨t⟩',
};
