/**
 * How a load that failed is worded: one line `file:line:column: what` (or `file: what` for
 * problems of the file as a whole), with a diagnostic the Problems panel can place.
 */
import type { FixtureDiagnostic } from '../engine/types';
import { cannotReadFixture } from '../fixture/fileErrors';
import { toWorkerDiags } from './diagnostics';
import type { WorkerDiag } from './protocol';

/** A load that failed: the diagnostics, and the one line that sums them up. */
export interface LoadFailure {
  ok: false;
  diagnostics: WorkerDiag[];
  message: string;
}

/** A problem of the file as a whole (size, I/O, a reader thread that died): placed at 1:1. */
export const fileProblem = (message: string): LoadFailure => ({
  ok: false,
  message,
  diagnostics: [{ line: 1, column: 1, endLine: 1, endColumn: 2, path: '', message, severity: 'error' }],
});

/** The positioned reader's diagnostics over `text`; the message names the first. */
export function invalidFixture(name: string, text: string, diags: readonly FixtureDiagnostic[]): LoadFailure {
  const diagnostics = toWorkerDiags(text, diags);
  const first = diagnostics[0];
  const message = first ? `${name}:${first.line}:${first.column}: ${first.message}` : `${name}: invalid fixture`;
  return { ok: false, diagnostics, message };
}

/** The file could not be read: the CLI's wording (fixture/fileErrors.ts), "permission denied". */
export function cannotRead(name: string, e: unknown): LoadFailure {
  return fileProblem(`${name}: ${cannotReadFixture(e)}`);
}

