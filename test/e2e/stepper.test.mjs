// End to end in a real browser against the real workbench (code-server) and the real webview:
// open an example fixture, run "RNN: Step RNN" from the command palette, read numbers from the
// panel's table view and compare them with the engine's own output (`rnn-stepper run`), export
// through the panel's button and VS Code's save dialog, and take screenshots in four themes.
// Runs against the development folder (RNN_E2E_MODE=dev) or the installed .vsix (vsix).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { THEMES, cli, e2eMode, openPanel, startWorkbench, waitFor } from './harness.mjs';

const FIXTURE = 'rnn_small.rnn.json';
const mode = e2eMode();

describe(`RNN Stepper panel in the browser (${mode})`, () => {
  /** @type {Awaited<ReturnType<typeof startWorkbench>>} */
  let vs;
  let web;
  let caches;
  let cliText;

  before(async () => {
    vs = await startWorkbench({ mode, theme: 'Dark Modern' });
    console.log(`# workbench (${mode}) up in ${vs.startedInMs} ms`);
    cliText = cli(['run', join(vs.workspace, FIXTURE)]);
    caches = JSON.parse(cliText);
  });
  after(async () => {
    await vs?.close();
  });

  /** Run `fn`; on failure print what the user would have seen (screenshot + extension host log). */
  async function step(name, fn) {
    try {
      await fn();
    } catch (e) {
      console.error(`\n[e2e] ${name} FAILED (${mode}): ${e?.message ?? e}\n${vs ? await vs.failureReport(`e2e-${mode}-${name}`) : ''}`);
      throw e;
    }
  }

  /** The full float64s and the displayed text of one tensor's table, row by row (column j). */
  async function column(tensor, j) {
    const cells = web.locator(`[data-tensor="${tensor}"] table td[data-col="${j}"]`);
    await cells.first().waitFor();
    return cells.evaluateAll((tds) =>
      tds.map((td) => ({ row: Number(td.getAttribute('data-row')), value: td.getAttribute('data-value'), shown: (td.textContent ?? '').trim() })),
    );
  }

  /** Engine value a[i][j][t] (0-based t) from the CLI's forward caches. */
  const aAt = (i, j, t) => caches.forward.a[i][j][t];

  it('Step RNN from the palette opens the panel on the fixture', async () => {
    await step('open', async () => {
      web = await openPanel(vs, FIXTURE);
      assert.equal((await web.locator('#position').textContent())?.trim(), `Forward · t = 1 of ${caches.dims.T_x}`);
      assert.equal(await web.locator('#position').getAttribute('aria-live'), 'polite');
      await vs.screenshot(`e2e-${mode}-opened`);
    });
  });

  it('the table view shows the engine numbers, and stepping moves through time', async () => {
    await step('table', async () => {
      await web.locator('button[data-action="toggleTable"]').click();
      const n_a = caches.dims.n_a;
      const check = async (t) => {
        const cells = await column('a_next', 0);
        assert.equal(cells.length, n_a, `a_next has ${n_a} rows`);
        for (const c of cells) {
          const want = aAt(c.row, 0, t);
          // data-value is the full float64: bit-for-bit the engine's number.
          assert.equal(Number(c.value), want, `a_next[${c.row}][0] at t=${t + 1}: shown ${c.value}, engine ${want}`);
          // The displayed text is a rounding of it.
          const shown = Number(c.shown.replace('−', '-'));
          assert.ok(Number.isFinite(shown), `displayed text "${c.shown}" is a number`);
          assert.ok(Math.abs(shown - want) <= 1e-3 * Math.max(1, Math.abs(want)), `displayed ${c.shown} ≈ ${want}`);
        }
      };
      await check(0);
      await web.locator('button[data-action="stepForward"]').click();
      await web.locator('button[data-action="stepForward"]').click();
      await waitFor(async () => (await web.locator('#position').textContent())?.trim() === `Forward · t = 3 of ${caches.dims.T_x}`, {
        what: 'position t = 3',
      });
      await waitFor(async () => Number((await column('a_next', 0))[0].value) === aAt(0, 0, 2), { what: 'a_next of step 3 painted' });
      await check(2);
      // The hover/focus text carries the full value too.
      const cell = web.locator('[data-tensor="a_next"] table td[data-row="1"][data-col="0"]');
      const title = (await cell.getAttribute('title')) ?? (await cell.getAttribute('aria-label')) ?? '';
      assert.ok(title.includes(String(aAt(1, 0, 2))), `hover text "${title}" shows the full value ${aAt(1, 0, 2)}`);
      await vs.screenshot(`e2e-${mode}-table-t3`);
    });
  });

  it('export through the panel button and the save dialog writes the CLI output', async () => {
    await step('export', async () => {
      const target = join(vs.workspace, `exported-${mode}.caches.json`);
      await web.locator('button[data-action="export"]').click();
      await vs.answerSaveDialog(target);
      const text = await waitFor(() => existsSync(target) && readFileSync(target, 'utf8').length >= cliText.length && readFileSync(target, 'utf8'), {
        timeoutMs: 30_000,
        what: `${target} to be written`,
      });
      assert.ok(text === cliText, `exported file (${text.length} chars) equals \`rnn-stepper run\` (${cliText.length} chars)`);
    });
  });

  it('renders in light, dark and both high-contrast themes (screenshots)', async () => {
    await step('themes', async () => {
      const bodyClass = { vs: 'vscode-light', 'vs-dark': 'vscode-dark', 'hc-black': 'vscode-high-contrast', 'hc-light': 'vscode-high-contrast-light' };
      for (const t of THEMES) {
        await vs.setTheme(t.id);
        // The webview gets the theme's body class and re-reads its --vscode-* variables.
        await waitFor(async () => (await web.locator('body').getAttribute('class'))?.split(/\s+/).includes(bodyClass[t.kind]), {
          what: `webview body class ${bodyClass[t.kind]}`,
        });
        await web.locator('body[data-state="ready"]').waitFor();
        const p = await vs.screenshot(`e2e-${mode}-theme-${t.slug}`);
        assert.ok(existsSync(p));
      }
    });
  });
});
