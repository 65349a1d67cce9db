/**
 * Executable entry of `rnn-stepper` (bundled to dist/cli.js). All the logic is in `cli.ts`; this
 * file owns the process: its streams, its signals and its exit code.
 *
 * - A signal (SIGINT, SIGTERM, SIGHUP) removes the temporary file of a write under way, prints one
 *   line and exits 128 + the signal's number (130, 143, 129), as shells report it.
 * - A stream error (stdout to a full disk, a closed terminal, EIO…) is one line and exit 2; never
 *   a stack. EPIPE included: `rnn-stepper run f.json | head` closing the pipe early leaves the
 *   output cut short, which a script must be able to tell from a complete export (exit 2, one
 *   line naming the cause; shells and `set -o pipefail` then report it like any other failure).
 */
import { pendingTempFiles, removeTempFilesSync } from '../export/writeAtomic';
import { fileErrorReason } from '../fixture/fileErrors';
import { escapeControls } from '../fixture/quote';
import { main } from './cli';

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** Leaves now: temp files removed, one line on stderr (if it still works), the given code. */
function leave(code: number, line: string | undefined): never {
  const unfinished = pendingTempFiles().length > 0;
  removeTempFilesSync();
  if (unfinished && line !== undefined) line = line.replace(/\n$/, ' (the unfinished output was removed; the target is untouched)\n');
  if (line !== undefined) {
    try {
      process.stderr.write(line);
    } catch {
      /* stderr is gone too */
    }
  }
  process.exit(code);
}

for (const [name, num] of Object.entries(SIGNALS)) {
  process.on(name, () => leave(128 + num, `rnn-stepper: stopped by ${name}\n`));
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // `rnn-stepper run f.json | head`: the reader went away and the output is incomplete.
  if (e.code === 'EPIPE') leave(2, 'rnn-stepper: output closed early (EPIPE)\n');
  leave(2, `rnn-stepper: cannot write to stdout: ${fileErrorReason(e)}\n`);
});
process.stderr.on('error', () => leave(2, undefined));

const stdout = (chunk: string): Promise<void> | void => {
  if (process.stdout.write(chunk)) return;
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
};

main(process.argv.slice(2), { stdout, stderr: (text) => void process.stderr.write(text) }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    leave(2, `rnn-stepper: internal error: ${escapeControls(e instanceof Error ? e.message : String(e))}\n`);
  },
);
