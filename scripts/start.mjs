#!/usr/bin/env node
// `npm start`: run RNN Stepper on examples/ with one command.
//   - Desktop VS Code when a `code` CLI is on PATH: `code --extensionDevelopmentPath=REPO REPO/examples`.
//   - Otherwise (or RNN_START=browser): the pinned code-server (installed by scripts/setup-host.sh on
//     first use) on 127.0.0.1 with the repository loaded as the extension under development, and
//     esbuild in watch mode; prints the URL to open. Ctrl+C stops everything it started (the server
//     and the watcher run in their own process groups, killed on exit).
// Env: RNN_PORT (default: a free port), RNN_START=browser|desktop.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(repo, 'examples');
const say = (s) => console.log(`[start] ${s}`);

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

const b = spawnSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'inherit' });
if (b.status !== 0) {
  console.error('[start] the build failed (see above).');
  process.exit(1);
}

const wantDesktop = process.env.RNN_START === 'desktop' || (process.env.RNN_START !== 'browser' && onPath('code'));
if (wantDesktop) {
  say(`desktop VS Code: code --extensionDevelopmentPath=${repo} ${examples}`);
  const r = spawnSync('code', [`--extensionDevelopmentPath=${repo}`, examples], { stdio: 'inherit' });
  if (r.status === 0) {
    say('VS Code opened an Extension Development Host window on examples/. Run "RNN: Step RNN" on a fixture.');
    process.exit(0);
  }
  say(`\`code\` failed (exit ${r.status}); falling back to VS Code in the browser.`);
}

const host = await import('../test/host/code-server.mjs');
if (!host.hostInstalled()) {
  say('first run: installing the pinned browser VS Code (code-server 4.139.1 + Node 24) into .vscode-test/host/ (a few minutes)');
  const s = spawnSync('bash', [join(repo, 'scripts', 'setup-host.sh')], { cwd: repo, stdio: 'inherit' });
  if (s.status !== 0) process.exit(s.status ?? 1);
}

let server;
let watcher;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  say('stopping code-server and the watcher…');
  if (watcher?.pid && watcher.exitCode === null) {
    try {
      process.kill(-watcher.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  await server?.stop();
  say('stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGHUP', () => void stop(0));
process.on('exit', () => {
  if (watcher?.pid) {
    try {
      process.kill(-watcher.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

try {
  server = await host.startCodeServer({
    args: ['--vscode-option', 'enable-smoke-test-driver'],
    ...(process.env.RNN_PORT ? { port: Number(process.env.RNN_PORT) } : {}),
  });
} catch (e) {
  console.error(`[start] code-server did not start: ${e.message}`);
  process.exit(1);
}
// Rebuild on change; reload the browser window (Developer: Reload Window) to pick it up.
watcher = spawn(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--watch'], { cwd: repo, detached: true, stdio: ['ignore', 'ignore', 'inherit'] });

const url = server.workbenchUrl(examples, [
  ['extensionDevelopmentPath', server.remoteUri(repo)],
  ['skipWelcome', 'true'],
]);
console.log('');
say('RNN Stepper is running in VS Code (code-server 4.139.1, bound to 127.0.0.1 only).');
say('Open this URL in a browser on this machine:');
console.log(`\n  ${url}\n`);
say('Then open a *.rnn.json file and run "RNN: Step RNN" (F1). Edits rebuild automatically; reload the window to load them.');
say('Press Ctrl+C to stop.');
const exited = await server.exitPromise;
if (!stopping) {
  console.error(`[start] code-server exited unexpectedly (${JSON.stringify(exited)}):\n${server.output().slice(-3000)}`);
  await stop(1);
}
