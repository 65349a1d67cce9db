#!/usr/bin/env node
// `npm run typecheck`: the root tsconfig (tests and scripts, every type) and each layer's own
// src/<layer>/tsconfig.json, whose `lib`/`types` hold the layer graph (src/README.md): a layer
// compiled without the DOM's, Node's or vscode's types fails here when it reaches for them.
// Layers with the same `lib`/`types` are checked in one program (a config written to a temporary
// folder), so there are as few tsc runs as environments. Two at a time; exit 1 when any fails.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const tmp = mkdtempSync(join(tmpdir(), 'rnn-typecheck-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
/** Layer configs grouped by environment: compilerOptions (as JSON) → layer folders. */
const groups = new Map();
for (const d of readdirSync(join(root, 'src'), { withFileTypes: true })) {
  const file = join(root, 'src', d.name, 'tsconfig.json');
  if (!d.isDirectory() || !existsSync(file)) continue;
  // (the configs start with a // comment line, which JSON.parse does not take)
  const cfg = JSON.parse(readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, ''));
  const key = JSON.stringify(cfg.compilerOptions ?? {});
  groups.set(key, [...(groups.get(key) ?? []), d.name]);
}
const configs = ['tsconfig.json'];
for (const [key, layers] of groups) {
  const config = join(tmp, `tsconfig.${layers.join('+')}.json`);
  writeFileSync(config, JSON.stringify({
    extends: join(root, 'tsconfig.base.json'),
    compilerOptions: { ...JSON.parse(key), typeRoots: [join(root, 'node_modules', '@types')] },
    include: layers.map((l) => join(root, 'src', l, '**', '*.ts')),
  }));
  configs.push(config);
}

function check(config) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', config, '--noEmit', '--pretty', 'false'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ config, code, out }));
  });
}

const queue = [...configs];
const failed = [];
async function lane() {
  for (let c = queue.shift(); c; c = queue.shift()) {
    const r = await check(c);
    if (r.code !== 0) {
      failed.push(c);
      process.stdout.write(`typecheck ${c.replace(tmp, '(layers)')}: failed\n${r.out}`);
    }
  }
}
await Promise.all([lane(), lane()]);
console.log(failed.length ? `typecheck: ${failed.length} of ${configs.length} configs failed` : `typecheck: ${configs.length} configs passed`);
process.exit(failed.length ? 1 : 0);
