// End-to-end: the Step RNN panel in the real VS Code workbench (code-server) driven by Chromium.
// Opens a fixture, runs "Step RNN" from the palette, steps with keys and buttons, reads the values
// the panel shows (table view: td[data-value] is the full float64) against `rnn-stepper run`,
// hits a breakpoint with continue, exports through the panel's button, and takes screenshots in
// the dark, light and high-contrast themes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, openSession } from './panel-driver.mjs';

const FIXTURE = 'lstm_coursera_backward.rnn.json';

describe('Step RNN panel (end to end, code-server + Chromium)', { timeout: 420_000 }, () => {
  /** @type {Awaited<ReturnType<typeof openSession>>} */
  let s;
  let ws;
  let fixture;
  let expected;

  before(async () => {
    if (!existsSync(join(REPO, 'dist/webview.js')) || !existsSync(join(REPO, 'dist/cli.js')))
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
    ws = mkdtempSync(join(tmpdir(), 'rnn-e2e-ws-'));
    fixture = join(ws, FIXTURE);
    copyFileSync(join(REPO, 'test/fixtures/lstm_coursera_backward.json'), fixture);
    // The engine's numbers, from the CLI: what the panel must show.
    expected = JSON.parse(execFileSync(process.execPath, [join(REPO, 'dist/cli.js'), 'run', fixture], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    s = await openSession(ws);
  });

  after(async () => {
    await s?.close();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  it('Step RNN opens the panel on the first forward step', async () => {
    await s.stepRnn(fixture);
    assert.equal(await s.position(), 'Forward · t = 1 of 4');
    await s.waitRunFinished();
    // The panel's tab carries the contract's title.
    await s.page.locator('.tabs-container .tab', { hasText: 'RNN: lstm_coursera_backward.rnn.json' }).first().waitFor({ timeout: 10_000 });
  });

  it('steps forward three times and back once; the values shown equal the engine', async () => {
    const f = s.frame();
    await f.locator('button[data-action="stepForward"]').click(); // t = 2, by mouse
    await s.key('F10'); // t = 3
    await s.key('F10'); // t = 4
    await s.key('Shift+F10'); // back to t = 3
    await s.waitPosition('Forward · t = 3 of 4');
    const t = 2; // 0-based
    const F = expected.forward;
    const checks = {
      a_next: (i, j) => F.a[i][j][t],
      a_prev: (i, j) => F.a[i][j][t - 1],
      c_next: (i, j) => F.c[i][j][t],
      c_prev: (i, j) => F.c[i][j][t - 1],
      ft: (i, j) => F.ft[i][j][t],
      it: (i, j) => F.it[i][j][t],
      cct: (i, j) => F.cct[i][j][t],
      ot: (i, j) => F.ot[i][j][t],
      yt_pred: (i, j) => F.y_pred[i][j][t],
    };
    for (const [name, want] of Object.entries(checks)) {
      const cells = await s.tableCells(name);
      const rows = name === 'yt_pred' ? expected.dims.n_y : expected.dims.n_a;
      assert.equal(cells.length, rows * expected.dims.m, `${name}: cell count`);
      for (const c of cells) assert.equal(Number(c.value), want(c.row, c.col), `${name}[${c.row}, ${c.col}]`);
      // The full float64 is what data-value holds; the text is a shorter form of the same number.
      assert.ok(cells.every((c) => c.title.endsWith(c.value)));
    }
  });

  it('the backward pass shows da_next and dc_next of the engine, counting down from T', async () => {
    await s.key('F10'); // forward t = 4
    await s.key('F10'); // backward t = 4
    await s.waitPosition('Backward · t = 4 of 4');
    await s.key('F10');
    await s.waitPosition('Backward · t = 3 of 4');
    const B = expected.backward;
    for (const [name, arr] of [['da_next', B.da], ['dc_next', B.dc], ['dft', B.dft], ['dot', B.dot]]) {
      const cells = await s.tableCells(name);
      assert.equal(cells.length, expected.dims.n_a * expected.dims.m, `${name}: cell count`);
      for (const c of cells) assert.equal(Number(c.value), arr[c.row][c.col][2], `${name}[${c.row}, ${c.col}] at t=2`);
    }
  });

  it('continue stops at a breakpoint, then runs to the totals', async () => {
    await s.key('F9'); // breakpoint on backward t = 3 of 4
    assert.equal(await s.frame().locator('button[data-action="toggleBreakpoint"]').getAttribute('aria-pressed'), 'true');
    await s.frame().locator('button[data-action="restart"]').click();
    await s.waitPosition('Forward · t = 1 of 4');
    await s.key('F5');
    await s.waitPosition('Backward · t = 3 of 4');
    await s.key('F5');
    await s.waitPosition('Totals');
    const cells = await s.tableCells('da0');
    for (const c of cells) assert.equal(Number(c.value), expected.gradients.da0[c.row][c.col], `da0[${c.row}, ${c.col}]`);
    await s.key('Shift+F5');
    await s.waitPosition('Backward · t = 3 of 4');
  });

  it('exports the caches through the panel button, identical to `rnn-stepper run`', async () => {
    const out = join(ws, 'lstm_coursera_backward.rnn.caches.json');
    await s.frame().locator('button[data-action="export"]').click();
    await s.acceptSaveDialog(out);
    await s.waitForFile(out);
    const want = execFileSync(process.execPath, [join(REPO, 'dist/cli.js'), 'run', fixture], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(readFileSync(out, 'utf8'), want);
  });

  it('screenshots in the dark, light and both high-contrast themes', async () => {
    for (const [theme, cls] of [
      ['Dark Modern', 'vscode-dark'],
      ['Light Modern', 'vscode-light'],
      ['Dark High Contrast', 'vscode-high-contrast'],
      ['Light High Contrast', 'vscode-high-contrast-light'],
    ]) {
      await s.setTheme(theme);
      await s.frame().locator(`body.${cls}`).waitFor({ timeout: 15_000, state: 'attached' });
      if (await s.frame().locator('body.table-view').count()) await s.frame().locator('button[data-action="toggleTable"]').click();
      await s.page.waitForTimeout(400);
      const path = await s.screenshot(`panel-${cls}`);
      assert.ok(existsSync(path));
      // The heatmaps repaint with the theme's colours: the first canvas is not blank.
      const painted = await s.frame().locator('[data-tensor] canvas.hm').first().evaluate((c) => {
        const ctx = /** @type {HTMLCanvasElement} */ (c).getContext('2d');
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let opaque = 0;
        for (let k = 3; k < d.length; k += 4) if (d[k] === 255) opaque++;
        return opaque;
      });
      assert.ok(painted > 0, `${theme}: heatmap painted`);
    }
  });
});
