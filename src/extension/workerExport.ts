/**
 * The export, written by the worker (which holds the caches) through the export module: streamed
 * chunk by chunk (a big run's text never exists as one string) into a temporary file that is
 * renamed over the target, so a failure leaves any old file intact.
 */
import { stat } from 'node:fs/promises';
import type { RunResult } from '../engine/types';
import { writeExportFile } from '../export/writeAtomic';

/** Writes the same text as `rnn-stepper run FIXTURE` prints; returns the byte count. */
export async function exportRun(result: RunResult, path: string): Promise<number> {
  await writeExportFile(result, path);
  return (await stat(path)).size;
}
