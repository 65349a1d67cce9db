/** "Step RNN · Export caches" at the top of fixture files. */
import * as vscode from 'vscode';
import { isFixtureText } from './fixtureDetect';

export const FIXTURE_SELECTOR: vscode.DocumentSelector = [
  { language: 'json', scheme: 'file' },
  { language: 'jsonc', scheme: 'file' },
  { pattern: '**/*.rnn.json', scheme: 'file' },
];

/** Cached per document version, so typing in a big file does not rescan it each time. */
const cache = new WeakMap<vscode.TextDocument, { version: number; fixture: boolean }>();

export function isFixtureDocument(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme !== 'file') return false;
  const c = cache.get(doc);
  if (c && c.version === doc.version) return c.fixture;
  const fixture = isFixtureText(doc.fileName, doc.getText());
  cache.set(doc, { version: doc.version, fixture });
  return fixture;
}

export class FixtureCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!isFixtureDocument(doc)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: 'Step RNN',
        tooltip: 'Open the Step RNN panel for this fixture',
        command: 'rnnStepper.stepRnn',
        arguments: [doc.uri],
      }),
      new vscode.CodeLens(top, {
        title: 'Export caches',
        tooltip: 'Export the caches of this fixture as JSON (same as `rnn-stepper run`)',
        command: 'rnnStepper.exportCaches',
        arguments: [doc.uri],
      }),
    ];
  }
}
