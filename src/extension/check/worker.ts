/**
 * The check's worker thread (bundled as dist/checkWorker.js): one job per thread. Reads the
 * fixture, runs `checkImplementation` and posts progress, the user's output and the result.
 * A `cancel` aborts the check, which kills the Python child's process group.
 */
import { parentPort } from 'node:worker_threads';
import { checkImplementation } from '../../check/index';
import { CheckCancelled, CheckSetupError } from '../../check/types';
import type { Problem } from '../../engine/types';
import { readFixtureFile } from '../../fixture/readFile';
import type { CheckJob, FromCheckWorker, ToCheckWorker } from './workerProtocol';

const port = parentPort;
const abort = new AbortController();
const post = (m: FromCheckWorker) => port?.postMessage(m);

async function run(job: CheckJob): Promise<void> {
  try {
    let problem: Problem | undefined;
    if (job.fixture !== null) {
      const r = await readFixtureFile(job.fixture, { maxBytes: job.maxBytes });
      if (!r.ok) return post({ type: 'fixtureError', diagnostics: r.diagnostics });
      problem = r.problem;
    }
    if (abort.signal.aborted) return post({ type: 'cancelled' });
    // The user's prints arrive in bursts; batch them so a print in a loop does not flood the host.
    let pending = '';
    let flush: NodeJS.Timeout | undefined;
    const result = await checkImplementation({
      implPath: job.implPath, problem, python: job.python, timeoutMs: job.timeoutMs, rtol: job.rtol, atol: job.atol,
      harnessPath: job.harnessPath, signal: abort.signal,
      onProgress: (progress) => post({ type: 'progress', progress }),
      onOutput: (text) => {
        pending += text;
        flush ??= setTimeout(() => {
          flush = undefined;
          post({ type: 'output', text: pending.slice(-100_000) });
          pending = '';
        }, 200);
      },
    });
    if (flush) clearTimeout(flush);
    if (pending) post({ type: 'output', text: pending.slice(-100_000) });
    post({ type: 'done', result });
  } catch (e) {
    if (e instanceof CheckCancelled || abort.signal.aborted) post({ type: 'cancelled' });
    else if (e instanceof CheckSetupError) post({ type: 'setupError', message: e.message });
    else post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  }
}

port?.on('message', (m: ToCheckWorker) => {
  if (m.type === 'cancel') abort.abort();
  else if (m.type === 'run') void run(m.job);
});
