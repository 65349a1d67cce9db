// End-to-end: VS Code's own debugger on a fixture, as a user drives it. With the fixture in the
// editor and no launch.json, F5 starts an `rnn` session (the configuration provider), the Call
// Stack shows `lstm_forward t=1`, two F10s reach forward t = 3, and the Variables view's a_next
// (its summary, then row 2 expanded to its exact values) reads the NumPy reference values
// (test/fixtures/lstm_coursera_backward.expected.json, `a[:, :, 2]`). Screenshot of the view.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, startWorkbench, waitFor } from './harness.mjs';

const FIXTURE = 'lstm_coursera_backward.rnn.json';
const expected = JSON.parse(readFileSync(join(REPO, 'test/fixtures/lstm_coursera_backward.expected.json'), 'utf8'));

describe('rnn debugger in the workbench: F5, F10, the Variables view', { timeout: 300_000 }, () => {
  let vs;
  let ws;

  /** The rows the Variables view shows now: name and value text. */
  const variableRows = () =>
    vs.page.locator('.debug-variables .monaco-list-row').evaluateAll((rows) =>
      rows.map((r) => ({
        name: (r.querySelector('.name')?.textContent ?? r.querySelector('.scope')?.textContent ?? '').replace(/\s*[:=]\s*$/, '').trim(),
        value: (r.querySelector('.value')?.textContent ?? '').trim(),
        expanded: r.getAttribute('aria-expanded'),
        index: Number(r.getAttribute('data-index')),
      })),
    );
  const row = (name) => vs.page.locator('.debug-variables .monaco-list-row', { has: vs.page.locator('.name', { hasText: new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}\\s*[:=]?$`) }) }).first();
  const topFrame = () => vs.page.locator('.debug-call-stack .monaco-list-row .stack-frame .label').first();
  const waitFrame = (name) =>
    waitFor(async () => ((await topFrame().textContent().catch(() => '')) ?? '').trim() === name, { timeoutMs: 30_000, what: `the Call Stack at ${name}` });

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'rnn-e2e-debug-'));
    copyFileSync(join(REPO, 'test/fixtures/lstm_coursera_backward.json'), join(ws, FIXTURE));
    // Tall, so the Variables view shows a step's tensors and an expanded row without scrolling.
    vs = await startWorkbench({ workspace: ws, theme: 'Dark Modern', viewport: { width: 1400, height: 1300 } });
  });

  after(async () => {
    await vs?.close();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  it('F5 on the fixture stops at lstm_forward t=1; F10 twice reaches t=3; a_next reads the reference values', async () => {
    try {
      await vs.openFile(FIXTURE);
      // The extension is active once its CodeLens is on the fixture.
      await vs.page.locator('.monaco-editor .codelens-decoration', { hasText: 'Step RNN' }).first().waitFor({ timeout: 60_000 });
      await vs.page.locator('.monaco-editor .view-lines').first().click();
      await vs.page.keyboard.press('F5');
      // Some VS Code versions ask which debugger to use for a JSON file: ours is the one offered.
      const picker = vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'RNN Stepper' }).first();
      const toolbar = vs.page.locator('.debug-toolbar');
      await Promise.race([
        toolbar.waitFor({ timeout: 60_000 }),
        picker.waitFor({ timeout: 60_000 }).then(() => picker.click()),
      ]);
      await toolbar.waitFor({ timeout: 60_000 });
      // The Run and Debug view (it opens by itself only on some setups).
      await vs.runCommand('View: Show Run and Debug');
      // Back to the editor, where F10 belongs to the debugger.
      await vs.page.locator('.monaco-editor .view-lines').first().click();
      await waitFrame('lstm_forward t=1');
      const stepScope = vs.page.locator('.debug-variables .monaco-list-row', { hasText: /^\s*Step\s*$/ }).first();
      await stepScope.waitFor({ timeout: 20_000 });
      if ((await stepScope.getAttribute('aria-expanded')) !== 'true') await stepScope.click();
      await waitFor(async () => (await variableRows()).some((r) => r.name === 'a_next'), { timeoutMs: 20_000, what: 'a_next in the Variables view' }).catch(async (e) => {
        const html = await vs.page.locator('.debug-variables .monaco-list-row').nth(3).evaluate((r) => r.outerHTML);
        throw new Error(`${e.message}; rows ${JSON.stringify(await variableRows())}; ${html}`);
      });
      let rows = await variableRows();
      assert.equal(rows.find((r) => r.name === 't')?.value, '1');

      await vs.page.locator('.monaco-editor .view-lines').first().click();
      for (const t of [2, 3]) {
        await vs.page.keyboard.press('F10');
        await waitFrame(`lstm_forward t=${t}`);
      }
      // Room for the Variables view: the other debug views folded.
      for (const title of ['Watch', 'Call Stack', 'Breakpoints']) {
        const header = vs.page.locator('.pane-header', { has: vs.page.locator('h3.title', { hasText: new RegExp(`^${title}$`) }) }).first();
        if ((await header.getAttribute('aria-expanded').catch(() => null)) === 'true') await header.click();
      }
      await waitFor(async () => (await variableRows()).find((r) => r.name === 't')?.value === '3', { timeoutMs: 20_000, what: 't = 3 in the Variables view' });
      rows = await variableRows();
      const aNext = rows.find((r) => r.name === 'a_next');
      assert.ok(aNext, `a_next among ${rows.map((r) => r.name)}`);
      // The summary: float64 (n_a, m) with the step's min and max (4 significant digits).
      const a3 = expected.a.map((r) => r.map((c) => c[2]));
      const flat = a3.flat();
      const short = (x) => String(Number(x.toPrecision(4)));
      assert.equal(aNext.value, `float64 (5, 10) min ${short(Math.min(...flat))} max ${short(Math.max(...flat))}`);

      // Expand a_next, then its row [1]: the exact values of a⟨3⟩[1, :].
      // (a click on the name shows the value's hover; the twistie expands)
      await row('a_next').locator('.monaco-tl-twistie').click();
      await row('[1]').waitFor({ timeout: 15_000 });
      await row('[1]').locator('.monaco-tl-twistie').click();
      await waitFor(async () => (await variableRows()).filter((r) => /^\[\d\]$/.test(r.name)).length >= 5 + 10, {
        timeoutMs: 15_000,
        what: "row [1]'s ten values",
      });
      rows = await variableRows();
      const r1 = rows.findIndex((r) => r.name === '[1]' && r.expanded === 'true');
      assert.ok(r1 >= 0, 'row [1] expanded');
      const cells = rows.slice(r1 + 1, r1 + 11);
      assert.deepEqual(cells.map((c) => c.name), Array.from({ length: 10 }, (_, j) => `[${j}]`));
      cells.forEach((c, j) => {
        const want = a3[1][j];
        assert.ok(Math.abs(Number(c.value) - want) <= 1e-12 * Math.max(1, Math.abs(want)), `a_next[1][${j}] = ${c.value}, NumPy ${want}`);
      });
      await vs.screenshot('debug-variables-f10');
    } catch (e) {
      console.error(`\n[e2e] debug: ${e?.message ?? e}\n${await vs.failureReport('debug')}`);
      throw e;
    }
  });

  it('hovering a parameter name in the fixture shows its value', async () => {
    try {
      const text = readFileSync(join(ws, FIXTURE), 'utf8');
      const at = text.indexOf('"Wf"');
      assert.ok(at >= 0 && !text.slice(0, at).includes('\n'), 'Wf on the first line');
      // Bring the key into view, then hover it as a user would.
      await vs.runCommand('Go to Line/Column...');
      await vs.page.locator('.quick-input-widget input.input').fill(`:1:${at + 2}`);
      await vs.page.keyboard.press('Enter');
      const key = vs.page.locator('.monaco-editor .view-lines span span', { hasText: /^"Wf"$/ }).first();
      await key.waitFor({ timeout: 15_000 });
      const hover = vs.page.locator('.monaco-hover', { hasText: /Wf = float64 \(5, 8\) min/ });
      await waitFor(
        async () => {
          await vs.page.mouse.move(0, 0);
          await key.hover();
          return hover.first().waitFor({ timeout: 4000 }).then(() => true, () => false);
        },
        { timeoutMs: 30_000, intervalMs: 500, what: "the hover on Wf reading 'Wf = float64 (5, 8) min …'" },
      );
      await vs.screenshot('debug-hover-wf');
    } catch (e) {
      console.error(`\n[e2e] debug hover: ${e?.message ?? e}\n${await vs.failureReport('debug-hover')}`);
      throw e;
    }
  });
});
