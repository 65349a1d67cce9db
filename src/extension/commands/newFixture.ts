/**
 * **RNN: New Fixture…**: quick picks for the kind, the sizes, the seed and the initialisation,
 * then a save dialog; writes `name.rnn.json` (atomically), opens it and offers Step RNN. The
 * numbers come from the generator `rnn-stepper new` uses (src/fixture/generate.ts), so the file
 * says which command line writes it again.
 *
 * The prompts go through a `NewFixtureUi` (VS Code's by default) that tests replace through the
 * extension's API.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FixtureKind } from '../../engine/types';
import { writeFileAtomic } from '../../export/writeAtomic';
import { checkGenerateOptions, generateFixture, INIT_DESCRIPTIONS, INITS, type GenerateOptions, type Init } from '../../fixture/generate';
import { fixtureChunks } from '../../fixture/write';

export interface NewFixtureUi {
  quickPick<T extends vscode.QuickPickItem>(items: T[], opts: vscode.QuickPickOptions): Thenable<T | undefined>;
  inputBox(opts: vscode.InputBoxOptions): Thenable<string | undefined>;
  saveDialog(opts: vscode.SaveDialogOptions): Thenable<vscode.Uri | undefined>;
  /** The closing message with its buttons; resolves to the chosen one. */
  offer(message: string, ...actions: string[]): Thenable<string | undefined>;
}

export const vscodeUi: NewFixtureUi = {
  quickPick: (items, opts) => vscode.window.showQuickPick(items, opts),
  inputBox: (opts) => vscode.window.showInputBox(opts),
  saveDialog: (opts) => vscode.window.showSaveDialog(opts),
  offer: (message, ...actions) => vscode.window.showInformationMessage(message, ...actions),
};

const KINDS: { kind: FixtureKind; detail: string }[] = [
  { kind: 'lstm', detail: 'LSTM over a sequence: lstm_forward / lstm_backward' },
  { kind: 'rnn', detail: 'basic RNN over a sequence: rnn_forward / rnn_backward' },
  { kind: 'lstm_cell', detail: 'one LSTM step: lstm_cell_forward / lstm_cell_backward' },
  { kind: 'rnn_cell', detail: 'one RNN step: rnn_cell_forward / rnn_cell_backward' },
];

const INIT_LABELS: Record<Init, string> = {
  random: 'Random',
  coursera: 'Coursera seed',
  saturated: 'Saturated',
  vanishing: 'Vanishing gradients',
  exploding: 'Exploding gradients',
};

export const STEP_RNN = 'Step RNN';

/** "3, 5, 2, 10, 4" → sizes, or the message for the input box. */
export function parseSizes(text: string, isCell: boolean): { n_x: number; n_a: number; n_y: number; m: number; T: number } | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const want = isCell ? 4 : 5;
  const names = isCell ? 'n_x, n_a, n_y, m' : 'n_x, n_a, n_y, m, T';
  if (parts.length !== want) return `Enter ${want} positive integers: ${names}`;
  const v = parts.map(Number);
  if (!v.every((n) => Number.isInteger(n) && n >= 1)) return `Enter ${want} positive integers: ${names}`;
  return { n_x: v[0]!, n_a: v[1]!, n_y: v[2]!, m: v[3]!, T: isCell ? 1 : v[4]! };
}

export class NewFixtureCommand {
  constructor(
    private readonly ui: () => NewFixtureUi,
    /** Largest fixture in bytes (the rnnStepper.maxFixtureSizeMB setting). */
    private readonly maxBytes: () => number,
    private readonly stepRnn: (uri: vscode.Uri) => Thenable<unknown> | Promise<unknown>,
  ) {}

  /** Runs the wizard; resolves to the written file, or undefined when cancelled. */
  async run(): Promise<vscode.Uri | undefined> {
    const ui = this.ui();
    const title = 'New RNN Fixture';
    const kindPick = await ui.quickPick(
      KINDS.map((k) => ({ label: k.kind, detail: k.detail, fixtureKind: k.kind })),
      { title: `${title} (1/4): kind`, placeHolder: 'Which network?' },
    );
    if (!kindPick) return undefined;
    const kind = kindPick.fixtureKind;
    const isCell = kind.endsWith('_cell');
    const sizesText = await ui.inputBox({
      title: `${title} (2/4): sizes`,
      prompt: isCell ? 'n_x, n_a, n_y, m (inputs, hidden units, classes, batch)' : 'n_x, n_a, n_y, m, T (inputs, hidden units, classes, batch, time steps)',
      value: isCell ? '3, 5, 2, 10' : '3, 5, 2, 10, 4',
      validateInput: (v) => {
        const s = parseSizes(v, isCell);
        if (typeof s === 'string') return s;
        return checkGenerateOptions({ kind, ...s, seed: 1, init: 'random' }, this.maxBytes())[0];
      },
    });
    if (sizesText === undefined) return undefined;
    const sizes = parseSizes(sizesText, isCell);
    if (typeof sizes === 'string') return undefined;
    const seedText = await ui.inputBox({
      title: `${title} (3/4): seed`,
      prompt: 'Random seed (the same seed always gives the same numbers)',
      value: '1',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) <= 0xffffffff ? undefined : 'Enter an integer from 0 to 4294967295'),
    });
    if (seedText === undefined) return undefined;
    const initPick = await ui.quickPick(
      INITS.map((init) => ({ label: INIT_LABELS[init], detail: INIT_DESCRIPTIONS[init], init })),
      { title: `${title} (4/4): initialisation`, placeHolder: 'What should the numbers show?' },
    );
    if (!initPick) return undefined;
    const opts: GenerateOptions = { kind, ...sizes, seed: Number(seedText.trim()), init: initPick.init };
    const problems = checkGenerateOptions(opts, this.maxBytes());
    if (problems.length > 0) {
      void vscode.window.showErrorMessage(`New Fixture: ${problems.join('; ')}`);
      return undefined;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = `${kind}_${opts.init}.rnn.json`;
    const target = await ui.saveDialog({
      title: `${title}: save as`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: { 'RNN fixtures': ['rnn.json', 'json'] },
      saveLabel: 'Create',
    });
    if (!target) return undefined;
    const base = path.basename(target.fsPath).replace(/(\.rnn)?\.json$/i, '');
    const { problem, description } = generateFixture({ ...opts, name: base });
    try {
      await writeFileAtomic(target.fsPath, async (write) => {
        for (const chunk of fixtureChunks(problem, { description })) await write(chunk);
      });
    } catch (e) {
      void vscode.window.showErrorMessage(`New Fixture: cannot write ${target.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    await vscode.window.showTextDocument(target, { preview: false });
    const choice = await ui.offer(`Wrote ${path.basename(target.fsPath)} (${kind}, ${INIT_LABELS[opts.init].toLowerCase()}).`, STEP_RNN);
    if (choice === STEP_RNN) await this.stepRnn(target);
    return target;
  }
}
