/**
 * gradcheck at scale: x, a0 and c0 entries are probed on their batch column alone (m times less
 * work), which must give the same derivatives as the whole batch (a wrong column would give
 * errors of order 1); the CLI's --samples, the sample line, the worst entry and the progress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/cli';
import { gradcheck, randomProblem } from '../../src/engine/index';

for (const kind of ['rnn', 'lstm'] as const) {
  test(`gradcheck ${kind}: one-column probes of x, a0, c0 agree with the analytic gradients at m = 5 (every entry)`, () => {
    const p = randomProblem({ kind, n_x: 3, n_a: 4, n_y: 2, m: 5, T: 4, seed: 11 });
    if (p.c0) p.c0.data.forEach((_, k, a) => (a[k] = Math.cos(k) * 0.3));
    const rows = gradcheck(p, { maxEntries: Infinity });
    for (const r of rows) {
      assert.equal(r.checked, r.total, r.name);
      assert.ok(r.maxRelErr < 1e-7, `${r.name}: ${r.maxRelErr}`);
      assert.equal(r.worst.length, r.shape.length, r.name);
    }
  });
}

test('gradcheck CLI: --samples N and --seed pick the sample, which the report states with the worst entry', async () => {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (c) => void (out += c), stderr: (t) => void (err += t) };
  const code = await main(['gradcheck', join(import.meta.dirname, '..', 'fixtures', 'lstm_coursera_backward.json'), '--samples', '3', '--seed', '2'], io);
  assert.equal(code, 0, err);
  assert.match(out, /sample: at most 3 entries per gradient, seed 2/);
  assert.match(out, /^dx +\(3, 10, 4\) +3\/120 .* \[\d+, \d+, \d+\] +ok$/m);
  assert.match(out, /^dbf +\(5, 1\) +3\/5 /m);
  assert.match(out, /^33 entries probed in [\d.]+ s$/m);
  const both = await main(['gradcheck', 'x.json', '--samples', '3', '--max-entries', '4'], io);
  assert.equal(both, 2);
});
