/**
 * Child of read-errors.test.ts: prints how the CLI and the panel's worker word the failure to
 * read `process.argv[2]`, as JSON. A child so that the test can run it as an unprivileged user
 * (root reads a mode-000 file, so EACCES needs another uid).
 */
import { main } from '../../src/cli/cli';
import { loadFixtureStaged } from '../../src/worker/stagedLoad';

async function report(path: string): Promise<void> {
  const loaded = await loadFixtureStaged(path, 1e6);
  let cli = '';
  await main(['run', path], { stdout: () => undefined, stderr: (t) => void (cli += t) });
  process.stdout.write(JSON.stringify({ worker: loaded.ok ? null : loaded.message, cli }));
}

void report(process.argv[2] ?? '');
