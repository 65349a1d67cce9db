#!/usr/bin/env node
// `npm run test:e2e`: every test/e2e/*.test.mjs (node:test, one file at a time) against
//   1. the development folder (RNN_E2E_MODE=dev), then
//   2. the packaged extension installed from dist/rnn-stepper.vsix (RNN_E2E_MODE=vsix), after
//      `npm run package`, so a broken package cannot ship.
// Flags: --mode=dev|vsix|both (default both), --no-build, --no-package (reuse dist/rnn-stepper.vsix),
// any *.test.mjs path to run only those files.
// The last line is `e2e: N passed, N failed` (counted from node's TAP reporter).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const args = process.argv.slice(2);
const modeArg = args.find((a) => a.startsWith('--mode='))?.slice(7) ?? 'both';
const modes = modeArg === 'both' ? ['dev', 'vsix'] : [modeArg];
if (!modes.every((m) => m === 'dev' || m === 'vsix')) {
  console.error(`--mode must be dev, vsix or both, not ${modeArg}`);
  process.exit(2);
}
const only = args.filter((a) => a.endsWith('.test.mjs'));
const files = (only.length ? only : readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(here, f))).map((f) =>
  relative(repo, f),
);

let passed = 0;
let failed = 0;
const summary = [];
const finish = () => {
  for (const s of summary) console.log(s);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
};

const npmRun = (script) => spawnSync('npm', ['run', '--silent', script], { cwd: repo, stdio: 'inherit' }).status === 0;

if (!existsSync(join(repo, '.vscode-test', 'host', 'node_modules', 'code-server'))) {
  console.error('The test host is not installed. Run: bash scripts/setup-host.sh (npm run setup:host)');
  failed = 1;
  summary.push('e2e: test host missing');
  finish();
}
if (files.length === 0) {
  console.error('no test/e2e/*.test.mjs files');
  failed = 1;
  finish();
}

for (const mode of modes) {
  if (mode === 'dev' && !args.includes('--no-build') && !npmRun('build')) {
    failed++;
    summary.push('e2e (dev): build failed');
    continue;
  }
  if (mode === 'vsix') {
    if (!args.includes('--no-package') || !existsSync(join(repo, 'dist', 'rnn-stepper.vsix'))) {
      console.log('# e2e: npm run package');
      if (!npmRun('package')) {
        failed++;
        summary.push('e2e (vsix): npm run package failed');
        continue;
      }
    }
    // A private copy: a concurrent `npm run build` empties dist/ (it happens in a shared tree).
    const vsix = join(repo, 'test-results', 'rnn-stepper.vsix');
    mkdirSync(dirname(vsix), { recursive: true });
    copyFileSync(join(repo, 'dist', 'rnn-stepper.vsix'), vsix);
    process.env.RNN_E2E_VSIX = vsix;
    console.log(`# e2e: testing the installed package dist/rnn-stepper.vsix (${(statSync(vsix).size / 1024).toFixed(1)} KiB)`);
  }
  mkdirSync(join(repo, 'test-results'), { recursive: true });
  const tap = join(repo, 'test-results', `e2e-${mode}.tap`);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-concurrency=1',
      '--test-timeout=600000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: repo, stdio: 'inherit', env: { ...process.env, RNN_E2E_MODE: mode } },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const p = Number(/^# pass (\d+)$/m.exec(text)?.[1] ?? NaN);
  // Tests cancelled because their suite's set-up failed count as failed.
  const f = Number(/^# fail (\d+)$/m.exec(text)?.[1] ?? NaN) + Number(/^# cancelled (\d+)$/m.exec(text)?.[1] ?? 0);
  if (Number.isNaN(p) || Number.isNaN(f)) {
    failed += 1;
    summary.push(`e2e (${mode}): crashed (exit ${r.status ?? r.signal}), no TAP summary`);
    continue;
  }
  const crashed = r.status !== 0 && f === 0;
  passed += p;
  failed += f + (crashed ? 1 : 0);
  summary.push(`e2e (${mode}): ${p} passed, ${f} failed${crashed ? ` (runner exit ${r.status})` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
finish();
