/** The worker's export: identical to the export module's text; a cancel writes nothing. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { randomProblem, run } from '../../src/engine';
import { exportToString } from '../../src/export/caches';
import { ExportCancelled, exportRun } from '../../src/worker/export';

describe('worker export', () => {
  const result = run(randomProblem({ kind: 'lstm', n_x: 3, n_a: 4, n_y: 2, m: 3, T: 6, seed: 2 }), { keepGateGrads: false });

  it('writes exactly the export text and returns its size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-export-'));
    const target = join(dir, 'out.caches.json');
    const bytes = await exportRun(result, target);
    const text = readFileSync(target, 'utf8');
    assert.equal(text, exportToString(result));
    assert.equal(bytes, Buffer.byteLength(text));
    assert.deepEqual(readdirSync(dir), ['out.caches.json'], 'no temporary file left');
  });

  it('a cancel leaves an existing target untouched and no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-export-'));
    const target = join(dir, 'out.caches.json');
    writeFileSync(target, 'old content');
    // A bigger run has several chunks: cancel after the first one was written to the temp file.
    const big = run(randomProblem({ kind: 'lstm', n_x: 8, n_a: 16, n_y: 2, m: 8, T: 40, seed: 3 }), { keepGateGrads: false });
    assert.ok(exportToString(big).length > 3 * 65536, 'the big export spans several chunks');
    let chunks = 0;
    await assert.rejects(exportRun(big, target, () => ++chunks > 1), ExportCancelled);
    assert.equal(chunks, 2, 'cancelled after one chunk');
    assert.equal(readFileSync(target, 'utf8'), 'old content');
    assert.deepEqual(readdirSync(dir), ['out.caches.json']);
    const fresh = join(dir, 'never.json');
    await assert.rejects(exportRun(result, fresh, () => true), ExportCancelled);
    assert.deepEqual(readdirSync(dir), ['out.caches.json'], 'nothing created');
  });
});
