/**
 * The cards a step shows beyond what came: a card for each tensor of a part of the stop not
 * fetched (stepParts.ts; shape only), the run's parameters (at every stop; they arrive
 * once per run, `DataClient.ensureParams`) and, on a forward step, the pre-activations computed
 * here from the step's tensors and the parameters (session/explainTensors.ts). Both groups start
 * collapsed: a closed group costs no arithmetic and no paint, so stepping is as fast as without
 * them; the pre-activations of a step are computed once, when their group is open.
 */
import { PARAMETERS, PRE_ACTIVATIONS, preActivations } from '../../session/explainTensors';
import { stopShapes } from '../../session/stepParts';
import type { Mat } from '../../session/explainSum';
import type { RunInfo } from '../../protocol/messages';
import type { DataClient, StepData, Tensor } from '../client';
import { PRE_GROUP } from '../equations';

const computed = new WeakMap<StepData, Map<string, Mat>>();
/** The data of a card in a closed group or of a part not here (shape only: nothing is computed or painted). */
const NONE = new Float64Array(0);

/** Every tensor of the stop, in payload order: those here with their values, the others (a part not fetched) shape only. */
export function stopTensors(run: RunInfo, step: StepData): Tensor[] {
  const here = new Map(step.tensors.map((t) => [t.name, t]));
  const all = stopShapes(run.cell, run.dims, step.phase).map((sh): Tensor => here.get(sh.name) ?? { ...sh, data: NONE });
  for (const t of step.tensors) if (!all.some((a) => a.name === t.name)) all.push(t);
  return all;
}

/** The extra tensors of `step` (empty until the parameters are here); closed groups get shapes without data. */
export function extraTensors(run: RunInfo, step: StepData, data: DataClient, open: ReadonlySet<string>): Tensor[] {
  data.ensureParams();
  const params = data.params;
  if (!params) return [];
  const out: Tensor[] = [];
  if (step.phase === 'forward') {
    const { n_a, n_y, m } = run.dims;
    let z = computed.get(step);
    if (!z && open.has(PRE_GROUP)) {
      const ts: Record<string, Mat> = {};
      for (const t of step.tensors) ts[t.name] = t;
      for (const [name, p] of params) ts[name] = p;
      z = preActivations(run.cell, ts);
      computed.set(step, z);
    }
    for (const name of PRE_ACTIVATIONS[run.cell]) {
      const rows = name === 'z_y' ? n_y : n_a;
      const zm = z?.get(name);
      out.push(zm ? { name, ...zm } : { name, rows, cols: m, data: NONE });
    }
  }
  for (const name of PARAMETERS[run.cell]) {
    const p = params.get(name);
    if (p) out.push(p);
  }
  return out;
}

/** Groups whose cards start collapsed. */
export const COLLAPSIBLE: ReadonlySet<string> = new Set([PRE_GROUP, 'Parameters']);
