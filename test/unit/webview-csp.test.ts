// The panel runs under a strict CSP (no inline scripts or styles, no eval) and must never build
// HTML from data. These checks read the webview's sources and fail on the constructs that would
// break either rule.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const dir = join(import.meta.dirname, '..', '..', 'src', 'webview');
/** Every .ts file under src/webview, views/ included, as paths relative to it. */
const walk = (sub: string): string[] =>
  readdirSync(join(dir, sub)).flatMap((f) => {
    const rel = sub ? `${sub}/${f}` : f;
    return statSync(join(dir, rel)).isDirectory() ? walk(rel) : f.endsWith('.ts') ? [rel] : [];
  });
const sources = walk('').map((f) => ({ f, text: readFileSync(join(dir, f), 'utf8') }));

const forbidden: [RegExp, string][] = [
  [/\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML\s*\(/, 'HTML built from strings'],
  [/setAttribute\(\s*['"]style['"]/, "a style attribute (blocked by style-src without 'unsafe-inline')"],
  [/\.style\s*=\s*['"`]/, 'a style string assigned (use el.style.setProperty)'],
  [/\.style\.cssText\s*=/, 'a cssText string'],
  [/\beval\s*\(|new\s+Function\s*\(/, "eval (blocked without 'unsafe-eval')"],
  [/document\.write\s*\(/, 'document.write'],
  // The SVG namespace (document.createElementNS) is a name, never fetched: the only URL allowed.
  [/https?:\/\/(?!www\.w3\.org\/2000\/svg['"])/, 'a remote URL'],
];

describe('webview sources keep to the CSP', () => {
  it('finds the webview sources', () => {
    assert.ok(sources.some((s) => s.f === 'main.ts'));
    assert.ok(sources.some((s) => s.f.startsWith('views/')), 'the views are checked too');
    assert.ok(sources.length >= 5);
  });
  for (const [re, what] of forbidden) {
    it(`never ${what}`, () => {
      const hits = sources.flatMap(({ f, text }) =>
        text.split('\n').flatMap((line, i) => (re.test(line) && !/^\s*(\/\/|\*)/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
      assert.deepEqual(hits, []);
    });
  }
});
