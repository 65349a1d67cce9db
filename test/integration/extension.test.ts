// Issue 3's in-host integration tests: the real extension in the real VS Code extension host.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RnnStepperApi } from '../../src/extension/api';
import { activate, closeAll, extensionRoot, positionAt, runCli, waitFor, workspaceDir, workspaceFile } from './harness';

const FIXTURE = 'rnn_small.rnn.json';

function cspOf(html: string): string {
  const m = /<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(?:"([^"]*)"|'([^']*)')/i.exec(html);
  assert.ok(m, 'the panel HTML has a Content-Security-Policy meta tag');
  return m[1] ?? m[2];
}

function directives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

function nonceOf(html: string): string {
  const d = directives(cspOf(html));
  const script = d.get('script-src') ?? [];
  const nonces = script.filter((s) => /^'nonce-[^']+'$/.test(s)).map((s) => s.slice(7, -1));
  assert.equal(nonces.length, 1, `script-src has exactly one nonce: ${script.join(' ')}`);
  return nonces[0];
}

async function openPanel(api: RnnStepperApi, file: string): Promise<ReturnType<RnnStepperApi['panels']>[number]> {
  await vscode.commands.executeCommand('rnnStepper.stepRnn', vscode.Uri.file(file));
  await api.whenPanelReady(file, 30_000);
  const panel = api.panels().filter((p) => p.fixture === file).at(-1);
  assert.ok(panel, `a panel is open for ${file}`);
  return panel;
}

describe('RNN Stepper in the VS Code extension host', function () {
  let api: RnnStepperApi;

  before(async function () {
    api = await activate();
  });
  afterEach(async function () {
    api?.setSaveDialog(undefined);
    await closeAll();
  });

  it('activates and returns the test API', async function () {
    const ext = vscode.extensions.getExtension('rnn-stepper.rnn-stepper');
    assert.ok(ext, 'the extension is installed in the host');
    assert.equal(ext.isActive, true);
    for (const fn of ['panels', 'whenPanelReady', 'setSaveDialog', 'simulateWebviewMessage', 'droppedMessages'] as const) {
      assert.equal(typeof api[fn], 'function', `api.${fn} is a function`);
    }
  });

  it('registers the commands it contributes', async function () {
    const all = new Set(await vscode.commands.getCommands(true));
    const pkg = vscode.extensions.getExtension('rnn-stepper.rnn-stepper')!.packageJSON as {
      contributes: { commands: { command: string; title: string; category?: string }[] };
    };
    const stepRnn = pkg.contributes.commands.find((c) => c.command === 'rnnStepper.stepRnn');
    assert.deepEqual({ title: stepRnn?.title, category: stepRnn?.category }, { title: 'Step RNN', category: 'RNN' });
    for (const id of ['rnnStepper.stepRnn', 'rnnStepper.exportCaches', 'rnnStepper.copyStep', 'rnnStepper.stepForward', 'rnnStepper.stepBack']) {
      assert.ok(all.has(id), `${id} is registered`);
    }
    for (const c of pkg.contributes.commands) assert.ok(all.has(c.command), `contributed ${c.command} is registered`);
  });

  it('Step RNN on a fixture opens a panel with the right title and options', async function () {
    const file = workspaceFile(FIXTURE);
    const panel = await openPanel(api, file);
    assert.equal(panel.title, `RNN: ${FIXTURE}`);
    assert.equal(panel.viewType, 'rnnStepper.panel');
    assert.equal(panel.options.enableScripts, true);
    assert.equal(panel.options.retainContextWhenHidden, false);
    assert.deepEqual(panel.options.localResourceRoots, [path.join(extensionRoot(), 'dist')]);
    // The workbench shows it as a webview tab with that label (tab groups update asynchronously).
    const tab = await waitFor(
      () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => t.input instanceof vscode.TabInputWebview && t.label === `RNN: ${FIXTURE}`),
      'the panel tab',
    );
    assert.match((tab.input as vscode.TabInputWebview).viewType, /rnnStepper\.panel$/);
  });

  it('Step RNN without an argument uses the active editor', async function () {
    const file = workspaceFile('lstm_small.rnn.json');
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    await vscode.commands.executeCommand('rnnStepper.stepRnn');
    await api.whenPanelReady(file, 30_000);
    assert.ok(api.panels().some((p) => p.fixture === file && p.title === 'RNN: lstm_small.rnn.json'));
  });

  it('the HTML has a strict CSP and a fresh nonce on every render', async function () {
    const file = workspaceFile(FIXTURE);
    const first = await openPanel(api, file);
    const csp = cspOf(first.html);
    const d = directives(csp);
    assert.deepEqual(d.get('default-src'), ["'none'"], csp);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval/i, `no unsafe source: ${csp}`);
    // Every other source must be the webview's own resource origin (webview.cspSource, read from a
    // throwaway panel of this test) or data: for images; scripts only through the nonce.
    const probe = vscode.window.createWebviewPanel('rnnStepperTest.probe', 'probe', vscode.ViewColumn.Beside, {});
    const own = new Set(probe.webview.cspSource.split(/\s+/));
    probe.dispose();
    for (const [name, sources] of d) {
      if (name === 'default-src') continue;
      if (name === 'script-src') {
        assert.ok(sources.every((s) => /^'nonce-[^']+'$/.test(s)), `script-src is only a nonce: ${sources.join(' ')}`);
        continue;
      }
      for (const s of sources) {
        const ok = own.has(s) || (name === 'img-src' && s === 'data:');
        assert.ok(ok, `${name} source ${s} is neither webview.cspSource (${[...own].join(' ')}) nor data: for images`);
      }
    }
    for (const needed of ['style-src', 'script-src']) assert.ok(d.has(needed), `${needed} is declared`);
    const nonce1 = nonceOf(first.html);
    assert.ok(Buffer.from(nonce1, 'base64').length >= 16, `nonce ${nonce1} carries at least 128 bits`);
    const scripts = [...first.html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]);
    assert.ok(scripts.length > 0, 'the panel loads a script');
    for (const attrs of scripts) assert.match(attrs, new RegExp(`nonce="${nonce1.replace(/[+/=]/g, '\\$&')}"`), `every script carries the nonce: ${attrs}`);
    assert.ok(!/<script\b[^>]*>\s*[^<\s]/i.test(first.html), 'no inline script body');

    await closeAll();
    const second = await openPanel(api, file);
    const nonce2 = nonceOf(second.html);
    assert.notEqual(nonce2, nonce1, 'a new render gets a new nonce');

    const other = await openPanel(api, workspaceFile('lstm_small.rnn.json'));
    assert.notEqual(nonceOf(other.html), nonce2, 'two panels, two nonces');
  });

  it('a bad fixture yields diagnostics at the right positions', async function () {
    const good = fs.readFileSync(workspaceFile(FIXTURE), 'utf8');
    // A string where Waa needs a number: the error must point at that token.
    const badText = good.replace('-0.1643433146252558', '"oops"');
    assert.notEqual(badText, good, 'the test fixture still contains the value it edits');
    const bad = path.join(workspaceDir(), 'bad_value.rnn.json');
    fs.writeFileSync(bad, badText);
    const uri = vscode.Uri.file(bad);
    await vscode.commands.executeCommand('rnnStepper.stepRnn', uri);
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length > 0 ? d : undefined;
    }, 'diagnostics for bad_value.rnn.json');
    const want = positionAt(badText, badText.indexOf('"oops"'));
    const hit = diags.find((d) => d.range.start.line === want.line && d.range.start.character === want.character);
    assert.ok(
      hit,
      `a diagnostic starts at ${want.line + 1}:${want.character + 1}; got ${diags.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`).join(' | ')}`,
    );
    assert.equal(hit.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(hit.source, 'rnn-stepper');
    assert.match(hit.message, /Waa/);
    assert.equal(hit.range.end.line, want.line);
    assert.equal(hit.range.end.character, want.character + '"oops"'.length, 'the range covers the token');

    // A JSON syntax error (missing comma between two rows of `ba`): reported where the parser stops.
    const rowB = '[-0.12177922393211148]';
    const i = good.indexOf(rowB);
    const syntaxText = good.slice(0, i - ',\n           '.length) + '\n           ' + good.slice(i);
    const bad2 = path.join(workspaceDir(), 'bad_syntax.rnn.json');
    fs.writeFileSync(bad2, syntaxText);
    const uri2 = vscode.Uri.file(bad2);
    await vscode.commands.executeCommand('rnnStepper.stepRnn', uri2);
    const diags2 = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri2);
      return d.length > 0 ? d : undefined;
    }, 'diagnostics for bad_syntax.rnn.json');
    const want2 = positionAt(syntaxText, syntaxText.indexOf(rowB));
    assert.ok(
      diags2.some((d) => d.range.start.line === want2.line && d.range.start.character === want2.character),
      `a syntax diagnostic starts at ${want2.line + 1}:${want2.character + 1}; got ${diags2.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`).join(' | ')}`,
    );
    // The good fixture has none.
    await openPanel(api, workspaceFile(FIXTURE));
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(workspaceFile(FIXTURE))), []);
  });

  it('export writes exactly what `rnn-stepper run` prints', async function () {
    const file = workspaceFile(FIXTURE);
    const target = path.join(workspaceDir(), 'exported', 'caches.json');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    let asked: vscode.SaveDialogOptions | undefined;
    api.setSaveDialog(async (opts) => {
      asked = opts;
      return vscode.Uri.file(target);
    });
    await vscode.commands.executeCommand('rnnStepper.exportCaches', vscode.Uri.file(file));
    const written = await waitFor(() => (fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined), 'the exported file');
    const cli = await runCli(['run', file]);
    assert.equal(cli.code, 0, `rnn-stepper run exits 0: ${cli.stderr}`);
    assert.ok(cli.stdout.length > 100, 'the CLI printed the caches');
    assert.ok(written === cli.stdout, `export (${written.length} chars) equals the CLI output (${cli.stdout.length} chars)`);
    assert.ok(asked?.defaultUri, 'the save dialog gets a default location');
    assert.equal(path.dirname(asked.defaultUri.fsPath), path.dirname(file), 'beside the fixture');
    assert.match(path.basename(asked.defaultUri.fsPath), /^rnn_small\b.*\.caches\.json$/);
    JSON.parse(written); // and it is JSON
  });

  it('export equals `rnn-stepper run` bit for bit for runs the worker computes in many slices (big staged file, batch of one)', async function () {
    this.timeout(180_000);
    // LSTM 64/256/32 × 20 steps (~12 MB: the staged load, x read column by column as the forward
    // goes) and RNN with m = 1 over 3000 steps (a batch of one: narrow products): both computed in
    // many short slices, whose grouping must not change a bit of the caches.
    const cases: [string, string[]][] = [
      ['sliced_lstm.rnn.json', ['--kind', 'lstm', '--n-x', '64', '--n-a', '256', '--n-y', '10', '-m', '32', '-T', '20', '--seed', '5']],
      ['sliced_rnn_m1.rnn.json', ['--kind', 'rnn', '--n-x', '8', '--n-a', '32', '--n-y', '3', '-m', '1', '-T', '3000', '--seed', '6']],
    ];
    for (const [name, args] of cases) {
      const file = path.join(workspaceDir(), name);
      const made = await runCli(['new', ...args, '-o', file]);
      assert.equal(made.code, 0, made.stderr);
      const target = path.join(workspaceDir(), 'exported', `${name}.caches.json`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      api.setSaveDialog(async () => vscode.Uri.file(target));
      try {
        await vscode.commands.executeCommand('rnnStepper.stepRnn', vscode.Uri.file(file));
        await api.whenPanelReady(file, 120_000);
        await vscode.commands.executeCommand('rnnStepper.exportCaches', vscode.Uri.file(file));
        const written = await waitFor(() => (fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined), `the export of ${name}`, 120_000);
        const cli = await runCli(['run', file]);
        assert.equal(cli.code, 0, cli.stderr);
        assert.ok(written === cli.stdout, `${name}: export (${written.length} chars) equals the CLI output (${cli.stdout.length} chars)`);
      } finally {
        api.setSaveDialog(undefined);
        await closeAll();
        fs.rmSync(file, { force: true });
        fs.rmSync(target, { force: true });
      }
    }
  });

  it('export writes nothing when the save dialog is cancelled', async function () {
    const file = workspaceFile(FIXTURE);
    const before = fs.readdirSync(workspaceDir()).sort();
    let calls = 0;
    api.setSaveDialog(async () => {
      calls++;
      return undefined;
    });
    await vscode.commands.executeCommand('rnnStepper.exportCaches', vscode.Uri.file(file));
    assert.equal(calls, 1, 'the dialog was asked once');
    assert.deepEqual(fs.readdirSync(workspaceDir()).sort(), before, 'no file appeared in the workspace');
    assert.equal(fs.existsSync(file.replace(/\.json$/, '') + '.caches.json'), false);
  });
});
