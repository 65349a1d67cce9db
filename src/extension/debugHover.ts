/**
 * Hovering a key of a fixture while an `rnn` session debugs it shows that name's value at the
 * current stop (`"Wf"` → `Wf = float64 (5, 8) min … max …`), evaluated by the session like a
 * Watch. VS Code's own debug hover does not reach JSON keys (the fixture schema's hover and the
 * quotes win), so the extension gives the value as a hover of its own.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

/** A quoted key: `"Wf"` (the quotes are part of the range). */
const KEY = /"[A-Za-z_][A-Za-z0-9_]{0,63}"/;

export function registerValueHover(sessionFor: (fixture: string) => vscode.DebugSession | undefined): vscode.Disposable {
  return vscode.languages.registerHoverProvider(
    { language: 'json', scheme: 'file' },
    {
      async provideHover(doc, pos) {
        const s = sessionFor(path.resolve(doc.uri.fsPath));
        if (!s) return undefined;
        const range = doc.getWordRangeAtPosition(pos, KEY);
        if (!range) return undefined;
        // Keys only (`"Wf": …`), not string values.
        if (!doc.lineAt(range.end.line).text.slice(range.end.character).trimStart().startsWith(':')) return undefined;
        const name = doc.getText(range).slice(1, -1);
        try {
          const r: unknown = await s.customRequest('evaluate', { expression: name, context: 'hover' });
          const result = typeof r === 'object' && r !== null && 'result' in r && typeof r.result === 'string' ? r.result : undefined;
          if (result === undefined) return undefined;
          return new vscode.Hover(new vscode.MarkdownString().appendCodeblock(`${name} = ${result}`, 'text'), range);
        } catch {
          return undefined; // not a name of this stop (a key like "kind"): no hover
        }
      },
    },
  );
}
