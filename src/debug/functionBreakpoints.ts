/**
 * DAP function breakpoints on the timeline: a name like a step (`forward t=3`, `totals`) is a step
 * breakpoint; any other name is a mathjs condition. A breakpoint's own `condition`, if any, must
 * hold too (a step name with a condition becomes the condition `t == 3 and …`).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Timeline } from '../session/timeline';
import { parseStepName, stepCondition } from './stepNames';

export interface FunctionBreakpointResult {
  id: number;
  verified: boolean;
  message?: string;
}

/**
 * Sets the specs as the timeline's step and condition breakpoints; returns its breakpoints in the
 * order of the specs (without a timeline yet, placeholders the next call replaces).
 */
export function applyFunctionBreakpoints(
  specs: readonly DebugProtocol.FunctionBreakpoint[], tl: Timeline | undefined,
): FunctionBreakpointResult[] {
  const kinds = specs.map((b) => {
    const hit = b.hitCondition ? { hitCondition: b.hitCondition } : {};
    const step = parseStepName(b.name);
    if (step && !b.condition) return { step: true, spec: { cursor: step, ...hit } };
    const condition = step ? `(${stepCondition(step)}) and (${b.condition})` : b.condition ? `(${b.name}) and (${b.condition})` : b.name;
    return { step: false, spec: { condition, ...hit } };
  });
  if (!tl) return kinds.map((_, i) => ({ id: -(i + 1), verified: true }));
  const steps = tl.setStepBreakpoints(kinds.filter((k) => k.step).map((k) => k.spec));
  const conds = tl.setConditionBreakpoints(kinds.filter((k) => !k.step).map((k) => k.spec));
  return kinds.map((k) => (k.step ? steps.shift() : conds.shift()) ?? { id: 0, verified: false, message: 'not set' });
}
