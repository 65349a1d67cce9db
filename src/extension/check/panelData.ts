/**
 * A check result as the Step RNN panel shows it (src/protocol/check.ts): per-function rows with
 * a cursor position for the jump, the diverging tensors (theirs and the reference, as float64
 * buffers) and the steps to mark on the timeline. Pure (no `vscode`).
 */
import * as path from 'node:path';
import type { CheckResult, DivergenceDetail, FunctionName, FunctionReport, Tensor } from '../../check/types';
import type { CheckCursor, CheckFunctionRow, CheckPanelData, CheckTensor } from '../../protocol/check';
import { headline } from './findings';

/** Grids bigger than this are not sent (the panel's step cards already page big tensors). */
const MAX_SIDE = 512;

const isBackward = (fn: FunctionName): boolean => fn.endsWith('_backward');

/**
 * The panel's cursor for a reported step: forward functions on the forward timeline, backward
 * ones on the backward timeline (its t is the time index, like the check's), and a backward
 * tensor that is not per step (dWax, da0, …) on the totals stop.
 */
export function cursorFor(fn: FunctionName, step: number | null): CheckCursor {
  if (!isBackward(fn)) return { phase: 'forward', t: step === null ? 0 : step - 1 };
  return step === null ? { phase: 'totals', t: 0 } : { phase: 'backward', t: step - 1 };
}

function grid(t: Tensor): { rows: number; cols: number } {
  const s = t.shape;
  if (s.length === 0) return { rows: 1, cols: 1 };
  const rows = s[0];
  return { rows, cols: Math.max(1, t.data.length / Math.max(rows, 1)) };
}

function buffer(data: Float64Array): ArrayBuffer {
  const copy = new Float64Array(data.length);
  copy.set(data);
  return copy.buffer;
}

function tensorOf(d: DivergenceDetail): CheckTensor | null {
  const { rows, cols } = grid(d.reference);
  if (rows < 1 || rows > MAX_SIDE || cols > MAX_SIDE || !Number.isInteger(cols)) return null;
  const sameShape = d.mine !== null && d.mine.data.length === d.reference.data.length;
  return {
    function: d.function, tensor: d.tensor, step: d.step, rows, cols,
    mine: sameShape && d.mine ? buffer(d.mine.data) : null,
    reference: buffer(d.reference.data),
    mismatches: d.mismatches.filter((k) => k >= 0 && k < rows * cols),
  };
}

function row(f: FunctionReport): CheckFunctionRow {
  const d = f.first_divergence;
  return {
    name: f.name, status: f.status, headline: headline(f), diagnosis: f.diagnosis.map((g) => ({ id: g.id, message: g.message })),
    jump: d ? { ...cursorFor(f.name, d.step), tensor: d.tensor } : null,
  };
}

export function toPanelData(result: CheckResult, implPath: string, tol: { rtol: number; atol: number }): CheckPanelData {
  const marks = new Map<string, CheckCursor>();
  const mark = (c: CheckCursor) => marks.set(`${c.phase}:${c.t}`, c);
  for (const d of result.details) for (const s of d.divergentSteps) mark(cursorFor(d.function, s));
  for (const f of result.report.functions) if (f.first_divergence) mark(cursorFor(f.name, f.first_divergence.step));
  const tensors: CheckTensor[] = [];
  for (const d of result.details) {
    const t = tensorOf(d);
    if (t) tensors.push(t);
  }
  return {
    implPath, implName: path.basename(implPath), ok: result.report.ok, rtol: tol.rtol, atol: tol.atol,
    functions: result.report.functions.map(row), tensors, marks: [...marks.values()], notes: result.notes.slice(0, 100),
  };
}
