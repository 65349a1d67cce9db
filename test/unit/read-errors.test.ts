/**
 * One wording of "cannot read the fixture" (issue 10): the CLI (`readFixtureFile`) and the
 * panel's worker (`loadFixtureStaged`) word ENOENT, EACCES and EISDIR the same, from real files.
 * Each side runs in a child (read-errors-child.ts) so EACCES can be produced as another user
 * when the tests run as root (root reads a mode-000 file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CHILD = join(import.meta.dirname, 'read-errors-child.ts');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

interface Worded {
  worker: string | null;
  cli: string;
}

function word(path: string, asNobody = false): Worded | undefined {
  const node = [process.execPath, '--import', 'tsx', CHILD, path];
  const cmd = asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node] : node;
  const r = spawnSync(cmd[0] ?? '', cmd.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    if (asNobody) return undefined; // no setpriv, or the checkout is not readable by another user
    assert.fail(r.stderr);
  }
  const parsed: unknown = JSON.parse(r.stdout);
  assert.ok(typeof parsed === 'object' && parsed !== null && 'cli' in parsed && 'worker' in parsed);
  return { worker: typeof parsed.worker === 'string' ? parsed.worker : null, cli: String(parsed.cli) };
}

/** The words after the file's name: `NAME: what` (worker), `PATH:1:1: what` (CLI, first line). */
function reasons(w: Worded, name: string, path: string): { worker: string; cli: string } {
  assert.ok(w.worker !== null, 'the worker refused the file');
  assert.ok(w.worker.startsWith(`${name}: `), w.worker);
  const first = w.cli.split('\n')[0] ?? '';
  assert.ok(first.startsWith(`${path}:1:1: `), first);
  return { worker: w.worker.slice(name.length + 2), cli: first.slice(path.length + 6) };
}

const dir = mkdtempSync(join(tmpdir(), 'rnn-read-errors-'));
chmodSync(dir, 0o755);

test('ENOENT: the CLI and the worker say the same', () => {
  const path = join(dir, 'nope.json');
  const r = reasons(word(path) ?? assert.fail(), 'nope.json', path);
  assert.equal(r.worker, 'cannot read the fixture: no such file or directory');
  assert.equal(r.cli, r.worker);
});

test('EISDIR: the CLI and the worker say the same', () => {
  const path = join(dir, 'folder.json');
  mkdirSync(path);
  const r = reasons(word(path) ?? assert.fail(), 'folder.json', path);
  assert.equal(r.worker, 'cannot read the fixture: is a directory, expected a fixture file (.json or .npz)');
  assert.equal(r.cli, r.worker);
});

test('EACCES: the CLI and the worker say the same', (t) => {
  const path = join(dir, 'locked.json');
  writeFileSync(path, '{}');
  chmodSync(path, 0o000);
  const w = word(path, isRoot);
  if (!w) {
    t.skip('running as root and cannot run the check as another user (setpriv, or the checkout is not readable)');
    return;
  }
  const r = reasons(w, 'locked.json', path);
  assert.equal(r.worker, 'cannot read the fixture: permission denied');
  assert.equal(r.cli, r.worker);
});
