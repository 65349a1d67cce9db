#!/usr/bin/env node
// `npm test`: build, then every suite, even when an earlier one fails:
//   lint         ESLint over src, test and scripts (1 passed or 1 failed)
//   unit         node:test over test/unit/**/*.test.ts (scripts/run-unit.mjs), counted from TAP
//   integration  mocha inside the real VS Code extension host (test/integration/run.mjs)
//   e2e          browser end to end against the dev folder and the installed .vsix (test/e2e/run.mjs)
//   start        `npm start` smoke test (test/e2e/start-smoke.mjs)
// Prints a per-suite summary and ends with exactly one plain line `N passed, N failed` (totals).
// Exit 1 if anything failed or a suite crashed (a crash counts as at least one failure).
// Flags: --only=lint,unit,integration,e2e,start to run a subset.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(repo, 'test-results');
mkdirSync(results, { recursive: true });
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (s) => !only || only.includes(s);

/** Run a command with output streamed through; resolve with its exit status and captured stdout. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.length > 4_000_000) out = out.slice(-2_000_000);
      process.stdout.write(d);
    });
    child.on('error', (e) => resolve({ status: 127, out: `${out}\n${e.message}` }));
    child.on('close', (status, signal) => resolve({ status: status ?? (signal ? 128 : 1), out }));
  });
}

const suites = [];
const t0 = Date.now();
const banner = (s) => console.log(`\n==================== ${s} ====================`);
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

// A newcomer's `npm install && npm test` must run every suite: install the test host first when it
// is missing (scripts/setup-host.sh is idempotent and exits at once when the host is complete;
// it also installs Debian's python3-numpy, which the "check" unit tests run learners' code with).
let t = Date.now();
if (want('integration') || want('e2e') || want('unit')) {
  const { hostInstalled } = await import('../test/host/code-server.mjs');
  const first = !hostInstalled();
  banner('test host');
  if (first) console.log('[test] first run: installing the test host (Debian chromium/libkrb5-dev/python3-numpy if missing, Node 24 and code-server 4.139.1 into .vscode-test/host/; about 3-4 minutes and 0.8 GB, once)');
  const setup = await run('bash', [join(repo, 'scripts', 'setup-host.sh')]);
  if (first) console.log(`[test] test host set-up took ${secs(t)}`);
  if (setup.status !== 0) suites.push({ name: 'setup-host', passed: 0, failed: 1, note: `scripts/setup-host.sh failed (exit ${setup.status})`, time: secs(t) });
}

banner('build');
t = Date.now();
const build = await run(process.execPath, ['scripts/build.mjs']);
if (build.status !== 0) suites.push({ name: 'build', passed: 0, failed: 1, note: `build failed (exit ${build.status})`, time: secs(t) });

// ESLint over src, test and scripts (eslint.config.mjs: the layer graph of src/README.md as import
// rules): one check, counted as 1 passed or 1 failed.
if (want('lint')) {
  banner('lint');
  t = Date.now();
  const r = await run(process.execPath, ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', 'src', 'test', 'scripts']);
  suites.push({ name: 'lint', passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, note: r.status === 0 ? '' : `eslint exit ${r.status}`, time: secs(t) });
}

if (want('unit')) {
  banner('unit');
  t = Date.now();
  const tap = join(results, 'unit.tap');
  rmSync(tap, { force: true });
  const r = await run(process.execPath, [
    'scripts/run-unit.mjs',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const p = /^# pass (\d+)$/m.exec(text);
  const f = /^# fail (\d+)$/m.exec(text);
  const cancelled = Number(/^# cancelled (\d+)$/m.exec(text)?.[1] ?? 0);
  if (!p || !f) suites.push({ name: 'unit', passed: 0, failed: 1, note: `crashed (exit ${r.status}), no TAP summary`, time: secs(t) });
  else {
    const crashed = r.status !== 0 && Number(f[1]) === 0;
    suites.push({ name: 'unit', passed: Number(p[1]), failed: Number(f[1]) + cancelled + (crashed ? 1 : 0), note: crashed ? `runner exit ${r.status}` : '', time: secs(t) });
  }
}

/** Suites whose runner prints `NAME: N passed, N failed` as its last such line. */
async function counted(name, args) {
  banner(name);
  const t1 = Date.now();
  const r = await run(process.execPath, args);
  const m = [...r.out.matchAll(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed`, 'gm'))].at(-1);
  if (!m) return suites.push({ name, passed: 0, failed: 1, note: `crashed (exit ${r.status}), no summary line`, time: secs(t1) });
  const passed = Number(m[1]);
  let failed = Number(m[2]);
  let note = '';
  if (r.status !== 0 && failed === 0) {
    failed = 1;
    note = `runner exit ${r.status}`;
  }
  suites.push({ name, passed, failed, note, time: secs(t1) });
}

if (want('integration')) await counted('integration', ['test/integration/run.mjs', '--no-build']);
if (want('e2e')) await counted('e2e', ['test/e2e/run.mjs', '--no-build']);

// `npm start` as a newcomer runs it (through npm, so under an outer npm's environment): the URL is
// printed, the workbench lists "RNN: Step RNN", Ctrl+C leaves no process behind.
if (want('start')) {
  banner('start');
  const t1 = Date.now();
  const r = await run(process.execPath, ['test/e2e/start-smoke.mjs']);
  const ok = r.status === 0 && /^start-smoke: passed$/m.test(r.out);
  suites.push({ name: 'start', passed: ok ? 1 : 0, failed: ok ? 0 : 1, note: ok ? '' : `start-smoke exit ${r.status}`, time: secs(t1) });
}

banner('summary');
for (const s of suites) console.log(`${s.name.padEnd(12)} ${String(s.passed).padStart(4)} passed, ${String(s.failed).padStart(3)} failed  (${s.time})${s.note ? `  ${s.note}` : ''}`);
const vsix = join(repo, 'dist', 'rnn-stepper.vsix');
if (existsSync(vsix)) console.log(`package      dist/rnn-stepper.vsix ${(statSync(vsix).size / 1024).toFixed(1)} KiB`);
console.log(`total time   ${secs(t0)}`);
const passed = suites.reduce((a, s) => a + s.passed, 0);
const failed = suites.reduce((a, s) => a + s.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || suites.length === 0 ? 1 : 0;
