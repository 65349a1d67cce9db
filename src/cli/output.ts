/**
 * Where the CLI's results go: `-o` names (`-` is stdout), whether an output is the input itself,
 * and how big a fixture `new` is about to write. The write rules themselves (links, devices,
 * atomic replace) are export/writeAtomic.ts's, shared with the panel's export.
 */
import { stat } from 'node:fs/promises';
import type { Problem } from '../engine/types';
import { formatNumber } from '../export/caches';

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

/**
 * Bytes of the fixture text `fixtureChunks` writes for `problem`, estimated from the length of
 * (up to) 4096 of its numbers as written: within a few per cent for random data.
 */
export function fixtureSizeEstimate(problem: Problem): number {
  const arrays = [problem.x, problem.a0, problem.da, ...(problem.c0 ? [problem.c0] : []), ...Object.values(problem.parameters)];
  let numbers = 0;
  for (const a of arrays) if (a) numbers += a.data.length;
  const sample = problem.x.data.subarray(0, 4096);
  let chars = 0;
  for (const v of sample) chars += formatNumber(v).length + 1;
  return Math.round(numbers * (sample.length > 0 ? chars / sample.length : 20));
}
