/** Shared by the check*.test.ts files: the interpreter the tests use and the fixtures' folder. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const IMPL = join(ROOT, 'test', 'fixtures', 'impl');
/** The correct implementation the slips are derived from: the project's NumPy reference, kept once. */
export const REFERENCE_IMPL = join(ROOT, 'test', 'fixtures', 'generated', 'rnn_reference.py');
/** Debian's python3 with python3-numpy (what CI installs); else whatever python3 is on PATH. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const HARNESS = join(ROOT, 'src', 'check', 'python', 'harness.py');
