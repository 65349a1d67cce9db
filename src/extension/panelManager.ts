/**
 * Owns the open Step RNN panels and everything around them: the commands, the serializer, the
 * diagnostics, export and copy, the context keys, and the test API of the extension contract.
 * (The export's progress and cancel: exportProgress.ts; the test API: panelTestApi.ts.)
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_MAX_MEMORY_MB } from '../engine/memory';
import { DEFAULT_CACHE_MEMORY_MB } from '../worker/protocol';
import { parseSavedCursor, type SavedCursor } from '../session/panelCursor';
import { parseStepInput } from '../session/stepInput';
import type { Timeline } from '../session/timeline';
import type { Cursor } from '../session/timelineIndex';
import { toNestedLists } from '../session/steps';
import type { Phase, ToWebview } from '../protocol/messages';
import type { CheckFromWebview } from '../protocol/check';
import type { RnnStepperApiEx, SaveDialog } from './api';

export type { RnnStepperApiEx, RunStats } from './api';
import { isFixtureDocument } from './codeLens';
import { FixtureDiagnostics } from './diagnostics';
import { assetRoot, renderHtml } from './html';
import { log } from './log';
import { exportWithProgress } from './exportProgress';
import { panelTestApi } from './panelTestApi';
import { StepperPanel, VIEW_TYPE, type PanelHost } from './panel';
import { RunWorker } from '../worker/client';
import type { WorkerDiag } from '../worker/protocol';

export { VIEW_TYPE };

const OPEN_KEY = 'rnnStepper.openFixtures';

/** What the panel commands do (the F-keys are bound to these while the panel has the focus). */
export type PanelAction = 'stepForward' | 'stepBack' | 'continue' | 'reverseContinue' | 'restart' | 'toggleBreakpoint' | 'showHelp';

function fixtureArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg : undefined;
  if (typeof arg === 'string' && path.isAbsolute(arg)) return vscode.Uri.file(arg);
  return undefined;
}

export class PanelManager implements vscode.Disposable, PanelHost {
  private readonly panels: StepperPanel[] = [];
  private lastActive: StepperPanel | undefined;
  private dropped = 0;
  private runIds = 0;
  private saveDialog: SaveDialog | undefined;
  private readonly perf: { name: string; ms: number }[] = [];
  readonly diagnostics = new FixtureDiagnostics();
  private readonly subs: vscode.Disposable[] = [];
  private shuttingDown = false;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.subs.push(
      this.diagnostics,
      vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateEditorContext()),
    );
    this.updateEditorContext();
    void vscode.commands.executeCommand('setContext', 'rnnStepper.hasPanel', false);
  }

  // ---- PanelHost -------------------------------------------------------------------------------
  nextRunId(): number {
    return ++this.runIds;
  }
  workerScript(): string {
    return path.join(this.context.extensionUri.fsPath, 'dist', 'worker.js');
  }
  maxBytes(): number {
    const mb = vscode.workspace.getConfiguration('rnnStepper').get<number>('maxFixtureSizeMB', 512);
    return Math.max(1, mb) * 1048576;
  }
  maxMemoryMB(): number {
    const mb = vscode.workspace.getConfiguration('rnnStepper').get<number>('maxMemoryMB', DEFAULT_MAX_MEMORY_MB);
    return Math.max(1, mb);
  }
  cacheMemoryMB(): number {
    const mb = vscode.workspace.getConfiguration('rnnStepper').get<number>('cacheMemoryMB', DEFAULT_CACHE_MEMORY_MB);
    return Math.max(1, mb);
  }
  gateGradLimitBytes(): number {
    return Math.max(0, vscode.workspace.getConfiguration('rnnStepper').get<number>('gateGradientCacheMB', 64)) * 1048576;
  }
  setDiagnostics(fixture: string, errors: WorkerDiag[], warnings: WorkerDiag[]): void {
    this.diagnostics.set(fixture, errors, warnings);
  }
  countDropped(): void {
    this.dropped++;
  }
  recordPerf(name: string, ms: number): void {
    if (this.perf.length < 100_000) this.perf.push({ name, ms });
  }
  disposed(panel: StepperPanel): void {
    const i = this.panels.indexOf(panel);
    if (i >= 0) this.panels.splice(i, 1);
    if (!this.shuttingDown) this.rememberOpen();
    if (this.lastActive === panel) this.lastActive = this.panels[this.panels.length - 1];
    void vscode.commands.executeCommand('setContext', 'rnnStepper.hasPanel', this.panels.length > 0);
  }
  activated(panel: StepperPanel): void {
    this.lastActive = panel;
  }
  render(webview: vscode.Webview): string {
    return renderHtml(webview, this.context.extensionUri);
  }
  /** "Check my implementation" plugs in here (set by extension.ts); the panels ask it and it posts to them. */
  checks: { snapshotFor(fixture: string): ToWebview | undefined; fromPanel(fixture: string, m: CheckFromWebview): Promise<void> } | undefined;
  checkSnapshot(fixture: string): ToWebview | undefined {
    return this.checks?.snapshotFor(fixture);
  }
  async checkRequest(fixture: string, msg: CheckFromWebview): Promise<void> {
    await this.checks?.fromPanel(fixture, msg);
  }
  activeFixture(): string | undefined {
    return this.target()?.fixture;
  }
  postToFixture(fixture: string, msg: ToWebview): void {
    this.find(fixture)?.post(msg);
  }

  // ---- opening -----------------------------------------------------------------------------------
  private async resolveFixture(arg: unknown, verb: string): Promise<vscode.Uri | undefined> {
    const fromArg = fixtureArg(arg);
    if (fromArg) return fromArg;
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && doc.uri.scheme === 'file' && /\.json$/i.test(doc.fileName)) return doc.uri;
    // Just after start-up the host may know the active tab before its editor.
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    // (A NumPy .npz has no text editor: its tab is the binary file's placeholder.)
    if (!vscode.window.activeTextEditor && tab instanceof vscode.TabInputText && tab.uri.scheme === 'file' && /\.(json|npz)$/i.test(tab.uri.fsPath)) {
      return tab.uri;
    }
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: verb,
      title: `${verb}: choose a fixture`,
      filters: { 'RNN fixtures': ['json', 'npz'] },
    });
    return picked?.[0];
  }

  async stepRnn(arg?: unknown): Promise<void> {
    const uri = await this.resolveFixture(arg, 'Step RNN');
    if (!uri) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    if (doc?.isDirty) {
      void vscode.window.showInformationMessage(
        `Step RNN runs the saved ${path.basename(uri.fsPath)}; save the file to run your edits (saving re-runs it).`,
      );
    }
    const existing = this.find(uri.fsPath);
    if (existing) {
      existing.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, `RNN: ${path.basename(uri.fsPath)}`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [assetRoot(this.context.extensionUri)],
      retainContextWhenHidden: false,
    });
    this.adopt(uri.fsPath, panel);
  }

  /** Wire a (new or restored) webview panel to a fixture and start its run. */
  private adopt(fixture: string, panel: vscode.WebviewPanel, saved?: SavedCursor): StepperPanel {
    panel.title = `RNN: ${path.basename(fixture)}`;
    const sp = new StepperPanel(fixture, panel, this, saved);
    this.panels.push(sp);
    this.lastActive = sp;
    panel.webview.html = this.render(panel.webview);
    void vscode.commands.executeCommand('setContext', 'rnnStepper.hasPanel', true);
    this.rememberOpen();
    void sp.reload();
    return sp;
  }

  /**
   * The fixtures of the open panels, kept in the workspace state: the serializer's fallback when
   * a restored webview state does not name its fixture.
   */
  private rememberOpen(): void {
    void this.context.workspaceState.update(OPEN_KEY, this.panels.map((p) => p.fixture));
  }

  /** WebviewPanelSerializer: reopen a panel after a reload from the webview's saved state. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const s = (typeof state === 'object' && state !== null ? state : {}) as Record<string, unknown>;
    const remembered = this.context.workspaceState.get<string[]>(OPEN_KEY, []).filter((f) => !this.find(f));
    const named = [s.fixture, s.filePath, (s.run as Record<string, unknown> | undefined)?.filePath].find(
      (v): v is string => typeof v === 'string' && path.isAbsolute(v),
    );
    const candidate = named ?? remembered.find((f) => existsSync(f));
    if (!candidate || !existsSync(candidate)) {
      log().info(`Not restoring a Step RNN panel: its fixture ${candidate ?? '(unknown)'} is gone`);
      panel.dispose();
      return;
    }
    const existing = this.find(candidate);
    if (existing) {
      panel.dispose();
      existing.panel.reveal();
      return;
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: [assetRoot(this.context.extensionUri)] };
    // The webview saved the cursor and breakpoints it was shown: the new timeline starts there.
    this.adopt(candidate, panel, parseSavedCursor(s));
  }

  private find(fixture: string): StepperPanel | undefined {
    const key = path.normalize(fixture);
    return this.panels.find((p) => path.normalize(p.fixture) === key);
  }

  private saved(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file') return;
    const sp = this.find(doc.uri.fsPath);
    if (sp && vscode.workspace.getConfiguration('rnnStepper').get<boolean>('rerunOnSave', true)) {
      log().info(`${path.basename(doc.fileName)} saved: re-running`);
      void sp.reload();
    }
    this.updateEditorContext();
  }

  private updateEditorContext(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const isFixture = !!doc && /\.json$/i.test(doc.fileName) && isFixtureDocument(doc);
    void vscode.commands.executeCommand('setContext', 'rnnStepper.activeEditorIsFixture', isFixture);
  }

  // ---- the debug session link ---------------------------------------------------------------------
  private readonly cursorEvents = new vscode.EventEmitter<{ fixture: string; cursor: { phase: Phase; t: number } }>();
  /** A panel's cursor moved (stepping in the panel): the `rnn` debug session of that fixture follows. */
  readonly onDidMoveCursor = this.cursorEvents.event;

  cursorMoved(panel: StepperPanel, cursor: Cursor): void {
    this.cursorEvents.fire({ fixture: panel.fixture, cursor: { ...cursor } });
  }

  /**
   * The debug session stopped at `cursor`: the timelines of panels showing `fixture` go there
   * (no-op when already there; a hidden webview is told in its `init` when shown again).
   */
  showCursor(fixture: string, cursor: { phase: Phase; t: number }): void {
    for (const sp of this.panels) if (sp.fixture === fixture) sp.stepper.follow(cursor);
  }

  /** The timeline that owns the cursor of `fixture`'s panel, for a debug session to share. */
  timelineFor(fixture: string): Timeline | undefined {
    return this.find(fixture)?.stepper.timeline;
  }

  // ---- panel actions ------------------------------------------------------------------------------
  private target(): StepperPanel | undefined {
    return this.panels.find((p) => p.panel.active) ?? this.lastActive ?? this.panels[this.panels.length - 1];
  }

  action(action: PanelAction): void {
    const sp = this.target();
    if (!sp) {
      void vscode.window.showInformationMessage('Open a fixture with "RNN: Step RNN" first.');
      return;
    }
    if (action === 'showHelp') sp.post({ type: 'showHelp' });
    else if (action === 'toggleBreakpoint') sp.stepper.toggleBreakpoint();
    else void sp.move(action);
  }

  async goToStep(): Promise<void> {
    const sp = this.target();
    const info = sp?.run?.info;
    if (!sp || !info) {
      void vscode.window.showInformationMessage('Open a fixture with "RNN: Step RNN" first.');
      return;
    }
    const T_x = info.dims.T_x, T_b = info.T_b;
    const input = await vscode.window.showInputBox({
      title: 'Go to Step',
      prompt: `Forward step 1…${T_x} (e.g. 3 or f3), backward step b1…b${T_b} (e.g. b2), or "totals"`,
      validateInput: (v) => (parseStepInput(v, T_x, T_b) ? undefined : `Expected 1…${T_x}, f1…f${T_x}, b1…b${T_b} or totals`),
    });
    const where = input === undefined ? undefined : parseStepInput(input, T_x, T_b);
    if (where) await sp.move('seek', where);
  }

  // ---- export and copy ----------------------------------------------------------------------------
  async exportCaches(arg?: unknown): Promise<vscode.Uri | undefined> {
    const uri = await this.resolveFixture(arg, 'Export Caches');
    if (!uri) return undefined;
    const fixture = uri.fsPath;
    const defaultUri = vscode.Uri.file(fixture.replace(/\.(json|npz)$/i, '') + '.caches.json');
    const dialog = this.saveDialog ?? ((o: vscode.SaveDialogOptions) => vscode.window.showSaveDialog(o));
    const target = await dialog({
      defaultUri,
      // The target's extension picks the format: .npz gets a NumPy archive of the same arrays.
      filters: { JSON: ['json'], 'NumPy archive': ['npz'] },
      saveLabel: 'Export',
      title: `Export the caches of ${path.basename(fixture)}`,
    });
    if (!target) return undefined; // cancelled: nothing is written
    const sp = this.find(fixture);
    const panelRun = sp?.run && !sp.errors && !sp.run.progress.error ? sp.run : undefined;
    return exportWithProgress(fixture, target, panelRun, {
      ownRun: () =>
        new RunWorker({
          scriptPath: this.workerScript(), runId: this.nextRunId(), fixture,
          maxBytes: this.maxBytes(), maxMemoryMB: this.maxMemoryMB(), cacheMemoryMB: this.cacheMemoryMB(), gateGradLimitBytes: 0,
        }),
      setDiagnostics: (errors) => this.setDiagnostics(fixture, errors, []),
    });
  }

  async copyStep(panel?: StepperPanel, phase?: Phase, t?: number): Promise<string | undefined> {
    const sp = panel ?? this.target();
    const run = sp?.run;
    if (!sp || !run?.info) {
      void vscode.window.showInformationMessage('Open a fixture with "RNN: Step RNN" first.');
      return undefined;
    }
    const where = phase !== undefined && t !== undefined ? { phase, t } : sp.cursor;
    const reply = await run.request({ type: 'step', phase: where.phase, t: where.t });
    if ('error' in reply || reply.kind !== 'step') {
      void vscode.window.showWarningMessage(`Cannot copy this step: ${'error' in reply ? reply.error : 'no data'}`);
      return undefined;
    }
    const text = JSON.stringify({
      fixture: run.info.fileName,
      phase: where.phase,
      t: where.t,
      tensors: toNestedLists(reply.tensors),
    });
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`$(copy) Copied ${where.phase} step ${where.t + 1} as JSON`, 4000);
    return text;
  }

  // ---- test API ---------------------------------------------------------------------------------
  /** The test API but the wizard's part (extension.ts adds it; panelTestApi.ts builds it). */
  api(): Omit<RnnStepperApiEx, 'setNewFixtureUi'> {
    return panelTestApi({
      panels: () => this.panels,
      find: (fixture) => this.find(fixture),
      setSaveDialog: (fn) => {
        this.saveDialog = fn;
      },
      dropped: () => this.dropped,
      perf: () => this.perf,
      restore: (panel, state) => this.restore(panel, state),
    });
  }

  dispose(): void {
    this.shuttingDown = true;
    for (const p of [...this.panels]) p.dispose();
    for (const s of this.subs) s.dispose();
    this.cursorEvents.dispose();
  }
}
