// Mocha inside VS Code's extension host (the `extensionTestsPath` entry). Loaded by VS Code's test
// mechanism in desktop VS Code or, on this machine, code-server through test/host/code-server-launcher.
// Runs every bundled out/test/integration/*.test.js (each test/integration/*.test.ts is bundled on
// its own by scripts/build.mjs) and prints one `integration: N passed, N failed` line that
// test/integration/run.mjs and scripts/test-all.mjs read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type MochaType from 'mocha';

// mocha 12's package entry is ESM; its CommonJS build is lib/mocha.cjs (kept external, not bundled).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Mocha = require('mocha/lib/mocha.cjs') as typeof MochaType;

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.RNN_MOCHA_TIMEOUT_MS ?? 60_000),
    reporter: 'spec',
    grep: process.env.RNN_TEST_GREP || undefined,
  });
  const dir = __dirname;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  if (files.length === 0) throw new Error(`no integration tests (*.test.js) in ${dir}`);
  for (const f of files) mocha.addFile(path.join(dir, f));
  await mocha.loadFilesAsync();

  let passed = 0;
  let failed = 0;
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
  });
  console.log(`integration: ${passed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} integration test(s) failed`);
}
