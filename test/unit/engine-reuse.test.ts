// forward/backward `into`: a run written into the caches of an earlier run (what `benchmark()`
// does between repetitions, as NumPy's allocator hands its arrays' memory back) must equal a
// run into fresh caches bit for bit, whatever the reused arrays held (here NaN everywhere), on
// every kernel; caches of another shape are refused with one clear error. A finished pass hands its
// wasm workspace back at once (the next run's gets pages already touched).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { backward, benchmark, forward, randomProblem, setBackend, wasmAvailable } from '../../src/engine/index';
import { loadWasmKernels } from '../../src/engine/wasm';
import type { BackwardCaches, ForwardCaches } from '../../src/engine/index';
import { testedBackends } from './kernel-helpers';

/** Every array of a result by name (parameter gradients as grads.NAME). */
function arrays(c: ForwardCaches | BackwardCaches): [string, Float64Array][] {
  const out: [string, Float64Array][] = [];
  for (const [k, v] of Object.entries(c)) if (v instanceof Float64Array) out.push([k, v]);
  if ('grads' in c) for (const [g, a] of Object.entries(c.grads)) out.push([`grads.${g}`, a]);
  return out.sort((x, y) => x[0].localeCompare(y[0]));
}

function sameBits(what: string, got: ForwardCaches | BackwardCaches, want: ForwardCaches | BackwardCaches): void {
  const g = arrays(got), w = arrays(want);
  assert.deepEqual(g.map(([k]) => k), w.map(([k]) => k), `${what}: the same arrays`);
  for (let i = 0; i < w.length; i++) {
    const [name, a] = g[i], b = w[i][1];
    assert.equal(a.length, b.length, `${what} ${name}: length`);
    for (let q = 0; q < b.length; q++) if (!Object.is(a[q], b[q])) assert.fail(`${what} ${name}[${q}]: ${a[q]}, the fresh run has ${b[q]}`);
  }
}

const poison = (c: ForwardCaches | BackwardCaches): void => {
  for (const [, a] of arrays(c)) a.fill(NaN);
};

for (const backend of testedBackends()) {
  test(`[${backend}] runs into reused caches equal runs into fresh ones, bit for bit`, () => {
    setBackend(backend);
    try {
      for (const kind of ['rnn', 'lstm'] as const) {
        for (const keepGateGrads of kind === 'lstm' ? [true, false] : [true]) {
          // big enough for the wasm kernels, several chunks; a truncated da (T_b < T_x)
          const p = randomProblem({ kind, n_x: 6, n_a: 24, n_y: 5, m: 9, T: 37, seed: 4 });
          const q = randomProblem({ kind, n_x: 6, n_a: 24, n_y: 5, m: 9, T: 37, seed: 5 });
          const fresh = forward(p), freshB = backward(p, fresh, { keepGateGrads });
          const used = forward(q), usedB = backward(q, used, { keepGateGrads });
          poison(used);
          poison(usedB);
          const fw = forward(p, { into: used });
          assert.equal(fw, used, 'the forward wrote into the caches given');
          const bw = backward(p, fw, { keepGateGrads, into: usedB });
          assert.equal(bw, usedB, 'the backward wrote into the caches given');
          const what = `${kind}${kind === 'lstm' ? (keepGateGrads ? ' with gate gradients' : ' without gate gradients') : ''}`;
          sameBits(`${what} forward`, fw, fresh);
          sameBits(`${what} backward`, bw, freshB);
        }
      }
    } finally {
      setBackend('auto');
    }
  });
}

test('caches of another shape are refused, naming the shape wanted', () => {
  const p = randomProblem({ kind: 'lstm', n_x: 3, n_a: 5, n_y: 2, m: 4, T: 6, seed: 1 });
  const longer = randomProblem({ kind: 'lstm', n_x: 3, n_a: 5, n_y: 2, m: 4, T: 7, seed: 1 });
  const rnn = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 4, T: 6, seed: 1 });
  const fw = forward(longer);
  assert.throws(() => forward(p, { into: fw }), /^Error: the forward caches given to reuse are not those of a lstm with n_a=5 n_y=2 m=4 T_x=6$/);
  assert.throws(() => forward(p, { into: forward(rnn) }), /not those of a lstm/);
  const own = forward(p);
  const withGates = backward(p, own, { keepGateGrads: true });
  assert.throws(() => backward(p, own, { keepGateGrads: false, into: withGates }), /not those of a lstm with n_x=3 n_a=5 m=4 T_b=6 without the gate gradients$/);
  assert.throws(() => backward(p, own, { keepGateGrads: true, into: backward(p, own, { keepGateGrads: false }) }), /keeping the gate gradients$/);
  assert.throws(() => backward(p, own, { into: backward(longer, fw) }), /not those of a lstm/);
});

test('benchmark: repetitions reuse the caches by default, allocate them with freshCaches', () => {
  const p = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 10, T: 4 });
  assert.equal(benchmark(p, { repeat: 2, warmup: 1 }).caches, 'reused');
  assert.equal(benchmark(p, { repeat: 2, warmup: 1, freshCaches: true }).caches, 'fresh');
});

test('a released wasm workspace hands its memory to the next one at once (no fresh pages per run)', { skip: !wasmAvailable() }, () => {
  const k = loadWasmKernels('wasm-simd');
  assert.ok(k);
  const first = k.workspace(4096, 1);
  const a = first.alloc(4096);
  a.fill(7);
  const kept = k.workspace(4096, 1).alloc(4096);
  assert.notEqual(kept.byteOffset, a.byteOffset, 'a workspace still held keeps its region');
  assert.ok(first.release, 'the wasm workspace can be released');
  first.release();
  const next = k.workspace(4096, 1).alloc(4096);
  assert.equal(next.byteOffset, a.byteOffset, 'the released region is the next workspace\'s');
  assert.ok(next.every((v) => v === 0), 'and its arrays come zeroed');
  first.release(); // twice is harmless: the region is not handed back again
  const other = k.workspace(4096, 1).alloc(4096);
  assert.notEqual(other.byteOffset, next.byteOffset, 'a second release of the same workspace frees nothing in use');
  assert.deepEqual(first.alloc(2).buffer === a.buffer, false, 'a released workspace hands out no more of its region');
});
