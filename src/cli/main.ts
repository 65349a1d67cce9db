/**
 * Executable entry of `rnn-stepper` (bundled to dist/cli.js). All the logic is in `cli.ts`; this
 * file owns the process: its streams, its signals and its exit code.
 *
 * - A signal (SIGINT, SIGTERM, SIGHUP) removes the temporary file of a write under way, prints one
 *   line and exits 128 + the signal's number (130, 143, 129), as shells report it.
 * - A stream error (stdout to a full disk, a closed terminal, EIO…) is one line and exit 2; never
 *   a stack. `rnn-stepper run f.json | head` closing the pipe early is not an error (exit 0).
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
  // `rnn-stepper run f.json | head`: the reader went away; that is not an error.
  if (e.code === 'EPIPE') leave(0, undefined);
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
