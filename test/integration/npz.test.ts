// Step RNN on a NumPy .npz in a real extension host: the archive holds x, a0 and the LSTM's
// parameters by their seed names (test/fixtures/npy/lstm_fixture.npz, written by NumPy), so the
// command runs it from the explorer (a Uri argument) and from its open tab (no argument: the
// binary file's placeholder tab); the menus offer Step RNN and Export Caches on .npz files.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RnnStepperApi } from '../../src/extension/api';
import { activate, closeAll, extensionRoot, waitFor, workspaceDir } from './harness';

interface ApiEx extends RnnStepperApi {
  runStats(fixture: string): { finished: boolean; forwardDone: number; backwardDone: number; error?: string } | undefined;
}

describe('Step RNN on a .npz', function () {
  let api: ApiEx;
  let npz: string;

  before(async function () {
    api = (await activate()) as ApiEx;
    npz = path.join(workspaceDir(), 'lstm_archive.npz');
    fs.copyFileSync(path.join(extensionRoot(), 'test', 'fixtures', 'npy', 'lstm_fixture.npz'), npz);
  });
  afterEach(async function () {
    await closeAll();
  });

  it('runs from the explorer’s Uri to the end, forward and backward', async function () {
    await vscode.commands.executeCommand('rnnStepper.stepRnn', vscode.Uri.file(npz));
    await api.whenPanelReady(npz, 30_000);
    const stats = await waitFor(() => {
      const s = api.runStats(npz);
      return s && (s.finished || s.error) ? s : undefined;
    }, 'the .npz run to finish');
    assert.equal(stats.error, undefined);
    assert.ok(stats.forwardDone > 0 && stats.backwardDone > 0, JSON.stringify(stats));
  });

  it('runs from the .npz’s own tab (Step RNN without an argument)', async function () {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(npz));
    await waitFor(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputText && input.uri.fsPath === npz ? true : undefined;
    }, 'the .npz tab');
    await vscode.commands.executeCommand('rnnStepper.stepRnn');
    await api.whenPanelReady(npz, 30_000);
  });

  it('the explorer’s context menu and the editor title offer Step RNN on .npz files', function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(extensionRoot(), 'package.json'), 'utf8')) as {
      contributes: { menus: Record<string, { command: string; when?: string }[]> };
    };
    const menus = pkg.contributes.menus;
    for (const [menu, command] of [['explorer/context', 'rnnStepper.stepRnn'], ['explorer/context', 'rnnStepper.exportCaches'], ['editor/title', 'rnnStepper.stepRnn']]) {
      const entry = menus[menu]?.find((m) => m.command === command);
      assert.ok(entry?.when && /npz/.test(entry.when), `${menu} ${command}: ${entry?.when}`);
    }
  });
});
