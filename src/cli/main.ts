/** Executable entry of `rnn-stepper` (bundled to dist/cli.js). All the logic is in `cli.ts`. */
import { main } from './cli';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // `rnn-stepper run f.json | head`: the reader went away; that is not an error.
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const stdout = (chunk: string): Promise<void> | void => {
  if (process.stdout.write(chunk)) return;
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()));
};

main(process.argv.slice(2), { stdout, stderr: (text) => void process.stderr.write(text) }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`rnn-stepper: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
