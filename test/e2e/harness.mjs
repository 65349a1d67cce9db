// End-to-end harness: the real VS Code workbench (code-server) with RNN Stepper loaded, driven by
// headless Chromium through playwright-core. Reused by every test/e2e/*.test.mjs.
//
//   const vs = await startWorkbench({ mode: 'dev' | 'vsix', theme: 'Dark Modern' });
//   await vs.openFile('rnn_small.rnn.json');            // quick open (Ctrl+P)
//   await vs.runCommand('RNN: Step RNN');                // F1, type, wait for the row, Enter (retries)
//   const web = vs.webview();                            // FrameLocator inside the panel's nested iframes
//   await web.locator('body[data-state=ready]').waitFor();
//   await vs.screenshot('name');                         // test-results/screenshots/name.png
//   await vs.close();                                    // browser + code-server's process group
//
// mode 'dev' loads the repository as the extension under development (payload
// extensionDevelopmentPath; needs the smoke-test-driver option); mode 'vsix' installs
// dist/rnn-stepper.vsix with `code-server --install-extension` into a fresh extensions folder (run
// `npm run package` first). The default mode comes from RNN_E2E_MODE (test/e2e/run.mjs sets it).
// Everything is loopback only; a failure prints the last screenshot and the extension host log
// (see `vs.failureReport()` / `withWorkbench`).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CODE_SERVER_ENTRY,
  NODE24,
  NODE24_DIR,
  LOOPBACK_GALLERY,
  REPO,
  launchBrowser,
  screenshotPath,
  startCodeServer,
  waitFor,
} from '../host/code-server.mjs';

export { REPO, waitFor, screenshotPath };
/** The package under test: test/e2e/run.mjs passes a private copy of dist/rnn-stepper.vsix. */
export const VSIX = process.env.RNN_E2E_VSIX ?? join(REPO, 'dist', 'rnn-stepper.vsix');
export const EXTENSION_ID = 'rnn-stepper.rnn-stepper';

/**
 * The four built-in themes the panel must look right in: `id` is the `workbench.colorTheme` value
 * in VS Code 1.139 (older releases called the first two "Default Light Modern"/"Default Dark
 * Modern"), `label` what the theme picker shows, `kind` the workbench's body class.
 */
export const THEMES = [
  { id: 'Light Modern', label: 'Light Modern', kind: 'vs', slug: 'light' },
  { id: 'Dark Modern', label: 'Dark Modern', kind: 'vs-dark', slug: 'dark' },
  { id: 'Default High Contrast', label: 'Dark High Contrast', kind: 'hc-black', slug: 'hc-dark' },
  { id: 'Default High Contrast Light', label: 'Light High Contrast', kind: 'hc-light', slug: 'hc-light' },
];

export function e2eMode() {
  const m = process.env.RNN_E2E_MODE ?? 'dev';
  if (m !== 'dev' && m !== 'vsix') throw new Error(`RNN_E2E_MODE must be dev or vsix, not ${m}`);
  return m;
}

/**
 * `node dist/cli.js ARGS` (the engine's own output, to compare the UI against), run by the
 * extension host's own Node (code-server's Node 24): the engine picks its kernel by runtime (the
 * relaxed-SIMD FMA kernel there, not on Node 20), and outputs are bit-identical on the same runtime.
 */
export function cli(args) {
  return execFileSync(NODE24, [join(REPO, 'dist', 'cli.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** A throwaway copy of examples/ to open as the workspace. */
export function tempWorkspace(from = join(REPO, 'examples')) {
  const ws = mkdtempSync(join(tmpdir(), 'rnn-e2e-ws-'));
  cpSync(from, ws, { recursive: true });
  return ws;
}

function installVsix(server, vsix) {
  if (!existsSync(vsix)) throw new Error(`${vsix} does not exist: run \`npm run package\` first`);
  const r = spawnSync(
    NODE24,
    [CODE_SERVER_ENTRY, '--extensions-dir', server.extensionsDir, '--user-data-dir', server.userDataDir, '--install-extension', vsix, '--force'],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        HOME: server.home,
        XDG_CONFIG_HOME: join(server.home, '.config'),
        XDG_DATA_HOME: join(server.home, '.local', 'share'),
        XDG_CACHE_HOME: join(server.home, '.cache'),
        PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`,
        EXTENSIONS_GALLERY: LOOPBACK_GALLERY,
      },
      timeout: 120_000,
    },
  );
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

/**
 * Start code-server + Chromium with the extension loaded and the workspace open.
 * @param {{ mode?: 'dev'|'vsix', theme?: string, workspace?: string, vsix?: string, viewport?: {width:number,height:number}, settings?: Record<string, unknown> }} [opts]
 */
export async function startWorkbench(opts = {}) {
  const mode = opts.mode ?? e2eMode();
  const workspace = opts.workspace ?? tempWorkspace();
  const ownWorkspace = !opts.workspace;
  const settings = { 'workbench.colorTheme': opts.theme ?? 'Dark Modern', ...(opts.settings ?? {}) };
  const t0 = Date.now();
  // In vsix mode the server starts only after the install (it scans the extensions folder once).
  let server;
  if (mode === 'vsix') {
    const scratch = mkdtempSync(join(tmpdir(), 'rnn-e2e-'));
    const pre = { userDataDir: join(scratch, 'ud'), extensionsDir: join(scratch, 'ext'), home: join(scratch, 'home') };
    installVsix({ ...pre }, opts.vsix ?? VSIX);
    server = await startCodeServer({ ...pre, settings });
    const stop = server.stop;
    server.stop = async (o) => {
      await stop(o);
      rmSync(scratch, { recursive: true, force: true });
    };
  } else {
    server = await startCodeServer({ settings, args: ['--vscode-option', 'enable-smoke-test-driver'] });
  }
  const { browser, context, blocked } = await launchBrowser({ viewport: opts.viewport });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  let lastShot;

  const payload = mode === 'dev' ? [['extensionDevelopmentPath', server.remoteUri(REPO)], ['skipWelcome', 'true']] : undefined;
  await page.goto(server.workbenchUrl(workspace, payload), { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The explorer shows the workspace once the remote connection and file service are up.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });

  const vs = {
    mode,
    server,
    browser,
    context,
    page,
    workspace,
    blocked,
    consoleErrors,
    startedInMs: Date.now() - t0,
    get lastScreenshot() {
      return lastShot;
    },

    /** Screenshot of the whole window into test-results/screenshots/NAME.png. */
    async screenshot(name) {
      const p = screenshotPath(name);
      await page.screenshot({ path: p });
      lastShot = p;
      return p;
    },

    /** Run a command from the palette by its title (e.g. "RNN: Step RNN"); retries until registered. */
    async runCommand(title, { timeoutMs = 45_000 } = {}) {
      const input = page.locator('.quick-input-widget input.input');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await waitFor(
        async () => {
          await page.keyboard.press('Escape');
          await page.keyboard.press('F1');
          await input.waitFor({ state: 'visible', timeout: 5000 });
          await input.fill(`>${title}`);
          try {
            await rows.filter({ hasText: title }).first().waitFor({ state: 'visible', timeout: 3000 });
          } catch {
            return false; // not registered yet (the extension host may still be starting): retry
          }
          // The row whose label is exactly the title, not a longer command containing it.
          // Resolved at click time, so a list still re-filtering cannot shift us onto another row.
          const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRe(title)}\\s*$`) }) }).first();
          if (!(await exact.isVisible())) return false;
          await exact.click({ timeout: 5000 });
          return true;
        },
        { timeoutMs, intervalMs: 500, what: `command "${title}" in the palette` },
      );
    },

    /** Open a workspace file by name through quick open (Ctrl+P). */
    async openFile(name, { timeoutMs = 30_000 } = {}) {
      const input = page.locator('.quick-input-widget input.input');
      await waitFor(
        async () => {
          await page.keyboard.press('Escape');
          await page.keyboard.press('Control+P');
          await input.waitFor({ state: 'visible', timeout: 5000 });
          await input.fill(name);
          const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
          try {
            await row.waitFor({ state: 'visible', timeout: 5000 });
          } catch {
            return false;
          }
          await page.keyboard.press('Enter');
          await page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first().waitFor({ timeout: 10_000 });
          return true;
        },
        { timeoutMs, intervalMs: 300, what: `quick open of ${name}` },
      );
    },

    /** The panel's document: the webview is two nested iframes (outer host frame, #active-frame). */
    webview(index = 0) {
      return page.frameLocator('iframe.webview.ready').nth(index).frameLocator('#active-frame');
    },

    /** Switch the colour theme as a user would (Preferences: Color Theme); waits for the repaint. */
    async setTheme(idOrLabel) {
      const t = THEMES.find((x) => x.id === idOrLabel || x.label === idOrLabel);
      if (!t) throw new Error(`unknown theme ${idOrLabel}`);
      await vs.runCommand('Preferences: Color Theme');
      const input = page.locator('.quick-input-widget input.input');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await input.fill(t.label);
      await waitFor(
        async () => {
          const labels = await rows.locator('.label-name').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
          const i = labels.indexOf(t.label);
          if (i < 0) return false;
          await rows.nth(i).click();
          return true;
        },
        { timeoutMs: 15_000, what: `theme "${t.label}" in the picker` },
      );
      await page.locator(`.monaco-workbench.${t.kind}`).waitFor({ timeout: 20_000 });
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
    },

    /** Answer VS Code's simple (in-workbench) save dialog with an absolute path. */
    async answerSaveDialog(absPath, { timeoutMs = 20_000 } = {}) {
      const input = page.locator('.quick-input-widget input.input');
      await input.waitFor({ state: 'visible', timeout: timeoutMs });
      // The dialog writes its default path into the box asynchronously (and would overwrite an
      // earlier answer): wait for it, then type ours until it stays there for two polls.
      await waitFor(async () => (await input.inputValue()).startsWith('/'), { timeoutMs, what: "the save dialog's default path" });
      let stable = 0;
      await waitFor(
        async () => {
          if ((await input.inputValue()) !== absPath) {
            stable = 0;
            await input.fill(absPath);
            return false;
          }
          return ++stable >= 2;
        },
        { timeoutMs: 10_000, intervalMs: 200, what: 'our path to stay in the save dialog' },
      );
      await page.keyboard.press('Enter');
    },

    /** What a person would have seen: last screenshot + extension host log (printed on failure). */
    async failureReport(name = 'failure') {
      let shot;
      try {
        shot = await vs.screenshot(`${name}-${Date.now()}`);
      } catch {
        shot = lastShot;
      }
      return [
        `last screenshot: ${shot ?? '(none)'}`,
        `blocked non-loopback requests: ${blocked.length ? blocked.slice(0, 10).join(', ') : 'none'}`,
        `browser console errors (last 10):\n${consoleErrors.slice(-10).join('\n') || '(none)'}`,
        `extension host log:\n${server.extensionHostLog() || '(none)'}`,
      ].join('\n');
    },

    async close() {
      await browser.close().catch(() => {});
      await server.stop();
      if (ownWorkspace) rmSync(workspace, { recursive: true, force: true });
    },
  };
  return vs;
}

/**
 * Run `fn(vs)` with a workbench, print the failure report if it throws, always close.
 * @template T @param {Parameters<typeof startWorkbench>[0]} opts @param {(vs: any) => Promise<T>} fn
 */
export async function withWorkbench(opts, fn) {
  const vs = await startWorkbench(opts);
  try {
    return await fn(vs);
  } catch (e) {
    console.error(`\n[e2e] FAILED (${vs.mode}): ${e?.message ?? e}\n${await vs.failureReport()}`);
    throw e;
  } finally {
    await vs.close();
  }
}

/** Open a fixture, run Step RNN from the palette and wait for the panel to be painted. */
export async function openPanel(vs, fileName, { timeoutMs = 60_000 } = {}) {
  try {
    await vs.openFile(fileName);
    // Step RNN takes the active editor's file once the extension host knows that editor: its
    // CodeLens on the file says so (right after start-up the host may not have it yet, and the
    // command would ask for a file instead).
    await vs.page
      .locator('.monaco-editor .codelens-decoration', { hasText: 'Step RNN' })
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(() => {});
    await vs.runCommand('RNN: Step RNN');
    await vs.page.locator(`.tabs-container .tab[aria-label*="RNN: ${fileName}"]`).first().waitFor({ timeout: timeoutMs });
    const web = vs.webview();
    await web.locator('body[data-state="ready"]').waitFor({ timeout: timeoutMs });
    return web;
  } catch (e) {
    // What the user would have seen, for whoever calls this.
    const report = await vs.failureReport(`open-${fileName}`).catch((r) => `(no report: ${r})`);
    console.error(`\n[e2e] opening the panel on ${fileName} failed (${vs.mode}): ${e?.message ?? e}\n${report}`);
    throw e;
  }
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
