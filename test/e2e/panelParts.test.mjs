// A backward stop fetched by part in the real workbench: with the panel narrow (one card a row)
// the running sums are far below the viewport and are not fetched (their cards say so and show
// no values); scrolled to, the step's weight gradients and running sums arrive and show the
// engine's numbers: Σ_{s≥0} dWf⟨s⟩ is the reference's total dWf, and dWf⟨0⟩ is
// dft⟨0⟩ [a0; x⟨0⟩]ᵀ computed here from `rnn-stepper run`'s caches and the fixture.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, cli, openPanel, startWorkbench } from './harness.mjs';

const FIXTURE = 'lstm_coursera_backward.rnn.json';

describe('Step RNN panel: a backward stop fetched by part', { timeout: 300_000 }, () => {
  let vs;
  let web;
  let expected;
  let fixture;
  const ws = mkdtempSync(join(tmpdir(), 'rnn-e2e-parts-'));

  before(async () => {
    copyFileSync(join(REPO, 'test/fixtures/lstm_coursera_backward.json'), join(ws, FIXTURE));
    fixture = JSON.parse(readFileSync(join(ws, FIXTURE), 'utf8'));
    expected = JSON.parse(cli(['run', join(ws, FIXTURE)]));
    vs = await startWorkbench({ workspace: ws, viewport: { width: 760, height: 640 } });
    web = await openPanel(vs, FIXTURE);
    await web.locator('body[data-run-finished="true"]').waitFor({ timeout: 60_000, state: 'attached' });
  });

  after(async () => {
    await vs?.close();
    rmSync(ws, { recursive: true, force: true });
  });

  /** Cells of a tensor's table (the table view must be on). */
  const cells = (name) =>
    web.locator(`[data-tensor="${name}"] td[data-row]`).evaluateAll((tds) =>
      tds.map((td) => ({ row: Number(td.getAttribute('data-row')), col: Number(td.getAttribute('data-col')), value: Number(td.getAttribute('data-value')) })),
    );
  const near = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

  it('the running sums far below are not fetched; scrolled to, dWf and Σ dWf show the engine’s values', async () => {
    const { n_a, n_x, m, T_x } = expected.dims;
    // Backward t = 1 of 4 (index 0): the timeline's last backward step.
    await web.locator('#scrubber').evaluate((el, i) => {
      el.value = String(i);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, 2 * T_x - 1);
    await web.locator('#position').filter({ hasText: 'Backward · t = 1 of 4' }).waitFor({ timeout: 15_000 });
    await web.locator('body').evaluate(() => window.scrollTo(0, 0));
    const sums = web.locator('section.tensor[data-tensor="sum_dWf"]');
    const below = await sums.evaluate((el) => el.getBoundingClientRect().top - window.innerHeight);
    assert.ok(below > 600, `the running sums start ${below} px below the viewport: too close to tell`);
    assert.equal(await sums.getAttribute('data-pending'), 'true', 'not fetched while off screen');
    assert.match((await sums.locator('.pending-note').textContent()) ?? '', /Loading the running sums/);
    assert.equal(await sums.locator('.legend').isVisible(), false, 'no other step’s legend');

    await web.locator('button[data-action="toggleTable"]').click();
    await sums.scrollIntoViewIfNeeded();
    await web.locator('section.tensor[data-tensor="sum_dWf"]:not([data-pending]) td[data-row]').first().waitFor({ timeout: 15_000 });
    const sum = await cells('sum_dWf');
    assert.equal(sum.length, n_a * (n_a + n_x));
    for (const c of sum) near(c.value, expected.gradients.dWf[c.row][c.col], `sum_dWf[${c.row}, ${c.col}] at t = 0`);

    const dWf = web.locator('section.tensor[data-tensor="dWf"]');
    await dWf.scrollIntoViewIfNeeded();
    await web.locator('section.tensor[data-tensor="dWf"]:not([data-pending]) td[data-row]').first().waitFor({ timeout: 15_000 });
    // dWf⟨0⟩ = dft⟨0⟩ [a0; x⟨0⟩]ᵀ
    const z = (k, j) => (k < n_a ? fixture.a0[k][j] : fixture.x[k - n_a][j][0]);
    const got = await cells('dWf');
    assert.equal(got.length, n_a * (n_a + n_x));
    for (const c of got) {
      let want = 0;
      for (let j = 0; j < m; j++) want += expected.backward.dft[c.row][j][0] * z(c.col, j);
      near(c.value, want, `dWf[${c.row}, ${c.col}] at t = 0`);
    }
    await web.locator('button[data-action="toggleTable"]').click();
  });
});
