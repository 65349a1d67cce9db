/**
 * Reading and parsing a fixture inside the worker, turned into what the host needs: the problem,
 * or diagnostics with start and end positions (the worker has the text, the host does not).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FixtureDiagnostic, Problem } from '../engine/types';
import { formatDiagnostic, parseFixture } from '../fixture/parse';
import type { WorkerDiag } from './workerProtocol';

export type LoadResult =
  | { ok: true; problem: Problem; warnings: string[]; warningDiags: WorkerDiag[] }
  | { ok: false; diagnostics: WorkerDiag[]; message: string };

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

const fileProblem = (message: string): LoadResult => ({
  ok: false,
  message,
  diagnostics: [{ line: 1, column: 1, endLine: 1, endColumn: 2, path: '', message, severity: 'error' }],
});

export async function loadFixture(path: string, maxBytes: number): Promise<LoadResult> {
  const name = basename(path);
  let text: string;
  try {
    const st = await stat(path);
    if (st.size > maxBytes) {
      const mb = (n: number) => (n / 1048576).toFixed(1);
      return fileProblem(
        `${name}: the file is ${mb(st.size)} MB, above the limit of ${mb(maxBytes)} MB ` +
          '(setting rnnStepper.maxFixtureSizeMB)',
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fileProblem(`${name}: cannot read the file (${code ?? (e as Error).message})`);
  }
  const res = parseFixture(text, path);
  if (!res.ok) {
    const diagnostics = toWorkerDiags(text, res.diagnostics);
    const first = diagnostics[0];
    const message = first ? `${name}:${first.line}:${first.column}: ${first.message}` : `${name}: invalid fixture`;
    return { ok: false, diagnostics, message };
  }
  const warnings = res.warnings.map((w) => formatDiagnostic(name, w));
  return { ok: true, problem: res.problem, warnings, warningDiags: toWorkerDiags(text, res.warnings) };
}

/** Every ArrayBuffer a problem's arrays live in (for a zero-copy transfer). */
export function problemBuffers(problem: Problem): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  const add = (a: { data: Float64Array } | undefined) => {
    if (a) set.add(a.data.buffer as ArrayBuffer);
  };
  add(problem.x);
  add(problem.a0);
  add(problem.c0);
  add(problem.da);
  add(problem.dcFinal);
  for (const v of Object.values(problem.parameters)) add(v);
  return [...set];
}

/**
 * `loadFixture` in a short-lived worker of its own (`script` with `workerData.role = 'parse'`):
 * reading and parsing a big fixture leaves hundreds of MB of text and JSON garbage in a heap, and
 * a heap only gives its pages back to the OS when its thread ends. The problem's arrays come back
 * transferred (no copy); the garbage goes away with the thread.
 */
export function loadFixtureIsolated(script: string, path: string, maxBytes: number): Promise<LoadResult> {
  return new Promise((resolve) => {
    const w = new Worker(script, { workerData: { role: 'parse', path, maxBytes } });
    let done = false;
    const finish = (r: LoadResult) => {
      if (done) return;
      done = true;
      resolve(r);
      void w.terminate();
    };
    w.once('message', (r: LoadResult) => finish(r));
    w.once('error', (e) => finish(fileProblem(`${basename(path)}: the reader failed: ${e.message}`)));
    w.once('exit', (code) => finish(fileProblem(`${basename(path)}: the reader stopped (exit code ${code})`)));
  });
}
