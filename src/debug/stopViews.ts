/**
 * What the adapter shows at a stop, built from the run and the cursor: the frame's name and
 * fixture line, the three scopes (Step, Gradients, Parameters), and which stop a line of the
 * fixture (Run to Line / Jump to Cursor) or an `rnnGoTo` request names. No DAP session state:
 * adapter.ts answers the requests with these.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Scope } from '@vscode/debugadapter';
import { indexOf, type Cursor, type Span } from '../session/timelineIndex';
import type { VariableStore } from './variables';
import type { Tensor, WorkerRun } from './workerRun';

/** `lstm_forward t=3` (1-based t), `lstm_backward totals`: the frame's name and a goto target's label. */
export function frameName(kind: string | undefined, c: Cursor): string {
  const cell = kind ?? 'rnn';
  if (c.phase === 'totals') return `${cell}_backward totals`;
  return `${cell}_${c.phase} t=${c.t + 1}`;
}

/** The fixture line a stop points at: the key of its phase's input (x / xt, da / da_next, parameters). */
export async function stopLine(run: WorkerRun, c: Cursor): Promise<number> {
  const cellKind = run.kind.endsWith('_cell');
  const key = c.phase === 'forward' ? (cellKind ? 'xt' : 'x') : c.phase === 'backward' ? (cellKind ? 'da_next' : 'da') : 'parameters';
  const keyLine = await run.lineOf(key);
  return keyLine > 1 || key === 'parameters' ? keyLine : run.lineOf('parameters');
}

/** The scopes of the stop at `c`; their variables are read from the run when the client expands them. */
export function stopScopes(run: WorkerRun, c: Cursor, vars: VariableStore): DebugProtocol.Scope[] {
  const at = async (): Promise<Tensor[]> => {
    const ts = await run.tensorsAt(c);
    return typeof ts === 'string' ? [] : ts;
  };
  const isSum = (t: Tensor) => t.name.startsWith('sum_');
  const stepTensors = async () => (c.phase === 'totals' ? [] : (await at()).filter((t) => !isSum(t)));
  const gradTensors = async () => (c.phase === 'totals' ? at() : (await at()).filter(isSum));
  const position = (): DebugProtocol.Variable[] => [
    { name: 'phase', value: JSON.stringify(c.phase), variablesReference: 0, evaluateName: 'phase' },
    { name: 't', value: String(c.t + 1), type: '1-based', variablesReference: 0, evaluateName: 't' },
  ];
  return [
    // One name at every step: VS Code keeps a scope expanded across stops by its name.
    new Scope('Step', vars.create({ kind: 'list', items: stepTensors, extras: position }), false),
    new Scope(c.phase === 'totals' ? 'Gradients (totals)' : c.phase === 'backward' ? 'Gradients (running sums, steps ≥ t)' : 'Gradients', vars.create({ kind: 'list', items: gradTensors }), false),
    new Scope('Parameters', vars.create({ kind: 'list', items: () => run.parameters() }), true),
  ];
}

/**
 * The stop a line of the fixture names: `da` → the backward pass (its first step, t = T_b), `parameters`
 * → the totals, anything else → the forward pass. `daLine`/`pLine` are those keys' lines (≤ 1: absent).
 */
export function lineTarget(line: number, daLine: number, pLine: number, s: Span): Cursor {
  if (daLine > 1 && line >= daLine && (pLine <= daLine || line < pLine)) return { phase: 'backward', t: s.T_b - 1 };
  if (pLine > 1 && line >= pLine && (daLine <= pLine || line < daLine)) return { phase: 'totals', t: 0 };
  return { phase: 'forward', t: 0 };
}

/** The timeline index an `rnnGoTo` request's arguments name (`{index}` or `{phase, t}`, 0-based), if any. */
export function goToIndex(args: unknown, shape: Span | undefined): number | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  const a: { index?: unknown; phase?: unknown; t?: unknown } = args;
  if (typeof a.index === 'number') return a.index;
  if ((a.phase === 'forward' || a.phase === 'backward' || a.phase === 'totals') && typeof a.t === 'number' && shape) {
    return indexOf(shape, { phase: a.phase, t: a.t });
  }
  return undefined;
}
