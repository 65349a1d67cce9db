/**
 * Diagnostic positions: the reader gives each problem a start (line, column) and a length; the
 * host needs the end too, and only the worker has the text to compute it.
 */
import type { FixtureDiagnostic } from '../engine/types';
import { lineColumns } from '../fixture/jsonText';
import type { WorkerDiag } from './protocol';

/** The reader's diagnostics with their end positions in `text`. */
export function toWorkerDiags(text: string, diags: readonly FixtureDiagnostic[]): WorkerDiag[] {
  const ends = diags.map((d) => d.offset + Math.max(d.length, 0));
  // The reader's own line rule (\n, \r\n and a lone \r end lines), so ends agree with starts.
  const pos = lineColumns(text, ends);
  return diags.map((d, k) => {
    const end = pos.get(ends[k]) ?? { line: d.line, column: d.column };
    const sameOrAfter = end.line > d.line || (end.line === d.line && end.column > d.column);
    return {
      line: d.line,
      column: d.column,
      endLine: sameOrAfter ? end.line : d.line,
      endColumn: sameOrAfter ? end.column : d.column + 1,
      path: d.path,
      message: d.message,
      severity: d.severity,
    };
  });
}

