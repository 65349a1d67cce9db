/**
 * The run's parameters as tensor payloads, for the panel's "Parameters" cards and the weighted-sum
 * expansions (session/explain.ts): sent once per run, on the panel's request, not with every step.
 * Fresh copies in the engine's NumPy layout (row-major; biases (n, 1)), so the buffers can be
 * transferred.
 */
import type { Problem } from '../engine/types';
import type { TensorPayload } from '../protocol/messages';
import { PARAMETERS } from './explainTensors';

export function parameterPayloads(problem: Problem): TensorPayload[] {
  const params: Readonly<Record<string, { shape: number[]; data: Float64Array } | undefined>> = problem.parameters;
  const out: TensorPayload[] = [];
  for (const name of PARAMETERS[problem.cell]) {
    const p = params[name];
    if (!p) continue;
    const rows = p.shape[0] ?? 1;
    const cols = p.shape.length > 1 ? (p.shape[1] ?? 1) : 1;
    const copy = new Float64Array(rows * cols);
    copy.set(p.data.subarray(0, rows * cols));
    out.push({ name, rows, cols, data: copy.buffer });
  }
  return out;
}
