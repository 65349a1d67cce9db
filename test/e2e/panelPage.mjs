// What the panel end-to-end tests that read numbers share: a workspace with one test fixture,
// the workbench on it with the Step RNN panel open and its run finished, `rnn-stepper run`'s output
// for the same file (the values the panel must show), and the page actions they use on the panel.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, cli, openPanel, startWorkbench } from './harness.mjs';

/**
 * Open the panel on a copy of `test/fixtures/<source>` named `fileName` in a fresh workspace.
 * Returns { vs, web, ws, file, expected, close }; `close` stops the workbench and removes the
 * workspace, and is safe to call after a failed start.
 */
export async function openFinishedPanel({ prefix, source = 'lstm_coursera_backward.json', fileName = 'lstm_coursera_backward.rnn.json', theme = 'Dark Modern' }) {
  const ws = mkdtempSync(join(tmpdir(), `rnn-e2e-${prefix}-`));
  const opened = { vs: undefined, web: undefined, ws, file: join(ws, fileName), expected: undefined };
  opened.close = async () => {
    await opened.vs?.close();
    rmSync(ws, { recursive: true, force: true });
  };
  copyFileSync(join(REPO, 'test/fixtures', source), opened.file);
  opened.expected = JSON.parse(cli(['run', opened.file]));
  opened.vs = await startWorkbench({ workspace: ws, theme });
  opened.web = await openPanel(opened.vs, fileName);
  await opened.web.locator('body[data-run-finished="true"]').waitFor({ timeout: 60_000, state: 'attached' });
  return opened;
}

/** The page actions on an open panel. */
export function panelActions(vs, web) {
  return {
    press: (key) => vs.page.keyboard.press(key),
    /** Wait for the position line to read `text` (e.g. 'Forward · t = 3 of 4'). */
    waitPosition: (text) => web.locator('#position').filter({ hasText: text }).waitFor({ timeout: 15_000 }),
    /** Click cell (i, j) of a tensor's heatmap (cells are cols × rows over the canvas's CSS box). */
    clickCell: async (name, i, j, rows, cols) => {
      const canvas = web.locator(`[data-tensor="${name}"] canvas.hm`);
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      assert.ok(box, `${name} heatmap on screen`);
      await canvas.click({ position: { x: ((j + 0.5) * (box.width - 2)) / cols + 1, y: ((i + 0.5) * (box.height - 2)) / rows + 1 } });
    },
    /** The lines of a tensor card's open equation (the expansion of its selected element). */
    explainText: async (name) => {
      const el = web.locator(`[data-tensor="${name}"] .explain:not([hidden])`);
      await el.waitFor({ timeout: 10_000 });
      return (await el.locator('div').allTextContents()).map((s) => s.trim());
    },
  };
}
