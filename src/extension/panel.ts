/**
 * One Step RNN panel: the webview, its run worker, and the message flow between them. The host
 * sends nothing before the webview's `ready`; every incoming message is validated first and a
 * bad one is dropped and logged, never thrown. Saving the fixture re-runs it in a new worker;
 * an invalid edit keeps the last good run on screen, marked stale.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Diag, FromWebview, Move, Phase, ToWebview } from '../protocol/messages';
import { parseFromWebview, stepRangeOf } from '../protocol/parseMessages';
import { PanelCursor, type SavedCursor } from '../session/panelCursor';
import { indexOf, type Cursor } from '../session/timelineIndex';
import type { CheckFromWebview } from '../protocol/check';
import { FixtureWatch } from './fixtureWatch';
import { log } from './log';
import { StartupLog } from './startupLog';
import { PanelGradcheck } from './panelGradcheck';
import { PanelRelay } from './panelRelay';
import { RunWorker, type NormsEvent } from '../worker/client';
import type { WorkerDiag } from '../worker/protocol';

export const VIEW_TYPE = 'rnnStepper.panel';

/** What a panel needs from its owner. */
export interface PanelHost {
  nextRunId(): number;
  workerScript(): string;
  maxBytes(): number;
  /** The run's memory budget in MB (setting rnnStepper.maxMemoryMB). */
  maxMemoryMB(): number;
  /** The caches' budget in MB (setting rnnStepper.cacheMemoryMB): above it, checkpoints. */
  cacheMemoryMB(): number;
  gateGradLimitBytes(): number;
  setDiagnostics(fixture: string, errors: WorkerDiag[], warnings: WorkerDiag[]): void;
  countDropped(): void;
  exportCaches(fixture: string): Thenable<unknown>;
  copyStep(panel: StepperPanel, phase: Phase, t: number): Thenable<unknown>;
  recordPerf(name: string, ms: number): void;
  disposed(panel: StepperPanel): void;
  activated(panel: StepperPanel): void;
  /** The panel's cursor moved by the panel's doing (a debug session on the same fixture follows). */
  cursorMoved(panel: StepperPanel, cursor: Cursor): void;
  /** A fresh HTML shell (new nonce) for this webview. */
  render(webview: vscode.Webview): string;
  /** "Check my implementation" (src/extension/check): the last result for this fixture, and the panel's requests. */
  checkSnapshot(fixture: string): ToWebview | undefined;
  checkRequest(fixture: string, msg: CheckFromWebview): Thenable<unknown>;
}

export class StepperPanel implements vscode.Disposable {
  /** The current webview document said `ready` (reset while the panel is hidden). */
  ready = false;
  /** Some webview document of this panel has said `ready`. */
  private everReady = false;
  /** How many `ready` messages this panel's webview documents have sent (tests). */
  readyCount = 0;
  run: RunWorker | undefined;
  /** Diagnostics shown in the panel (last load failed), if any. */
  errors: { diagnostics: Diag[]; stale: boolean } | undefined;
  /** The one owner of this panel's cursor and step breakpoints; the webview renders what it says. */
  readonly stepper: PanelCursor;
  private loadSeq = 0;
  private loading: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  private disposedFlag = false;
  /** The panel's gradient check (its own thread, see panelGradcheck.ts). */
  private readonly gradcheck: PanelGradcheck;
  /** The webview's data requests to the worker: rate gate, pending bound, step order (panelRelay.ts). */
  private readonly relay: PanelRelay;

  constructor(
    readonly fixture: string,
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
    saved?: SavedCursor,
  ) {
    this.gradcheck = new PanelGradcheck(fixture, (m) => this.post(m), () => host.workerScript(), () => host.maxBytes());
    this.stepper = new PanelCursor({ post: (m) => this.post(m), moved: (c) => host.cursorMoved(this, c) }, saved);
    this.relay = new PanelRelay(fixture, {
      position: () => this.stepper.timeline.position,
      shape: () => this.stepper.timeline.shape,
      current: () => this.run,
      countDropped: () => host.countDropped(),
    });
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) host.activated(this);
        if (!e.webviewPanel.visible && this.ready) {
          // Hidden: the webview's document is torn down (no retainContextWhenHidden). Send nothing
          // until its next `ready`, and give the next load a fresh render (new nonce).
          this.ready = false;
          panel.webview.html = host.render(panel.webview);
        }
      }),
      this.changed,
    );
    this.watch = new FixtureWatch(fixture, () => {
      if (!this.disposedFlag) void this.reload();
    });
    this.subs.push(this.watch);
  }

  /** Re-runs on a change of the file by another program (fixtureWatch.ts). */
  private readonly watch: FixtureWatch;

  get title(): string {
    return `RNN: ${path.basename(this.fixture)}`;
  }

  /**
   * Settled: the webview has been ready (it may be hidden now) and the run finished or failed (or
   * the fixture is invalid), with no reload in flight.
   */
  get settled(): boolean {
    if (!this.everReady || this.loading) return false;
    if (this.errors && !this.run) return true;
    const p = this.run?.progress;
    return !!p && (p.finished || !!p.error) && !this.loading;
  }

  /** (Re)load the fixture in a new worker; on success it replaces the current run. */
  reload(): Promise<void> {
    const seq = ++this.loadSeq;
    const p = this.loadOnce(seq).finally(() => {
      if (this.loading === p) this.loading = undefined;
      this.changed.fire();
    });
    this.loading = p;
    return p;
  }

  private async loadOnce(seq: number): Promise<void> {
    await this.watch.loading();
    if (seq !== this.loadSeq || this.disposedFlag) return;
    const w = new RunWorker({
      scriptPath: this.host.workerScript(),
      runId: this.host.nextRunId(),
      fixture: this.fixture,
      maxBytes: this.host.maxBytes(),
      maxMemoryMB: this.host.maxMemoryMB(),
      cacheMemoryMB: this.host.cacheMemoryMB(),
      gateGradLimitBytes: this.host.gateGradLimitBytes(),
    });
    const outcome = await w.load();
    this.startup.mark('fixture loaded');
    if (seq !== this.loadSeq || this.disposedFlag) {
      w.dispose(); // superseded by a newer save, or the panel closed meanwhile
      return;
    }
    if (!outcome.ok) {
      w.dispose();
      this.host.setDiagnostics(this.fixture, outcome.diagnostics, []);
      const diagnostics: Diag[] = (outcome.diagnostics.length
        ? outcome.diagnostics
        : [{ line: 1, column: 1, endLine: 1, endColumn: 1, path: '', message: outcome.message, severity: 'error' as const }]
      ).map((d) => ({ file: this.fixture, line: d.line, column: d.column, path: d.path, message: d.message, severity: d.severity }));
      this.errors = { diagnostics, stale: !!this.run };
      log().warn(`${outcome.message}${this.run ? ' (keeping the last good run, marked stale)' : ''}`);
      this.post({ type: 'errors', diagnostics, stale: this.errors.stale, fixture: this.fixture });
      return;
    }
    this.host.setDiagnostics(this.fixture, [], outcome.warnings);
    // Free the old run's caches before the new one allocates its own.
    this.run?.dispose();
    this.gradcheck.reset(); // (a check of the file as it was)
    this.errors = undefined;
    this.run = w;
    // Staged load (big fixtures): da is read while the forward runs, so its problems come late.
    w.onLateDiagnostics = (errors, warnings, message) => {
      if (this.run !== w) return;
      this.host.setDiagnostics(this.fixture, errors, [...outcome.warnings, ...warnings]);
      if (errors.length === 0) return;
      const diagnostics: Diag[] = errors.map((d) => ({ file: this.fixture, line: d.line, column: d.column, path: d.path, message: d.message, severity: d.severity }));
      this.errors = { diagnostics, stale: true };
      log().warn(`${message ?? 'invalid fixture'} (found while the forward ran: its steps stay valid, the backward cannot run)`);
      this.post({ type: 'errors', diagnostics, stale: true, fixture: this.fixture });
    };
    w.onProgress((p) => {
      if (this.run === w) this.stepper.progress(p);
      this.post({ type: 'progress', progress: p });
      if (this.run === w) void this.pushCursorStep();
      if (p.error) log().error(`${path.basename(this.fixture)}: ${p.error}`);
      if (p.finished) {
        const t = w.timings, mb = (w.peakRss / 1048576).toFixed(0);
        log().info(
          `${path.basename(this.fixture)} run ${w.runId}: parsed in ${t.loadedMs} ms, first step at ${t.firstStepMs} ms, ` +
            `finished at ${t.finishedMs} ms; peak extension host RSS ${mb} MB`,
        );
      }
      if (p.finished || p.error) this.changed.fire();
    });
    w.onNorms = (n) => this.postNorms(w, n);
    this.pushFor = this.stepper.newRun(outcome.run);
    w.start();
    this.sendRun(w);
  }

  /** The cursor a freshly sent `init` names: its step is pushed unasked once computed. */
  private pushFor: Cursor = { phase: 'forward', t: 0 };

  /** A run to a ready webview: `init` (with the cursor), breakpoints, progress, norms, the cursor's step. */
  private sendRun(w: RunWorker): void {
    if (!w.info) return;
    this.pushFor = this.stepper.cursor;
    this.post({ type: 'init', run: w.info, cursor: this.pushFor });
    this.post(this.stepper.breakpointsMessage());
    this.post({ type: 'progress', progress: w.progress });
    if (w.norms) this.postNorms(w, w.norms);
    void this.pushCursorStep();
  }

  /** The cursor of the panel (the timeline's). */
  get cursor(): Cursor {
    return this.stepper.cursor;
  }

  private postNorms(w: RunWorker, n: NormsEvent): void {
    this.post({ type: 'norms', runId: w.runId, da: n.da, dc: n.dc, from: n.from });
  }

  /** Post to the webview, but only after its `ready` (the handshake). */
  post(msg: ToWebview): void {
    if (!this.ready || this.disposedFlag) return;
    this.panel.webview.postMessage(msg).then(undefined, (e: unknown) => log().warn(`postMessage failed: ${String(e)}`));
  }

  /** Everything a freshly (re)loaded webview needs. */
  private sendSnapshot(): void {
    if (this.run) this.sendRun(this.run);
    if (this.errors) this.post({ type: 'errors', diagnostics: this.errors.diagnostics, stale: this.errors.stale, fixture: this.fixture });
    const check = this.host.checkSnapshot(this.fixture);
    if (check) this.post(check);
    const gradcheck = this.gradcheck.snapshot();
    if (gradcheck) this.post(gradcheck);
  }

  /** Entry point for every message from the webview (and from the test API). Never throws. */
  async receive(raw: unknown): Promise<void> {
    // Rate first, before any parsing: a flood costs one counter per message.
    if (!this.relay.admit()) return;
    const info = this.run?.info;
    const msg = parseFromWebview(raw, info ? stepRangeOf(info) : undefined);
    if (typeof msg === 'string') return this.relay.drop(msg);
    try {
      await this.handle(msg);
    } catch (e) {
      log().error(`Handling ${msg.type} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** (runId, ready count, cursor) whose step was last pushed unasked: at most one push each. */
  private pushedKey = '';
  /** Start-up milestones of this panel, logged once at the first push. */
  private readonly startup = new StartupLog();

  /**
   * Push the step of the cursor `init` named to a freshly ready document without waiting to be
   * asked: the first paint then costs one worker round trip instead of a webview → host → worker →
   * host → webview one. Sent as soon as the step is computed; the webview does not ask for it (it
   * expects this push), so the step is computed and sent once.
   */
  private async pushCursorStep(): Promise<void> {
    const w = this.run;
    if (!w || !w.info || !this.ready || this.disposedFlag) return;
    const p = w.progress;
    const { phase, t } = this.pushFor;
    const tl = this.stepper.timeline;
    if (p.runId !== w.runId || indexOf(tl.shape, this.pushFor) > tl.reachable) return; // not computed yet
    const key = `${w.runId}:${this.readyCount}:${phase}:${t}`;
    if (this.pushedKey === key) return;
    this.pushedKey = key;
    this.startup.mark('step computed');
    // Its core only: the webview asks for the other parts of a backward stop it paints.
    const r = await w.request({ type: 'step', phase, t, parts: ['core'] });
    if ('error' in r || r.kind !== 'step' || w !== this.run || !this.ready) return;
    this.post({ type: 'step', inReplyTo: 0, runId: w.runId, phase: r.phase, t: r.t, parts: ['core'], tensors: r.tensors });
    this.startup.stepPosted(this.fixture, w);
  }

  private async handle(msg: FromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.startup.mark('webview ready');
        this.ready = true;
        this.everReady = true;
        this.readyCount++;
        this.stepper.newDocument();
        this.sendSnapshot();
        this.changed.fire();
        return;
      case 'requestStep':
      case 'requestWindow':
      case 'requestParams': {
        const reply = await this.relay.answer(msg);
        if (reply) this.post(reply);
        return;
      }
      case 'move':
        await this.move(msg.move, msg.phase !== undefined && msg.t !== undefined ? { phase: msg.phase, t: msg.t } : undefined, msg.seq);
        return;
      case 'toggleBreakpoint':
        this.stepper.toggleBreakpoint(msg.phase !== undefined && msg.t !== undefined ? { phase: msg.phase, t: msg.t } : undefined);
        return;
      case 'export':
        await this.host.exportCaches(this.fixture);
        return;
      case 'copyStep':
        await this.host.copyStep(this, msg.phase, msg.t);
        return;
      case 'openLocation': {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(this.fixture));
        const line = Math.min(msg.line - 1, Math.max(doc.lineCount - 1, 0));
        const pos = new vscode.Position(line, Math.min(msg.column - 1, doc.lineAt(line).text.length));
        const shown = vscode.window.visibleTextEditors.find((e) => e.document === doc);
        await vscode.window.showTextDocument(doc, {
          viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One,
          selection: new vscode.Range(pos, pos),
        });
        return;
      }
      case 'painted':
        // (a paint of a run this panel has replaced since says nothing about the current one)
        if (this.run?.runId === msg.runId) this.run.painted();
        return;
      case 'perf':
        this.host.recordPerf(msg.name, msg.ms);
        return;
      case 'checkRun':
      case 'checkOpen':
        await this.host.checkRequest(this.fixture, msg);
        return;
      case 'gradcheckRun':
        if (this.run?.runId === msg.runId) this.gradcheck.start(msg.runId);
        return;
      case 'gradcheckCancel':
        this.gradcheck.cancel();
        return;
    }
  }

  /** Move the cursor (a panel intent or a VS Code command); settles when the timeline stopped. */
  async move(move: Move, at?: Cursor, seq?: number): Promise<void> {
    if (!this.run?.info) return;
    await this.stepper.move(move, at, seq);
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.gradcheck.reset();
    this.run?.dispose();
    this.run = undefined;
    for (const s of this.subs) s.dispose();
    this.host.disposed(this);
    this.panel.dispose();
  }
}
