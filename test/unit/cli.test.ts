/**
 * The CLI, in-process through `main(argv, io)`: exit codes, stdout/stderr split, `run` output equal
 * to the export of the reader + engine, gradcheck passing (and failing when asked the impossible),
 * `new` → `run`, bench JSON, usage errors and `--help` everywhere, never a stack trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, USAGE } from '../../src/cli/cli';
import { parseArgs, UsageError } from '../../src/cli/args';
import { randomProblem, run } from '../../src/engine/index';
import { exportToString } from '../../src/export/caches';
import { parseFixture } from '../../src/fixture/parse';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (c) => void (out += c), stderr: (t) => void (err += t) });
  return { code, out, err };
}

function noStack(s: string): void {
  assert.ok(!/\n\s+at .+:\d+:\d+\)?\n/.test(s), `no stack trace in:\n${s}`);
}

const tmp = () => mkdtempSync(join(tmpdir(), 'rnn-cli-'));

test('run: stdout is exactly the export of the fixture (reader + engine), exit 0, quiet stderr', async () => {
  for (const name of ['rnn_coursera_backward', 'lstm_cell_coursera']) {
    const file = join(FIXTURES, `${name}.json`);
    const { code, out, err } = await cli('run', file);
    assert.equal(code, 0);
    assert.equal(err, '');
    const r = parseFixture(readFileSync(file, 'utf8'), file);
    assert.ok(r.ok);
    assert.equal(out, exportToString(run(r.problem)));
  }
});

test('run -o writes the same text to a file (and nothing to stdout)', async () => {
  const dir = tmp();
  const file = join(FIXTURES, 'lstm_coursera_forward.json');
  const out = join(dir, 'caches.json');
  const r = await cli('run', file, '-o', out);
  assert.equal(r.code, 0);
  assert.equal(r.out, '');
  assert.match(r.err, /wrote the caches of 'lstm_coursera_forward' to /);
  assert.equal(readFileSync(out, 'utf8'), (await cli('run', file)).out);
  const r2 = await cli('run', file, `--out=${join(dir, 'no', 'such', 'dir.json')}`);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /cannot write .*dir\.json: no such file or directory/);
  noStack(r2.err);
});

test('run on a bad fixture: positioned diagnostics on stderr, exit 2, no output', async () => {
  const file = join(FIXTURES, 'bad', 'several_problems.json');
  const { code, out, err } = await cli('run', file);
  assert.equal(code, 2);
  assert.equal(out, '');
  const lines = err.trim().split('\n');
  assert.equal(lines.length, 5);
  assert.ok(lines[0]!.startsWith(`${file}:4:44: x[0][1][1] is null`));
  assert.ok(lines[1]!.startsWith(`${file}:8:5: parameters.Waa has shape (4, 3)`));
  assert.equal(lines[4], `rnn-stepper run: ${file}: 4 problems found; nothing was run`);
  noStack(err);
  const missing = await cli('run', join(FIXTURES, 'nope.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.json:1:1: cannot read the fixture: no such file/);
});

test('run prints reader warnings to stderr and still runs', async () => {
  const dir = tmp();
  const f = join(dir, 'w.rnn.json');
  const j = JSON.parse(readFileSync(join(FIXTURES, 'rnn_coursera_forward.json'), 'utf8'));
  delete j.da;
  writeFileSync(f, JSON.stringify(j));
  const { code, out, err } = await cli('run', f);
  assert.equal(code, 0);
  assert.equal(err, `${f}:1:1: warning: no da: using ones (L = Σa)\n`);
  assert.equal(JSON.parse(out).backward.da[0][0][3], 1, 'last step receives da = 1');
});

test('gradcheck passes on the reference fixtures (exit 0) and fails with an impossible tolerance (exit 1)', async () => {
  for (const name of ['rnn_coursera_backward', 'lstm_coursera_backward', 'lstm_cell_coursera']) {
    const { code, out, err } = await cli('gradcheck', join(FIXTURES, `${name}.json`));
    assert.equal(code, 0, out + err);
    assert.match(out, /^PASS: \d+ gradients, max relative error .* <= 1e-7$/m);
    const want = name.startsWith('lstm') ? ['dx', 'da0', 'dc0', 'dWf', 'dbf', 'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo'] : ['dx', 'da0', 'dWax', 'dWaa', 'dba'];
    for (const g of want) assert.match(out, new RegExp(`^${g}\\s+\\(`, 'm'), `${name}: row for ${g}`);
  }
  const f = await cli('gradcheck', join(FIXTURES, 'rnn_cell_coursera.json'), '--tol', '1e-30');
  assert.equal(f.code, 1);
  assert.match(f.out, /^FAIL: /m);
  assert.match(f.out, /FAIL$/m);
});

test('gradcheck options: --eps, --max-entries, --seed change what is probed', async () => {
  const file = join(FIXTURES, 'lstm_coursera_forward.json');
  const r = await cli('gradcheck', file, '--max-entries', '5', '--seed', '3', '--eps', '1e-5');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /h = 1e-5/);
  assert.match(r.out, /^dx\s+\(3, 10, 7\)\s+5\/210/m);
  const bad = await cli('gradcheck', file, '--eps', '-1');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--eps must be positive/);
});

test('new → run: the generated fixture reads back and runs; same seed, same bytes', async () => {
  const dir = tmp();
  const f = join(dir, 'n.rnn.json');
  const r = await cli('new', '--kind', 'lstm', '--n-x', '3', '--n-a', '5', '--n-y', '2', '-m', '4', '-T', '6', '--seed', '5', '-o', f);
  assert.equal(r.code, 0, r.err);
  const p = parseFixture(readFileSync(f, 'utf8'), f);
  assert.ok(p.ok);
  assert.deepEqual(p.problem.dims, { n_x: 3, n_a: 5, n_y: 2, m: 4, T_x: 6 });
  const P = randomProblem({ kind: 'lstm', n_x: 3, n_a: 5, n_y: 2, m: 4, T: 6, seed: 5 });
  assert.deepEqual([...p.problem.x.data], [...P.x.data], 'x is the engine’s random problem');
  assert.deepEqual([...p.problem.da.data], [...P.da.data]);
  const again = await cli('new', '--kind', 'lstm', '--n-x', '3', '--n-a', '5', '--n-y', '2', '-m', '4', '-T', '6', '--seed', '5');
  assert.equal(again.out, readFileSync(f, 'utf8'));
  const other = await cli('new', '--kind', 'lstm', '--n-x', '3', '--n-a', '5', '--n-y', '2', '-m', '4', '-T', '6', '--seed', '6');
  assert.notEqual(other.out, again.out);
  const ran = await cli('run', f);
  assert.equal(ran.code, 0);
  assert.deepEqual(JSON.parse(ran.out).dims, { n_x: 3, n_a: 5, n_y: 2, m: 4, T_x: 6 });
  const gc = await cli('gradcheck', f);
  assert.equal(gc.code, 0, gc.out);
});

test('bench --json prints one object with the medians', async () => {
  const r = await cli('bench', '--kind', 'rnn', '--n-x', '2', '--n-a', '3', '-m', '2', '-T', '3', '--repeat', '2', '--warmup', '0', '--json');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]!);
  for (const k of ['forward_ms', 'backward_ms', 'total_ms', 'gflops']) assert.equal(typeof o[k], 'number', k);
  assert.ok(o.total_ms >= 0);
  assert.equal(o.repeat, 2);
  assert.equal(o.kind, 'rnn');
  assert.equal(o.T_x, 3);
  const f = await cli('bench', join(FIXTURES, 'lstm_cell_coursera.json'), '--repeat', '1');
  assert.equal(f.code, 0, f.err);
  assert.match(f.out, /forward\s+[\d.]+ ms/);
  assert.match(f.out, /GFLOP\/s/);
});

test('usage errors exit 2 with a message on stderr and no stack trace', async () => {
  const cases: [string[], RegExp][] = [
    [[], /^usage: rnn-stepper <command>/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run'], /rnn-stepper run: missing FIXTURE argument/],
    [['run', 'a.json', 'b.json'], /expected one FIXTURE, got 2 arguments/],
    [['run', 'a.json', '--bogus'], /unknown option '--bogus'/],
    [['run', 'a.json', '-o'], /-o needs a value/],
    [['gradcheck', 'a.json', '--eps', 'abc'], /--eps expects a number, got 'abc'/],
    [['new'], /missing --kind rnn\|lstm/],
    [['new', '--kind', 'gru'], /--kind must be one of rnn, lstm, rnn_cell, lstm_cell, got 'gru'/],
    [['new', '--kind', 'rnn', '--n-a', '0'], /--n-a expects an integer ≥ 1, got '0'/],
    [['new', '--kind', 'rnn', '-T', '2.5'], /-T expects an integer ≥ 1, got '2.5'/],
    [['new', '--kind', 'rnn', '--n-a', '100000', '-m', '100000'], /above the 512 MB fixture size limit/],
    [['new', '--kind', 'rnn', 'extra'], /unexpected argument 'extra'/],
    [['bench'], /give a FIXTURE or --kind rnn\|lstm/],
    [['bench', 'f.json', '--kind', 'rnn'], /either a FIXTURE or --kind/],
    [['bench', '--kind', 'rnn', '--json=1'], /--json takes no value/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')} → ${r.code}\n${r.err}`);
    assert.match(r.err, re, argv.join(' '));
    assert.equal(r.out, '', `${argv.join(' ')}: nothing on stdout`);
    noStack(r.err);
  }
});

test('--help for every command: stdout, exit 0', async () => {
  for (const cmd of ['run', 'gradcheck', 'new', 'bench']) {
    for (const flag of ['--help', '-h']) {
      const r = await cli(cmd, flag);
      assert.equal(r.code, 0);
      assert.equal(r.out, USAGE[cmd]);
      assert.ok(r.out.startsWith(`usage: rnn-stepper ${cmd}`));
    }
    assert.equal((await cli('help', cmd)).out, USAGE[cmd]);
  }
  const top = await cli('--help');
  assert.equal(top.code, 0);
  assert.equal(top.out, USAGE.main);
});

test('parseArgs: --opt=value, short aliases, -- ends options, duplicates refused', () => {
  const specs = [
    { name: 'out', aliases: ['-o'], type: 'string' as const },
    { name: 'eps', type: 'number' as const },
    { name: 'seed', type: 'int' as const, min: 0 },
    { name: 'json', type: 'flag' as const },
  ];
  const a = parseArgs(['f.json', '--eps=1e-5', '-o', 'x', '--seed', '0', '--json', '--', '--not-an-option'], specs);
  assert.deepEqual(a.opts, { eps: 1e-5, out: 'x', seed: 0, json: true });
  assert.deepEqual(a.positionals, ['f.json', '--not-an-option']);
  assert.throws(() => parseArgs(['--eps', '1', '--eps', '2'], specs), UsageError);
  assert.throws(() => parseArgs(['--seed', '-1'], specs), /integer ≥ 0/);
});

test('the built bundle is declared as the bin (dist/cli.js)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.bin['rnn-stepper'], './dist/cli.js');
  assert.ok(existsSync(join(ROOT, 'src', 'cli', 'main.ts')));
});

test('the executable entry sets the process exit code and streams stdout', async () => {
  const { spawnSync } = await import('node:child_process');
  const entry = join(ROOT, 'src', 'cli', 'main.ts');
  const bad = spawnSync(process.execPath, ['--import', 'tsx', entry, 'run', join(FIXTURES, 'bad', 'null_in_x.json')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /null_in_x\.json:4:77: x\[1\]\[0\]\[2\] is null, expected a number/);
  assert.equal(bad.stdout, '');
  noStack(bad.stderr);
  const good = spawnSync(process.execPath, ['--import', 'tsx', entry, 'run', join(FIXTURES, 'rnn_cell_coursera.json')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(good.status, 0);
  assert.equal(JSON.parse(good.stdout).kind, 'rnn_cell');
});
