// Issue 12 in the real extension host: the `rnn` debug type through vscode.debug (inline adapter,
// configuration provider), values against the reference fixture, and the Step RNN panel and the
// debug session following each other.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RnnStepperApi } from '../../src/extension/api';
import { activate, closeAll, extensionRoot, waitFor, workspaceFile } from './harness';

interface ApiEx extends RnnStepperApi {
  runStats(fixture: string): { cursor: { phase: string; t: number }; finished: boolean } | undefined;
}

/** Every message the adapters send, for the stops (a tracker sees the real DAP traffic). */
const sent: {
  session: string;
  msg: { type?: string; event?: string; command?: string; body?: { reason?: string; breakpoints?: { verified?: boolean }[] } };
}[] = [];
let tracker: vscode.Disposable | undefined;

describe('rnn debug adapter (vscode.debug)', () => {
  before(() => {
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('rnn', {
      createDebugAdapterTracker: (session) => ({ onDidSendMessage: (msg) => void sent.push({ session: session.id, msg }) }),
    });
  });
  after(() => tracker?.dispose());
  afterEach(async () => {
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
    await closeAll();
  });

  /** The adapter answered a setFunctionBreakpoints with one breakpoint per name and all verified. */
  const adapterGot = (s: vscode.DebugSession, ...names: string[]) =>
    sent.some((m) => {
      const msg = m.msg;
      const bps = msg.body?.breakpoints ?? [];
      return m.session === s.id && msg.type === 'response' && msg.command === 'setFunctionBreakpoints' && bps.length >= names.length && bps.every((b) => b.verified);
    });
  const lastStop = (s: vscode.DebugSession) =>
    sent.filter((m) => m.session === s.id && m.msg.type === 'event' && m.msg.event === 'stopped').at(-1)?.msg.body;
  const stops = (s: vscode.DebugSession) => sent.filter((m) => m.session === s.id && m.msg.type === 'event' && m.msg.event === 'stopped').length;

  async function frameName(s: vscode.DebugSession): Promise<string> {
    const st = await s.customRequest('stackTrace', { threadId: 1 });
    return st.stackFrames[0].name;
  }

  async function start(file: string): Promise<vscode.DebugSession> {
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const d = vscode.debug.onDidStartDebugSession((s) => {
        d.dispose();
        resolve(s);
      });
    });
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'rnn', request: 'launch', name: 'integration', fixture: file, stopOnEntry: true,
    });
    assert.equal(ok, true, 'startDebugging');
    const s = await started;
    await waitFor(() => stops(s) >= 1, 'the entry stop');
    return s;
  }

  it('launch, next, stack frame, evaluate against the reference values', async () => {
    await activate();
    const file = workspaceFile('lstm_coursera_backward.rnn.json');
    const s = await start(file);
    assert.equal(s.type, 'rnn');
    assert.equal(await frameName(s), 'lstm_forward t=1');
    const n0 = stops(s);
    await s.customRequest('next', { threadId: 1 });
    await waitFor(() => stops(s) > n0, 'the stop after next');
    assert.equal(await frameName(s), 'lstm_forward t=2');
    const expected = JSON.parse(fs.readFileSync(path.join(extensionRoot(), 'test', 'fixtures', 'lstm_coursera_backward.expected.json'), 'utf8'));
    const r = await s.customRequest('evaluate', { expression: 'a_next[3, 2]', context: 'watch', frameId: 1 });
    const want: number = expected.a[2][1][1];
    assert.ok(Math.abs(Number(r.result) - want) < 1e-12, `${r.result} vs ${want}`);
    const st = await s.customRequest('stackTrace', { threadId: 1 });
    // code-server hands the path back as a vscode-remote URI: compare the file part.
    assert.ok(String(st.stackFrames[0].source.path).endsWith(file), st.stackFrames[0].source.path);
  });

  it('the panel follows the session and the session follows the panel', async () => {
    const api = (await activate()) as ApiEx;
    const file = workspaceFile('lstm_coursera_backward.rnn.json');
    await vscode.commands.executeCommand('rnnStepper.stepRnn', vscode.Uri.file(file));
    await api.whenPanelReady(file, 30_000);
    const s = await start(file);
    let n = stops(s);
    await s.customRequest('next', { threadId: 1 });
    await s.customRequest('next', { threadId: 1 });
    await waitFor(() => stops(s) >= n + 2, 'two stops');
    await waitFor(() => api.runStats(file)?.cursor.t === 2, 'the panel at forward t=3 (0-based 2)');
    assert.equal(api.runStats(file)?.cursor.phase, 'forward');
    // The webview reports a move (what its step buttons and keys do): the session goes there.
    n = stops(s);
    await api.simulateWebviewMessage(file, { type: 'move', move: 'seek', phase: 'backward', t: 1 });
    await waitFor(() => stops(s) > n, 'the session stop after the panel moved');
    assert.equal(await frameName(s), 'lstm_backward t=2');
  });

  it("the panel's step breakpoints are the session's: set in the panel, the session stops there; set in VS Code, the panel's Continue stops there", async () => {
    const api = (await activate()) as ApiEx;
    const file = workspaceFile('lstm_coursera_backward.rnn.json');
    await vscode.commands.executeCommand('rnnStepper.stepRnn', vscode.Uri.file(file));
    await api.whenPanelReady(file, 30_000);
    const s = await start(file);
    const stepBps = () => vscode.debug.breakpoints.filter((b): b is vscode.FunctionBreakpoint => b instanceof vscode.FunctionBreakpoint).map((b) => b.functionName);
    try {
      // The panel's F9 at forward t = 3 (0-based 2): VS Code's Breakpoints view lists it…
      await api.simulateWebviewMessage(file, { type: 'toggleBreakpoint', phase: 'forward', t: 2 });
      await waitFor(() => stepBps().includes('forward t=3'), 'forward t=3 in the Breakpoints view');
      // VS Code hands it to the adapter (setFunctionBreakpoints) before the continue below.
      await waitFor(() => adapterGot(s, 'forward t=3'), 'the adapter verifying forward t=3');
      // …and the session stops there.
      let n = stops(s);
      await s.customRequest('continue', { threadId: 1 });
      await waitFor(() => stops(s) > n, 'the stop after continue');
      assert.equal(await frameName(s), 'lstm_forward t=3');
      assert.equal(lastStop(s)?.reason, 'breakpoint');
      // A breakpoint added on VS Code's side (Breakpoints view, any DAP client): the panel's
      // Continue stops there, and the session follows the panel.
      const changed = new Promise<void>((resolve) => {
        const d = vscode.debug.onDidChangeBreakpoints(() => {
          d.dispose();
          resolve();
        });
      });
      vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint('backward t=2')]);
      await changed;
      n = stops(s);
      await api.simulateWebviewMessage(file, { type: 'move', move: 'continue' });
      await waitFor(() => api.runStats(file)?.cursor.phase === 'backward', 'the panel at a backward step');
      assert.deepEqual(api.runStats(file)?.cursor, { phase: 'backward', t: 1 });
      await waitFor(() => stops(s) > n, 'the session following the panel');
      assert.equal(await frameName(s), 'lstm_backward t=2');
      // Removed in the panel: gone from the Breakpoints view too.
      await api.simulateWebviewMessage(file, { type: 'toggleBreakpoint', phase: 'backward', t: 1 });
      await waitFor(() => !stepBps().includes('backward t=2'), 'backward t=2 removed from the Breakpoints view');
    } finally {
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    }
  });

  it('F5 without launch.json: the configuration provider debugs the active fixture', async () => {
    await activate();
    const file = workspaceFile('rnn_small.rnn.json');
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const d = vscode.debug.onDidStartDebugSession((s) => {
        d.dispose();
        resolve(s);
      });
    });
    // F5 with no launch.json: VS Code picks the debugger for the editor's language (json → rnn)
    // and the provider fills in the fixture.
    await vscode.commands.executeCommand('workbench.action.debug.start');
    const s = await started;
    assert.equal(s.type, 'rnn');
    assert.equal(path.resolve(String(s.configuration.fixture)), file);
    await waitFor(() => stops(s) >= 1, 'the entry stop');
    assert.equal(await frameName(s), 'rnn_forward t=1');
  });
});
