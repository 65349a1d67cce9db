// Drives the Step RNN panel inside code-server for the panel end-to-end test and the UI benchmark:
// start the real workbench with this extension in development mode, open a fixture, run Step RNN
// from the palette, and read the webview (two nested iframes) through its DOM contract.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, launchBrowser, screenshotPath, startCodeServer, waitFor } from '../host/code-server.mjs';

export { REPO };

/** @param {string} workspace folder to open */
export async function openSession(workspace, { viewport = { width: 1400, height: 900 }, extensionPath = REPO } = {}) {
  const server = await startCodeServer({
    args: ['--vscode-option', 'enable-smoke-test-driver'],
    settings: {
      'workbench.colorTheme': 'Light Modern',
      'workbench.preferredLightColorTheme': 'Light Modern',
      'workbench.preferredDarkColorTheme': 'Dark Modern',
      'workbench.preferredHighContrastColorTheme': 'Default High Contrast',
      'workbench.preferredHighContrastLightColorTheme': 'Default High Contrast Light',
      'window.autoDetectColorScheme': false,
      'window.autoDetectHighContrast': false,
    },
  });
  const { browser, context } = await launchBrowser({ viewport });
  const page = await context.newPage();
  const fail = async (e) => {
    const shot = screenshotPath(`failure-${Date.now()}`);
    await page.screenshot({ path: shot }).catch(() => undefined);
    const log = server.extensionHostLog(4000);
    const err = new Error(`${e instanceof Error ? e.message : String(e)}\nlast screenshot: ${shot}\nextension host log:\n${log}`);
    return err;
  };
  try {
    await page.goto(server.workbenchUrl(workspace, [['extensionDevelopmentPath', server.remoteUri(extensionPath)], ['skipWelcome', 'true']]));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  } catch (e) {
    const err = await fail(e);
    await browser.close();
    await server.stop();
    throw err;
  }

  const frame = () => page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

  const s = {
    server,
    page,
    frame,
    fail,
    /** Run a palette command by its title, retrying until the extension host has registered it. */
    async command(title) {
      await waitFor(
        async () => {
          await page.keyboard.press('Escape');
          // Focus the workbench first: a key pressed inside the webview may not reach it.
          await page.locator('.part.sidebar .title-label, .part.statusbar').first().click({ timeout: 5000 }).catch(() => undefined);
          await page.keyboard.press('F1');
          const input = page.locator('.quick-input-widget input');
          await input.waitFor({ timeout: 5000 });
          await input.fill(`>${title}`, { timeout: 5000 });
          const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
          const ok = await row.waitFor({ timeout: 1500 }).then(() => true, () => false);
          if (!ok) return false;
          // Click the matching row: Enter would run whichever row happens to be first.
          await row.click();
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: `command "${title}" in the palette` },
      );
    },
    /** Open a file in an editor: a click in the Explorer (Quick Open's file index can lag). */
    async openFile(file) {
      const base = file.split('/').pop();
      await page.keyboard.press('Escape');
      const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: base }).first();
      if (await row.waitFor({ timeout: 20_000 }).then(() => true, () => false)) await row.click();
      else {
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget input').fill(base);
        await page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first().waitFor({ timeout: 20_000 });
        await page.keyboard.press('Enter');
      }
      await page.locator('.tabs-container .tab', { hasText: base }).first().waitFor({ timeout: 20_000 });
    },
    /** Open the fixture and run "RNN: Step RNN"; resolves when the first step is painted. */
    async stepRnn(file) {
      try {
        await s.openFile(file);
        await s.command('RNN: Step RNN');
        await frame().locator('body[data-state="ready"]').waitFor({ timeout: 60_000 });
        // Keyboard focus into the panel, so the keys below reach it.
        await frame().locator('#position').click();
      } catch (e) {
        throw await fail(e);
      }
    },
    async position() {
      return (await frame().locator('#position').textContent())?.trim();
    },
    async waitPosition(text, timeout = 15_000) {
      try {
        await frame().locator('#position', { hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor({ timeout });
      } catch (e) {
        throw await fail(new Error(`position never became "${text}" (it is "${await s.position()}"): ${e}`));
      }
    },
    async waitRunFinished(timeout = 60_000) {
      await frame().locator('body[data-run-finished="true"]').waitFor({ timeout, state: 'attached' });
    },
    async key(k) {
      await page.keyboard.press(k);
    },
    /** Cells of a tensor's table (switches the table view on if needed). */
    async tableCells(name) {
      const f = frame();
      if (!(await f.locator('body.table-view').count())) await f.locator('button[data-action="toggleTable"]').click();
      const sel = `[data-tensor="${name}"] td[data-row]`;
      await f.locator(sel).first().waitFor({ timeout: 10_000 });
      return f.locator(sel).evaluateAll((tds) =>
        tds.map((td) => ({
          row: Number(td.getAttribute('data-row')),
          col: Number(td.getAttribute('data-col')),
          value: td.getAttribute('data-value') ?? '',
          text: td.textContent ?? '',
          title: td.getAttribute('title') ?? '',
        })),
      );
    },
    /** VS Code's simple save dialog (a quick input holding the path): type the target, accept. */
    async acceptSaveDialog(target) {
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 20_000 });
      await input.fill(target);
      await page.keyboard.press('Enter');
    },
    async waitForFile(path, timeoutMs = 30_000) {
      await waitFor(() => existsSync(path), { timeoutMs, what: `file ${path}` });
    },
    /** Current theme kind of the workbench: `vs`, `vs-dark`, `hc-black` or `hc-light`. */
    async themeKind() {
      const cls = (await page.locator('.monaco-workbench').getAttribute('class')) ?? '';
      return cls.split(/\s+/).find((c) => ['vs', 'vs-dark', 'hc-black', 'hc-light'].includes(c));
    },
    /**
     * Switch the colour theme with "Preferences: Color Theme" (installed themes are listed first;
     * the marketplace part of the picker fails quietly, the gallery being blocked).
     */
    async setTheme(label) {
      await s.command('Preferences: Color Theme');
      const input = page.locator('.quick-input-widget input');
      await input.fill(label);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
      await row.waitFor({ timeout: 10_000 });
      await row.click();
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => page.keyboard.press('Escape'));
    },
    async screenshot(name) {
      const path = screenshotPath(name);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.stop();
    },
  };
  return s;
}

export const fixturePath = (...p) => join(REPO, ...p);
