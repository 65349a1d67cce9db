/**
 * One line/column rule for starts and ends (issue 9): the worker's end positions come from the
 * reader's own `lineColumns`, so in files with CRLF or lone-CR line breaks a diagnostic's end is
 * on the line where its token ends. Expected positions are computed here by splitting the text
 * on line breaks, not by the reader's function.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFixture } from '../../src/fixture/parse';
import { toWorkerDiags } from '../../src/worker/diagnostics';

/** 1-based line and column of `offset`, by splitting the text at \r\n, \r and \n. */
function expectedAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']] as const) {
  test(`diagnostic start and end positions in a ${name} file`, () => {
    const text = ['{', '  "kind": "rnn",', '  "name": 7,', '  "x": [[[1, 2]]],', '  "a0": "oops",', '  "parameters": {}', '}'].join(eol);
    const r = parseFixture(text, 'f.json');
    assert.equal(r.ok, false);
    if (r.ok) return;
    const diags = toWorkerDiags(text, r.diagnostics);
    assert.ok(diags.length >= 2);
    r.diagnostics.forEach((d, k) => {
      const w = diags[k]!;
      assert.deepEqual({ line: d.line, column: d.column }, expectedAt(text, d.offset), `${name} start of ${d.message}`);
      if (d.length > 0) {
        const end = expectedAt(text, d.offset + d.length);
        assert.deepEqual({ line: w.endLine, column: w.endColumn }, end, `${name} end of ${d.message}`);
      }
    });
  });
}
