// RNN: New Fixture… in the real extension host: the prompts are answered through the extension's
// API (setNewFixtureUi), the file is written, opened, and Step RNN runs it when offered; the file
// holds what `rnn-stepper new` writes for the same answers; a .npz fixture opens in Step RNN too.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RnnStepperApi } from '../../src/extension/api';
import type { NewFixtureUi } from '../../src/extension/commands/newFixture';
import { activate, closeAll, extensionRoot, runCli, waitFor, workspaceFile } from './harness';

/** Answers the wizard: quick picks by label, input boxes in order (each checked by its validator). */
function scriptedUi(picks: string[], inputs: string[], target: vscode.Uri | undefined, offerAnswer: string | undefined, seen: string[]): NewFixtureUi {
  return {
    quickPick: async (items, opts) => {
      seen.push(`pick:${opts.title}`);
      const want = picks.shift();
      const item = items.find((i) => i.label === want);
      assert.ok(item, `quick pick '${opts.title}' offers '${want}' (has ${items.map((i) => i.label).join(', ')})`);
      return item;
    },
    inputBox: async (opts) => {
      seen.push(`input:${opts.title}`);
      const v = inputs.shift();
      assert.ok(v !== undefined, `an answer for '${opts.title}'`);
      const verdict = await opts.validateInput?.(v);
      assert.equal(verdict ?? undefined, undefined, `'${v}' is accepted by '${opts.title}'`);
      return v;
    },
    saveDialog: async (opts) => {
      seen.push(`save:${opts.title}`);
      return target;
    },
    offer: async (message, ...actions) => {
      seen.push(`offer:${message} [${actions.join(', ')}]`);
      return offerAnswer;
    },
  };
}

describe('RNN: New Fixture…', function () {
  let api: RnnStepperApi;
  before(async function () {
    api = await activate();
  });
  afterEach(async function () {
    api?.setNewFixtureUi(undefined);
    await closeAll();
  });

  it('asks kind, sizes, seed and initialisation, writes name.rnn.json, opens it and runs Step RNN when asked', async function () {
    const target = workspaceFile('wizard_vanishing.rnn.json');
    fs.rmSync(target, { force: true });
    const seen: string[] = [];
    api.setNewFixtureUi(scriptedUi(['lstm', 'Vanishing gradients'], ['3, 4, 2, 5, 6', '7'], vscode.Uri.file(target), 'Step RNN', seen));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('rnnStepper.newFixture');
    assert.equal(written?.fsPath, target);
    assert.deepEqual(seen.map((s) => s.split(':')[0]), ['pick', 'input', 'input', 'pick', 'save', 'offer']);
    // Opened in an editor…
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.fsPath === target, 'the new fixture to be the active editor');
    // …and stepped: the panel finished its run.
    await api.whenPanelReady(target, 60_000);
    assert.ok(api.panels().some((p) => p.fixture === target));
    // The same numbers as the CLI writes for the same answers (name aside).
    const cli = await runCli(['new', '--kind', 'lstm', '--n-x', '3', '--n-a', '4', '--n-y', '2', '-m', '5', '-T', '6', '--seed', '7', '--init', 'vanishing', '--name', 'wizard_vanishing']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(fs.readFileSync(target, 'utf8'), cli.stdout);
  });

  it('writes nothing when a prompt is cancelled, and refuses sizes the reader would refuse', async function () {
    const target = workspaceFile('wizard_cancelled.rnn.json');
    fs.rmSync(target, { force: true });
    const seen: string[] = [];
    api.setNewFixtureUi(scriptedUi(['rnn_cell', 'Random'], ['3, 5, 2, 10', '1'], undefined, undefined, seen));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('rnnStepper.newFixture');
    assert.equal(written, undefined);
    assert.equal(fs.existsSync(target), false);
    // The sizes box rejects a fixture above the size limit, and a wrong count of numbers.
    let validate: ((v: string) => unknown) | undefined;
    api.setNewFixtureUi({
      quickPick: async (items) => items[0],
      inputBox: async (opts) => {
        validate ??= opts.validateInput;
        return undefined;
      },
      saveDialog: async () => undefined,
      offer: async () => undefined,
    });
    await vscode.commands.executeCommand('rnnStepper.newFixture');
    assert.ok(validate);
    assert.match(String(await validate('3, 5000, 2, 1000, 1000')), /above the \d+ MB fixture size limit/);
    assert.match(String(await validate('3, 5')), /Enter 5 positive integers/);
  });

  it('Step RNN opens a .npz fixture (x, a0 and the parameters by their seed names)', async function () {
    const npz = workspaceFile('wizard_from_numpy.npz');
    fs.copyFileSync(path.join(extensionRoot(), 'test', 'fixtures', 'npy', 'lstm_fixture.npz'), npz);
    await vscode.commands.executeCommand('rnnStepper.stepRnn', vscode.Uri.file(npz));
    await api.whenPanelReady(npz, 60_000);
    const panel = api.panels().find((p) => p.fixture === npz);
    assert.ok(panel, 'a panel for the .npz');
  });
});
