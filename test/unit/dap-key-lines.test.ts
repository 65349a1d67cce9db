// The debug adapter finds the lines of a fixture's keys by reading the file in chunks (it never
// holds a big fixture's text): checked against the line of each key in the whole text, with
// chunks small enough to cut keys in two, keys asked for after the reading passed them, and keys
// that are not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyLines } from '../../src/debug/keyLines';

const ROOT = join(import.meta.dirname, '..', '..');

/** The 1-based line of the first `"key"` in `text`, counted the plain way. */
const lineIn = (text: string, key: string): number => {
  const at = text.indexOf(`"${key}"`);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
};

test('key lines match the whole text for every chunk size, in any order of asking', async () => {
  const text = readFileSync(join(ROOT, 'examples', 'lstm_small.rnn.json'), 'utf8');
  const file = join(mkdtempSync(join(tmpdir(), 'rnn-keylines-')), 'f.rnn.json');
  writeFileSync(file, text);
  const keys = ['x', 'parameters', 'Wf', 'by', 'da', 'dims'];
  assert.ok(lineIn(text, 'da') > lineIn(text, 'x'), 'the fixture spreads its keys over lines');
  for (const chunk of [7, 16, 1000, 1 << 22]) {
    const kl = new KeyLines(file, chunk);
    // da (late in the file) first: x and parameters are then behind the reading position.
    for (const key of ['da', ...keys, 'no_such_key']) assert.equal(await kl.lineOf(key), lineIn(text, key), `${key} with ${chunk}-byte chunks`);
  }
});

test('CRLF lines, a key split across chunks, a file that cannot be read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-keylines-'));
  const text = '{\r\n  "name": "n",\r\n\r\n  "x": [[[1]]],\r\n  "parameters": {}\r\n}\r\n';
  const file = join(dir, 'crlf.json');
  writeFileSync(file, text);
  for (let chunk = 3; chunk < 20; chunk++) {
    const kl = new KeyLines(file, chunk);
    assert.equal(await kl.lineOf('parameters'), 5, `chunk ${chunk}`);
    assert.equal(await kl.lineOf('x'), 4, `chunk ${chunk}`);
  }
  assert.equal(await new KeyLines(join(dir, 'missing.json')).lineOf('x'), 1);
});
