/**
 * CodeLens on a .py that defines the classic functions: at each `def`, "Check My Implementation"
 * before a check, then that function's outcome (matches / where it diverges and the likely slip).
 */
import * as vscode from 'vscode';
import type { FunctionReport } from '../../check/types';
import { CHECK_FUNCTION_NAMES } from '../../protocol/check';
import { headline } from './findings';

export const PYTHON_SELECTOR: vscode.DocumentSelector = [
  { language: 'python', scheme: 'file' },
  { pattern: '**/*.py', scheme: 'file' },
];

const DEF = new RegExp(`^[ \\t]*def[ \\t]+(${CHECK_FUNCTION_NAMES.join('|')})[ \\t]*\\(`, 'gm');

function title(f: FunctionReport | undefined): string {
  if (!f) return 'Check My Implementation';
  switch (f.status) {
    case 'match':
      return '$(pass) matches the reference';
    case 'mismatch': {
      const d = f.first_divergence;
      const where = d ? `${d.tensor}${d.step !== null ? ` at t=${d.step}` : ''}` : 'does not match';
      return `$(error) ${where}${f.diagnosis[0] ? `: likely ${f.diagnosis[0].id}` : ': no known slip'}`;
    }
    case 'error':
    case 'timeout':
      return `$(error) ${f.status}: ${headline(f).slice(0, 80)}`;
    default:
      return 'Check My Implementation';
  }
}

export class CheckCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly lastFor: (implPath: string) => { report: { functions: FunctionReport[] } } | undefined) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (doc.uri.scheme !== 'file' || !/\.py$/i.test(doc.fileName)) return [];
    const text = doc.getText();
    const last = this.lastFor(doc.fileName);
    const lenses: vscode.CodeLens[] = [];
    for (const m of text.matchAll(DEF)) {
      const line = doc.positionAt(m.index ?? 0).line;
      const f = last?.report.functions.find((r) => r.name === m[1]);
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: title(f),
          tooltip: f ? `${f.name}: ${headline(f)} — click to check again` : 'Run your functions on reference inputs and find the first divergence',
          command: 'rnnStepper.checkImplementation',
          arguments: [doc.uri],
        }),
      );
    }
    return lenses;
  }
}
