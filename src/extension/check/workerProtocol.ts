/**
 * Messages between the extension host and the check's worker thread (src/extension/check/worker.ts).
 * The check runs off the host's main thread: it reads the fixture, computes the reference and the
 * diagnosis variants (engine work that takes seconds on a long LSTM) while Python runs the user's code.
 */
import type { CheckProgress, CheckResult } from '../../check/types';
import type { FixtureDiagnostic } from '../../engine/types';

export interface CheckJob {
  implPath: string;
  /** The fixture's fsPath, or null for the Coursera-sized problems of both families. */
  fixture: string | null;
  maxBytes: number;
  python: string;
  timeoutMs: number;
  rtol: number;
  atol: number;
  harnessPath: string;
}

export type ToCheckWorker = { type: 'run'; job: CheckJob } | { type: 'cancel' };

export type FromCheckWorker =
  | { type: 'progress'; progress: CheckProgress }
  | { type: 'output'; text: string }
  | { type: 'done'; result: CheckResult }
  /** The fixture did not load: its problems, positioned (shown like Step RNN's). */
  | { type: 'fixtureError'; diagnostics: FixtureDiagnostic[] }
  /** No Python, no NumPy, file not found: the message says what to do. */
  | { type: 'setupError'; message: string }
  | { type: 'cancelled' }
  | { type: 'failed'; message: string };
