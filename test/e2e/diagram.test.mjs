// End-to-end: the cell diagram (views/cellDiagram.ts) in the real panel. Its SVG labels
// (data-value: the full float64) are read against `rnn-stepper run` for a forward and a backward
// LSTM step, for a chosen unit and example; a click on a node opens its card; screenshots of the
// diagram in the four themes (test-results/screenshots/diagram-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { THEMES } from './harness.mjs';
import { openFinishedPanel, panelActions } from './panelPage.mjs';

describe('Step RNN panel: the cell diagram', { timeout: 300_000 }, () => {
  let opened;
  let vs;
  let web;
  let expected;
  let press;
  let waitPosition;
  /** The diagram's node values by tensor name (full float64 from data-value). */
  const nodeValues = () =>
    web.locator('#diagram text.node-value[data-shows]').evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-shows'), e.getAttribute('data-value')])),
    );
  const choose = async (unit, example) => {
    await web.locator('#diagramUnit').selectOption(String(unit));
    await web.locator('#batch').selectOption(String(example));
    await web.locator(`#diagram title`).filter({ hasText: `unit ${unit}, example ${example + 1}` }).waitFor({ state: 'attached', timeout: 10_000 });
  };

  before(async () => {
    opened = await openFinishedPanel({ prefix: 'diagram' });
    ({ vs, web, expected } = opened);
    ({ press, waitPosition } = panelActions(vs, web));
  });

  after(async () => {
    await opened?.close();
  });

  it('forward t = 3: every node shows the engine’s value for unit 3 of example 2', async () => {
    await web.locator('#position').click();
    await press('F10');
    await press('F10');
    await waitPosition('Forward · t = 3 of 4');
    await choose(3, 1);
    const F = expected.forward;
    const [i, j, t] = [3, 1, 2];
    const want = {
      c_prev: F.c[i][j][t - 1],
      a_prev: F.a[i][j][t - 1],
      ft: F.ft[i][j][t],
      it: F.it[i][j][t],
      cct: F.cct[i][j][t],
      ot: F.ot[i][j][t],
      c_next: F.c[i][j][t],
      a_next: F.a[i][j][t],
    };
    const got = await nodeValues();
    for (const [name, v] of Object.entries(want)) assert.equal(Number(got[name]), v, `${name}[${i},${j}]`);
    assert.equal(got.xt, '', 'x has 3 rows: unit 3 has no x value');
    // The update ⊙ shows it·cct, the wire out of it carries the same number.
    assert.equal(Number(got['it·cct']), F.it[i][j][t] * F.cct[i][j][t]);
    const wire = await web.locator('#diagram g.wire[data-wire="it·cct"]').getAttribute('data-value');
    assert.equal(Number(wire), F.it[i][j][t] * F.cct[i][j][t]);
  });

  it('backward t = 3: the gradients on the nodes equal the engine’s', async () => {
    await press('F10');
    await press('F10');
    await press('F10');
    await waitPosition('Backward · t = 3 of 4');
    await choose(2, 4);
    const B = expected.backward;
    const [i, j, t] = [2, 4, 2];
    await web.locator('#diagram text.node-value[data-shows="dft"]').waitFor({ timeout: 10_000, state: 'attached' });
    const got = await nodeValues();
    for (const [name, arr] of [['da_next', B.da], ['dc_next', B.dc], ['dft', B.dft], ['dit', B.dit], ['dcct', B.dcct], ['dot', B.dot]])
      assert.equal(Number(got[name]), arr[i][j][t], `${name}[${i},${j}] at t = ${t}`);
  });

  it('a node is a button: Enter on dcct opens the dcct card', async () => {
    await web.locator('#diagram g[data-node="cct"]').focus();
    await press('Enter');
    const focused = await web.locator('body').evaluate(() => document.activeElement?.closest('[data-tensor]')?.getAttribute('data-tensor'));
    assert.equal(focused, 'dcct');
  });

  it('readable in light, dark and both high-contrast themes (screenshots)', async () => {
    for (const t of THEMES) {
      await vs.setTheme(t.id);
      await vs.page.waitForTimeout(800);
      await web.locator('#diagram').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await vs.page.waitForTimeout(200);
      await vs.screenshot(`diagram-${t.slug}`);
    }
  });
});
