/** `rnn-stepper check`: exit codes 0/1/2, --json (the rnn-stepper.check v1 object), text report, usage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from '../../src/cli/cli';
import { IMPL, PYTHON, ROOT, REFERENCE_IMPL } from './check-helpers';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (c) => void (out += c), stderr: (t) => void (err += t) });
  return { code, out, err };
}

const noStack = (s: string) => assert.ok(!/\n\s+at .+:\d+:\d+\)?\n/.test(s), `no stack trace in:\n${s}`);

test('check: a correct file exits 0; text lists every function', async () => {
  const r = await cli('check', REFERENCE_IMPL, '--python', PYTHON);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /against the Coursera-sized RNN and LSTM \(rtol 1e-5, atol 1e-8\)/);
  assert.equal((r.out.match(/^ {2}ok {8}\w+$/gm) ?? []).length, 8);
  assert.match(r.out, /all 8 functions present match\n$/);
});

test('check --json: one rnn-stepper.check v1 object, exit 1 on a slip, functions in checking order', async () => {
  const r = await cli('check', join(IMPL, 'slip_dcct-errata.py'), join(ROOT, 'test/fixtures/lstm_coursera_backward.json'), '--json', '--python', PYTHON);
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['format', 'version', 'ok', 'functions']);
  assert.equal(j.format, 'rnn-stepper.check');
  assert.equal(j.version, 1);
  assert.equal(j.ok, false);
  assert.deepEqual(j.functions.map((f: { name: string }) => f.name), ['lstm_cell_forward', 'lstm_forward', 'lstm_cell_backward', 'lstm_backward']);
  const f = j.functions[2];
  assert.deepEqual(Object.keys(f), ['name', 'status', 'first_divergence', 'diagnosis', 'error']);
  assert.equal(f.status, 'mismatch');
  assert.deepEqual(Object.keys(f.first_divergence), ['tensor', 'step', 'index', 'mine', 'reference', 'abs_err', 'rel_err', 'shape_mine', 'shape_reference']);
  assert.equal(f.diagnosis[0].id, 'dcct-errata');
  assert.equal(j.functions[0].first_divergence, null);
  assert.equal(j.functions[0].error, null);
});

test('check: tolerances move the verdict (a loose rtol accepts a small slip)', async () => {
  const strict = await cli('check', join(IMPL, 'slip_dc-not-carried.py'), '--python', PYTHON, '--json');
  assert.equal(strict.code, 1);
  const loose = await cli('check', join(IMPL, 'slip_dc-not-carried.py'), '--python', PYTHON, '--rtol', '10', '--atol', '10');
  assert.equal(loose.code, 0, loose.out);
});

test('check: text shows the divergence and the slip', async () => {
  const r = await cli('check', join(IMPL, 'slip_db-keepdims.py'), '--python', PYTHON);
  assert.equal(r.code, 1);
  assert.match(r.out, /MISMATCH {2}rnn_cell_backward +dba at t=4: shape \(5,\), expected \(5, 1\)/);
  assert.match(r.out, /likely db-keepdims: .*keepdims=True/);
  assert.match(r.out, /error {5}rnn_backward +ValueError: .*slip_db-keepdims\.py:\d+\)/);
});

test('check: bad input exits 2 with one line, never a stack', async () => {
  const missing = await cli('check', join(IMPL, 'nope.py'), '--python', PYTHON);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.py: no such file/);
  const noPython = await cli('check', REFERENCE_IMPL, '--python', '/nonexistent/python3');
  assert.equal(noPython.code, 2);
  assert.match(noPython.err, /Python not found/);
  const badFixture = await cli('check', REFERENCE_IMPL, join(ROOT, 'test/fixtures/impl/slips.json'), '--python', PYTHON);
  assert.equal(badFixture.code, 2);
  assert.match(badFixture.err, /slips\.json:\d+:\d+: /);
  const usage = await cli('check');
  assert.equal(usage.code, 2);
  assert.match(usage.err, /missing IMPL/);
  const timeout = await cli('check', REFERENCE_IMPL, '--timeout', '0');
  assert.equal(timeout.code, 2);
  for (const r of [missing, noPython, badFixture, usage, timeout]) noStack(r.err);
  const help = await cli('check', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: rnn-stepper check IMPL\.py \[FIXTURE\]/);
  assert.match((await cli('--help')).out, /check IMPL\.py \[FIXTURE\]/);
});
