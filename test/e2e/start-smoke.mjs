#!/usr/bin/env node
// Checks `npm start` (the npm script itself) the way a newcomer uses it: start it (browser mode), open the URL it prints
// in headless Chromium, find "RNN: Step RNN" in the command palette, press Ctrl+C (SIGINT to the
// foreground process group) and check that no process it started survives.
// Usage: node test/e2e/start-smoke.mjs   (the last suite of `npm test`; it rebuilds dist/ and takes ~1 min)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { REPO, launchBrowser, waitFor } from '../host/code-server.mjs';

/** pids of live processes whose command line mentions `needle` (zombies excluded). */
function processesMatching(needle) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue;
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push({ pid: Number(d), cmd: cmd.slice(0, 160) });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Live (non-zombie) pids in process group `pgid`. */
function groupMembers(pgid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp ...
      if (f[0] !== 'Z' && Number(f[2]) === pgid) out.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
const pgidOf = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
};

// Its own process group, like a shell job; Ctrl+C = SIGINT to that group.
const child = spawn('npm', ['start'], {
  cwd: REPO,
  detached: true,
  env: { ...process.env, RNN_START: 'browser' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const t0 = Date.now();
let ok = false;
let browser;
try {
  const url = await waitFor(() => /^\s+(http:\/\/127\.0\.0\.1:\d+\/\?\S+)$/m.exec(out)?.[1], { timeoutMs: 180_000, what: 'the URL printed by npm start' });
  console.log(`npm start printed its URL after ${Date.now() - t0} ms`);
  const port = new URL(url).port;
  const server = processesMatching(`127.0.0.1:${port}`)[0];
  const watch = processesMatching('scripts/build.mjs --watch')[0];
  if (!server) throw new Error('no code-server process for that port');
  const groups = [child.pid, pgidOf(server.pid), ...(watch ? [pgidOf(watch.pid)] : [])];
  console.log(`process groups: npm start ${groups[0]}, code-server ${groups[1]} (${groupMembers(groups[1]).length} processes)${watch ? `, watcher ${groups[2]}` : ''}`);
  const launched = await launchBrowser();
  browser = launched.browser;
  const page = await launched.context.newPage();
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const input = page.locator('.quick-input-widget input.input');
  await waitFor(
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill('>RNN: Step RNN');
      return page.locator('.quick-input-list .monaco-list-row', { hasText: 'RNN: Step RNN' }).first().isVisible();
    },
    { timeoutMs: 60_000, intervalMs: 500, what: '"RNN: Step RNN" in the command palette' },
  );
  console.log('"RNN: Step RNN" is in the command palette');
  await browser.close();
  browser = undefined;

  process.kill(-child.pid, 'SIGINT'); // Ctrl+C
  const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
  console.log(`npm start exited with ${code} after Ctrl+C`);
  await waitFor(() => groups.every((g) => groupMembers(g).length === 0), {
    timeoutMs: 10_000,
    what: `every process of groups ${groups.join(', ')} to exit`,
  }).catch(() => {
    throw new Error(`processes survived: ${groups.map((g) => `${g}: [${groupMembers(g).join(', ')}]`).join('; ')}`);
  });
  console.log('no process survived');
  ok = true;
} catch (e) {
  console.error(`start-smoke FAILED: ${e.message}\n--- npm start output ---\n${out.slice(-4000)}`);
} finally {
  await browser?.close().catch(() => {});
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
console.log(ok ? 'start-smoke: passed' : 'start-smoke: failed');
process.exit(ok ? 0 : 1);
