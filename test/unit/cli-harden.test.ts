/**
 * The CLI under hostile conditions (issue 10): signals while writing, stdout errors, memory
 * budget, hostile fixture text, duplicate keys, UTF-16 files, problem counts, `-o -`, `-o` naming
 * the input, `new` refusing what `run` would refuse, `help __proto__`, non-finite values produced
 * by the run. Processes are spawned where the process itself is under test (signals, streams,
 * memory) and always bounded by a timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/cli';
import { runMemory } from '../../src/engine/memory';
import { randomProblem, run } from '../../src/engine/index';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const tmp = () => mkdtempSync(join(tmpdir(), 'rnn-harden-'));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (c) => void (out += c), stderr: (t) => void (err += t) });
  return { code, out, err };
}

function noStack(s: string): void {
  assert.ok(!/\n\s+at .+:\d+:\d+\)?\n/.test(s), `no stack trace in:\n${s}`);
}

/** The CLI as a process (TypeScript through tsx), bounded by `timeout` ms. */
function spawnCli(args: string[], opts: { stdout?: number; timeout?: number; prefix?: string[] } = {}) {
  const cmd = [...(opts.prefix ?? []), process.execPath, '--import', 'tsx', MAIN, ...args];
  return spawnSync(cmd[0]!, cmd.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: opts.timeout ?? 60_000, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
}

function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
}

test('a signal while -o is written: temp file removed, target untouched, exit 128+n, one line', { timeout: 300_000 }, async () => {
  const dir = tmp();
  const fixture = join(dir, 'big.json');
  const made = spawnCli(['new', '--kind', 'lstm', '--n-x', '4', '--n-a', '64', '-m', '64', '-T', '200', '-o', fixture]);
  assert.equal(made.status, 0, made.stderr);
  const target = join(dir, 'caches.json');
  writeFileSync(target, 'OLD');
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', fixture, '-o', target], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    // Wait until the temporary file exists (the write has started), then signal.
    while (!readdirSync(dir).some((f) => f.endsWith('.tmp'))) {
      if (child.exitCode !== null) break;
      await new Promise((ok) => setTimeout(ok, 10));
    }
    child.kill(sig);
    const status = await exited;
    clearTimeout(guard);
    assert.equal(status, code, `${sig}: ${err}`);
    assert.deepEqual(readdirSync(dir).sort(), ['big.json', 'caches.json'], `${sig}: no temp file left`);
    assert.equal(readFileSync(target, 'utf8'), 'OLD', `${sig}: target untouched`);
    assert.match(err, new RegExp(`^rnn-stepper: stopped by ${sig} \\(the unfinished output was removed; the target is untouched\\)\\n$`));
  }
});

test('stdout on a full device: one line, exit 2, no stack', () => {
  const dir = tmp();
  let dev = '/dev/full';
  if (isRoot) {
    dev = join(dir, 'full');
    assert.equal(spawnSync('mknod', [dev, 'c', '1', '7']).status, 0);
    chmodSync(dev, 0o666);
  }
  const fd = openSync(dev, 'w');
  try {
    const r = spawnCli(['run', join(FIXTURES, 'lstm_coursera_backward.json')], { stdout: fd });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'rnn-stepper: cannot write to stdout: no space left on the device\n');
  } finally {
    closeSync(fd);
  }
});

test('stdout closed early (`run X | head`): one line naming EPIPE, exit 2', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', join(FIXTURES, 'lstm_coursera_backward.json')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The reader goes away before the first byte: every write of the export meets a closed pipe.
  child.stdout.destroy();
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const status = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
  clearTimeout(guard);
  assert.equal(status, 2, err);
  assert.equal(err, 'rnn-stepper: output closed early (EPIPE)\n');
});

test('run refuses caches that do not fit the memory budget, with the figure and the remedy', async () => {
  const dir = tmp();
  // --max-memory: a small run against a tiny budget.
  const mid = join(dir, 'mid.json');
  assert.equal((await cli('new', '--kind', 'rnn', '--n-a', '50', '-m', '100', '-T', '100', '-o', mid)).code, 0);
  const small = await cli('run', mid, '--max-memory', '1');
  assert.equal(small.code, 2, small.err);
  assert.match(small.err, /^.*mid\.json:1:1: this run needs about 1\d\.\d MB for its caches \(rnn; n_a=50 m=100 T_x=100\), above the 1\.0 MB budget: use fewer time steps \(T_x ≤ \d fits\) or a smaller batch \(m ≤ \d fits\)/);

  // The probe with the default budget: a 6 MB LSTM fixture, n_a=64, m=1000, T=3000, all
  // zeros: ~20 GB of caches. Refused before anything is allocated (in a child, bounded in time).
  const file = join(dir, 'huge.json');
  const x = '[[' + Array(1000).fill('[' + Array(3000).fill('0').join(',') + ']').join(',') + ']]';
  const W = (r: number, c: number) => JSON.stringify(Array.from({ length: r }, () => Array(c).fill(0)));
  const params: string[] = [];
  for (const g of ['f', 'i', 'c', 'o']) params.push(`"W${g}": ${W(64, 65)}`, `"b${g}": ${W(64, 1)}`);
  params.push(`"Wy": ${W(2, 64)}`, `"by": ${W(2, 1)}`);
  writeFileSync(file, `{"kind": "lstm", "x": ${x}, "a0": ${W(64, 1000)}, "parameters": {${params.join(', ')}}}`);
  const r = spawnCli(['run', file], { timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /huge\.json:1:1: this run needs about 2\d\.\d GB for its caches \(lstm; n_a=64 m=1000 T_x=3000\), above the 4\.1 GB budget: use fewer time steps \(T_x ≤ \d+ fits\) or a smaller batch \(m ≤ \d+ fits\), or raise --max-memory/);
  noStack(r.stderr);
  assert.match(r.stderr, /huge\.json: 1 problem found; nothing was run\n$/);
});

test('the memory estimate counts exactly the caches the engine allocates', () => {
  for (const kind of ['rnn', 'lstm'] as const) {
    const p = randomProblem({ kind, n_x: 3, n_a: 5, n_y: 2, m: 4, T: 7, seed: 3 });
    const res = run(p);
    const count = (o: object) => Object.values(o).reduce((s: number, v) => s + (v instanceof Float64Array ? v.length : 0), 0);
    const est = runMemory(kind, p.dims, 7);
    assert.equal(est.forward, count(res.forward), `${kind} forward`);
    assert.equal(est.backward, count(res.backward) + count(res.backward.grads), `${kind} backward`);
  }
});

test('fixture text reaches the terminal escaped and cut: names, unknown keys, stray symbols', async () => {
  const dir = tmp();
  const f = fixtureJson('rnn_coursera_forward');
  f.name = '\u001b]0;pwned\u0007\u001b[2J' + 'N'.repeat(50_000);
  f['\u001b[1A\u001b[2Kfake: all good'] = 1;
  const file = join(dir, 'evil.json');
  writeFileSync(file, JSON.stringify(f));
  const r = await cli('run', file, '-o', join(dir, 'out.json'));
  // eslint-disable-next-line no-control-regex -- the test looks for raw control characters
  assert.doesNotMatch(r.err, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'no control character on the terminal');
  assert.match(r.err, /unknown key '\\u001b\[1A\\u001b\[2Kfake: all good'/);
  assert.ok(r.err.length < 2000, `long values are cut (${r.err.length} characters)`);

  delete f['\u001b[1A\u001b[2Kfake: all good'];
  writeFileSync(file, JSON.stringify(f));
  const ok = await cli('run', file, '-o', join(dir, 'out.json'));
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.err, /wrote the caches of '\\u001b\]0;pwned\\u0007\\u001b\[2JNNN+…' \(50014 characters\) to /);
  const g = await cli('gradcheck', file);
  // eslint-disable-next-line no-control-regex -- the test looks for raw control characters
  assert.doesNotMatch(g.out, /[\u0000-\u0008\u000b-\u001f\u007f]/);
  assert.ok(g.out.split('\n')[0]!.length < 300);

  writeFileSync(file, '{"kind": "rnn", "x": [1, 2\u001b[2J\u0007]}');
  const bad = await cli('run', file);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unexpected symbol '\\u001b'/);
  // eslint-disable-next-line no-control-regex -- the test looks for raw control characters
  assert.doesNotMatch(bad.err, /[\u0000-\u0008\u000b-\u001f\u007f]/);
});

test('duplicate keys: an error at the second copy; other positions point at the copy that is used', async () => {
  const dir = tmp();
  const f = fixtureJson('rnn_coursera_forward');
  const text = JSON.stringify(f, null, 1);
  // A second "x" (ragged) after the first: JSON.parse keeps this one.
  const dup = text.replace('\n "a0"', '\n "x": [[[1, 2], [3]]],\n "a0"');
  writeFileSync(join(dir, 'dup.json'), dup);
  const r = await cli('run', join(dir, 'dup.json'));
  assert.equal(r.code, 2);
  const lines = dup.split('\n');
  const first = lines.findIndex((l) => l.startsWith(' "x"')) + 1;
  const second = lines.findIndex((l, i) => i + 1 > first && l.startsWith(' "x"')) + 1;
  assert.ok(second > first);
  assert.match(r.err, new RegExp(`dup\\.json:${second}:2: duplicate key 'x' \\(also at line ${first}, column 2\\)`));
  // The shape complaint about x is about the copy that is used: the second.
  const xErr = r.err.split('\n').find((l) => /: x\[0\]\[1\] has 1 entry/.test(l));
  assert.ok(xErr, r.err);
  assert.match(xErr, new RegExp(`dup\\.json:${second}:`));
});

test('a UTF-16 file: "save it as UTF-8", and no NUL byte on the terminal', async () => {
  const dir = tmp();
  const text = readFileSync(join(FIXTURES, 'rnn_coursera_forward.json'), 'utf8');
  for (const [name, bytes] of [
    ['bom.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['nobom.json', Buffer.from(text, 'utf16le')],
  ] as const) {
    writeFileSync(join(dir, name), bytes);
    const r = await cli('run', join(dir, name));
    assert.equal(r.code, 2);
    assert.ok(!r.err.includes('\u0000'));
    assert.match(r.err, /:1:1: the file looks like UTF-16 text .*: save it as UTF-8\n/);
  }
});

test('problem counts are the real number, not the capped list', async () => {
  const dir = tmp();
  const f = fixtureJson('rnn_coursera_forward');
  // 10^6 bad numbers in x, and the 6 mismatches they cause (dims, a0, Wax, da).
  f.x = [[Array(1_000_000).fill('a')]];
  writeFileSync(join(dir, 'many.json'), JSON.stringify(f));
  const r = await cli('run', join(dir, 'many.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /many\.json: 1000006 problems found \(15 listed\); nothing was run\n$/);
});

test('help __proto__, constructor, toString: the main usage, not an internal error', async () => {
  for (const topic of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const r = await cli('help', topic);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^usage: rnn-stepper <command>/);
  }
});

test('-o - is stdout; -o naming the fixture is refused unless --force', async () => {
  const dir = tmp();
  const file = join(dir, 'f.json');
  copyFileSync(join(FIXTURES, 'rnn_coursera_forward.json'), file);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = await cli('run', file, '-o', '-');
    assert.equal(r.code, 0);
    assert.equal(r.out, (await cli('run', file)).out);
    assert.ok(!existsSync(join(dir, '-')), 'no file named "-"');
    const before = readFileSync(file, 'utf8');
    const same = await cli('run', 'f.json', '-o', file);
    assert.equal(same.code, 2);
    assert.match(same.err, /is the fixture itself: refusing to overwrite it \(give another file, or --force\)/);
    assert.equal(readFileSync(file, 'utf8'), before);
    const forced = await cli('run', file, '-o', file, '--force');
    assert.equal(forced.code, 0, forced.err);
    assert.match(readFileSync(file, 'utf8'), /"format": "rnn-stepper.caches"/);
  } finally {
    process.chdir(cwd);
  }
});

test('new refuses a fixture run would refuse (before generating it)', () => {
  const dir = tmp();
  const r = spawnCli(['new', '--kind', 'lstm', '--n-a', '100', '-m', '1000', '-T', '300', '-o', join(dir, 'big.json')], { timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /that fixture would be about \d+ MB, above the 512 MB fixture size limit that run and Step RNN read/);
  assert.deepEqual(readdirSync(dir), []);
});

test('NaN/Infinity produced by the run: a warning with the first step, tensor and index', async () => {
  const dir = tmp();
  const f = fixtureJson('rnn_coursera_forward');
  const params = f.parameters as Record<string, number[][]>;
  params.Waa = params.Waa!.map((row) => row.map(() => 1e308));
  params.Wya = params.Wya!.map((row) => row.map(() => 1e308));
  writeFileSync(join(dir, 'overflow.json'), JSON.stringify(f));
  const r = await cli('run', join(dir, 'overflow.json'));
  assert.equal(r.code, 0);
  assert.match(r.err, /^rnn-stepper run: warning: the run produced a non-finite value: y\[\d+, \d+, 0\] = (NaN|-?Infinity) at forward step t=0 /);
});
