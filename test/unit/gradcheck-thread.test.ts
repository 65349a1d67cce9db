/**
 * The host's handle on the gradient check thread (src/worker/gradcheckThread.ts), with the real
 * thread entry (src/worker/main.ts, role 'gradcheck', loaded through test/unit/worker-entry.mjs,
 * which registers tsx in the thread): a check runs to `done` with every gradient below 1e-7, and `cancel` during a check
 * ends the thread at once with no event after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '../../src/cli/cli';
import type { GradcheckEvent } from '../../src/worker/gradcheckJob';
import { GradcheckThread } from '../../src/worker/gradcheckThread';

const SCRIPT = join(import.meta.dirname, 'worker-entry.mjs');
const quiet: CliIO = { stdout: () => undefined, stderr: () => undefined };

async function fixture(dir: string, args: string[]): Promise<string> {
  const path = join(dir, 'f.rnn.json');
  assert.equal(await main(['new', ...args, '-o', path], quiet), 0);
  return path;
}

test('gradcheck thread: a check runs to done in its own thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-gc-thread-'));
  try {
    const path = await fixture(dir, ['--kind', 'rnn', '--n-a', '4', '-m', '3', '-T', '3']);
    const events: GradcheckEvent[] = [];
    await new Promise<void>((resolve) => {
      new GradcheckThread(SCRIPT, { path, maxBytes: 1 << 20 }, (e) => {
        events.push(e);
        if (e.kind === 'done' || e.kind === 'failed') resolve();
      });
    });
    const last = events.at(-1);
    assert.ok(last && last.kind === 'done', JSON.stringify(last));
    for (const r of last.rows) assert.ok(r.maxRelErr < 1e-7, `${r.name}: ${r.maxRelErr}`);
    assert.ok(events.some((e) => e.kind === 'progress'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gradcheck thread: cancel during the check ends it, and nothing is said after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-gc-thread-'));
  try {
    const path = await fixture(dir, ['--kind', 'lstm', '--n-x', '16', '--n-a', '32', '-m', '8', '-T', '60']);
    const events: GradcheckEvent[] = [];
    let thread: GradcheckThread | undefined;
    await new Promise<void>((resolve) => {
      thread = new GradcheckThread(SCRIPT, { path, maxBytes: 1 << 26 }, (e) => {
        events.push(e);
        if (e.kind === 'progress') {
          thread?.cancel();
          resolve();
        }
      });
    });
    assert.equal(thread?.running, false);
    const seen = events.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(events.length, seen, 'no event after cancel');
    assert.ok(!events.some((e) => e.kind === 'done'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
