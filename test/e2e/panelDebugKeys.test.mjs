// End-to-end: one key path per focus while a debug session runs on the panel's fixture. F10 with
// the focus in the Step RNN panel is the panel's (one step; the panel keeps the key from VS Code,
// so the debugger's own F10 does not also run) and the session follows the panel; F10 in the
// fixture's editor is the debugger's Step Over, and the panel follows the session. Each key moves
// both exactly one step (a second path would show as a second step).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, openPanel, startWorkbench, waitFor } from './harness.mjs';

const FIXTURE = 'lstm_coursera_backward.rnn.json';

describe('F10 in the panel and in the editor with a debug session of the same fixture', { timeout: 300_000 }, () => {
  let vs;
  let ws;
  let web;

  const topFrame = () => vs.page.locator('.debug-call-stack .monaco-list-row .stack-frame .label').first();
  const frameText = async () => ((await topFrame().textContent().catch(() => '')) ?? '').trim();
  const waitFrame = (name) => waitFor(async () => (await frameText()) === name, { timeoutMs: 30_000, what: `the Call Stack at ${name}` });
  const position = async () => ((await web.locator('#position').textContent()) ?? '').trim();
  const waitPosition = (text) => waitFor(async () => (await position()) === text, { timeoutMs: 30_000, what: `the panel at "${text}"` });
  /** Both sides still where they are after a while: no second step from a second key path. */
  const stays = async (frame, text) => {
    await vs.page.waitForTimeout(1500);
    assert.equal(await frameText(), frame, 'the session moved again');
    assert.equal(await position(), text, 'the panel moved again');
  };
  const editor = () => vs.page.locator('.monaco-editor .view-lines').first();

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'rnn-e2e-keys-'));
    copyFileSync(join(REPO, 'test/fixtures/lstm_coursera_backward.json'), join(ws, FIXTURE));
    vs = await startWorkbench({ workspace: ws, theme: 'Dark Modern', viewport: { width: 1400, height: 1000 } });
  });

  after(async () => {
    await vs?.close();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  it('F10 in the panel: one panel step, the session follows; F10 in the editor: one debugger step, the panel follows', async () => {
    try {
      web = await openPanel(vs, FIXTURE); // beside the fixture's editor
      await web.locator('body[data-run-finished="true"]').waitFor({ timeout: 60_000, state: 'attached' });
      // F5 in the fixture's editor starts an `rnn` session (no launch.json: the configuration provider).
      await editor().click();
      await vs.page.keyboard.press('F5');
      const picker = vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'RNN Stepper' }).first();
      const toolbar = vs.page.locator('.debug-toolbar');
      await Promise.race([toolbar.waitFor({ timeout: 60_000 }), picker.waitFor({ timeout: 60_000 }).then(() => picker.click())]);
      await toolbar.waitFor({ timeout: 60_000 });
      await vs.runCommand('View: Show Run and Debug');
      await waitFrame('lstm_forward t=1');
      await waitPosition('Forward · t = 1 of 4');

      // The focus in the panel: F10 is the panel's.
      await web.locator('#position').click();
      await vs.page.keyboard.press('F10');
      await waitPosition('Forward · t = 2 of 4');
      await waitFrame('lstm_forward t=2');
      await stays('lstm_forward t=2', 'Forward · t = 2 of 4');

      // The focus in the editor: F10 is the debugger's Step Over.
      await editor().click();
      await vs.page.keyboard.press('F10');
      await waitFrame('lstm_forward t=3');
      await waitPosition('Forward · t = 3 of 4');
      await stays('lstm_forward t=3', 'Forward · t = 3 of 4');

      // And back in the panel, Shift+F10 steps back once.
      await web.locator('#position').click();
      await vs.page.keyboard.press('Shift+F10');
      await waitPosition('Forward · t = 2 of 4');
      await waitFrame('lstm_forward t=2');
      await stays('lstm_forward t=2', 'Forward · t = 2 of 4');
    } catch (e) {
      console.error(await vs.failureReport('panel-debug-keys').catch((r) => `(no report: ${r})`));
      throw e;
    }
  });
});
