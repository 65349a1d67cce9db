/**
 * `rnn-stepper check IMPL [FIXTURE]`: runs the learner's rnn.py / notebook against the engine and
 * says where their numbers first go wrong and which known slip explains it (src/check).
 * Exit 0 when every function present matches, 1 on a mismatch, error or timeout, 2 for bad input
 * (file or fixture not readable, no Python, no NumPy).
 */
import { numpyShape } from '../engine/layout';
import type { Problem } from '../engine/types';
import { formatDiagnostic } from '../fixture/parse';
import { readFixtureFile } from '../fixture/readFile';
import { checkImplementation } from '../check/index';
import { CheckSetupError, type CheckResult, type FunctionReport, type JsonNumber } from '../check/types';
import { UsageError, type OptSpec, type ParsedArgs } from './args';
import type { CliIO } from './cli';

export const CHECK_USAGE = `usage: rnn-stepper check IMPL.py [FIXTURE] [--python P] [--timeout S] [--rtol R --atol A] [--json]

Runs the functions your IMPL (.py, or a Jupyter .ipynb: only its imports and definitions run)
defines among rnn_cell_forward, rnn_forward, rnn_cell_backward, rnn_backward and their lstm_
counterparts, each on the reference inputs of FIXTURE (cell functions at every step; backward
functions get caches built by the reference forward), compares every output with the engine
(NumPy's allclose rule, shapes first) and reports the first divergence and the known slip that
reproduces your numbers. Without FIXTURE: both families at the Coursera notebook's sizes.

options:
  --python P          Python interpreter with NumPy (default python3)
  --timeout S         longest one call of your function (or importing the file) may take, s (default 30)
  --rtol R            relative tolerance (default 1e-5)
  --atol A            absolute tolerance (default 1e-8)
  --json              print the rnn-stepper.check v1 report (one JSON object) instead of text
  --max-bytes N       refuse fixtures larger than N bytes (default 536870912 = 512 MiB)
  -h, --help          show this help

exit codes: 0 every function present matches, 1 a mismatch, error or timeout, 2 bad input
(file or fixture, no Python or no NumPy)
`;

export const CHECK_SPECS: OptSpec[] = [
  { name: 'help', aliases: ['-h'], type: 'flag' },
  { name: 'python', type: 'string' },
  { name: 'timeout', type: 'number' },
  { name: 'rtol', type: 'number' },
  { name: 'atol', type: 'number' },
  { name: 'json', type: 'flag' },
  { name: 'max-bytes', type: 'int' },
];

function num(v: JsonNumber | null): string {
  if (v === null) return '?';
  return typeof v === 'number' ? String(Number(v.toPrecision(8))) : v;
}

function sci(v: JsonNumber | null): string {
  return typeof v === 'number' ? v.toExponential(2) : v === null ? 'n/a' : v;
}

const shape = (s: readonly number[] | null): string => (s ? numpyShape(s) : '?');

function where(f: FunctionReport): string {
  const e = f.error;
  return e?.file ? ` (${e.file}${e.line ? `:${e.line}` : ''})` : '';
}

/** The text report: one line per function, the first divergence and diagnosis under a mismatch. */
export function formatCheck(result: CheckResult, header: string): string {
  const lines = [header];
  const width = Math.max(...result.report.functions.map((f) => f.name.length));
  for (const f of result.report.functions) {
    const name = f.name.padEnd(width);
    const d = f.first_divergence;
    switch (f.status) {
      case 'match':
        lines.push(`  ok        ${f.name}`);
        break;
      case 'missing':
        lines.push(`  missing   ${name}  (not defined)`);
        break;
      case 'error':
      case 'timeout':
        lines.push(`  ${f.status.padEnd(9)} ${name}  ${f.error?.message ?? ''}${where(f)}`);
        break;
      case 'mismatch': {
        const at = d ? `${d.tensor}${d.step !== null ? ` at t=${d.step}` : ''}` : '?';
        if (d && d.index === null) {
          lines.push(`  MISMATCH  ${name}  ${at}: shape ${shape(d.shape_mine)}, expected ${shape(d.shape_reference)}`);
        } else if (d) {
          lines.push(
            `  MISMATCH  ${name}  ${at}, index [${d.index?.join(', ')}]: yours ${num(d.mine)}, reference ${num(d.reference)} ` +
              `(abs err ${sci(d.abs_err)}, rel err ${sci(d.rel_err)})`,
          );
        }
        if (f.diagnosis.length === 0) lines.push(`            no known slip reproduces your numbers`);
        for (const g of f.diagnosis) lines.push(`            likely ${g.id}: ${g.message}`);
        break;
      }
    }
  }
  for (const n of result.notes) lines.push(`note: ${n}`);
  const fs = result.report.functions;
  const bad = fs.filter((f) => f.status !== 'match' && f.status !== 'missing').length;
  const present = fs.filter((f) => f.status !== 'missing').length;
  lines.push(
    present === 0
      ? 'none of the checked functions is defined in this file'
      : bad === 0
        ? `all ${present} function${present === 1 ? '' : 's'} present match`
        : `${bad} of ${present} function${present === 1 ? '' : 's'} present do${bad === 1 ? 'es' : ''} not match`,
  );
  return lines.join('\n') + '\n';
}

export async function cmdCheck(args: ParsedArgs, io: CliIO): Promise<number> {
  const [impl, fixture, ...extra] = args.positionals;
  if (impl === undefined) throw new UsageError('missing IMPL argument (your .py or .ipynb)');
  if (extra.length) throw new UsageError(`expected IMPL and at most one FIXTURE, got ${args.positionals.length} arguments`);
  const o = args.opts;
  const timeout = typeof o.timeout === 'number' ? o.timeout : 30;
  if (!(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${timeout}`);
  const rtol = typeof o.rtol === 'number' ? o.rtol : undefined;
  const atol = typeof o.atol === 'number' ? o.atol : undefined;
  for (const [k, v] of [['--rtol', rtol], ['--atol', atol]] as const) {
    if (v !== undefined && !(v >= 0)) throw new UsageError(`${k} must be ≥ 0, got ${v}`);
  }
  let problem: Problem | undefined;
  if (fixture !== undefined) {
    const r = await readFixtureFile(fixture, typeof o['max-bytes'] === 'number' ? { maxBytes: o['max-bytes'] } : {});
    if (!r.ok) {
      for (const d of r.diagnostics) io.stderr(formatDiagnostic(fixture, d) + '\n');
      const n = r.diagnostics.filter((d) => d.severity === 'error').length;
      io.stderr(`rnn-stepper check: ${fixture}: ${n} problem${n === 1 ? '' : 's'} found; nothing was run\n`);
      return 2;
    }
    for (const w of r.warnings) io.stderr(formatDiagnostic(fixture, w) + '\n');
    problem = r.problem;
  }
  // Progress on stderr for runs long enough to need it (a 1000-step LSTM), at most once a second.
  const started = Date.now();
  let lastShown = started;
  let result: CheckResult;
  try {
    result = await checkImplementation({
      implPath: impl, problem, python: typeof o.python === 'string' ? o.python : undefined, timeoutMs: timeout * 1000, rtol, atol,
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastShown < 1000) return;
        lastShown = now;
        io.stderr(`rnn-stepper check: ${p.message} (${((now - started) / 1000).toFixed(0)} s)\n`);
      },
    });
  } catch (e) {
    if (e instanceof CheckSetupError) {
      io.stderr(`rnn-stepper check: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (o.json) await io.stdout(JSON.stringify(result.report, null, 1) + '\n');
  else {
    const against = problem ? problem.name : 'the Coursera-sized RNN and LSTM';
    const g = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));
    const tol = `rtol ${g(rtol ?? 1e-5)}, atol ${g(atol ?? 1e-8)}`;
    await io.stdout(formatCheck(result, `${impl} against ${against} (${tol})`));
  }
  return result.report.ok ? 0 : 1;
}
