/**
 * The check's own DiagnosticCollection ("rnn-stepper check"): each finding in the user's file at
 * the function's `def` line (or the line that raised), the first divergence and the slips that
 * reproduce it in the message, the catalogue id as the code. In a notebook open in VS Code the
 * finding goes to its cell; a notebook that is not open gets it on the .ipynb with the cell named.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from './findings';

export const CHECK_SOURCE = 'rnn-stepper check';

function lineText(uri: vscode.Uri, line0: number): string {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return line0 < open.lineCount ? open.lineAt(line0).text : '';
  try {
    return fs.readFileSync(uri.fsPath, 'utf8').split(/\r?\n/)[line0] ?? '';
  } catch {
    return '';
  }
}

/** The `def name` of a definition line, else the line's text without its indentation. */
function rangeOn(uri: vscode.Uri, line0: number, fn: string): vscode.Range {
  const text = lineText(uri, line0);
  const def = text.indexOf(`def ${fn}`);
  if (def >= 0) return new vscode.Range(line0, def, line0, def + 4 + fn.length);
  const start = text.length - text.trimStart().length;
  return new vscode.Range(line0, start, line0, Math.max(start + 1, text.trimEnd().length));
}

/** A place in the user's files: a notebook cell's document when the notebook is open. */
function place(file: string, line: number, cell: number | undefined): { uri: vscode.Uri; line0: number; prefix: string } {
  const uri = vscode.Uri.file(file);
  if (cell === undefined || !/\.ipynb$/i.test(file)) return { uri, line0: Math.max(0, line - 1), prefix: '' };
  const nb = vscode.workspace.notebookDocuments.find((n) => n.uri.fsPath === uri.fsPath);
  if (nb && cell < nb.cellCount) return { uri: nb.cellAt(cell).document.uri, line0: Math.max(0, line - 1), prefix: '' };
  return { uri, line0: 0, prefix: `cell ${cell + 1}, line ${line}: ` };
}

export class CheckDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('rnn-stepper-check');
  /** The URIs each user file's last check wrote to, so the next check replaces exactly those. */
  private readonly written = new Map<string, vscode.Uri[]>();

  set(implPath: string, findings: Finding[]): void {
    this.clear(implPath);
    const byUri = new Map<string, { uri: vscode.Uri; diags: vscode.Diagnostic[] }>();
    for (const f of findings) {
      const at = place(f.file, f.line, f.cell);
      const d = new vscode.Diagnostic(rangeOn(at.uri, at.line0, f.function), at.prefix + f.message, vscode.DiagnosticSeverity.Error);
      d.source = CHECK_SOURCE;
      d.code = f.code;
      if (f.definedAt) {
        const home = place(f.definedAt.file, f.definedAt.line, f.definedAt.cell);
        d.relatedInformation = [
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(home.uri, rangeOn(home.uri, home.line0, f.function)),
            `${f.function} is defined in ${path.basename(f.definedAt.file)}`,
          ),
        ];
      }
      const key = at.uri.toString();
      const entry = byUri.get(key) ?? { uri: at.uri, diags: [] };
      entry.diags.push(d);
      byUri.set(key, entry);
    }
    for (const { uri, diags } of byUri.values()) this.collection.set(uri, diags);
    this.written.set(implPath, [...byUri.values()].map((e) => e.uri));
  }

  clear(implPath: string): void {
    for (const uri of this.written.get(implPath) ?? []) this.collection.delete(uri);
    this.written.delete(implPath);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
