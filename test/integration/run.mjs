#!/usr/bin/env node
// `npm run test:integration`: the in-host integration tests through @vscode/test-electron's
// standard runTests(). On this machine VS Code cannot be downloaded, so vscodeExecutablePath is
// test/host/code-server-launcher (code-server + headless Chromium driving VS Code's own test
// mechanism). RNN_VSCODE=download uses runTests' normal download of desktop VS Code instead (for a
// machine with network and a display). Flags: --no-build (the caller already built).
// The last line is `integration: N passed, N failed` (from test/integration/index.ts, echoed).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const launcher = join(repo, 'test', 'host', 'code-server-launcher');

if (!process.argv.includes('--no-build')) {
  const b = spawnSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'inherit' });
  if (b.status !== 0) {
    console.log('integration: 0 passed, 1 failed (build failed)');
    process.exit(1);
  }
}
const testsIndex = join(repo, 'out', 'test', 'integration', 'index.js');
if (!existsSync(testsIndex)) {
  console.log(`integration: 0 passed, 1 failed (${testsIndex} missing: did the build run?)`);
  process.exit(1);
}
const useDownload = process.env.RNN_VSCODE === 'download';
if (!useDownload && !existsSync(join(repo, '.vscode-test', 'host', 'node_modules', 'code-server'))) {
  console.error('The test host is not installed. Run: bash scripts/setup-host.sh (npm run setup:host)');
  console.log('integration: 0 passed, 1 failed (test host missing)');
  process.exit(1);
}

// The workspace: a throwaway copy of examples/ (tests write bad fixtures and exports into it).
const ws = mkdtempSync(join(tmpdir(), 'rnn-integration-ws-'));
cpSync(join(repo, 'examples'), ws, { recursive: true });

// Tee stdout so the summary line from inside the host can be echoed last.
let captured = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  if (captured.length > 2_000_000) captured = captured.slice(-1_000_000);
  return write(chunk, ...rest);
};

const { runTests } = await import('@vscode/test-electron');
let code = 0;
let crash = '';
try {
  code = await runTests({
    ...(useDownload ? {} : { vscodeExecutablePath: launcher }),
    extensionDevelopmentPath: repo,
    extensionTestsPath: testsIndex,
    launchArgs: [ws],
    extensionTestsEnv: { RNN_STEPPER_TEST: '1' },
  });
} catch (e) {
  code = 1;
  crash = e instanceof Error ? e.message : String(e);
} finally {
  rmSync(ws, { recursive: true, force: true });
}
process.stdout.write = write;

const lines = [...captured.matchAll(/^integration: (\d+) passed, (\d+) failed$/gm)];
const last = lines.at(-1);
if (last && !(code !== 0 && Number(last[2]) === 0)) {
  console.log(`integration: ${last[1]} passed, ${last[2]} failed`);
} else {
  console.log(`integration: ${last ? last[1] : 0} passed, 1 failed (the run did not complete: ${crash || `exit code ${code}`})`);
  code = code || 1;
}
process.exit(code === 0 ? 0 : 1);
