/**
 * The panel's warning about the first NaN/Infinity a run produced, in the CLI's words
 * (session/nonFinite.ts `nonFiniteWarning`: step, tensor, index, value), so both say the same.
 */
import { nonFiniteWarning } from '../session/nonFinite';
import type { State } from './store';

/** The warning line for the state's run, or undefined when the run has produced none. */
export function nonFiniteNotice(s: State): string | undefined {
  const hit = s.run ? s.progress?.firstNonFinite : undefined;
  if (!hit) return undefined;
  const { row, col, value } = hit;
  // A progress without the entry (an older sender) still names the step and the tensor.
  if (typeof row !== 'number' || typeof col !== 'number' || typeof value !== 'number') {
    return `Warning: the run produced a non-finite value in ${hit.tensor} at ${hit.phase} step t=${hit.t} (the first one)`;
  }
  return `Warning: ${nonFiniteWarning({ phase: hit.phase, t: hit.t, tensor: hit.tensor, row, col, value })}`;
}
