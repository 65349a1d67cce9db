/** The `rnn-stepper` diagnostic collection: the fixture reader's problems in the Problems panel. */
import * as vscode from 'vscode';
import type { WorkerDiag } from '../worker/protocol';

export function toDiagnostic(d: WorkerDiag): vscode.Diagnostic {
  const range = new vscode.Range(d.line - 1, d.column - 1, d.endLine - 1, d.endColumn - 1);
  const diag = new vscode.Diagnostic(
    range,
    d.message,
    d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
  );
  diag.source = 'rnn-stepper';
  if (d.path) diag.code = d.path;
  return diag;
}

export class FixtureDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('rnn-stepper');

  set(fixture: string, errors: WorkerDiag[], warnings: WorkerDiag[]): void {
    const all = [...errors, ...warnings].map(toDiagnostic);
    this.collection.set(vscode.Uri.file(fixture), all);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
