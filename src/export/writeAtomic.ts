/**
 * Atomic file writes (Node): the content goes to a temporary file in the target's folder (same
 * file system, so the final `rename` is atomic), which replaces the target only once everything
 * was written and flushed. On any error the temporary file is removed and the target is left
 * exactly as it was: a failed export never leaves a half-written caches file behind.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeExport, type ExportOptions } from './caches';
import type { RunResult } from '../engine/types';

/** Text is written as UTF-8; bytes (the .npz export) as they are. */
export type ChunkWriter = (chunk: string | Uint8Array) => Promise<void>;

/** Writes what `produce` emits to `target` atomically. Rejects (target untouched) if anything fails. */
export async function writeFileAtomic(target: string, produce: (write: ChunkWriter) => Promise<void> | void): Promise<void> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    let mode = 0o666;
    try {
      mode = (await stat(target)).mode & 0o777; // keep an existing file's permissions
    } catch {
      /* new file */
    }
    handle = await open(tmp, 'wx', mode);
    const h = handle;
    await produce(async (chunk) => {
      if (typeof chunk === 'string') await h.write(chunk, null, 'utf8');
      else await h.write(chunk);
    });
    await h.sync();
    await h.close();
    handle = undefined;
    await rename(tmp, target);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** Writes the caches export of `result` to `target` atomically, streaming it chunk by chunk. */
export function writeExportFile(result: RunResult, target: string, opts?: ExportOptions): Promise<void> {
  return writeFileAtomic(target, (write) => writeExport(result, write, opts));
}
