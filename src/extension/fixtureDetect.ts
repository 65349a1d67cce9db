/**
 * Is this JSON document a fixture? Files named `*.rnn.json` are; any other JSON file is when its
 * top-level `"kind"` is one of the fixture kinds. Only the top level is tokenized, and scanning
 * stops at the first top-level `kind` (or after a bounded prefix of a huge file).
 */
import { createScanner } from 'jsonc-parser';

/** jsonc-parser's `SyntaxKind` is a const enum, which `isolatedModules` cannot read: its values. */
const SyntaxKind = {
  OpenBraceToken: 1,
  CloseBraceToken: 2,
  OpenBracketToken: 3,
  CloseBracketToken: 4,
  CommaToken: 5,
  ColonToken: 6,
  StringLiteral: 10,
  EOF: 17,
} as const;

export const FIXTURE_KINDS = ['rnn', 'lstm', 'rnn_cell', 'lstm_cell'] as const;
/** Characters of a non-`*.rnn.json` file scanned before giving up. */
const MAX_SCAN = 4_000_000;

export const isRnnJsonName = (fileName: string): boolean => /\.rnn\.json$/i.test(fileName);

/** The string value of the top-level `kind` key, if any. */
export function topLevelKind(text: string, maxScan = MAX_SCAN): string | undefined {
  const s = createScanner(text, true);
  let depth = 0;
  let expectKey = false;
  let key: string | undefined;
  let afterColon = false;
  for (let tok: number = s.scan(); tok !== SyntaxKind.EOF; tok = s.scan()) {
    if (s.getTokenOffset() > maxScan) return undefined;
    switch (tok) {
      case SyntaxKind.OpenBraceToken:
      case SyntaxKind.OpenBracketToken:
        if (depth === 0 && tok === SyntaxKind.OpenBraceToken) expectKey = true;
        depth++;
        afterColon = false;
        break;
      case SyntaxKind.CloseBraceToken:
      case SyntaxKind.CloseBracketToken:
        depth--;
        afterColon = false;
        if (depth <= 0) return undefined;
        break;
      case SyntaxKind.CommaToken:
        if (depth === 1) expectKey = true;
        afterColon = false;
        break;
      case SyntaxKind.ColonToken:
        if (depth === 1) afterColon = true;
        break;
      case SyntaxKind.StringLiteral:
        if (depth !== 1) break;
        if (expectKey) {
          key = s.getTokenValue();
          expectKey = false;
        } else if (afterColon && key === 'kind') {
          return s.getTokenValue();
        }
        afterColon = false;
        break;
      default:
        if (depth === 1) afterColon = false;
    }
  }
  return undefined;
}

export function isFixtureText(fileName: string, text: string): boolean {
  if (isRnnJsonName(fileName)) return true;
  const kind = topLevelKind(text);
  return kind !== undefined && (FIXTURE_KINDS as readonly string[]).includes(kind);
}
