/**
 * `rnn-stepper dap`: the `rnn` debug adapter over stdin/stdout, for any DAP client (nvim-dap,
 * Emacs dap-mode, VS Code's `debugServer`-less executables). Resolves when the client disconnects.
 */
import { join } from 'node:path';
import { RnnDebugSession } from '../debug/adapter';
import { WholeFrames } from './dapFrames';

export const DAP_USAGE = `usage: rnn-stepper dap

Speaks the Debug Adapter Protocol on stdin/stdout (debug type 'rnn'): launch with
{"fixture": "PATH", "stopOnEntry": true, "phase": "forward"}. Nothing else is written to stdout.

options:
  -h, --help          show this help
`;

export function runDap(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<number> {
  // dist/cli.js, dist/worker.js and dist/evalWorker.js are bundled side by side.
  const session = new RnnDebugSession({ evalWorkerPath: join(__dirname, 'evalWorker.js'), run: { workerPath: join(__dirname, 'worker.js') } });
  return new Promise((resolve) => {
    const done = () => resolve(0);
    input.on('end', done);
    input.on('close', done);
    session.on('error', done);
    const frames = new WholeFrames();
    frames.on('error', (e) => {
      process.stderr.write(`rnn-stepper dap: ${e.message}\n`);
      resolve(2);
    });
    session.start(input.pipe(frames), output);
  });
}
