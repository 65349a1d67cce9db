/**
 * The caches export of an LSTM run that kept no gate gradients (`keepGateGrads: false`, what the
 * worker does above rnnStepper's gate-gradient limit) recomputes dft/dit/dcct/dot from the caches.
 * It must write the very numbers a run that kept them writes (`rnn-stepper run`), on every kernel
 * backend: above the wasm threshold the run's cell backward uses the wasm kernel's own tanh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomProblem, run, setBackend, wasmAvailable, wasmFmaAvailable, type BackendChoice } from '../../src/engine/index';
import { exportToString } from '../../src/export/caches';
import { withCellState } from './engine-helpers';

const backends: BackendChoice[] = ['js', ...(wasmAvailable() ? ['wasm-simd' as const] : []), ...(wasmFmaAvailable() ? ['wasm-fma' as const] : [])];

for (const backend of backends) {
  test(`lstm export without kept gate gradients equals the export of a run that kept them (${backend})`, () => {
    setBackend(backend);
    try {
      // n_a=12, n_x=7, m=5: over the wasm threshold (as engine-cell-backward.test.ts); c0 ≠ 0 takes the step-0 branch.
      const p = withCellState(randomProblem({ kind: 'lstm', n_x: 7, n_a: 12, n_y: 3, m: 5, T: 9, seed: 11 }));
      const kept = run(p, { keepGateGrads: true });
      const lean = run(p, { keepGateGrads: false });
      assert.equal(lean.backward.dft, undefined, 'the lean run keeps no gate gradients');
      const want = JSON.parse(exportToString(kept)).backward;
      const got = JSON.parse(exportToString(lean)).backward;
      for (const k of ['dft', 'dit', 'dcct', 'dot']) {
        const w: number[] = want[k].flat(2);
        const g: number[] = got[k].flat(2);
        assert.equal(g.length, w.length, `${k}: length`);
        const differ = g.filter((v, i) => !Object.is(v, w[i])).length;
        assert.equal(differ, 0, `${backend} ${k}: ${differ} of ${w.length} values differ from the run's`);
      }
      assert.equal(exportToString(lean), exportToString(kept), 'the whole export');
    } finally {
      setBackend('auto');
    }
  });
}
