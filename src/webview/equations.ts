/** The cell's equations, per tensor of a step payload (names as in the protocol), for each phase. */

import type { CellType } from '../engine/types';
import type { Phase } from '../protocol/messages';
type _C = CellType;

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
  dWf: { label: 'dWf (this step)', eq: `dWf += dft ${Z}ᵀ`, group: 'Weight gradients (this step)' },
  dbf: { label: 'dbf (this step)', eq: 'dbf += Σ_batch dft', group: 'Weight gradients (this step)' },
  dWi: { label: 'dWi (this step)', eq: `dWi += dit ${Z}ᵀ`, group: 'Weight gradients (this step)' },
  dbi: { label: 'dbi (this step)', eq: 'dbi += Σ_batch dit', group: 'Weight gradients (this step)' },
  dWc: { label: 'dWc (this step)', eq: `dWc += dcct ${Z}ᵀ`, group: 'Weight gradients (this step)' },
  dbc: { label: 'dbc (this step)', eq: 'dbc += Σ_batch dcct', group: 'Weight gradients (this step)' },
  dWo: { label: 'dWo (this step)', eq: `dWo += dot ${Z}ᵀ`, group: 'Weight gradients (this step)' },
  dbo: { label: 'dbo (this step)', eq: 'dbo += Σ_batch dot', group: 'Weight gradients (this step)' },
};

const BWD_RNN: Record<string, TensorDoc> = {
  da_next: BWD_LSTM.da_next,
  dtanh: { label: 'dtanh', eq: 'dtanh = da_next ⊙ (1 − a⟨t⟩²)', group: 'Gate gradients' },
  dxt: { label: 'dx⟨t⟩', eq: 'dxt = Waxᵀ dtanh', group: 'Outgoing' },
  da_prev: { label: 'da_prev', eq: 'da_prev = Waaᵀ dtanh', group: 'Outgoing' },
  dWax: { label: 'dWax (this step)', eq: 'dWax += dtanh x⟨t⟩ᵀ', group: 'Weight gradients (this step)' },
  dWaa: { label: 'dWaa (this step)', eq: 'dWaa += dtanh a⟨t-1⟩ᵀ', group: 'Weight gradients (this step)' },
  dba: { label: 'dba (this step)', eq: 'dba += Σ_batch dtanh', group: 'Weight gradients (this step)' },
};

/** Group of the running sums, after the per-step contributions. */
export const SUMS_GROUP = 'Running sums (Σ over steps ≥ t)';
for (const [table, grads] of [
  [BWD_LSTM, ['dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo']],
  [BWD_RNN, ['dWax', 'dWaa', 'dba']],
] as const) {
  for (const g of grads) table[`sum_${g}`] = { label: `Σ ${g} (steps ≥ t)`, eq: `sum_${g} = Σ_{s≥t} ${g}⟨s⟩`, group: SUMS_GROUP };
}

const TOTALS: Record<string, TensorDoc> = {
  da0: { label: 'da⟨0⟩', eq: 'gradient reaching the initial hidden state', group: 'Totals' },
  dc0: { label: 'dc⟨0⟩', eq: 'gradient reaching the initial cell state', group: 'Totals' },
};
for (const g of ['dWax', 'dWaa', 'dba', 'dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo'])
  TOTALS[g] = { label: g, eq: `${g} = Σ over all back-propagated steps`, group: 'Gradients' };

export function tensorDoc(cell: _C, phase: Phase, name: string): TensorDoc {
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
  if (backward) return cell === 'lstm' ? ['da', 'dc'] : ['da'];
  return cell === 'lstm' ? ['a', 'c', 'ft', 'it', 'cct', 'ot', 'y'] : ['a', 'y'];
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
