/**
 * One check on a worker thread, from the host's side: start it, follow its progress, cancel it.
 * A cancel asks the worker to abort (which kills Python's process group); a worker that does not
 * answer within a few seconds is terminated.
 */
import { Worker } from 'node:worker_threads';
import type { CheckProgress } from '../../check/types';
import type { CheckJob, FromCheckWorker, ToCheckWorker } from './workerProtocol';

export type CheckOutcome =
  | Extract<FromCheckWorker, { type: 'done' | 'fixtureError' | 'setupError' | 'cancelled' | 'failed' }>;

const CANCEL_GRACE_MS = 5000;

export class CheckRun {
  readonly done: Promise<CheckOutcome>;
  private readonly worker: Worker;
  private settle: (o: CheckOutcome) => void = () => undefined;
  private finished = false;

  constructor(script: string, job: CheckJob, on: { progress(p: CheckProgress): void; output(text: string): void }) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.worker = new Worker(script);
    this.worker.on('message', (m: FromCheckWorker) => {
      if (m.type === 'progress') on.progress(m.progress);
      else if (m.type === 'output') on.output(m.text);
      else this.finish(m);
    });
    this.worker.on('error', (e) => this.finish({ type: 'failed', message: e.message }));
    this.worker.on('exit', (code) => this.finish({ type: 'failed', message: `the check's worker stopped (exit code ${code})` }));
    const start: ToCheckWorker = { type: 'run', job };
    this.worker.postMessage(start);
  }

  private finish(o: CheckOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.settle(o);
    void this.worker.terminate();
  }

  cancel(): void {
    if (this.finished) return;
    const m: ToCheckWorker = { type: 'cancel' };
    this.worker.postMessage(m);
    setTimeout(() => this.finish({ type: 'cancelled' }), CANCEL_GRACE_MS).unref();
  }
}
