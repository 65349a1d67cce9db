/**
 * The names an expression can use at a stop: the step's tensors, the running weight-gradient sums
 * (also under the gradient's own name at the totals), the parameters, `t` (1-based, as shown),
 * `phase` and the dimensions. Step tensors win over parameters of the same name.
 */
import type { Cursor } from '../session/timelineIndex';
import type { DebugRun, Tensor } from './debugRun';
import type { EvalValue } from './evalProtocol';
import type { ScopeLookup } from './evalSandbox';

export function scopeLookup(run: DebugRun, at: Cursor): ScopeLookup {
  let step: Map<string, Tensor> | undefined;
  let params: Map<string, Tensor> | undefined;
  const dims: Record<string, number> = { ...run.problem.dims, T_b: run.T_b };
  return (name) => {
    if (name === 't') return at.phase === 'totals' ? 0 : at.t + 1;
    if (name === 'phase') return at.phase;
    if (!step) {
      const ts = run.tensorsAt(at);
      step = new Map(typeof ts === 'string' ? [] : ts.map((x) => [x.name, x]));
    }
    const s = step.get(name);
    if (s) return s;
    params ??= new Map(run.parameters().map((p) => [p.name, p]));
    const p = params.get(name);
    if (p) return p;
    return Object.hasOwn(dims, name) ? dims[name] : undefined;
  };
}

/** A breakpoint condition's value as true/false; anything else is an error that says so. */
export function truthy(v: EvalValue, condition: string): boolean {
  if (v.kind === 'number') return v.value !== 0 && !Number.isNaN(v.value);
  if (v.kind === 'text' && (v.text === 'true' || v.text === 'false')) return v.text === 'true';
  throw new Error(`'${condition}' gives ${v.kind === 'tensor' ? `a (${v.rows}, ${v.cols}) matrix` : v.text}, not true or false`);
}
