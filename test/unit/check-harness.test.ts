/**
 * Running the user's code: an exception located in their file, an infinite loop stopped (with the
 * processes it started) while the other functions are still checked, missing functions, a file
 * that does not import, a notebook (only imports and definitions run), no Python, no NumPy,
 * cancel; and the binary frames the harness speaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImplementation, CheckCancelled, CheckSetupError } from '../../src/check/index';
import { encodeFrame, FrameReader } from '../../src/check/frames';
import { HARNESS, IMPL, PYTHON, REFERENCE_IMPL } from './check-helpers';

const tmp = () => mkdtempSync(join(tmpdir(), 'rnn-check-'));
const base = { python: PYTHON, harnessPath: HARNESS };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('frames: header and float64 payloads survive any chunking', () => {
  const a = { shape: [2, 3], data: Float64Array.from([1, -2.5, NaN, Infinity, 1e-300, 7]) };
  const b = { shape: [4], data: Float64Array.from([0, -0, 3, 4]) };
  const bytes = Buffer.concat(encodeFrame({ op: 'result', step: 3 }, [['a', a], ['b', b]]).concat(encodeFrame({ op: 'done' })));
  for (const size of [1, 3, 7, 64, bytes.length]) {
    const r = new FrameReader();
    const frames = [];
    for (let o = 0; o < bytes.length; o += size) frames.push(...r.push(bytes.subarray(o, o + size)));
    assert.equal(frames.length, 2);
    assert.equal(frames[0]?.header.op, 'result');
    assert.equal(frames[0]?.header.step, 3);
    assert.deepEqual(frames[0]?.arrays.get('a')?.shape, [2, 3]);
    assert.deepEqual(Array.from(frames[0]?.arrays.get('a')?.data ?? []), Array.from(a.data));
    assert.ok(Object.is(frames[0]?.arrays.get('b')?.data[1], -0));
    assert.equal(frames[1]?.header.op, 'done');
  }
  assert.throws(() => new FrameReader().push(Buffer.concat(encodeFrame({ nope: 1 }))), /without an op/);
});

test('an exception: its message and the innermost line in the user file; helpers beside the file import', async () => {
  const impl = join(IMPL, 'learner', 'rnn.py');
  const { report, definitions } = await checkImplementation({ ...base, implPath: impl });
  const by = Object.fromEntries(report.functions.map((f) => [f.name, f]));
  assert.equal(by.rnn_cell_forward?.status, 'match'); // uses `from rnn_utils import softmax` beside it
  assert.equal(by.rnn_forward?.status, 'match');
  assert.equal(by.rnn_cell_backward?.status, 'error');
  const line = readFileSync(impl, 'utf8').split('\n').findIndex((l) => l.includes('dbaa')) + 1;
  assert.deepEqual(by.rnn_cell_backward?.error, { message: "NameError: name 'dbaa' is not defined (at step 4)", file: impl, line });
  assert.equal(by.rnn_backward?.status, 'missing');
  assert.equal(by.lstm_forward?.status, 'missing');
  assert.equal(report.ok, false);
  assert.deepEqual(definitions.map((d) => [d.name, d.line]), [['rnn_cell_forward', 7], ['rnn_forward', 16], ['rnn_cell_backward', 31]]);
});

test('an infinite loop: timeout, its process group killed, the next function still checked', async () => {
  const pidFile = join(tmp(), 'pid');
  process.env.RNN_STEPPER_TEST_PID_FILE = pidFile;
  try {
    const t0 = Date.now();
    const { report } = await checkImplementation({ ...base, implPath: join(IMPL, 'hang', 'rnn.py'), timeoutMs: 1500 });
    const by = Object.fromEntries(report.functions.map((f) => [f.name, f]));
    assert.equal(by.rnn_cell_forward?.status, 'timeout');
    assert.match(by.rnn_cell_forward?.error?.message ?? '', /did not return within 1\.5 s/);
    assert.equal(by.rnn_cell_forward?.error?.line, 9);
    assert.equal(by.rnn_forward?.status, 'match');
    assert.equal(report.ok, false);
    assert.ok(Date.now() - t0 < 60_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // The `sleep 120` their code started went with the group (give the kernel a moment to reap).
    for (let i = 0; i < 20 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(pid), false, `child process ${pid} of the user's code is still running`);
  } finally {
    delete process.env.RNN_STEPPER_TEST_PID_FILE;
  }
});

test('cancel: rejects with CheckCancelled and kills the child', async () => {
  const pidFile = join(tmp(), 'pid');
  process.env.RNN_STEPPER_TEST_PID_FILE = pidFile;
  try {
    const ac = new AbortController();
    const run = checkImplementation({ ...base, implPath: join(IMPL, 'hang', 'rnn.py'), timeoutMs: 60_000, signal: ac.signal });
    for (let i = 0; i < 300 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await assert.rejects(run, CheckCancelled);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 20 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(pid), false);
  } finally {
    delete process.env.RNN_STEPPER_TEST_PID_FILE;
  }
});

test('a file that does not import: every function is an error at the line', async () => {
  const dir = tmp();
  const impl = join(dir, 'rnn.py');
  writeFileSync(impl, 'import numpy as np\n\ndef rnn_cell_forward(xt, a_prev, parameters):\n    return (\n');
  const { report } = await checkImplementation({ ...base, implPath: impl });
  assert.equal(report.functions.length, 8);
  for (const f of report.functions) {
    assert.equal(f.status, 'error');
    assert.match(f.error?.message ?? '', /^SyntaxError/);
    assert.equal(f.error?.file, impl);
    assert.equal(f.error?.line, 4);
  }
});

test('nothing defined: every function missing, not ok', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'rnn.py'), 'import numpy as np\n');
  const { report } = await checkImplementation({ ...base, implPath: join(dir, 'rnn.py') });
  assert.deepEqual(new Set(report.functions.map((f) => f.status)), new Set(['missing']));
  assert.equal(report.ok, false);
});

test('a wrong return structure is the user\'s error at the def line, not ours', async () => {
  const dir = tmp();
  const impl = join(dir, 'rnn.py');
  writeFileSync(impl, 'import numpy as np\n\n\ndef rnn_cell_forward(xt, a_prev, parameters):\n    return a_prev, None\n');
  const { report } = await checkImplementation({ ...base, implPath: impl });
  const f = report.functions[0];
  assert.equal(f?.status, 'error');
  assert.equal(f?.error?.message, 'rnn_cell_forward must return (a_next, yt_pred, cache), got a tuple of 2 (at step 1)');
  assert.equal(f?.error?.line, 4);
});

test('a notebook: only imports, definitions and constants run; test cells never do', async () => {
  const dir = tmp();
  const reference = readFileSync(join(IMPL, 'slip_c-gates-swapped.py'), 'utf8');
  const cell = (source: string, type = 'code') => ({ cell_type: type, metadata: {}, source: source.split(/(?<=\n)/), outputs: [] });
  const nb = {
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: [
      cell('# Building your RNN step by step', 'markdown'),
      cell('import numpy as np\n%matplotlib inline\nN_A = 5\n'),
      cell(reference),
      cell(`np.random.seed(1)\nopen(${JSON.stringify(join(dir, 'ran.txt'))}, "w").write("a test cell ran")\n`),
      cell('raise SystemExit("a test cell ran")\n'),
      cell('def helper():\n    return N_A\nprint(helper())\n'),
    ],
  };
  const impl = join(dir, 'Building_RNN.ipynb');
  writeFileSync(impl, JSON.stringify(nb));
  const { report, definitions, notes } = await checkImplementation({ ...base, implPath: impl });
  assert.equal(existsSync(join(dir, 'ran.txt')), false, 'the test cell did not run');
  const lstm = report.functions.find((f) => f.name === 'lstm_cell_forward');
  assert.equal(lstm?.status, 'mismatch');
  assert.deepEqual(lstm?.diagnosis.map((d) => d.id), ['c-gates-swapped']);
  assert.equal(report.functions.find((f) => f.name === 'rnn_forward')?.status, 'match');
  const def = definitions.find((d) => d.name === 'lstm_cell_forward');
  assert.equal(def?.file, impl);
  assert.equal(def?.cell, 2);
  assert.equal(reference.split('\n')[(def?.line ?? 0) - 1]?.startsWith('def lstm_cell_forward('), true);
  assert.match(notes.join('\n'), /cell 4 line 1, cell 5 line 1, cell 6 line 3/);
});

test('no Python: a setup error naming the interpreter', async () => {
  await assert.rejects(
    checkImplementation({ ...base, python: '/nonexistent/python3', implPath: REFERENCE_IMPL }),
    (e: unknown) => e instanceof CheckSetupError && /Python not found: '\/nonexistent\/python3'/.test(e.message),
  );
});

test('Python without NumPy: a setup error that says how to fix it', async () => {
  const dir = tmp();
  const fake = join(dir, 'python-without-numpy');
  // -S: no site-packages, so `import numpy` fails as in an interpreter without it.
  writeFileSync(fake, `#!/bin/sh\nexec ${PYTHON === 'python3' ? 'python3' : PYTHON} -S "$@"\n`);
  chmodSync(fake, 0o755);
  await assert.rejects(
    checkImplementation({ ...base, python: fake, implPath: REFERENCE_IMPL }),
    (e: unknown) => e instanceof CheckSetupError && /NumPy is not available/.test(e.message) && /--python/.test(e.message),
  );
});

test('not a Python file or not there: setup errors', async () => {
  await assert.rejects(checkImplementation({ ...base, implPath: join(IMPL, 'nope.py') }), CheckSetupError);
  await assert.rejects(checkImplementation({ ...base, implPath: join(IMPL, 'slips.json') }), /expected a Python file/);
});

test('each family gets only its own parameters (the RNN problem\'s keys do not linger for the LSTM)', async () => {
  const dir = tmp();
  const impl = join(dir, 'rnn.py');
  writeFileSync(
    impl,
    [
      'def rnn_cell_forward(xt, a_prev, parameters):',
      '    raise ValueError("rnn keys " + ",".join(sorted(parameters)))',
      '',
      'def lstm_cell_forward(xt, a_prev, c_prev, parameters):',
      '    raise ValueError("lstm keys " + ",".join(sorted(parameters)))',
      '',
    ].join('\n'),
  );
  const { report } = await checkImplementation({ ...base, implPath: impl });
  const msg = (n: string) => report.functions.find((f) => f.name === n)?.error?.message;
  assert.equal(msg('rnn_cell_forward'), 'ValueError: rnn keys Waa,Wax,Wya,ba,by (at step 1)');
  assert.equal(msg('lstm_cell_forward'), 'ValueError: lstm keys Wc,Wf,Wi,Wo,Wy,bc,bf,bi,bo,by (at step 1)');
});

test('the child runs with one BLAS thread (a pool only spins on one step\'s small products) unless the user chose a count', async () => {
  const dir = tmp();
  const out = join(dir, 'env.json');
  const impl = join(dir, 'rnn.py');
  writeFileSync(impl, [
    'import json, os',
    'KEYS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")',
    `json.dump({k: os.environ.get(k) for k in KEYS}, open(${JSON.stringify(out)}, "w"))`,
    '',
  ].join('\n'));
  const saved = { o: process.env.OPENBLAS_NUM_THREADS, p: process.env.OMP_NUM_THREADS, m: process.env.MKL_NUM_THREADS };
  try {
    delete process.env.OPENBLAS_NUM_THREADS;
    delete process.env.MKL_NUM_THREADS;
    process.env.OMP_NUM_THREADS = '3';
    await checkImplementation({ ...base, implPath: impl });
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '3', MKL_NUM_THREADS: '1' });
  } finally {
    for (const [k, v] of [['OPENBLAS_NUM_THREADS', saved.o], ['OMP_NUM_THREADS', saved.p], ['MKL_NUM_THREADS', saved.m]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
