// Issue 11 in the extension host: "RNN: Check My Implementation…" on a learner's file with a
// planted slip (test/fixtures/impl, generated from the reference implementation), the diagnostics
// in that file, the re-run when it is saved, an exception at its raising line, and the refusal in
// an untrusted workspace. Needs python3 with NumPy on PATH (CI: Debian python3-numpy).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckCommandResult, CheckTestApi } from '../../src/extension/check/controller';
import type { RnnStepperApi } from '../../src/extension/api';
import { closeAll, EXTENSION_ID, extensionRoot, waitFor, workspaceDir, workspaceFile } from './harness';

const SOURCE = 'rnn-stepper check';

function implFixture(name: string): string {
  return path.join(extensionRoot(), 'test', 'fixtures', 'impl', name);
}

/** 0-based line of `def NAME(` in a file, read from the file (not assumed). */
function defLine(file: string, fn: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`def ${fn}(`));
  assert.ok(i >= 0, `${file} defines ${fn}`);
  return i;
}

function checkDiags(file: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((d) => d.source === SOURCE);
}

async function check(...args: unknown[]): Promise<CheckCommandResult> {
  const r = await vscode.commands.executeCommand<CheckCommandResult>('rnnStepper.checkImplementation', ...args);
  assert.ok(r, 'the command returns its outcome');
  return r;
}

describe('Check My Implementation in the extension host', function () {
  this.timeout(180_000);
  let api: CheckTestApi;
  let dir: string;

  before(async function () {
    // activate() returns the panel API and the check API together (extension.ts).
    const ext = vscode.extensions.getExtension<RnnStepperApi & CheckTestApi>(EXTENSION_ID);
    assert.ok(ext, 'the extension is installed');
    api = ext.isActive ? ext.exports : await ext.activate();
    dir = fs.mkdtempSync(path.join(workspaceDir(), 'check-'));
  });
  afterEach(async function () {
    api.setCheckTrust(undefined);
    await closeAll();
  });

  it('puts the planted slip at its def line, named by its catalogue id, and clears it when the fixed file is saved', async function () {
    const impl = path.join(dir, 'rnn.py');
    fs.copyFileSync(implFixture('slip_bias-missing.py'), impl);
    const fixture = workspaceFile('rnn_small.rnn.json');
    const r = await check(vscode.Uri.file(impl), vscode.Uri.file(fixture));
    assert.equal(r.status, 'done', JSON.stringify(r));
    assert.ok(r.status === 'done' && !r.report.ok, 'the report says the file does not match');
    const cell = r.status === 'done' ? r.report.functions.find((f) => f.name === 'rnn_cell_forward') : undefined;
    assert.equal(cell?.status, 'mismatch');

    const diags = checkDiags(impl);
    const line = defLine(impl, 'rnn_cell_forward');
    const atDef = diags.find((d) => d.range.start.line === line);
    assert.ok(atDef, `a diagnostic at line ${line + 1} (def rnn_cell_forward); got ${diags.map((d) => `${d.range.start.line + 1}: ${d.message}`).join(' | ')}`);
    assert.match(atDef.message, /bias-missing/);
    assert.match(atDef.message, /^rnn_cell_forward does not match the reference: a_next at t=1/);
    assert.equal(atDef.code, 'bias-missing');
    assert.equal(atDef.severity, vscode.DiagnosticSeverity.Error);
    // The range is the `def rnn_cell_forward` words of that line.
    assert.equal(atDef.range.start.character, 0);
    assert.equal(atDef.range.end.character, 'def rnn_cell_forward'.length);
    // The backward functions get the reference's caches: the forward slip does not spill into them.
    for (const fn of ['rnn_cell_backward', 'rnn_backward']) {
      const l = defLine(impl, fn);
      assert.ok(!diags.some((d) => d.range.start.line === l), `no diagnostic at ${fn}`);
    }

    // Fix the file in the editor and save it: the check runs again by itself and the problem goes.
    const runs = api.checkRuns();
    const doc = await vscode.workspace.openTextDocument(impl);
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const fixed = fs.readFileSync(path.join(extensionRoot(), 'test', 'fixtures', 'generated', 'rnn_reference.py'), 'utf8');
    assert.ok(await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), fixed)));
    assert.ok(doc.isDirty, 'the edit is in the editor');
    // In the code-server test host the first saves after start-up can answer false (seen with
    // .py, .json and .txt files alike, with no check involved): save until the document is clean.
    await waitFor(async () => (await doc.save()) || !doc.isDirty, 'the fixed file to save', 30_000);
    await waitFor(() => api.checkRuns() > runs, 'the re-run on save to start', 30_000);
    await waitFor(() => api.lastCheck(impl)?.ok === true, 'the re-run to report every function matching', 120_000);
    assert.deepEqual(checkDiags(impl).map((d) => d.message), [], 'the diagnostics are gone');
  });

  it('reports an exception at the line that raised, even when the function is checked from its CodeLens', async function () {
    const sub = fs.mkdtempSync(path.join(dir, 'learner-'));
    for (const f of ['rnn.py', 'rnn_utils.py']) fs.copyFileSync(implFixture(path.join('learner', f)), path.join(sub, f));
    const impl = path.join(sub, 'rnn.py');
    const doc = await vscode.workspace.openTextDocument(impl);
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor(
      async () => {
        const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
        return l?.filter((c) => c.command?.command === 'rnnStepper.checkImplementation').length ? l : undefined;
      },
      'the Check CodeLens on rnn.py',
    );
    const lens = lenses.find((c) => c.command?.command === 'rnnStepper.checkImplementation' && c.range.start.line === defLine(impl, 'rnn_cell_backward'));
    assert.ok(lens?.command, 'a CodeLens at def rnn_cell_backward');
    const r = await check(...(lens.command.arguments ?? []), vscode.Uri.file(workspaceFile('rnn_small.rnn.json')));
    assert.equal(r.status, 'done', JSON.stringify(r));
    const raising = fs.readFileSync(impl, 'utf8').split('\n').findIndex((l) => l.includes('# NameError here'));
    const diags = checkDiags(impl);
    const d = diags.find((x) => x.range.start.line === raising);
    assert.ok(d, `a diagnostic at the raising line ${raising + 1}; got ${diags.map((x) => `${x.range.start.line + 1}: ${x.message}`).join(' | ')}`);
    assert.match(d.message, /^rnn_cell_backward: raised .*NameError/);
    assert.equal(d.code, 'error');
    // After the check the lens says the outcome.
    const after = await waitFor(async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l?.find((c) => c.range.start.line === defLine(impl, 'rnn_cell_forward') && c.command?.title.includes('matches'));
    }, 'the CodeLens of rnn_cell_forward to say it matches');
    assert.ok(after);
  });

  it('refuses to run user code in an untrusted workspace', async function () {
    const impl = path.join(dir, 'untrusted.py');
    fs.copyFileSync(implFixture('slip_bias-missing.py'), impl);
    api.setCheckTrust(false);
    const runs = api.checkRuns();
    const r = await check(vscode.Uri.file(impl), vscode.Uri.file(workspaceFile('rnn_small.rnn.json')));
    assert.equal(r.status, 'untrusted');
    assert.equal(api.checkRuns(), runs, 'nothing ran');
    assert.deepEqual(checkDiags(impl), []);
  });
});
