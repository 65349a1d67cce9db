/**
 * What a check result says, as words and places: the one-line headline of a function's outcome,
 * and the findings to show as diagnostics in the user's file (at the function's `def` line, or at
 * the line that raised). Pure (no `vscode`), so the wording and the placement are unit-tested.
 */
import { numpyShape } from '../../engine/layout';
import type { CheckResult, Definition, FunctionReport, JsonNumber } from '../../check/types';

export interface Finding {
  function: FunctionReport['name'];
  /** The file the finding belongs to (the user's file, or a helper beside it that raised). */
  file: string;
  /** 1-based line (in a notebook: inside cell `cell`). */
  line: number;
  /** 0-based notebook cell, when the file is a notebook. */
  cell?: number;
  /** The best diagnosis id (`bias-missing`, …) or the status (`error`, `timeout`, `mismatch`). */
  code: string;
  message: string;
  /** Where the function is defined, when the finding is elsewhere (an error in a helper). */
  definedAt?: { file: string; line: number; cell?: number };
}

function num(v: JsonNumber | null): string {
  if (v === null) return '?';
  return typeof v === 'number' ? String(Number(v.toPrecision(6))) : v;
}

function sci(v: JsonNumber | null): string {
  return typeof v === 'number' ? v.toExponential(1) : v === null ? 'n/a' : v;
}

const shape = (s: readonly number[] | null): string => (s ? numpyShape(s) : '?');

/** `a_next at t=2 [1, 3]: yours 0.12, reference 0.45 (abs err 3.3e-1, rel err 7.3e-1)`, or the error. */
export function headline(f: FunctionReport): string {
  const d = f.first_divergence;
  if (f.status === 'mismatch' && d) {
    const at = `${d.tensor}${d.step !== null ? ` at t=${d.step}` : ''}`;
    if (d.index === null) return `${at}: shape ${shape(d.shape_mine)}, expected ${shape(d.shape_reference)}`;
    return `${at} [${d.index.join(', ')}]: yours ${num(d.mine)}, reference ${num(d.reference)} (abs err ${sci(d.abs_err)}, rel err ${sci(d.rel_err)})`;
  }
  if (f.status === 'mismatch') return 'does not match the reference';
  if (f.status === 'error' || f.status === 'timeout') return f.error?.message ?? f.status;
  if (f.status === 'missing') return 'not defined';
  return 'matches the reference';
}

function cellOf(v: object): number | undefined {
  const c: unknown = Reflect.get(v, 'cell');
  return typeof c === 'number' && Number.isInteger(c) && c >= 0 ? c : undefined;
}

/** The diagnostic text of a mismatch: where it diverges, then the slips that reproduce it. */
function mismatchMessage(f: FunctionReport): string {
  const lines = [`${f.name} does not match the reference: ${headline(f)}`];
  if (f.diagnosis.length === 0) lines.push('No known slip reproduces your numbers.');
  f.diagnosis.forEach((g, i) => lines.push(`${i === 0 ? 'Likely' : 'Or'} ${g.id}: ${g.message}`));
  return lines.join('\n');
}

/**
 * One finding per function that did not match (missing and matching functions have none). A
 * finding without a place in a file (Python died, an error outside the user's files) goes to the
 * function's `def` line; with no `def` known either, to line 1 of the user's file.
 */
export function findings(result: CheckResult, implPath: string): Finding[] {
  const out: Finding[] = [];
  const defs = new Map<string, Definition>(result.definitions.map((d) => [d.name, d]));
  for (const f of result.report.functions) {
    if (f.status === 'match' || f.status === 'missing') continue;
    const def = defs.get(f.name);
    const home = def ? { file: def.file || implPath, line: def.line, cell: def.cell } : { file: implPath, line: 1, cell: undefined };
    if (f.status === 'mismatch') {
      out.push({ function: f.name, ...home, code: f.diagnosis[0]?.id ?? 'mismatch', message: mismatchMessage(f) });
      continue;
    }
    const e = f.error;
    const message = `${f.name}: ${f.status === 'timeout' ? '' : 'raised '}${e?.message ?? f.status}`;
    if (e?.file && e.line !== null) {
      const at = { file: e.file, line: e.line, cell: cellOf(e) };
      const elsewhere = at.file !== home.file || at.line !== home.line;
      out.push({ function: f.name, ...at, code: f.status, message, ...(elsewhere && def ? { definedAt: home } : {}) });
    } else {
      out.push({ function: f.name, ...home, code: f.status, message });
    }
  }
  return out;
}
