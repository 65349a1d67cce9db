// End-to-end: the weights, the pre-activations and the gradient check in the real panel.
// - The Parameters group (folded) opens on Wf with the fixture's shape; a click on Wf[1,6] says
//   the fixture's value.
// - The Pre-activations group of forward t = 2 opens; z_ft[3,1]'s expansion is a weighted sum whose
//   value is the logit of the engine's ft (σ⁻¹, from `rnn-stepper run`); ft[3,1] now expands as
//   σ(that sum) = the engine's ft; ŷ[1,4] as exp(logit)/Σ.
// - Run gradient check: every gradient row is drawn with one dot per probed entry and the 1e-7
//   line, PASS is said; a worst entry's button moves the cursor to its stop and selects the
//   element on its card (the readout names it).
// Screenshots of the open groups and of the gradient check in the four themes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { THEMES } from './harness.mjs';
import { openFinishedPanel, panelActions } from './panelPage.mjs';

/** As src/session/explainSum.ts `num` prints: four significant digits, a real minus sign. */
const num = (v) => String(Number(v.toPrecision(4))).replace(/-/g, '−');

describe('Step RNN panel: parameters, pre-activations, gradient check', { timeout: 400_000 }, () => {
  let opened;
  let vs;
  let web;
  let expected;
  let fixture;
  let press;
  let waitPosition;
  let clickCell;
  let explainText;
  const openGroup = async (name) => {
    const d = web.locator(`details.group[data-group="${name}"]`);
    await d.waitFor({ timeout: 15_000 });
    if (!(await d.evaluate((el) => el.open))) await d.locator('summary').click();
    await web.locator(`details.group[data-group="${name}"][open]`).waitFor({ timeout: 5_000 });
  };

  before(async () => {
    opened = await openFinishedPanel({ prefix: 'weights' });
    ({ vs, web, expected } = opened);
    fixture = JSON.parse(readFileSync(opened.file, 'utf8'));
    ({ press, waitPosition, clickCell, explainText } = panelActions(vs, web));
  });

  after(async () => {
    await opened?.close();
  });

  it('Parameters: Wf is a card of the fixture’s shape and values', async () => {
    const { n_a, n_x } = expected.dims;
    await openGroup('Parameters');
    const card = web.locator('[data-tensor="Wf"]');
    await card.locator('.shape').filter({ hasText: `(${n_a}, ${n_a + n_x})` }).waitFor({ timeout: 10_000 });
    await clickCell('Wf', 1, 6, n_a, n_a + n_x);
    const said = (await web.locator('#readout').textContent()) ?? '';
    const want = fixture.parameters.Wf[1][6];
    assert.ok(said.startsWith('Wf[1, 6] = '), said);
    assert.ok(Math.abs(Number(said.slice('Wf[1, 6] = '.length).replace(/−/g, '-')) - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${said} vs ${want}`);
  });

  it('Pre-activations of forward t = 2: z_ft[3,1] is the logit of the engine’s ft, which ft[3,1] expands through', async () => {
    await web.locator('#position').click();
    await press('Home');
    await press('F10');
    await waitPosition('Forward · t = 2 of 4');
    const { n_a, n_y, m } = expected.dims;
    const t = 1;
    await openGroup('Pre-activations');
    await clickCell('z_ft', 3, 1, n_a, m);
    const ft = expected.forward.ft[3][1][t];
    const z = Math.log(ft / (1 - ft));
    const zl = await explainText('z_ft');
    assert.match(zl[0], /^z_ft\[3,1\] = Σ_k Wf\[3,k\]·z\[k,1\] \+ bf\[3\]/);
    assert.equal(zl[1], `= ${num(z)}`);
    assert.equal(zl[2], `bf[3] = ${num(fixture.parameters.bf[3][0])}`);
    assert.equal(zl.at(-1), `the other ${n_a + expected.dims.n_x - 5} terms sum to ${zl.at(-1)?.split(' sum to ')[1]}`);
    await vs.screenshot('weights-pre-activations');
    await clickCell('ft', 3, 1, n_a, m);
    const fl = await explainText('ft');
    assert.equal(fl[1], `= σ(${num(z)}) = ${num(ft)}`);
    await clickCell('yt_pred', 1, 4, n_y, m);
    const yl = await explainText('yt_pred');
    assert.ok(yl[1].endsWith(`= ${num(expected.forward.y_pred[1][4][t])}`), `${yl[1]}`);
  });

  it('gradient check: run, every probed entry drawn with the 1e-7 line, PASS; a worst entry jumps to its element', async () => {
    const section = web.locator('#gradcheck');
    await section.scrollIntoViewIfNeeded();
    await web.locator('#gcRun').click();
    await web.locator('#gradcheck[data-result]').waitFor({ timeout: 120_000 });
    assert.equal(await section.getAttribute('data-result'), 'pass', (await web.locator('.gc-summary').textContent()) ?? '');
    const rows = await web.locator('.gc-label').allTextContents();
    assert.deepEqual(rows, ['dx', 'da0', 'dc0', 'dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo']);
    const summary = (await web.locator('.gc-summary').textContent()) ?? '';
    const probed = Number(/(\d+) entries/.exec(summary)?.[1]);
    assert.equal(await web.locator('.gc-dot').count(), probed, summary);
    assert.equal(await web.locator('.gc-tol').count(), 1);
    await vs.screenshot('weights-gradcheck');
    const first = web.locator('.gc-entry').first();
    const gradient = await first.getAttribute('data-gradient');
    const index = ((await first.getAttribute('data-index')) ?? '').split(',').map(Number);
    await first.click();
    const [card, i, j, where] = gradient === 'dx' ? ['dxt', index[0], index[1], `Backward · t = ${index[2] + 1} of`] : [gradient, index[0], index[1], 'Totals'];
    await waitPosition(where);
    await web.locator('#readout').filter({ hasText: `${card}[${i}, ${j}] = ` }).waitFor({ timeout: 10_000 });
    const focused = await web.locator('body').evaluate(() => document.activeElement?.closest('[data-tensor]')?.getAttribute('data-tensor'));
    assert.equal(focused, card);
  });

  it('readable in light, dark and both high-contrast themes (screenshots)', async () => {
    await web.locator('#position').click();
    await press('Home');
    await press('F10');
    await waitPosition('Forward · t = 2 of 4');
    for (const t of THEMES) {
      await vs.setTheme(t.id);
      await vs.page.waitForTimeout(800);
      await web.locator('details.group[data-group="Pre-activations"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await vs.page.waitForTimeout(200);
      await vs.screenshot(`weights-cards-${t.slug}`);
      await web.locator('#gradcheck').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await vs.page.waitForTimeout(200);
      await vs.screenshot(`weights-gradcheck-${t.slug}`);
    }
  });
});
