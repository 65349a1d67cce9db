/**
 * `rnn-stepper`: run a fixture and export its caches, check gradients by finite differences,
 * write random fixtures, benchmark the engine. `main(argv, io)` runs in-process (the tests call
 * it); `main.ts` is the thin executable entry.
 *
 * Exit codes: 0 ok, 1 check failed (gradcheck), 2 bad input or usage. Messages go to stderr,
 * results to stdout; user mistakes never print a stack trace.
 */
import { numpyShape } from '../engine/layout';
import { BACKEND_CHOICES, benchmark, gradcheck, gradcheckDefaults, randomProblem, run, setBackend, type CellType, type Dims, type Problem } from '../engine/index';
import { DEFAULT_MAX_MEMORY_MB, memoryRefusal } from '../engine/memory';
import { writeExport } from '../export/caches';
import { isNpzTarget, writeNpzExport } from '../export/npz';
import { fileErrorReason } from '../fixture/fileErrors';
import { formatDiagnostic } from '../fixture/parse';
import { escapeControls, quoteText } from '../fixture/quote';
import { readFixtureFile } from '../fixture/readFile';
import { checkGenerateOptions, generateFixture, INITS, type Init } from '../fixture/generate';
import { DEFAULT_MAX_FIXTURE_BYTES } from '../fixture/readFile';
import { fixtureChunks } from '../fixture/write';
import { FIXTURE_KINDS } from '../fixture/validate';
import type { FixtureKind } from '../engine/types';
import { parseArgs, UsageError, type OptSpec, type ParsedArgs } from './args';
import { InputError, outputPath, sameFile, warnNonFinite, writeOut } from './output';
import { CHECK_SPECS, cmdCheck } from './check';
import { runDap } from './dap';
import { USAGE } from './usage';

export interface CliIO {
  /** Results (export JSON, tables). May return a promise to apply back-pressure. */
  stdout(chunk: string): void | Promise<void>;
  /** Messages, diagnostics, warnings. */
  stderr(text: string): void;
}

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

export { USAGE };

const HELP: OptSpec = { name: 'help', aliases: ['-h'], type: 'flag' };
const MAX_BYTES: OptSpec = { name: 'max-bytes', type: 'int' };
const MAX_MEMORY: OptSpec = { name: 'max-memory', type: 'int' };
const SHAPE_OPTS: OptSpec[] = [
  { name: 'kind', type: 'string', choices: ['rnn', 'lstm'] },
  { name: 'n-x', type: 'int' },
  { name: 'n-a', type: 'int' },
  { name: 'n-y', type: 'int' },
  { name: 'm', aliases: ['-m'], type: 'int' },
  { name: 'T', aliases: ['-T'], type: 'int' },
  { name: 'seed', type: 'int', min: 0 },
];

/** Largest random problem `new`/`bench` will build (numbers in x, a0, weights and da). */
const MAX_RANDOM_NUMBERS = 200_000_000;

/** The run's memory budget (`--max-memory`), as a check the reader asks once the dims are known. */
function memoryCheck(o: ParsedArgs['opts']): (cell: CellType, dims: Dims, T_b: number) => string | undefined {
  const maxMB = typeof o['max-memory'] === 'number' ? o['max-memory'] : DEFAULT_MAX_MEMORY_MB;
  return (cell, dims, T_b) => memoryRefusal(cell, dims, T_b, maxMB, '--max-memory');
}

async function loadFixture(io: CliIO, cmd: string, path: string | undefined, o: ParsedArgs['opts']): Promise<Problem> {
  if (path === undefined) throw new UsageError('missing FIXTURE argument');
  const maxBytes = typeof o['max-bytes'] === 'number' ? o['max-bytes'] : undefined;
  // The memory budget is checked before the run's inputs are allocated.
  const r = await readFixtureFile(path, { checkRun: memoryCheck(o), ...(maxBytes === undefined ? {} : { maxBytes }) });
  if (!r.ok) {
    for (const d of r.diagnostics) io.stderr(formatDiagnostic(path, d) + '\n');
    const shown = r.diagnostics.filter((d) => d.severity === 'error').length;
    const n = r.errorCount ?? shown;
    const listed = n > shown ? ` (${shown} listed)` : '';
    throw new InputError(`${path}: ${n} problem${n === 1 ? '' : 's'} found${listed}; nothing was run`);
  }
  for (const w of r.warnings) io.stderr(formatDiagnostic(path, w) + '\n');
  return r.problem;
}

function shapeProblem(o: ParsedArgs['opts'], cmd: string): Problem {
  if (o.kind === undefined) throw new UsageError(cmd === 'bench' ? 'give a FIXTURE or --kind rnn|lstm' : 'missing --kind rnn|lstm');
  const kind = o.kind as CellType;
  const n_x = (o['n-x'] as number | undefined) ?? 3;
  const n_a = (o['n-a'] as number | undefined) ?? 5;
  const n_y = (o['n-y'] as number | undefined) ?? 2;
  const m = (o.m as number | undefined) ?? 10;
  const T = (o.T as number | undefined) ?? 4;
  const seed = (o.seed as number | undefined) ?? 1;
  const H = kind === 'lstm' ? 4 * n_a : n_a;
  const numbers = n_x * m * T + 2 * n_a * m * T + H * (n_a + n_x + 1) + n_y * (n_a + 1);
  if (!(numbers <= MAX_RANDOM_NUMBERS)) {
    throw new InputError(`that problem has about ${numbers.toExponential(2)} numbers, above the ${MAX_RANDOM_NUMBERS.toExponential(0)} limit`);
  }
  return randomProblem({ kind, n_x, n_a, n_y, m, T, seed });
}


function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function sci(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

async function cmdRun(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError(`expected one FIXTURE, got ${args.positionals.length} arguments`);
  const input = args.positionals[0];
  const out = outputPath(args.opts.out);
  if (out !== undefined && input !== undefined && !args.opts.force && (await sameFile(input, out))) {
    throw new InputError(`-o ${out} is the fixture itself: refusing to overwrite it (give another file, or --force)`);
  }
  const problem = await loadFixture(io, 'run', input, args.opts);
  const result = run(problem);
  warnNonFinite(io, 'run', result);
  if (out !== undefined) {
    await writeOut(out, (write) => (isNpzTarget(out) ? writeNpzExport(result, write) : writeExport(result, write)));
    io.stderr(`rnn-stepper run: wrote the caches of ${quoteText(problem.name)} to ${out}\n`);
  } else {
    await writeExport(result, (chunk) => io.stdout(chunk));
  }
  return EXIT_OK;
}

async function cmdGradcheck(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError(`expected one FIXTURE, got ${args.positionals.length} arguments`);
  const problem = await loadFixture(io, 'gradcheck', args.positionals[0], args.opts);
  // Default step and sample: see gradcheckDefaults (the panel's check uses the same).
  const defaults = gradcheckDefaults(problem);
  const eps = (args.opts.eps as number | undefined) ?? defaults.eps;
  const tol = (args.opts.tol as number | undefined) ?? 1e-7;
  if (!(eps > 0)) throw new UsageError(`--eps must be positive, got ${eps}`);
  if (!(tol > 0)) throw new UsageError(`--tol must be positive, got ${tol}`);
  if (args.opts.samples !== undefined && args.opts['max-entries'] !== undefined) throw new UsageError('give --samples or --max-entries, not both');
  const samples = (args.opts.samples as number | undefined) ?? (args.opts['max-entries'] as number | undefined) ?? defaults.samples;
  const seed = (args.opts.seed as number | undefined) ?? 0;
  const started = Date.now();
  let shown = started;
  const rows = gradcheck(problem, {
    eps,
    maxEntries: samples,
    seed,
    // A line at most every 2 s, so a long check is visibly alive (and says how long it has left).
    onProgress: (done, total, name) => {
      const now = Date.now();
      if (now - shown < 2000 || done === total) return;
      shown = now;
      const left = ((now - started) / done) * (total - done);
      io.stderr(`rnn-stepper gradcheck: ${done}/${total} entries probed (${name}), about ${Math.ceil(left / 1000)} s left\n`);
    },
  });
  const { n_x, n_a, n_y, m, T_x } = problem.dims;
  const lines: string[] = [];
  lines.push(
    `gradcheck ${quoteText(problem.name)} (${problem.kind}; n_x=${n_x} n_a=${n_a} n_y=${n_y} m=${m} T_x=${T_x}; T_b=${problem.da.shape[2]})`,
    `central differences, h = ${eps.toExponential()}; L = sum(da * a)${problem.cell === 'lstm' && problem.dcFinal ? ' + sum(dc_next * c)' : ''}${problem.daDefaulted ? ' with da = ones' : ''}; tolerance ${tol.toExponential()}`,
    rows.some((r) => r.checked < r.total)
      ? `sample: at most ${samples} entries per gradient, seed ${seed} (--samples, --seed); all entries of the smaller ones`
      : 'every entry of every gradient checked',
    '',
  );
  const head = ['gradient', 'shape', 'checked', 'max |grad|', 'max abs err', 'max rel err', 'worst at', ''];
  const body = rows.map((r) => [
    r.name,
    numpyShape(r.shape),
    `${r.checked}/${r.total}`,
    sci(r.maxAbsGrad),
    sci(r.maxAbsErr),
    sci(r.maxRelErr),
    `[${r.worst.join(', ')}]`,
    r.maxRelErr <= tol ? 'ok' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmtRow = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, i >= 2 && i <= 5)).join('  ').trimEnd();
  lines.push(fmtRow(head), ...body.map(fmtRow));
  const failed = rows.filter((r) => !(r.maxRelErr <= tol));
  const worst = rows.reduce((w, r) => (r.maxRelErr > w || r.maxRelErr !== r.maxRelErr ? r.maxRelErr : w), 0);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  lines.push('', `${rows.reduce((n, r) => n + r.checked, 0)} entries probed in ${secs} s`);
  if (failed.length === 0) {
    lines.push(`PASS: ${rows.length} gradients, max relative error ${sci(worst)} <= ${tol}`);
  } else {
    lines.push(`FAIL: ${failed.map((r) => `${r.name} (${sci(r.maxRelErr)})`).join(', ')} above ${tol}`);
  }
  await io.stdout(lines.join('\n') + '\n');
  return failed.length === 0 ? EXIT_OK : EXIT_CHECK_FAILED;
}

async function cmdNew(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (use -o FILE to name the output)`);
  const o = args.opts;
  if (typeof o.kind !== 'string') throw new UsageError(`missing --kind ${FIXTURE_KINDS.join('|')}`);
  const kind = FIXTURE_KINDS.find((k) => k === o.kind);
  if (!kind) throw new UsageError(`--kind must be one of ${FIXTURE_KINDS.join(', ')}`);
  const isCell = kind.endsWith('_cell');
  const num = (k: string, d: number) => (typeof o[k] === 'number' ? o[k] : d);
  if (isCell && o.T !== undefined && o.T !== 1) throw new UsageError(`a ${kind} fixture is one time step: leave out -T (got -T ${String(o.T)})`);
  const init = INITS.find((i): i is Init => i === o.init) ?? 'random';
  const opts = {
    kind: kind as FixtureKind,
    n_x: num('n-x', 3), n_a: num('n-a', 5), n_y: num('n-y', 2), m: num('m', 10), T: isCell ? 1 : num('T', 4),
    seed: num('seed', 1), init,
    ...(typeof o.name === 'string' ? { name: o.name } : {}),
  };
  // Never write a file run would refuse: the same limits, checked before anything is drawn.
  const problems = checkGenerateOptions(opts, DEFAULT_MAX_FIXTURE_BYTES);
  if (problems.length > 0) throw new InputError(problems.join('; '));
  const { problem, description } = generateFixture(opts);
  const out = outputPath(o.out);
  if (out !== undefined) {
    await writeOut(out, async (write) => {
      for (const chunk of fixtureChunks(problem, { description })) await write(chunk);
    });
    io.stderr(`rnn-stepper new: wrote ${out}\n`);
  } else {
    for (const chunk of fixtureChunks(problem, { description })) await io.stdout(chunk);
  }
  return EXIT_OK;
}

async function cmdBench(args: ParsedArgs, io: CliIO): Promise<number> {
  const o = args.opts;
  if (args.positionals.length > 1) throw new UsageError(`expected at most one FIXTURE, got ${args.positionals.length} arguments`);
  const fixture = args.positionals[0];
  const shapeGiven = SHAPE_OPTS.some((s) => s.name !== 'seed' && o[s.name] !== undefined);
  if (fixture !== undefined && shapeGiven) throw new UsageError('give either a FIXTURE or --kind and sizes, not both');
  const backend = BACKEND_CHOICES.find((b) => b === o.backend);
  if (backend !== undefined) {
    try {
      setBackend(backend);
    } catch (e) {
      throw new InputError(fileErrorReason(e));
    }
  }
  const problem = fixture !== undefined ? await loadFixture(io, 'bench', fixture, o) : shapeProblem(o, 'bench');
  if (fixture === undefined) {
    const refusal = memoryCheck(o)(problem.cell, problem.dims, problem.da.shape[2] ?? problem.dims.T_x);
    if (refusal !== undefined) throw new InputError(refusal);
  }
  const r = benchmark(problem, {
    repeat: (o.repeat as number | undefined) ?? 5,
    warmup: (o.warmup as number | undefined) ?? 1,
  });
  const { n_x, n_a, n_y, m, T_x } = problem.dims;
  if (o.json) {
    const obj = { name: problem.name, kind: problem.kind, n_x, n_a, n_y, m, T_x, T_b: problem.da.shape[2], ...r };
    await io.stdout(JSON.stringify(obj) + '\n');
  } else {
    const ms = (v: number) => (v < 10 ? v.toFixed(3) : v.toFixed(1));
    await io.stdout(
      [
        `bench ${quoteText(problem.name)} (${problem.kind}; n_x=${n_x} n_a=${n_a} n_y=${n_y} m=${m} T_x=${T_x}), backend ${r.backend}, median of ${r.repeat}`,
        `  forward   ${ms(r.forward_ms)} ms`,
        `  backward  ${ms(r.backward_ms)} ms`,
        `  total     ${ms(r.total_ms)} ms   ${r.gflops.toFixed(2)} GFLOP/s (${r.gflop.toPrecision(3)} GFLOP)`,
        `  peak RSS  ${r.peak_rss_mb === null ? 'n/a' : `${r.peak_rss_mb.toFixed(0)} MB`}`,
        '',
      ].join('\n'),
    );
  }
  return EXIT_OK;
}

interface Command {
  specs: OptSpec[];
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  check: { specs: CHECK_SPECS, run: cmdCheck },
  run: {
    specs: [HELP, MAX_BYTES, MAX_MEMORY, { name: 'out', aliases: ['-o'], type: 'string' }, { name: 'force', type: 'flag' }],
    run: cmdRun,
  },
  gradcheck: {
    specs: [
      HELP,
      MAX_BYTES,
      MAX_MEMORY,
      { name: 'eps', type: 'number' },
      { name: 'tol', type: 'number' },
      { name: 'samples', type: 'int' },
      { name: 'max-entries', type: 'int' },
      { name: 'seed', type: 'int', min: 0 },
    ],
    run: cmdGradcheck,
  },
  new: {
    specs: [
      HELP,
      ...SHAPE_OPTS.map((s) => (s.name === 'kind' ? { ...s, choices: [...FIXTURE_KINDS] } : s)),
      { name: 'init', type: 'string', choices: [...INITS] },
      { name: 'name', type: 'string' },
      { name: 'out', aliases: ['-o'], type: 'string' },
    ],
    run: cmdNew,
  },
  bench: {
    specs: [
      HELP,
      MAX_BYTES,
      MAX_MEMORY,
      ...SHAPE_OPTS,
      { name: 'repeat', type: 'int' },
      { name: 'warmup', type: 'int', min: 0 },
      { name: 'json', type: 'flag' },
      { name: 'backend', type: 'string', choices: [...BACKEND_CHOICES] },
    ],
    run: cmdBench,
  },
  dap: { specs: [HELP], run: () => runDap() },
};

/** Runs the CLI on `argv` (without the node and script paths); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    io.stderr(USAGE.main!);
    return EXIT_BAD_INPUT;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const topic = cmd === 'help' ? rest[0] : undefined;
    const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    const known = topic !== undefined && own(USAGE, topic) && own(COMMANDS, topic);
    await io.stdout(USAGE[known ? topic : 'main'] ?? '');
    return EXIT_OK;
  }
  if (cmd === '--version' || cmd === '-V') {
    await io.stdout('rnn-stepper 0.1.0\n');
    return EXIT_OK;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!command) {
    io.stderr(`rnn-stepper: unknown command ${quoteText(cmd)}\n\n${USAGE.main}`);
    return EXIT_BAD_INPUT;
  }
  try {
    const args = parseArgs(rest, command.specs);
    if (args.opts.help) {
      await io.stdout(USAGE[cmd]!);
      return EXIT_OK;
    }
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`rnn-stepper ${cmd}: ${e.message}\n${USAGE[cmd]!.split('\n')[0]}\n(see 'rnn-stepper ${cmd} --help')\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof InputError) {
      io.stderr(`rnn-stepper ${cmd}: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    // Not a user mistake: say what happened; the stack only on request.
    const debug = typeof process !== 'undefined' && process.env?.RNN_STEPPER_DEBUG;
    io.stderr(`rnn-stepper ${cmd}: internal error: ${escapeControls(e instanceof Error ? e.message : String(e))}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    else io.stderr('(set RNN_STEPPER_DEBUG=1 for the stack trace, and please report it)\n');
    return EXIT_BAD_INPUT;
  }
}
