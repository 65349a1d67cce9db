/**
 * The gradient check's thread (role 'gradcheck' of dist/worker.js) and the host's handle on it.
 * The thread reads the fixture itself (the run worker has dropped `da` once its caches hold it),
 * runs a `GradcheckJob` and posts its events; the host cancels by ending the thread, which stops
 * even in the middle of a probe, and every byte the check allocated goes with it.
 */
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { readFixtureFile } from '../fixture/readFile';
import { cannotRead } from './loadErrors';
import { GradcheckJob, type GradcheckEvent } from './gradcheckJob';

/** What the check thread is given (`workerData`). */
export interface GradcheckThreadData {
  role: 'gradcheck';
  path: string;
  maxBytes: number;
}

export function isGradcheckThreadData(v: unknown): v is GradcheckThreadData {
  return typeof v === 'object' && v !== null && 'role' in v && v.role === 'gradcheck' &&
    'path' in v && typeof v.path === 'string' && 'maxBytes' in v && typeof v.maxBytes === 'number';
}

/** The thread's job: read, check, post every event. */
export async function gradcheckThreadMain(d: GradcheckThreadData, post: (e: GradcheckEvent) => void): Promise<void> {
  const name = basename(d.path);
  let read;
  try {
    read = await readFixtureFile(d.path, { maxBytes: d.maxBytes });
  } catch (e) {
    return post({ kind: 'failed', message: cannotRead(name, e).message });
  }
  if (!read.ok) {
    const first = read.diagnostics.find((x) => x.severity === 'error') ?? read.diagnostics[0];
    return post({ kind: 'failed', message: first ? `${name}:${first.line}:${first.column}: ${first.message}` : `${name}: invalid fixture` });
  }
  await new GradcheckJob(read.problem, post).run();
}

/** The host's handle: one check in one thread; `cancel` ends the thread at once. */
export class GradcheckThread {
  private readonly worker: Worker;
  private ended = false;

  constructor(script: string, data: Omit<GradcheckThreadData, 'role'>, private readonly onEvent: (e: GradcheckEvent) => void) {
    const workerData: GradcheckThreadData = { role: 'gradcheck', ...data };
    this.worker = new Worker(script, { workerData });
    this.worker.on('message', (e: GradcheckEvent) => {
      if (this.ended) return;
      if (e.kind === 'done' || e.kind === 'failed') this.finish();
      this.onEvent(e);
    });
    this.worker.once('error', (e) => {
      if (this.ended) return;
      this.finish();
      this.onEvent({ kind: 'failed', message: `the gradient check thread failed: ${e.message}` });
    });
    this.worker.once('exit', (code) => {
      if (this.ended) return;
      this.ended = true;
      this.onEvent({ kind: 'failed', message: `the gradient check thread ended early (exit code ${code})` });
    });
  }

  get running(): boolean {
    return !this.ended;
  }

  private finish(): void {
    this.ended = true;
    void this.worker.terminate();
  }

  /** Stop now (mid-probe too); no event follows. */
  cancel(): void {
    if (!this.ended) this.finish();
  }
}
