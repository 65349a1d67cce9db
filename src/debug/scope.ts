/**
 * The names an expression can use at a stop: the step's tensors, the running weight-gradient sums
 * (also under the gradient's own name at the totals), the parameters, `t` (1-based, as shown),
 * `phase` and the dimensions. Step tensors win over parameters of the same name.
 */
import type { Cursor } from '../session/timelineIndex';
import type { EvalValue } from './evalProtocol';
import type { ScopeLookup } from './evalSandbox';
import type { Tensor, WorkerRun } from './workerRun';

export interface StopScope {
  /** Names the run and the step: the expression thread keeps this stop's tensors under it. */
  key: string;
  lookup: ScopeLookup;
}

/** The scope at `at` (the step's tensors and the parameters are asked of the run worker once). */
export async function stopScope(run: WorkerRun, runSerial: number, at: Cursor): Promise<StopScope> {
  const [ts, ps] = await Promise.all([run.tensorsAt(at), run.parameters()]);
  const step = new Map<string, Tensor>(typeof ts === 'string' ? [] : ts.map((x) => [x.name, x]));
  const params = new Map<string, Tensor>(ps.map((p) => [p.name, p]));
  const dims: Record<string, number> = { ...run.dims, T_b: run.T_b };
  const lookup: ScopeLookup = (name) => {
    if (name === 't') return at.phase === 'totals' ? 0 : at.t + 1;
    if (name === 'phase') return at.phase;
    const s = step.get(name) ?? params.get(name);
    if (s) return s;
    return Object.hasOwn(dims, name) ? dims[name] : undefined;
  };
  return { key: `${runSerial}:${at.phase}:${at.t}`, lookup };
}

/** A breakpoint condition's value as true/false; anything else is an error that says so. */
export function truthy(v: EvalValue, condition: string): boolean {
  if (v.kind === 'number') return v.value !== 0 && !Number.isNaN(v.value);
  if (v.kind === 'text' && (v.text === 'true' || v.text === 'false')) return v.text === 'true';
  throw new Error(`'${condition}' gives ${v.kind === 'tensor' ? `a (${v.rows}, ${v.cols}) matrix` : v.text}, not true or false`);
}
