/**
 * The export, written by the worker (which holds the caches) through the export module: streamed
 * chunk by chunk (a big run's text never exists as one string) into a temporary file that is
 * renamed over the target, so a failure or a cancel leaves any old file intact.
 */
import { stat } from 'node:fs/promises';
import { writeExport, type ExportSource } from '../export/caches';
import { isNpzTarget, writeNpzExport } from '../export/npz';
import { writeFileAtomic } from '../export/writeAtomic';

export class ExportCancelled extends Error {
  constructor() {
    super('export cancelled');
  }
}

/**
 * Writes the same text as `rnn-stepper run FIXTURE` prints (a path ending in .npz: the same
 * arrays as `rnn-stepper run FIXTURE -o out.npz` writes); returns the byte count. Between chunks
 * `cancelled()` is asked: when it says so, the temporary file is dropped and the target is not
 * touched.
 */
export async function exportRun(result: ExportSource, path: string, cancelled: () => boolean = () => false): Promise<number> {
  await writeFileAtomic(path, (write) => {
    const sink = (chunk: string | Uint8Array) => {
      if (cancelled()) throw new ExportCancelled();
      return write(chunk);
    };
    return isNpzTarget(path) ? writeNpzExport(result, sink) : writeExport(result, sink);
  });
  return (await stat(path)).size;
}
