/**
 * The binary frames between us and the Python harness (see python/harness.py):
 * `u32 LE header length | JSON header | float64 LE payload of header.arrays, in order`.
 * Big tensors cross as raw bytes (a 1000-step LSTM's caches are hundreds of MB), never as JSON.
 * Pure (Uint8Array only, no Node imports), so it is tested in isolation.
 */
import type { Tensor } from './types';

export interface ArraySpec {
  name: string;
  shape: number[];
}

export interface Frame {
  header: Record<string, unknown> & { op: string };
  arrays: Map<string, Tensor>;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
/** Float64Array bytes are sent as they are on little-endian hosts (all of ours); else converted. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function count(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A frame as byte pieces to write in order (tensor data is not copied on little-endian hosts). */
export function encodeFrame(header: Record<string, unknown>, arrays: ReadonlyArray<[string, Tensor]> = []): Uint8Array[] {
  const specs: ArraySpec[] = arrays.map(([name, t]) => ({ name, shape: [...t.shape] }));
  const json = utf8.encode(JSON.stringify(arrays.length ? { ...header, arrays: specs } : header));
  const head = new Uint8Array(4 + json.length);
  new DataView(head.buffer).setUint32(0, json.length, true);
  head.set(json, 4);
  const pieces: Uint8Array[] = [head];
  for (const [name, t] of arrays) {
    if (t.data.length !== count(t.shape)) throw new Error(`frame: ${name} has ${t.data.length} numbers for shape (${t.shape.join(', ')})`);
    pieces.push(LITTLE_ENDIAN ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : toLittleEndian(t.data));
  }
  return pieces;
}

function toLittleEndian(data: Float64Array): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat64(i * 8, data[i], true);
  return out;
}

function isHeader(v: unknown): v is Frame['header'] {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof Reflect.get(v, 'op') === 'string';
}

function isSpecList(v: unknown): v is ArraySpec[] {
  return (
    Array.isArray(v) &&
    v.every(
      (s) =>
        typeof s === 'object' && s !== null && typeof s.name === 'string' && Array.isArray(s.shape) &&
        s.shape.every((d: unknown) => typeof d === 'number' && Number.isInteger(d) && d >= 0),
    )
  );
}

/**
 * Reassembles frames from stream chunks. Chunks are kept as a list and copied once, into each
 * tensor's own buffer, when its bytes are all there.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private pending: { header: Frame['header']; specs: ArraySpec[]; bytes: number } | null = null;

  /** Adds a chunk; returns the frames it completes. Throws on a malformed header. */
  push(chunk: Uint8Array): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      if (!this.pending) {
        if (this.buffered < 4) break;
        const len = new DataView(this.peek(4).buffer).getUint32(0, true);
        if (this.buffered < 4 + len) break;
        this.take(4);
        const h: unknown = JSON.parse(utf8d.decode(this.take(len)));
        if (!isHeader(h)) throw new Error('harness sent a frame without an op');
        const specs = h.arrays === undefined ? [] : h.arrays;
        if (!isSpecList(specs)) throw new Error(`harness sent a malformed array list in '${h.op}'`);
        this.pending = { header: h, specs, bytes: specs.reduce((s, a) => s + 8 * count(a.shape), 0) };
      }
      if (this.buffered < this.pending.bytes) break;
      const arrays = new Map<string, Tensor>();
      for (const s of this.pending.specs) {
        const raw = this.take(8 * count(s.shape));
        const data = new Float64Array(raw.length / 8);
        if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(raw);
        else {
          const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          for (let i = 0; i < data.length; i++) data[i] = view.getFloat64(i * 8, true);
        }
        arrays.set(s.name, { shape: s.shape, data });
      }
      out.push({ header: this.pending.header, arrays });
      this.pending = null;
    }
    return out;
  }

  /** The first n buffered bytes, copied (n is small: the length prefix). */
  private peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      const k = Math.min(n - o, c.length);
      out.set(c.subarray(0, k), o);
      o += k;
      if (o === n) break;
    }
    return out;
  }

  /** Removes and returns the first n buffered bytes (a view when they sit in one chunk). */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      if (!c) throw new Error('frame reader: ran out of bytes');
      const k = Math.min(n - o, c.length);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
