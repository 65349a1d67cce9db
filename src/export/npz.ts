/**
 * The caches export as a NumPy `.npz` (what np.savez writes: a zip of stored `.npy` files), for
 * `rnn-stepper run … -o out.npz` and the panel's export. Same arrays, same numbers (float64, bit
 * for bit) as the JSON export, under flat names: forward `a`, `y_pred`, `c`, `ft`, …; backward
 * `da`, `dc`, `dft`, …; gradients `dx`, `da0`, `dc0`, `dWf`, … (cell kinds: `a_next`, `dxt`,
 * `da_prev`, …). Names are unique across the JSON export's sections today; should a later name
 * ever repeat an earlier one, it is written as `<section>_<name>` (e.g. `backward_da`), the
 * earlier one keeping the flat name. `meta` is a 0-d string array holding the JSON export's
 * header (format, version, kind, dims, fixture) plus the section of every array.
 *
 * Streamed: each array is produced in C order in blocks of 64 Ki numbers straight from the
 * engine's step-major buffers, zipped by fflate's streaming `Zip` (stored, CRC computed on the
 * fly) and written as it goes. Pure (no Node imports): the caller supplies the byte sink.
 */
import { Zip, ZipPassThrough } from 'fflate';
import { EXPORT_FORMAT, EXPORT_VERSION, sectionsOf, type Entry, type ExportSource } from './caches';
import { npyBytes, npyStringBytes } from '../fixture/npy';

/** Numbers per block written to the zip stream. */
const BLOCK = 65536;
/** fflate writes no zip64 records: every offset must stay below 4 GiB. */
const ZIP32_LIMIT = 0xffffffff - (1 << 20);

export type ByteSink = (chunk: Uint8Array) => void | Promise<void>;

interface Named {
  name: string;
  section: string;
  entry: Entry;
  shape: number[];
}

/** The flat names of the export's arrays (the clash rule above applied). */
export function npzNames(result: ExportSource): Named[] {
  const s = sectionsOf(result);
  const out: Named[] = [];
  const used = new Set<string>(['meta']);
  for (const section of ['forward', 'backward', 'gradients'] as const) {
    for (const entry of s[section]) {
      const name = used.has(entry.key) ? `${section}_${entry.key}` : entry.key;
      used.add(name);
      const shape = entry.seq ? [entry.seq.n, entry.seq.m, entry.seq.T] : entry.matrix ? [entry.matrix.rows, entry.matrix.cols] : [0];
      out.push({ name, section, entry, shape });
    }
  }
  return out;
}

/** The array's numbers in C order, block by block. */
function* blocks(e: Entry): Generator<Float64Array> {
  if (e.matrix) {
    const { data, offset, rows, cols } = e.matrix;
    const n = rows * cols;
    for (let o = 0; o < n; o += BLOCK) {
      const len = Math.min(BLOCK, n - o);
      const b = new Float64Array(len);
      for (let k = 0; k < len; k++) b[k] = data[offset + o + k]!;
      yield b;
    }
    return;
  }
  if (!e.seq) return;
  const { at, n, m, T } = e.seq;
  let b = new Float64Array(Math.min(BLOCK, n * m * T));
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < T; t++) {
        b[k++] = at(i, j, t);
        if (k === b.length) {
          yield b;
          k = 0;
          b = new Float64Array(b.length);
        }
      }
    }
  }
  if (k > 0) yield b.subarray(0, k);
}

function bytesOf(f: Float64Array): Uint8Array {
  // Float64Array is platform-endian; every platform Node and VS Code run on is little-endian ('<f8').
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

export function isNpzTarget(path: string): boolean {
  return /\.npz$/i.test(path);
}

/** Streams the .npz of `result` into `sink`, awaiting it between blocks (back-pressure). */
export async function writeNpzExport(result: ExportSource, sink: ByteSink): Promise<void> {
  const named = npzNames(result);
  let total = 0;
  for (const a of named) total += a.shape.reduce((p, d) => p * d, 1) * 8 + 256;
  if (total > ZIP32_LIMIT) {
    throw new Error(`the export is ${(total / 2 ** 30).toFixed(1)} GiB, above the 4 GiB a .npz without zip64 can hold: export as JSON instead`);
  }
  const { problem } = result;
  const meta = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    kind: problem.kind,
    dims: problem.dims,
    fixture: problem.name,
    sections: Object.fromEntries(named.map((a) => [a.name, a.section])),
  };
  const queue: Uint8Array[] = [];
  let failure: Error | undefined;
  const zip = new Zip((err, chunk) => {
    if (err) failure ??= err;
    else if (chunk.length) queue.push(chunk);
  });
  const flush = async () => {
    if (failure) throw failure;
    while (queue.length) {
      const c = queue.shift();
      if (c) await sink(c);
    }
  };
  const add = async (name: string, parts: Iterable<Uint8Array>) => {
    const f = new ZipPassThrough(`${name}.npy`);
    f.mtime = new Date(2000, 0, 1); // reproducible files: the same run gives the same bytes
    zip.add(f);
    for (const p of parts) {
      f.push(p, false);
      await flush();
    }
    f.push(new Uint8Array(0), true);
    await flush();
  };
  await add('meta', [npyStringBytes(JSON.stringify(meta))]);
  for (const a of named) {
    const header = npyBytes(a.shape, new Float64Array(0));
    await add(a.name, (function* () {
      yield header;
      for (const b of blocks(a.entry)) yield bytesOf(b);
    })());
  }
  zip.end();
  await flush();
}
