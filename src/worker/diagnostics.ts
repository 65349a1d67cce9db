/**
 * Diagnostic positions: the reader gives each problem a start (line, column) and a length; the
 * host needs the end too, and only the worker has the text to compute it.
 */
import type { FixtureDiagnostic } from '../engine/types';
import type { WorkerDiag } from './protocol';

/** 1-based line/column of 0-based offsets, one pass over the text. */
function positions(text: string, offsets: number[]): Map<number, { line: number; column: number }> {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const out = new Map<number, { line: number; column: number }>();
  let line = 1, lineStart = 0, i = 0;
  for (const off of sorted) {
    const end = Math.min(Math.max(off, 0), text.length);
    for (; i < end; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    out.set(off, { line, column: end - lineStart + 1 });
  }
  return out;
}

/** The reader's diagnostics with their end positions in `text`. */
export function toWorkerDiags(text: string, diags: readonly FixtureDiagnostic[]): WorkerDiag[] {
  const ends = diags.map((d) => d.offset + Math.max(d.length, 0));
  const pos = positions(text, ends);
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

