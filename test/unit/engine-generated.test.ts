/**
 * Extra reference data generated with the NumPy reference (test/fixtures/generated/generate.py):
 * T_b < T_x, m = 1, n_a = 1, T = 1 and sizes that take the WebAssembly path. Every array within
 * 1e-10, on both backends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, setBackend } from '../../src/engine/index';
import { FIXTURES, checkAll, loadExpected, loadFixture, outputs } from './engine-helpers';
import { testedBackends } from './kernel-helpers';

const DIR = join(FIXTURES, 'generated');
const names = readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).map((f) => f.replace('.expected.json', ''));

test('generated reference data is present', () => assert.ok(names.length >= 5, `found ${names.length}`));

for (const backend of testedBackends()) {
  for (const name of names) {
    test(`generated ${name} [${backend}]: every array within 1e-10`, () => {
      setBackend(backend);
      try {
        const p = loadFixture(name, DIR);
        const r = run(p);
        const n = checkAll(name, outputs(p, r.forward, r.backward), loadExpected(name, DIR));
        assert.ok(n >= 7);
      } finally {
        setBackend('auto');
      }
    });
  }
}
