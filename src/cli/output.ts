/**
 * Where the CLI's results go: `-o` names (`-` is stdout), whether an output is the input itself,
 * refusals worded as one line, and the warning about NaN/Infinity the run produced. The write rules themselves (links, devices,
 * atomic replace) are export/writeAtomic.ts's, shared with the panel's export.
 */
import { stat } from 'node:fs/promises';
import type { RunResult } from '../engine/types';
import { writeFileAtomic } from '../export/writeAtomic';
import { FileError } from '../fixture/fileErrors';
import { NonFiniteScanner, nonFiniteWarning } from '../session/nonFinite';

/** A refusal worded for the user: one line on stderr, exit 2. */
export class InputError extends Error {}

/** Writes to `out` by the output rules (export/writeAtomic.ts); a refusal becomes one line. */
export async function writeOut(out: string, produce: Parameters<typeof writeFileAtomic>[1]): Promise<void> {
  try {
    await writeFileAtomic(out, produce);
  } catch (e) {
    if (e instanceof FileError) throw new InputError(e.message);
    throw e;
  }
}

/** Warns (stderr) about the first NaN/Infinity the run produced: step, tensor and index. */
export function warnNonFinite(io: { stderr(text: string): void }, cmd: string, result: RunResult): void {
  const { problem, forward, backward } = result;
  const view = { problem, forward, backward, forwardDone: problem.dims.T_x, backwardDone: backward.T_b, finished: true };
  const hit = new NonFiniteScanner().update(view);
  if (hit) io.stderr(`rnn-stepper ${cmd}: warning: ${nonFiniteWarning(hit)}\n`);
}

/** The path `-o` names, or undefined for stdout (no `-o`, or `-o -`). */
export function outputPath(out: unknown): string | undefined {
  return typeof out === 'string' && out !== '-' ? out : undefined;
}

/** True when both paths name the same existing file (links followed, hard links included). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}
