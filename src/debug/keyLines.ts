/**
 * Lines of a fixture's keys (`"x"`, `"da"`, `"parameters"`, a parameter name) for the stack
 * frame and Goto targets, found by reading the file in chunks on demand. The debug adapter never
 * holds a big fixture's text (the run worker reads it): a key near the top is found after one
 * chunk, and each chunk read is an await, so requests are answered in between.
 */
import { open } from 'node:fs/promises';

const CHUNK = 4 * 1024 * 1024;
const NEWLINE = 10;

export class KeyLines {
  private readonly found = new Map<string, number>();
  /** Bytes scanned so far, and the line number at that point. */
  private scanned = 0;
  private line = 1;
  private done = false;
  /** A quoted key that may straddle two chunks: the tail of the previous chunk. */
  private carry = Buffer.alloc(0);
  private scanning: Promise<void> | undefined;
  private readonly wanted = new Set<string>();
  /** Bumped by a restart: a chunk read before it is dropped. */
  private generation = 0;

  /** `chunkBytes`: how much is read at a time (tests make it small to cut keys in two). */
  constructor(
    private readonly path: string,
    private readonly chunkBytes = CHUNK,
  ) {}

  /** 1-based line of the first `"key"` in the file, or 1 when it is not there (or unreadable). */
  async lineOf(key: string): Promise<number> {
    for (;;) {
      const hit = this.found.get(key);
      if (hit !== undefined) return hit;
      if (!this.wanted.has(key)) {
        // A key asked for late may lie in the part already read: read from the top again.
        this.wanted.add(key);
        this.restart();
      }
      if (this.done) return 1;
      this.scanning ??= this.scanChunk().finally(() => (this.scanning = undefined));
      await this.scanning;
    }
  }

  private restart(): void {
    this.generation++;
    this.scanned = 0;
    this.line = 1;
    this.done = false;
    this.carry = Buffer.alloc(0);
  }

  private async scanChunk(): Promise<void> {
    let fh;
    const gen = this.generation;
    try {
      fh = await open(this.path, 'r');
      const buf = Buffer.allocUnsafe(this.chunkBytes);
      const { bytesRead } = await fh.read(buf, 0, this.chunkBytes, this.scanned);
      if (gen !== this.generation) return;
      if (bytesRead === 0) {
        this.done = true;
        return;
      }
      const chunk = Buffer.concat([this.carry, buf.subarray(0, bytesRead)]);
      const base = this.carry.length;
      for (const key of this.wanted) {
        if (this.found.has(key)) continue;
        const at = chunk.indexOf(`"${key}"`);
        if (at >= 0) this.found.set(key, this.line + countNewlines(chunk, base, at) - (at < base ? countNewlines(chunk, at, base) : 0));
      }
      this.line += countNewlines(chunk, base, chunk.length);
      this.scanned += bytesRead;
      // Keep enough of the tail for a key cut in two (keys are short names).
      this.carry = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 64)));
    } catch {
      if (gen === this.generation) this.done = true;
    } finally {
      await fh?.close();
    }
  }
}

function countNewlines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(NEWLINE, from); i >= 0 && i < to; i = b.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
