// End-to-end: the Step RNN panel in the real VS Code workbench (code-server) driven by Chromium,
// through the shared harness (dev folder or installed .vsix, per RNN_E2E_MODE). Opens a fixture,
// runs "Step RNN" from the palette, steps with keys and buttons, reads the values the panel shows
// (table view: td[data-value] is the full float64) against `rnn-stepper run`, hits a breakpoint
// with continue, exports through the panel's button, and takes screenshots in four themes.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, THEMES, cli, openPanel, screenshotPath, startWorkbench, waitFor } from './harness.mjs';

const FIXTURE = 'lstm_coursera_backward.rnn.json';

describe('Step RNN panel: stepping, values, breakpoints, export, themes', { timeout: 420_000 }, () => {
  let vs;
  let web;
  let ws;
  let fixture;
  let expected;

  const position = async () => (await web.locator('#position').textContent())?.trim();
  const waitPosition = async (text) => {
    try {
      await web.locator('#position').filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor({ timeout: 15_000 });
    } catch (e) {
      throw new Error(`position never became "${text}" (it is "${await position()}"): ${e.message}\n${await vs.failureReport('panel')}`);
    }
  };
  const press = (key) => vs.page.keyboard.press(key);
  /** Cells of a tensor's table; switches the table view on when needed. */
  const tableCells = async (name) => {
    if (!(await web.locator('body.table-view').count())) await web.locator('button[data-action="toggleTable"]').click();
    const sel = `[data-tensor="${name}"] td[data-row]`;
    await web.locator(sel).first().waitFor({ timeout: 10_000 });
    return web.locator(sel).evaluateAll((tds) =>
      tds.map((td) => ({
        row: Number(td.getAttribute('data-row')),
        col: Number(td.getAttribute('data-col')),
        value: td.getAttribute('data-value') ?? '',
        title: td.getAttribute('title') ?? '',
      })),
    );
  };

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'rnn-e2e-panel-'));
    fixture = join(ws, FIXTURE);
    copyFileSync(join(REPO, 'test/fixtures/lstm_coursera_backward.json'), fixture);
    // The engine's numbers, from the CLI: what the panel must show.
    expected = JSON.parse(cli(['run', fixture]));
    vs = await startWorkbench({ workspace: ws, theme: 'Light Modern' });
  });

  after(async () => {
    await vs?.close();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  it('Step RNN opens the panel on the first forward step', async () => {
    web = await openPanel(vs, FIXTURE);
    assert.equal(await position(), 'Forward · t = 1 of 4');
    await web.locator('body[data-run-finished="true"]').waitFor({ timeout: 60_000, state: 'attached' });
    await web.locator('#position').click(); // keyboard focus into the panel
  });

  it('steps forward three times and back once; the values shown equal the engine', async () => {
    await web.locator('button[data-action="stepForward"]').click(); // t = 2, by mouse
    await press('F10'); // t = 3
    await press('F10'); // t = 4
    await press('Shift+F10'); // back to t = 3
    await waitPosition('Forward · t = 3 of 4');
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
      const cells = await tableCells(name);
      const rows = name === 'yt_pred' ? expected.dims.n_y : expected.dims.n_a;
      assert.equal(cells.length, rows * expected.dims.m, `${name}: cell count`);
      // data-value is the full float64: it must be the engine's number exactly.
      for (const c of cells) assert.equal(Number(c.value), want(c.row, c.col), `${name}[${c.row}, ${c.col}]`);
      assert.ok(cells.every((c) => c.title.endsWith(c.value)), `${name}: hover text shows the full value`);
    }
  });

  it('the backward pass counts down from T and shows the engine gradients', async () => {
    await press('F10'); // forward t = 4
    await press('F10'); // backward t = 4
    await waitPosition('Backward · t = 4 of 4');
    await press('F10');
    await waitPosition('Backward · t = 3 of 4');
    const B = expected.backward;
    for (const [name, arr] of [['da_next', B.da], ['dc_next', B.dc], ['dft', B.dft], ['dit', B.dit], ['dcct', B.dcct], ['dot', B.dot]]) {
      const cells = await tableCells(name);
      assert.equal(cells.length, expected.dims.n_a * expected.dims.m, `${name}: cell count`);
      for (const c of cells) assert.equal(Number(c.value), arr[c.row][c.col][2], `${name}[${c.row}, ${c.col}] at t = 2`);
    }
  });

  /** Where the keyboard focus is inside the panel: `win:<tensor>`, `#id`, or the tag name. */
  const focused = () =>
    web.locator('body').evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return 'body';
      const win = el.closest('[data-window]');
      if (win && el.tagName === 'CANVAS') return `win:${win.getAttribute('data-window')}`;
      return el.id ? `#${el.id}` : el.tagName.toLowerCase();
    });
  /** Press Tab from the position line until `want` has the focus; returns the stops passed on the way. */
  const tabTo = async (want) => {
    await web.locator('#position').click();
    const stops = [];
    for (let k = 0; k < 120; k++) {
      await press('Tab');
      const f = await focused();
      stops.push(f);
      if (f === want) return stops;
    }
    throw new Error(`Tab never reached ${want}: ${stops.join(' ')}`);
  };
  const readout = async () => (await web.locator('#readout').textContent())?.trim();
  const waitReadout = async (text) => {
    try {
      await waitFor(async () => (await readout()) === text, { timeoutMs: 10_000, what: `readout "${text}"` });
    } catch (e) {
      throw new Error(`readout never became "${text}" (it is "${await readout()}"): ${e.message}`);
    }
    // The same text in the tooltip next to the cell.
    assert.equal((await web.locator('#tooltip').textContent())?.trim(), text, 'tooltip shows the readout');
    assert.ok(await web.locator('#tooltip').isVisible(), 'tooltip visible');
  };

  it('a units × time heatmap is usable by keyboard: Tab in, arrows read exact values, Enter goes to the step', async () => {
    await waitPosition('Backward · t = 3 of 4');
    if (await web.locator('body.table-view').count()) await web.locator('button[data-action="toggleTable"]').click();
    const stops = await tabTo('win:a');
    // One tab stop per plot: the norm plot, then each across-time view in turn (the gradient
    // check's controls, between them in the page, are not plots).
    const plots = stops.filter((s) => s === '#normsPlot' || s.startsWith('win:'));
    assert.deepEqual(plots.slice(-4), ['#normsPlot', 'win:da', 'win:dc', 'win:a'], `tab order: ${stops.join(' ')}`);
    const ex = Number(await web.locator('#batch').inputValue());
    const A = expected.forward.a; // [unit][example][t]
    // Tab in: the cell cursor starts at the debugger's step (t = 3), unit 0.
    await waitReadout(`a unit 0, t = 3, example ${ex + 1}: ${A[0][ex][2]}`);
    assert.ok(await web.locator('[data-window="a"] .mark-focus').isVisible(), 'a visible cell cursor');
    await press('ArrowDown');
    await press('ArrowLeft');
    const want = A[1][ex][1];
    await waitReadout(`a unit 1, t = 2, example ${ex + 1}: ${want}`);
    // The exact float64 the engine computed, not a rounding of it.
    assert.equal(Number((await readout()).split(': ').pop()), want);
    assert.equal(await position(), 'Backward · t = 3 of 4', 'plain arrows are the plot’s, not the panel’s');
    await press('End');
    await waitReadout(`a unit 1, t = 4, example ${ex + 1}: ${A[1][ex][3]}`);
    await press('Home');
    await waitReadout(`a unit 1, t = 1, example ${ex + 1}: ${A[1][ex][0]}`);
    await press('PageDown'); // T = 4: two steps
    await waitReadout(`a unit 1, t = 3, example ${ex + 1}: ${A[1][ex][2]}`);
    await press('ArrowLeft');
    assert.equal(await position(), 'Backward · t = 3 of 4', 'Home/End/PageDown stayed in the plot');
    await press('Enter');
    await waitPosition('Forward · t = 2 of 4');
    assert.equal(await focused(), 'win:a', 'the focus stays on the view after the jump');
    // The panel's stepping keys still work from there.
    await press('F10');
    await waitPosition('Forward · t = 3 of 4');
    await press('Space');
    await waitPosition('Forward · t = 2 of 4');
  });

  it('the gradient-norm plot is usable by keyboard: ←/→ read ‖da⟨t⟩‖ and ‖dc⟨t⟩‖ exactly, Enter goes to the step', async () => {
    await press('Tab'); // leave the heatmap
    await web.locator('#position').click();
    await press('End'); // totals: the norm plot is shown outside the forward pass
    await waitPosition('Totals');
    await tabTo('#normsPlot');
    const B = expected.backward;
    const { n_a, m } = expected.dims;
    const norm = (arr, t) => {
      let s = 0;
      for (let i = 0; i < n_a; i++) for (let j = 0; j < m; j++) s += arr[i][j][t] * arr[i][j][t];
      return Math.sqrt(s);
    };
    const text = (t) => `‖da⟨t⟩‖ at t = ${t + 1}: ${norm(B.da, t)} · ‖dc⟨t⟩‖: ${norm(B.dc, t)}`;
    await press('End');
    await waitReadout(text(3));
    assert.ok(await web.locator('#norms .mark-focus').isVisible(), 'a visible step cursor on the plot');
    await press('ArrowLeft');
    await waitReadout(text(2));
    await vs.screenshot(`panel-${mode()}-focus-norms`);
    const da = Number((await readout()).split(' · ')[0].split(': ').pop());
    assert.equal(da, norm(B.da, 2), '‖da⟨t⟩‖ is the norm of the exported da at t = 3');
    assert.equal(await position(), 'Totals');
    await press('Enter');
    await waitPosition('Backward · t = 3 of 4');
    assert.equal(await focused(), '#normsPlot');
  });

  it('the focused time heatmap in light, dark and high-contrast themes (screenshots)', async () => {
    const bodyClass = { vs: 'vscode-light', 'vs-dark': 'vscode-dark', 'hc-black': 'vscode-high-contrast', 'hc-light': 'vscode-high-contrast-light' };
    try {
      for (const t of THEMES) {
        await vs.setTheme(t.id);
        await web.locator(`body.${bodyClass[t.kind]}`).waitFor({ timeout: 20_000, state: 'attached' });
        await tabTo('win:a');
        await press('ArrowDown');
        await web.locator('[data-window="a"] .mark-focus').waitFor({ state: 'visible', timeout: 10_000 });
        // The mark is drawn in the theme's focus colour, and the canvas has a focus outline.
        const look = await web.locator('[data-window="a"]').evaluate((el) => {
          const mark = getComputedStyle(el.querySelector('.mark-focus'));
          const canvas = getComputedStyle(el.querySelector('canvas.win'));
          return { border: mark.borderTopStyle, width: parseFloat(mark.borderTopWidth), outline: canvas.outlineStyle };
        });
        assert.equal(look.border, 'solid', `${t.label}: cell cursor border`);
        assert.ok(look.width >= 2, `${t.label}: cell cursor border width`);
        assert.notEqual(look.outline, 'none', `${t.label}: focus outline on the heatmap`);
        await vs.page.waitForTimeout(300);
        await vs.screenshot(`panel-${mode()}-focus-${t.slug}`);
        // A close-up of the focused view and its tooltip (page coordinates: the tooltip lies outside the view's box).
        const box = await web.locator('[data-window="a"]').boundingBox();
        if (box)
          await vs.page.screenshot({
            path: screenshotPath(`panel-${mode()}-focus-${t.slug}-time`),
            clip: { x: Math.max(0, box.x - 8), y: Math.max(0, box.y - 8), width: 520, height: box.height + 60 },
          });
      }
    } finally {
      await vs.setTheme('Light Modern');
    }
    await web.locator('#position').click();
  });

  it('continue stops at a breakpoint, then runs on to the totals', async () => {
    await press('F9'); // breakpoint on "Backward · t = 3 of 4"
    // The host's timeline owns the breakpoints: the button shows one once the host's `breakpoints`
    // message is back (a round trip), so wait for it rather than read it at once.
    const pressed = () => web.locator('button[data-action="toggleBreakpoint"]').getAttribute('aria-pressed');
    await waitFor(async () => (await pressed()) === 'true', { timeoutMs: 10_000, what: 'the breakpoint button pressed' });
    await web.locator('button[data-action="restart"]').click();
    await waitPosition('Forward · t = 1 of 4');
    await press('F5');
    await waitPosition('Backward · t = 3 of 4');
    await press('F5');
    await waitPosition('Totals');
    for (const c of await tableCells('da0')) assert.equal(Number(c.value), expected.gradients.da0[c.row][c.col], `da0[${c.row}, ${c.col}]`);
    for (const c of await tableCells('dWf')) assert.equal(Number(c.value), expected.gradients.dWf[c.row][c.col], `dWf[${c.row}, ${c.col}]`);
    await press('Shift+F5');
    await waitPosition('Backward · t = 3 of 4');
  });

  it('exports the caches through the panel button, identical to `rnn-stepper run`', async () => {
    const out = join(ws, 'lstm_coursera_backward.rnn.caches.json');
    await web.locator('button[data-action="export"]').click();
    // VS Code's simple save dialog: a quick input holding a path. It fills in its default (the
    // same path here) asynchronously, so type ours until it sticks, then accept.
    const input = vs.page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await waitFor(
      async () => {
        if ((await input.inputValue()) !== out) await input.fill(out);
        await vs.page.waitForTimeout(300);
        return (await input.inputValue()) === out;
      },
      { timeoutMs: 15_000, what: 'our path in the save dialog' },
    ).catch(async (e) => {
      throw new Error(`${e.message}\n${await vs.failureReport('panel-export')}`);
    });
    await vs.page.keyboard.press('Enter');
    await waitFor(() => existsSync(out), { timeoutMs: 30_000, what: out });
    await waitFor(() => readFileSync(out, 'utf8') === cli(['run', fixture]), { timeoutMs: 10_000, what: 'the export to equal the CLI output' });
  });

  it('the keyboard help is a modal: ? opens it, Tab stays inside, Escape closes it', async () => {
    await web.locator('#position').click();
    await press('?');
    await web.locator('#help:not([hidden])').waitFor({ timeout: 10_000 });
    try {
      for (let i = 1; i <= 3; i++) {
        await press('Tab');
        assert.ok(await web.locator('#help').evaluate((el) => el.contains(document.activeElement)), `focus inside the help after ${i} Tab`);
      }
      await press('Shift+Tab');
      assert.ok(await web.locator('#help').evaluate((el) => el.contains(document.activeElement)), 'focus inside the help after Shift+Tab');
    } finally {
      await web.locator('#help button[data-action="closeHelp"]').focus().catch(() => {});
      await press('Escape');
    }
    await web.locator('#help[hidden]').waitFor({ state: 'attached', timeout: 10_000 });
  });

  it('looks right in light, dark and both high-contrast themes (screenshots)', async () => {
    if (await web.locator('body.table-view').count()) await web.locator('button[data-action="toggleTable"]').click();
    const bodyClass = { vs: 'vscode-light', 'vs-dark': 'vscode-dark', 'hc-black': 'vscode-high-contrast', 'hc-light': 'vscode-high-contrast-light' };
    for (const t of THEMES) {
      await vs.setTheme(t.id);
      await web.locator(`body.${bodyClass[t.kind]}`).waitFor({ timeout: 20_000, state: 'attached' });
      await vs.page.waitForTimeout(300);
      await vs.screenshot(`panel-${mode()}-${t.slug}`);
      // The heatmaps repainted with the theme's own colours (read from its CSS variables).
      const bg = await web.locator('[data-tensor="da_next"] canvas.hm').evaluate((c) => {
        const d = /** @type {HTMLCanvasElement} */ (c).getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let opaque = 0;
        for (let k = 3; k < d.length; k += 4) if (d[k] === 255) opaque++;
        return { opaque, px: d.length / 4 };
      });
      assert.equal(bg.opaque, bg.px, `${t.label}: every heatmap cell painted`);
    }
  });

  it('stays usable at a narrow panel width (~350 px): no sideways scrolling, position in sight', async () => {
    await vs.setTheme('Dark Modern');
    await vs.page.setViewportSize({ width: 760, height: 900 });
    try {
      await vs.page.waitForTimeout(800);
      const m = await web.locator('body').evaluate(() => ({
        width: document.documentElement.clientWidth,
        scroll: document.documentElement.scrollWidth,
        position: document.getElementById('position')?.getBoundingClientRect().toJSON(),
      }));
      await vs.screenshot(`panel-${mode()}-narrow`);
      assert.ok(m.width < 420, `the panel is narrow (${m.width}px)`);
      assert.ok(m.scroll <= m.width + 1, `no horizontal overflow (${m.scroll} > ${m.width})`);
      assert.ok(m.position && m.position.right <= m.width && m.position.width > 0, 'the position line is fully visible');
      await press('F10');
      await waitPosition('Backward · t = 2 of 4');
    } finally {
      await vs.page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  it('the table view pages through a tensor bigger than one page (mouse and arrow keys), values equal the engine', async () => {
    // a⟨t⟩ of 150 units × 30 examples = 4500 cells: two pages of 136 rows and 14 rows
    const name = 'paged.rnn.json';
    cli(['new', '--kind', 'rnn', '--n-x', '4', '--n-a', '150', '--n-y', '3', '-m', '30', '-T', '2', '--seed', '3', '-o', join(ws, name)]);
    const want = JSON.parse(cli(['run', join(ws, name)]));
    await vs.runCommand('View: Close All Editors');
    web = await openPanel(vs, name);
    try {
      await web.locator('#position').click();
      if (!(await web.locator('body.table-view').count())) await web.locator('button[data-action="toggleTable"]').click();
      const card = web.locator('[data-tensor="a_next"]');
      const pager = card.locator('.table-pager');
      await pager.waitFor({ timeout: 10_000 });
      assert.match(await pager.textContent(), /Rows 0–135 of 150/);
      assert.equal(await card.locator('td[data-row]').count(), 136 * 30);
      assert.equal(await card.locator('button[data-page="prev"]').isDisabled(), true);
      const a = (i, j) => want.forward.a[i][j][0]; // a⟨t=0⟩, NumPy layout (n_a, m, T_x)
      assert.equal(Number(await card.locator('td[data-row="135"][data-col="7"]').getAttribute('data-value')), a(135, 7));
      // mouse: the next page
      await card.locator('button[data-page="next"]').click();
      await pager.filter({ hasText: /Rows 136–149 of 150/ }).waitFor({ timeout: 5_000 });
      assert.equal(await card.locator('td[data-row]').count(), 14 * 30);
      await card.scrollIntoViewIfNeeded();
      await vs.screenshot(`panel-${mode()}-table-pager`);
      assert.equal(Number(await card.locator('td[data-row="149"][data-col="29"]').getAttribute('data-value')), a(149, 29));
      // keyboard: ArrowUp from the page's first row goes to the previous page, same column
      await card.locator('td[data-row="136"][data-col="4"]').focus();
      await vs.page.keyboard.press('ArrowUp');
      await pager.filter({ hasText: /Rows 0–135 of 150/ }).waitFor({ timeout: 5_000 });
      const focused = await card.evaluate(() => {
        const td = document.activeElement;
        return td?.tagName === 'TD' ? [td.getAttribute('data-row'), td.getAttribute('data-col'), td.getAttribute('data-value')] : null;
      });
      assert.deepEqual(focused?.slice(0, 2), ['135', '4']);
      assert.equal(Number(focused[2]), a(135, 4));
      assert.match((await web.locator('#readout').textContent()) ?? '', /a_next\[135, 4\]/);
    } finally {
      await web.locator('button[data-action="toggleTable"]').click().catch(() => {});
    }
  });

  it('what a screen reader gets: every control and focusable view has a name, the position is a live status', async () => {
    // Chromium's accessibility tree of the panel (what screen readers read), as Playwright's
    // ARIA snapshot: a role listed without a "name" is a control a screen reader cannot announce.
    const snap = await web.locator('body').ariaSnapshot();
    const unnamed = snap.split('\n').filter((l) => /^\s*- (button|slider|checkbox|switch|combobox|textbox|spinbutton|link|menuitem|tab|img)\b(?! ")/.test(l));
    assert.deepEqual(unnamed, [], `controls without an accessible name:\n${unnamed.join('\n')}\n--- snapshot ---\n${snap.slice(0, 3000)}`);
    assert.match(snap, /- toolbar "Stepping controls"/);
    for (const name of ['Step forward', 'Step back', 'Continue', 'Restart']) {
      assert.ok((await web.getByRole('button', { name: new RegExp(`^${name}`, 'i') }).count()) >= 1, `a "${name}" button by role and name`);
    }
    // Everything Tab reaches has a name too (canvases included: they are announced by aria-label).
    const stops = await web.locator('body').evaluate(() =>
      [...document.querySelectorAll('button, [tabindex="0"], input, select, a[href]')]
        .filter((e) => e.getClientRects().length > 0 && !e.closest('[hidden]'))
        .map((e) => ({
          tag: e.tagName.toLowerCase(), id: e.id, cls: e.className,
          name: (e.getAttribute('aria-label') || (e.getAttribute('aria-labelledby') ? document.getElementById(e.getAttribute('aria-labelledby'))?.textContent : '') || e.textContent || e.getAttribute('title') || '').trim(),
        })),
    );
    assert.ok(stops.length > 10, `the panel has many tab stops (${stops.length})`);
    const nameless = stops.filter((s) => !s.name);
    assert.deepEqual(nameless, [], 'every tab stop has an accessible name');
    assert.equal(await web.locator('#position').getAttribute('aria-live'), 'polite');
    assert.match(await web.locator('#readout').getAttribute('aria-live'), /polite|assertive/);
  });
});

const mode = () => process.env.RNN_E2E_MODE ?? 'dev';
