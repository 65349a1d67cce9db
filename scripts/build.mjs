#!/usr/bin/env node
// Builds every bundle with esbuild. `--production` minifies and drops source maps (for the .vsix);
// `--watch` rebuilds on change. Entry points are listed once, here.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
  target: 'es2022',
  // Generated wasm is imported as bytes (see src/engine/README or the engine's build step).
  loader: { '.wasm': 'binary' },
};

// jsonc-parser's UMD `main` uses a require() esbuild cannot follow; its ESM `module` build bundles.
const node = { ...common, platform: 'node', format: 'cjs', external: ['vscode'], mainFields: ['module', 'main'] };

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  // The debug adapter's expression thread (mathjs, sandboxed), next to extension.js and cli.js.
  { ...node, entryPoints: ['src/debug/evalWorker.ts'], outfile: 'dist/evalWorker.js' },
  // "Check my implementation" runs off the host's main thread (reference, variants, the Python child).
  { ...node, entryPoints: ['src/extension/check/worker.ts'], outfile: 'dist/checkWorker.js' },
  {
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
  },
];

if (!production) {
  // In-host integration tests (mocha inside VS Code's extension host). Never packaged.
  // index.ts (the mocha runner) and every test/integration/*.test.ts, each bundled on its own.
  const integ = join(root, 'test/integration');
  const tests = existsSync(integ)
    ? readdirSync(integ)
        .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
        .sort()
        .map((f) => `test/integration/${f}`)
    : [];
  for (const t of tests) {
    if (existsSync(join(root, t))) {
      builds.push({
        ...node,
        entryPoints: [t],
        outfile: join('out', t.replace(/\.ts$/, '.js')),
        external: ['vscode', 'mocha'],
      });
    }
  }
}

function copyAssets() {
  const codicons = join(root, 'node_modules/@vscode/codicons/dist');
  mkdirSync(join(root, 'dist/codicons'), { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(codicons, f), join(root, 'dist/codicons', f));
  // The panel's stylesheet (theme tokens only), loaded by the webview HTML from dist/.
  if (existsSync(join(root, 'media/webview.css'))) cpSync(join(root, 'media/webview.css'), join(root, 'dist/webview.css'));
  // The Python side of "Check my implementation": the CLI and the extension run it from dist/check/.
  mkdirSync(join(root, 'dist/check'), { recursive: true });
  cpSync(join(root, 'src/check/python/harness.py'), join(root, 'dist/check/harness.py'));
}

const present = builds.filter((b) => existsSync(join(root, b.entryPoints[0])));
if (!watch) rmSync(join(root, 'dist'), { recursive: true, force: true });
// Stale bundles of deleted integration tests must not run.
if (!watch && !production) rmSync(join(root, 'out/test/integration'), { recursive: true, force: true });
copyAssets();
if (watch) {
  for (const b of present) (await esbuild.context(b)).watch();
  console.log(`watching ${present.length} bundles`);
} else {
  await Promise.all(present.map((b) => esbuild.build(b)));
  console.log(`built ${present.length} bundles${production ? ' (production)' : ''}`);
}
