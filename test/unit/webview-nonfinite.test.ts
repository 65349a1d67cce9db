/**
 * The panel names the first NaN/Infinity a run produced (issue 10), like the CLI's warning: a
 * fixture whose weights overflow is run by the worker's session (what the panel runs), its
 * progress goes through the webview's store, and the panel's warning line must say what
 * `rnn-stepper run` says on stderr for the same file (step, tensor, index, value).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/cli';
import type { Progress } from '../../src/protocol/messages';
import { nonFiniteNotice } from '../../src/webview/nonFiniteNotice';
import { initialState, reduce } from '../../src/webview/store';
import type { FromWorker } from '../../src/worker/protocol';
import { RunSession } from '../../src/worker/session';
import { loadFixtureStaged } from '../../src/worker/stagedLoad';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Runs `file` in a worker session to the end; resolves with the run info and the last progress. */
async function runInSession(file: string): Promise<{ run: Extract<FromWorker, { type: 'loaded' }>['run']; progress: Omit<Progress, 'runId'> }> {
  const posted: FromWorker[] = [];
  const session = new RunSession((m) => void posted.push(m), {
    load: (path, maxBytes) => loadFixtureStaged(path, maxBytes),
    loadWhole: (path, maxBytes) => loadFixtureStaged(path, maxBytes),
  }, { paintWaitMs: 0 });
  try {
    await session.receive({ type: 'load', runId: 1, path: file, maxBytes: 1 << 30, gateGradLimitBytes: 0 });
    const loaded = posted.find((m) => m.type === 'loaded');
    assert.ok(loaded?.type === 'loaded', JSON.stringify(posted));
    void session.receive({ type: 'start' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const last = posted.filter((m) => m.type === 'progress').pop();
      if (last?.type === 'progress' && last.progress.finished) return { run: loaded.run, progress: last.progress };
      assert.ok(Date.now() < deadline, 'the run did not finish');
      await new Promise((ok) => setTimeout(ok, 20));
    }
  } finally {
    session.dispose();
  }
}

test('the panel warns about the first non-finite value with the CLI’s words', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-nonfinite-'));
  const f: Record<string, unknown> = JSON.parse(readFileSync(join(FIXTURES, 'rnn_coursera_forward.json'), 'utf8'));
  const params = f.parameters as Record<string, number[][]>;
  params.Waa = params.Waa!.map((row) => row.map(() => 1e308));
  params.Wya = params.Wya!.map((row) => row.map(() => 1e308));
  const file = join(dir, 'overflow.json');
  writeFileSync(file, JSON.stringify(f));

  let err = '';
  assert.equal(await main(['run', file], { stdout: () => undefined, stderr: (t) => void (err += t) }), 0);
  const prefix = 'rnn-stepper run: warning: ';
  assert.ok(err.startsWith(prefix), err);
  const cliWarning = err.slice(prefix.length).trimEnd();
  assert.match(cliWarning, /^the run produced a non-finite value: y\[\d+, \d+, 0\] = (NaN|-?Infinity) at forward step t=0 /);

  const { run, progress } = await runInSession(file);
  let s = reduce(initialState(), { type: 'init', run: { ...run, runId: 1 } });
  assert.equal(nonFiniteNotice(s), undefined, 'nothing to say before any progress');
  s = reduce(s, { type: 'progress', progress: { ...progress, runId: 1 } });
  assert.equal(nonFiniteNotice(s), `Warning: ${cliWarning}`);

  // A clean run says nothing.
  const clean = await runInSession(join(FIXTURES, 'rnn_coursera_forward.json'));
  const c = reduce(reduce(initialState(), { type: 'init', run: { ...clean.run, runId: 1 } }), { type: 'progress', progress: { ...clean.progress, runId: 1 } });
  assert.equal(nonFiniteNotice(c), undefined);
});
