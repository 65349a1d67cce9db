/**
 * The export, written by the worker (which holds the caches): streamed chunk by chunk (a big run's
 * text never exists as one string) into a temporary file beside the target, then renamed over it,
 * so a reader never sees a half-written file and a failure leaves the old file intact.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RunResult } from '../engine/types';
import { writeExport } from '../export/caches';

/** Writes the same text as `rnn-stepper run FIXTURE` prints; returns the byte count. */
export async function exportRun(result: RunResult, path: string): Promise<number> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    await writeExport(result, async (chunk) => {
      const buf = Buffer.from(chunk, 'utf8');
      bytes += buf.length;
      await fh.write(buf);
    });
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return bytes;
}
