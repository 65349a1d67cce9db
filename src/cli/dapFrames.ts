/**
 * Regroups a DAP byte stream into whole messages (`Content-Length` header + body) before the
 * adapter's ProtocolServer sees them. That server appends every chunk to its buffer with
 * `Buffer.concat`, which is quadratic in the message size: a 10 MB watch expression arriving in
 * 64 KB pipe chunks took seconds before the adapter could refuse it. Here chunks are kept in a list
 * and joined once per message.
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n');

export class WholeFrames extends Transform {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of the current message (header + body), once its header is read. */
  private frameLength = -1;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.frameLength < 0) {
        // Headers are short: look for their end in the first few KB only.
        const head = this.chunks.length === 1 ? this.chunks[0] : this.join();
        if (!head) break;
        const end = head.subarray(0, 8192).indexOf(HEADER_END);
        if (end < 0) {
          if (head.length > 8192) return done(new Error('DAP header longer than 8 KB'));
          break;
        }
        const m = /Content-Length: *(\d+)/i.exec(head.toString('ascii', 0, end));
        if (!m) return done(new Error('DAP header without Content-Length'));
        this.frameLength = end + HEADER_END.length + Number(m[1]);
      }
      if (this.buffered < this.frameLength) break;
      const all = this.join();
      this.push(all.subarray(0, this.frameLength));
      const rest = all.subarray(this.frameLength);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.frameLength = -1;
      if (!rest.length) break;
    }
    done();
  }

  private join(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }
}
