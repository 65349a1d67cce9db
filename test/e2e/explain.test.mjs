// End-to-end: an element selected in a heatmap shows its equation with the numbers in it
// (src/session/explain.ts through the panel), read against `rnn-stepper run`: c_next's four
// factors and its value on a forward step, dcct (dC·it·(1 − cct²)) on a backward step with the
// NumPy index the position line's t = 3 stands for. Screenshot of the expansion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openFinishedPanel, panelActions } from './panelPage.mjs';

/** As src/session/explain.ts `num` prints: four significant digits, a real minus sign. */
const num = (v) => String(Number(v.toPrecision(4))).replace(/-/g, '−');

describe('Step RNN panel: equations with the numbers', { timeout: 300_000 }, () => {
  let opened;
  let vs;
  let web;
  let expected;
  let press;
  let waitPosition;
  let clickCell;
  let explainText;

  before(async () => {
    opened = await openFinishedPanel({ prefix: 'explain' });
    ({ vs, web, expected } = opened);
    ({ press, waitPosition, clickCell, explainText } = panelActions(vs, web));
  });

  after(async () => {
    await opened?.close();
  });

  it('c_next[3,1] on forward t = 3: ft·c_prev + it·cct with the engine’s numbers', async () => {
    await web.locator('#position').click();
    await press('F10');
    await press('F10');
    await waitPosition('Forward · t = 3 of 4');
    const { n_a, m } = expected.dims;
    await clickCell('c_next', 3, 1, n_a, m);
    const F = expected.forward;
    const t = 2;
    const lines = await explainText('c_next');
    assert.equal(lines[0], 'c_next[3,1] = ft[3,1]·c_prev[3,1] + it[3,1]·cct[3,1]');
    const [ft, cp, it, cct, c] = [F.ft[3][1][t], F.c[3][1][t - 1], F.it[3][1][t], F.cct[3][1][t], F.c[3][1][t]];
    assert.equal(lines[1], `= ${num(ft)}·${num(cp)} + ${num(it)}·${num(cct)} = ${num(c)}`);
    await vs.screenshot('explain-forward-c_next');
  });

  it('dcct[2,4] on backward t = 3 (index 2): dC·it·(1 − cct²) equals the engine’s dcct', async () => {
    await press('F10'); // forward t = 4
    await press('F10'); // backward t = 4
    await press('F10'); // backward t = 3
    await waitPosition('Backward · t = 3 of 4');
    const eq = (await web.locator('[data-tensor="da_next"] .eq').textContent()) ?? '';
    assert.match(eq, /da\[:, :, 2\]/, 'the equation names the NumPy index of t = 3');
    const { n_a, m } = expected.dims;
    await clickCell('dcct', 2, 4, n_a, m);
    const lines = await explainText('dcct');
    assert.equal(lines[0], 'dcct[2,4] = dC·it·(1 − cct²)');
    const want = expected.backward.dcct[2][4][2];
    assert.ok(lines[1].endsWith(`= ${num(want)}`), `${lines[1]} ends with ${num(want)}`);
    await vs.screenshot('explain-backward-dcct');
  });
});
