/**
 * "RNN: Check My Implementation…": picks the user's .py/.ipynb (once per fixture), finds a Python
 * with NumPy, runs the check on a worker thread with a cancellable progress notification, and
 * shows the result as diagnostics in the user's file, as CodeLens titles on its `def`s and in the
 * Step RNN panel of the fixture. A file checked in this session is checked again when it is saved.
 * User code runs only in a trusted workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckResult, FunctionReport } from '../../check/types';
import { formatDiagnostic } from '../../fixture/parse';
import type { CheckFromWebview, CheckToWebview } from '../../protocol/check';
import { log } from '../log';
import { CheckDiagnostics } from './diagnostics';
import { findings } from './findings';
import { findPython } from './interpreter';
import { CheckLinks } from './links';
import { toPanelData } from './panelData';
import { CheckRun, type CheckOutcome } from './runner';

/** What the command returns (the integration tests read it). */
export type CheckCommandResult =
  | { status: 'done'; implPath: string; fixture: string | null; report: CheckResult['report'] }
  | { status: 'untrusted' | 'cancelled' | 'noFile' | 'noPython' | 'badFixture' | 'failed'; message?: string };

/** What the controller needs from the panels (PanelManager provides it). */
export interface CheckPanels {
  /** The fixture of the Step RNN panel in front (or last used), if any. */
  activeFixture(): string | undefined;
  /** Send a message to the panel of this fixture, if one is open. */
  postToFixture(fixture: string, msg: CheckToWebview): void;
}

/** The test API's check part (returned by `activate()` with the rest). */
export interface CheckTestApi {
  /** Force an untrusted (false) or trusted (true) workspace for the check; undefined follows VS Code. */
  setCheckTrust(trusted: boolean | undefined): void;
  /** Checks started so far (command and re-runs on save). */
  checkRuns(): number;
  /** The last report for a user file, this session. */
  lastCheck(implPath: string): CheckResult['report'] | undefined;
}

interface LastCheck {
  fixture: string | null;
  result: CheckResult;
  msg: CheckToWebview;
}

const isImpl = (p: string) => /\.(py|ipynb)$/i.test(p);
const isJson = (p: string) => /\.json$/i.test(p);

function pathOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg.fsPath : undefined;
  return typeof arg === 'string' && path.isAbsolute(arg) ? arg : undefined;
}

const samePath = (a: string, b: string) => path.normalize(a) === path.normalize(b);

export class CheckController implements vscode.Disposable {
  readonly diagnostics = new CheckDiagnostics();
  private readonly links: CheckLinks;
  private readonly running = new Map<string, CheckRun>();
  /** Last result per user file (this session): CodeLens titles, the panel, re-run on save. */
  private readonly last = new Map<string, LastCheck>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the user file's path when its check finished (CodeLens refresh). */
  readonly onDidCheck = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  /** Tests force an untrusted workspace; undefined follows VS Code. */
  trustOverride: boolean | undefined;
  runs = 0;

  constructor(private readonly context: vscode.ExtensionContext, private readonly panels: CheckPanels) {
    this.links = new CheckLinks(context.workspaceState);
    this.subs.push(
      this.diagnostics,
      this.changed,
      vscode.workspace.onDidSaveTextDocument((d) => this.saved(d.uri)),
      vscode.workspace.onDidSaveNotebookDocument((n) => this.saved(n.uri)),
    );
  }

  private trusted(): boolean {
    return this.trustOverride ?? vscode.workspace.isTrusted;
  }

  /** The last result for a user file (CodeLens). */
  lastFor(implPath: string): CheckResult | undefined {
    return this.last.get(path.normalize(implPath))?.result;
  }

  /** The panel message for a fixture's panel after its `ready`. */
  snapshotFor(fixture: string): CheckToWebview | undefined {
    let found: LastCheck | undefined;
    for (const l of this.last.values()) if (l.fixture !== null && samePath(l.fixture, fixture)) found = l;
    return found?.msg;
  }

  /** `checkRun` / `checkOpen` from the panel of `fixture` (already validated). */
  async fromPanel(fixture: string, msg: CheckFromWebview): Promise<void> {
    if (msg.type === 'checkRun') {
      await this.command(vscode.Uri.file(fixture));
      return;
    }
    const implPath = this.links.implFor(fixture);
    const l = implPath ? this.last.get(path.normalize(implPath)) : undefined;
    const def = l?.result.definitions.find((d) => d.name === msg.function);
    if (!implPath || !def) return;
    if (def.cell !== undefined) {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(def.file || implPath));
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(def.file || implPath));
    const pos = new vscode.Position(Math.min(def.line - 1, Math.max(doc.lineCount - 1, 0)), 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
  }

  /**
   * The command. Arguments (all optional, either order): the user's .py/.ipynb and a fixture
   * (.json); without either, the .py/.ipynb being edited. Without a fixture: the one its file was last checked against, else the panel in
   * front, else the active JSON editor, else none (the Coursera-sized problems).
   */
  async command(a?: unknown, b?: unknown): Promise<CheckCommandResult> {
    if (!this.trusted()) {
      const manage = 'Manage Workspace Trust';
      void vscode.window
        .showWarningMessage('Check My Implementation runs your Python code, so it only runs in a trusted workspace.', manage)
        .then((c) => c === manage && vscode.commands.executeCommand('workbench.trust.manage'));
      return { status: 'untrusted' };
    }
    const args = [pathOf(a), pathOf(b)].filter((p): p is string => p !== undefined);
    // From the palette while editing a .py or a notebook: that file is the one to check.
    const editing = vscode.window.activeNotebookEditor?.notebook.uri ?? vscode.window.activeTextEditor?.document.uri;
    if (args.length === 0 && editing?.scheme === 'file' && isImpl(editing.fsPath)) args.push(editing.fsPath);
    let implPath = args.find(isImpl);
    let fixture: string | null | undefined = args.find(isJson);
    if (implPath && fixture === undefined) fixture = this.links.fixtureFor(implPath);
    if (fixture === undefined) {
      const doc = vscode.window.activeTextEditor?.document;
      fixture = this.panels.activeFixture() ?? (doc && doc.uri.scheme === 'file' && isJson(doc.fileName) ? doc.fileName : null);
    }
    implPath ??= this.links.implFor(fixture) ?? (await this.pickImpl(fixture));
    if (!implPath) return { status: 'noFile' };
    await this.links.link(fixture, implPath);
    return this.run(implPath, fixture, 'command');
  }

  private async pickImpl(fixture: string | null): Promise<string | undefined> {
    const against = fixture ? path.basename(fixture) : 'the Coursera-sized RNN and LSTM';
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Check',
      title: `Check My Implementation against ${against}: choose your .py or notebook`,
      filters: { 'Python or notebook': ['py', 'ipynb'] },
      defaultUri: fixture ? vscode.Uri.file(path.dirname(fixture)) : vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    return picked?.[0]?.fsPath;
  }

  private saved(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const l = this.last.get(path.normalize(uri.fsPath));
    if (!l || !vscode.workspace.getConfiguration('rnnStepper').get<boolean>('check.rerunOnSave', true)) return;
    log().info(`${path.basename(uri.fsPath)} saved: checking it again`);
    void this.run(uri.fsPath, l.fixture, 'save');
  }

  private async run(implPath: string, fixture: string | null, why: 'command' | 'save'): Promise<CheckCommandResult> {
    if (!this.trusted()) return { status: 'untrusted' };
    const key = path.normalize(implPath);
    this.running.get(key)?.cancel();
    const cfg = vscode.workspace.getConfiguration('rnnStepper', vscode.Uri.file(implPath));
    const py = await findPython(vscode.Uri.file(implPath));
    if (!py.ok) {
      const set = 'Set Python Path';
      void vscode.window
        .showErrorMessage(`${py.message} Install NumPy, or set rnnStepper.pythonPath to an interpreter that has it.`, set)
        .then((c) => c === set && vscode.commands.executeCommand('workbench.action.openSettings', 'rnnStepper.pythonPath'));
      return { status: 'noPython', message: py.message };
    }
    const tol = { rtol: Math.max(0, cfg.get<number>('check.rtol', 1e-5)), atol: Math.max(0, cfg.get<number>('check.atol', 1e-8)) };
    const root = this.context.extensionUri.fsPath;
    const name = path.basename(implPath);
    const against = fixture ? path.basename(fixture) : 'the Coursera-sized RNN and LSTM';
    log().info(`Checking ${implPath} against ${fixture ?? against} with ${py.python} (${py.from}, NumPy ${py.numpy})`);
    this.runs++;
    const outcome = await vscode.window.withProgress(
      {
        location: why === 'command' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: `Checking ${name} against ${against}`,
        cancellable: true,
      },
      (progress, token): Promise<CheckOutcome> => {
        const r = new CheckRun(
          path.join(root, 'dist', 'checkWorker.js'),
          {
            implPath, fixture, python: py.python, ...tol, maxBytes: this.maxBytes(),
            timeoutMs: Math.max(1, cfg.get<number>('check.timeoutSeconds', 30)) * 1000,
            harnessPath: path.join(root, 'dist', 'check', 'harness.py'),
          },
          { progress: (p) => progress.report({ message: p.message }), output: (text) => log().info(`[${name}] ${text.trimEnd()}`) },
        );
        this.running.set(key, r);
        token.onCancellationRequested(() => r.cancel());
        return r.done.finally(() => {
          if (this.running.get(key) === r) this.running.delete(key);
        });
      },
    );
    return this.settle(implPath, fixture, outcome, tol, why);
  }

  private maxBytes(): number {
    return Math.max(1, vscode.workspace.getConfiguration('rnnStepper').get<number>('maxFixtureSizeMB', 512)) * 1048576;
  }

  private settle(
    implPath: string, fixture: string | null, o: CheckOutcome, tol: { rtol: number; atol: number }, why: 'command' | 'save',
  ): CheckCommandResult {
    switch (o.type) {
      case 'cancelled':
        void vscode.window.setStatusBarMessage(`$(circle-slash) Check of ${path.basename(implPath)} cancelled`, 4000);
        return { status: 'cancelled' };
      case 'setupError': {
        const set = 'Set Python Path';
        void vscode.window
          .showErrorMessage(`Check My Implementation: ${o.message}`, ...(/python|numpy/i.test(o.message) ? [set] : []))
          .then((c) => c === set && vscode.commands.executeCommand('workbench.action.openSettings', 'rnnStepper.pythonPath'));
        return { status: 'noPython', message: o.message };
      }
      case 'fixtureError': {
        const first = o.diagnostics.find((d) => d.severity === 'error') ?? o.diagnostics[0];
        const message = fixture && first ? formatDiagnostic(fixture, first) : 'the fixture could not be read';
        void vscode.window.showErrorMessage(`Cannot check against this fixture: ${message}`);
        return { status: 'badFixture', message };
      }
      case 'failed':
        log().error(`Check of ${implPath} failed: ${o.message}`);
        void vscode.window.showErrorMessage(`Check My Implementation failed: ${o.message}`);
        return { status: 'failed', message: o.message };
      case 'done':
        break;
    }
    const result = o.result;
    this.diagnostics.set(implPath, findings(result, implPath));
    const msg: CheckToWebview = { type: 'check', check: toPanelData(result, implPath, tol) };
    this.last.set(path.normalize(implPath), { fixture, result, msg });
    if (fixture) this.panels.postToFixture(fixture, msg);
    for (const n of result.notes) log().info(`[check] ${n}`);
    this.changed.fire(implPath);
    this.announce(implPath, result, why);
    return { status: 'done', implPath, fixture, report: result.report };
  }

  private announce(implPath: string, result: CheckResult, why: 'command' | 'save'): void {
    const fns = result.report.functions;
    const present = fns.filter((f) => f.status !== 'missing');
    const bad = present.filter((f: FunctionReport) => f.status !== 'match');
    const name = path.basename(implPath);
    const text =
      present.length === 0
        ? `${name} defines none of the classic functions (rnn_cell_forward … lstm_backward).`
        : bad.length === 0
          ? `${name}: all ${present.length} function${present.length === 1 ? '' : 's'} match the reference.`
          : `${name}: ${bad.length} of ${present.length} function${present.length === 1 ? '' : 's'} do not match (first: ${bad[0].name}). See the Problems panel.`;
    if (why === 'save') {
      void vscode.window.setStatusBarMessage(`${bad.length ? '$(error)' : '$(check)'} ${text}`, 6000);
      return;
    }
    const problems = 'Show Problems';
    const show = bad.length ? vscode.window.showWarningMessage(text, problems) : vscode.window.showInformationMessage(text);
    void show.then((c) => c === problems && vscode.commands.executeCommand('workbench.actions.view.problems'));
  }

  api(): CheckTestApi {
    return {
      setCheckTrust: (v) => (this.trustOverride = v),
      checkRuns: () => this.runs,
      lastCheck: (implPath) => this.lastFor(implPath)?.report,
    };
  }

  dispose(): void {
    for (const r of this.running.values()) r.cancel();
    for (const s of this.subs) s.dispose();
  }
}
