/**
 * Where an output goes (src/export/writeAtomic.ts): links are followed and stay links, devices and
 * FIFOs are written in place (never replaced by a regular file), directories are refused, an
 * existing file keeps its permission bits whatever the umask, names near the 255-byte limit work,
 * and no temporary file is ever left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pendingTempFiles, writeFileAtomic } from '../../src/export/writeAtomic';

const tmp = () => mkdtempSync(join(tmpdir(), 'rnn-targets-'));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** A character device of our own when we may create one (so a broken writer cannot destroy the system's). */
function charDevice(dir: string, name: 'null' | 'full'): string {
  if (!isRoot) return `/dev/${name}`;
  const p = join(dir, name);
  const r = spawnSync('mknod', [p, 'c', '1', name === 'null' ? '3' : '7']);
  assert.equal(r.status, 0, String(r.stderr));
  chmodSync(p, 0o666);
  return p;
}

const writeText = (target: string, text: string) =>
  writeFileAtomic(target, async (write) => {
    await write(text.slice(0, 3));
    await write(text.slice(3));
  });

test('a symlink is followed: its target gets the content, the link stays a link', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'real.json'), 'OLD');
  symlinkSync('real.json', join(dir, 'link.json'));
  await writeText(join(dir, 'link.json'), 'NEW CONTENT');
  assert.ok(lstatSync(join(dir, 'link.json')).isSymbolicLink(), 'the link is still a link');
  assert.equal(readlinkSync(join(dir, 'link.json')), 'real.json');
  assert.equal(readFileSync(join(dir, 'real.json'), 'utf8'), 'NEW CONTENT');
  assert.deepEqual(readdirSync(dir).sort(), ['link.json', 'real.json']);

  // a dangling link: the file it names is created, the link kept
  symlinkSync(join(dir, 'sub', 'made.json'), join(dir, 'dangling.json'));
  mkdirSync(join(dir, 'sub'));
  await writeText(join(dir, 'dangling.json'), 'MADE');
  assert.ok(lstatSync(join(dir, 'dangling.json')).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'sub', 'made.json'), 'utf8'), 'MADE');
});

test('a character device is written in place, never replaced by a regular file', async () => {
  const dir = tmp();
  const dev = charDevice(dir, 'null');
  await writeText(dev, 'into the void');
  assert.ok(lstatSync(dev).isCharacterDevice(), `${dev} is still a character device`);
  assert.deepEqual(pendingTempFiles(), []);

  const full = charDevice(dir, 'full');
  await assert.rejects(writeText(full, 'x'.repeat(100_000)), (e: Error) => {
    assert.equal(e.message, `cannot write ${full}: no space left on the device`);
    return true;
  });
  assert.ok(lstatSync(full).isCharacterDevice());
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('a FIFO is written in place: the reader gets the content, the FIFO stays', async () => {
  const dir = tmp();
  const fifo = join(dir, 'pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const reader = spawn('cat', [fifo]);
  let got = '';
  reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
  const closed = new Promise((ok) => reader.on('close', ok));
  // A writer that replaced the FIFO would leave cat waiting: it is stopped after 10 s at most.
  const guard = setTimeout(() => reader.kill(), 10_000);
  try {
    await writeText(fifo, 'through the pipe');
    await closed;
  } finally {
    clearTimeout(guard);
  }
  assert.equal(got, 'through the pipe');
  assert.ok(lstatSync(fifo).isFIFO());
  assert.deepEqual(readdirSync(dir), ['pipe']);
});

test('a directory is refused with one line, and nothing is written', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'out'));
  await assert.rejects(writeText(join(dir, 'out'), 'x'), { message: `cannot write ${join(dir, 'out')}: is a directory` });
  assert.deepEqual(readdirSync(dir), ['out']);
  assert.deepEqual(readdirSync(join(dir, 'out')), []);
});

test('an existing file keeps its permission bits exactly, even under umask 077', async () => {
  const dir = tmp();
  const target = join(dir, 'shared.json');
  writeFileSync(target, 'OLD');
  chmodSync(target, 0o664);
  const old = process.umask(0o077);
  try {
    await writeText(target, 'NEW');
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(target).mode & 0o777, 0o664);
  assert.equal(readFileSync(target, 'utf8'), 'NEW');
});

test('output names up to 255 bytes work (the temporary name is shortened), no temp file left', async () => {
  const dir = tmp();
  for (const name of ['a'.repeat(240) + '.json', 'é'.repeat(120) + '.json', 'b'.repeat(255)]) {
    assert.ok(Buffer.byteLength(name) <= 255);
    await writeText(join(dir, name), 'LONG');
    assert.equal(readFileSync(join(dir, name), 'utf8'), 'LONG');
  }
  assert.equal(readdirSync(dir).length, 3);
});
