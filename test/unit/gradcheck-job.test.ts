/**
 * The panel's gradient check job (src/worker/gradcheckJob.ts): progress events that count up to
 * the total and are throttled, a cancel heard between probes, a planted wrong gradient entry
 * found by the finite differences (listed as the worst, with its NumPy index), and the thread
 * entry's one-line refusal of a bad fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomProblem, run } from '../../src/engine/index';
import { GradcheckJob, type GradcheckEvent } from '../../src/worker/gradcheckJob';
import { gradcheckThreadMain } from '../../src/worker/gradcheckThread';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const problem = (kind: 'rnn' | 'lstm') => randomProblem({ kind, n_x: 3, n_a: 4, n_y: 2, m: 3, T: 4, seed: 5 });

test('gradcheck job: progress counts every probe up to the total, then one done with every gradient below 1e-7', async () => {
  const events: GradcheckEvent[] = [];
  await new GradcheckJob(problem('lstm'), (e) => events.push(e), { progressEveryMs: 0, yieldNow: async () => {} }).run();
  const progress = events.filter((e) => e.kind === 'progress');
  const done = events.at(-1);
  assert.ok(done && done.kind === 'done');
  const total = done.rows.reduce((n, r) => n + r.checked, 0);
  assert.deepEqual(progress.slice(0, -1).map((e) => e.kind === 'progress' && e.done), Array.from({ length: total }, (_, k) => k + 1));
  assert.ok(progress.every((e) => e.kind === 'progress' && e.total === total));
  assert.deepEqual(done.rows.map((r) => r.name), ['dx', 'da0', 'dc0', 'dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo']);
  for (const r of done.rows) {
    assert.ok(r.maxRelErr < 1e-7, `${r.name}: ${r.maxRelErr}`);
    assert.equal(r.entries.length, r.checked);
  }
  assert.equal(done.eps, 1e-6);
});

test('gradcheck job: progress is throttled by time (first probe and the end always said)', async () => {
  const events: GradcheckEvent[] = [];
  let clock = 0;
  await new GradcheckJob(problem('rnn'), (e) => events.push(e), { progressEveryMs: 1000, now: () => clock, yieldNow: async () => void (clock += 1) }).run();
  const progress = events.filter((e) => e.kind === 'progress');
  const done = events.at(-1);
  assert.ok(done && done.kind === 'done');
  const total = done.rows.reduce((n, r) => n + r.checked, 0);
  assert.ok(total > 10);
  // One at the first probe, the last (done = total), and none between since the clock moved < 1000.
  assert.deepEqual(progress.map((e) => e.kind === 'progress' && e.done), [1, total]);
});

test('gradcheck job: a cancel between probes stops it with a cancelled event and no result', async () => {
  const events: GradcheckEvent[] = [];
  let probes = 0;
  const job: GradcheckJob = new GradcheckJob(problem('lstm'), (e) => events.push(e), {
    progressEveryMs: 0,
    yieldNow: async () => {
      if (++probes === 7) job.cancel();
    },
  });
  await job.run();
  const last = events.at(-1);
  assert.ok(last && last.kind === 'cancelled', JSON.stringify(last));
  assert.equal(last.done, 7);
  assert.ok(last.total > 7);
  assert.ok(!events.some((e) => e.kind === 'done'));
});

for (const [kind, grad, index] of [['lstm', 'dWc', [2, 5]], ['rnn', 'dWaa', [1, 3]]] as const) {
  test(`gradcheck job: a planted wrong ${grad}${JSON.stringify(index)} is the worst entry, far above 1e-7; the rest stay below`, async () => {
    const p = problem(kind);
    const b = run(p).backward;
    const grads = { ...b.grads, [grad]: b.grads[grad].slice() };
    const cols = kind === 'lstm' ? p.dims.n_a + p.dims.n_x : p.dims.n_a;
    grads[grad][index[0] * cols + index[1]] += 0.05;
    const events: GradcheckEvent[] = [];
    await new GradcheckJob(p, (e) => events.push(e), { samples: Infinity, yieldNow: async () => {}, gradients: { dx: b.dx, da0: b.da0, dc0: b.dc0, grads } }).run();
    const done = events.at(-1);
    assert.ok(done && done.kind === 'done');
    for (const r of done.rows) {
      if (r.name === grad) {
        assert.ok(r.maxRelErr > 1e-3, `${grad}: ${r.maxRelErr}`);
        assert.deepEqual(r.worst, [...index]);
        const e = r.entries.find((x) => x.index[0] === index[0] && x.index[1] === index[1]);
        assert.ok(e);
        assert.ok(Math.abs(e.analytic - e.numeric - 0.05) < 1e-6, `${e.analytic} − ${e.numeric}`);
      } else assert.ok(r.maxRelErr < 1e-7, `${r.name}: ${r.maxRelErr}`);
    }
  });
}

test('gradcheck thread: a fixture that does not read is one failed event with file:line:column', async () => {
  const events: GradcheckEvent[] = [];
  await gradcheckThreadMain({ role: 'gradcheck', path: join(FIX, 'bad', 'missing_a0.json'), maxBytes: 1 << 20 }, (e) => events.push(e));
  assert.equal(events.length, 1);
  const e = events[0];
  assert.ok(e.kind === 'failed');
  assert.match(e.message, /^missing_a0\.json(:\d+:\d+)?: /);
  const none: GradcheckEvent[] = [];
  await gradcheckThreadMain({ role: 'gradcheck', path: join(FIX, 'no-such-file.json'), maxBytes: 1 << 20 }, (x) => none.push(x));
  assert.equal(none.length, 1);
  assert.ok(none[0].kind === 'failed' && /^no-such-file\.json(:1:1)?: cannot read the fixture: no such file/.test(none[0].message), JSON.stringify(none[0]));
});
