/**
 * Writing an output file (Node), by what the target is (`lstat`, then links followed):
 * - nothing there, or a regular file: written atomically. The content goes to a temporary file
 *   in the target's folder (same file system, so the final `rename` is atomic), which replaces the
 *   target only once everything was written and flushed; an existing file's permission bits are
 *   kept exactly (set with `fchmod`, so the umask does not change them). On any error the
 *   temporary file is removed and the target is left exactly as it was.
 * - a symbolic link: its final target is written by these same rules; the link stays a link.
 * - a character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe): written in place.
 *   Replacing one with a regular file would destroy it (as root, `-o /dev/null` did).
 * - a directory, a block device or a socket: refused, nothing is touched.
 *
 * Temporary files still being written are listed, so a process that is told to stop (SIGINT,
 * SIGTERM, SIGHUP: see cli/main.ts) removes them with `removeTempFilesSync` before it exits.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { lstat, open, readlink, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileError } from '../fixture/fileErrors';
import { writeExport, type ExportOptions } from './caches';
import type { RunResult } from '../engine/types';

/** Text is written as UTF-8; bytes (the .npz export) as they are. */
export type ChunkWriter = (chunk: string | Uint8Array) => Promise<void>;
type Produce = (write: ChunkWriter) => Promise<void> | void;

/** Longest file name most file systems take (bytes). */
const NAME_MAX = 255;
/** Links followed before giving up, as the kernel's ELOOP limit. */
const MAX_LINKS = 40;

const liveTemps = new Set<string>();

/** Removes every temporary file still being written (synchronously: for signal handlers). */
export function removeTempFilesSync(): void {
  for (const p of liveTemps) {
    try {
      unlinkSync(p);
    } catch {
      /* already gone */
    }
  }
  liveTemps.clear();
}

/** Temporary files being written now (tests). */
export function pendingTempFiles(): string[] {
  return [...liveTemps];
}

/** `.NAME.PID.RANDOM.tmp`, with NAME shortened (by whole characters) to fit in NAME_MAX bytes. */
export function tempNameFor(target: string): string {
  const suffix = `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let base = basename(target);
  const room = NAME_MAX - 1 - Buffer.byteLength(suffix);
  if (Buffer.byteLength(base) > room) {
    const chars = [...base];
    while (chars.length > 0 && Buffer.byteLength(chars.join('')) > room) chars.pop();
    base = chars.join('');
  }
  return join(dirname(target), `.${base}${suffix}`);
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

type Target = { kind: 'new'; path: string } | { kind: 'file'; path: string; mode: number } | { kind: 'stream'; path: string };

/** What `target` is once links are followed, or a refusal (FileError). */
async function classify(target: string): Promise<Target> {
  let path = target;
  for (let hops = 0; ; hops++) {
    let st;
    try {
      st = await lstat(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { kind: 'new', path };
      throw new FileError('write', target, e);
    }
    if (st.isSymbolicLink()) {
      if (hops >= MAX_LINKS) throw new FileError('write', target, { code: 'ELOOP' });
      try {
        path = await realpath(path);
        continue;
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw new FileError('write', target, e);
      }
      // A dangling link: the file it names is created (as `echo > link` would).
      const to = await readlink(path);
      path = resolve(await realpath(dirname(path)).catch(() => dirname(path)), to);
      continue;
    }
    if (st.isFile()) return { kind: 'file', path, mode: st.mode & 0o7777 };
    if (st.isCharacterDevice() || st.isFIFO()) return { kind: 'stream', path };
    const what = st.isDirectory() ? 'is a directory' : st.isBlockDevice() ? 'is a block device: refused' : 'is a socket: refused';
    throw new FileError('write', target, { code: st.isDirectory() ? 'EISDIR' : 'EPERM' }, what);
  }
}

async function writeInPlace(path: string, produce: Produce): Promise<void> {
  // No O_CREAT, no O_TRUNC: the device or pipe is written, never replaced.
  const h = await open(path, fsConstants.O_WRONLY);
  try {
    await produce(async (chunk) => {
      if (typeof chunk === 'string') await h.write(chunk, null, 'utf8');
      else await h.write(chunk);
    });
  } finally {
    await h.close().catch(() => undefined);
  }
}

async function writeReplacing(t: Extract<Target, { kind: 'new' | 'file' }>, produce: Produce): Promise<void> {
  const tmp = tempNameFor(t.path);
  let handle: FileHandle | undefined;
  try {
    liveTemps.add(tmp);
    handle = await open(tmp, 'wx', 0o666);
    const h = handle;
    if (t.kind === 'file') await h.chmod(t.mode);
    await produce(async (chunk) => {
      if (typeof chunk === 'string') await h.write(chunk, null, 'utf8');
      else await h.write(chunk);
    });
    await h.sync();
    await h.close();
    handle = undefined;
    await rename(tmp, t.path);
    liveTemps.delete(tmp);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    liveTemps.delete(tmp);
    throw e;
  }
}

/**
 * Writes what `produce` emits to `target` by the rules above. Rejects with a `FileError` worded
 * for the user when the file system refuses (any other error from `produce` is passed on as is).
 */
export async function writeFileAtomic(target: string, produce: Produce): Promise<void> {
  const t = await classify(target);
  try {
    if (t.kind === 'stream') await writeInPlace(t.path, produce);
    else await writeReplacing(t, produce);
  } catch (e) {
    if (e instanceof FileError || errnoCode(e) === undefined) throw e;
    throw new FileError('write', target, e);
  }
}

/** Writes the caches export of `result` to `target` (see `writeFileAtomic`), chunk by chunk. */
export function writeExportFile(result: RunResult, target: string, opts?: ExportOptions): Promise<void> {
  return writeFileAtomic(target, (write) => writeExport(result, write, opts));
}
