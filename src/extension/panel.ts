/**
 * One Step RNN panel: the webview, its run worker, and the message flow between them. The host
 * sends nothing before the webview's `ready`; every incoming message is validated first and a
 * bad one is dropped and logged, never thrown. Saving the fixture re-runs it in a new worker;
 * an invalid edit keeps the last good run on screen, marked stale.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MessageGate } from '../protocol/flood';
import {
  parseFromWebview,
  stepRangeOf,
  type Diag,
  type FromWebview,
  type Phase,
  type RunInfo,
  type ToWebview,
} from '../protocol/messages';
import type { CheckFromWebview } from '../protocol/check';
import { log } from './log';
import { PanelGradcheck } from './panelGradcheck';
import { RunWorker, type NormsEvent, type WorkerRequest } from '../worker/client';
import type { WorkerDiag, WorkerReply } from '../worker/protocol';

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
  /** The webview moved its cursor (a debug session on the same fixture follows). */
  cursorMoved(panel: StepperPanel): void;
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
  cursor: { phase: Phase; t: number } = { phase: 'forward', t: 0 };
  private loadSeq = 0;
  private loading: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  private disposedFlag = false;
  /** The panel's gradient check (its own thread, see panelGradcheck.ts). */
  private readonly gradcheck: PanelGradcheck;

  constructor(
    readonly fixture: string,
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
  ) {
    this.gradcheck = new PanelGradcheck(fixture, (m) => this.post(m), () => host.workerScript(), () => host.maxBytes());
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
    // The file written by another program (a notebook's json.dump, `rnn-stepper new`): re-run
    // too, as on a save in the editor. A change already loaded (a save seen both ways) is skipped.
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(fixture)), path.basename(fixture)),
      true, false, true,
    );
    this.subs.push(watcher, watcher.onDidChange(() => this.fileChanged()));
  }

  /** size:mtime of the file as the last load started reading it. */
  private loadedStamp = '';
  private changeTimer: ReturnType<typeof setTimeout> | undefined;

  private static async stamp(file: string): Promise<string> {
    try {
      const st = await fs.stat(file);
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return '';
    }
  }

  private fileChanged(): void {
    clearTimeout(this.changeTimer);
    // (writers often write in several steps: wait for the file to settle)
    this.changeTimer = setTimeout(() => {
      void (async () => {
        if (this.disposedFlag || !vscode.workspace.getConfiguration('rnnStepper').get<boolean>('rerunOnSave', true)) return;
        const now = await StepperPanel.stamp(this.fixture);
        if (!now || now === this.loadedStamp) return;
        log().info(`${path.basename(this.fixture)} changed on disk: re-running`);
        void this.reload();
      })();
    }, 300);
  }

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
    this.loadedStamp = await StepperPanel.stamp(this.fixture);
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
    this.milestone('fixture loaded');
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
    w.start();
    this.clampCursor(outcome.run);
    this.post({ type: 'init', run: outcome.run, cursor: this.cursor });
    void this.pushCursorStep();
  }

  private clampCursor(run: RunInfo): void {
    const c = this.cursor;
    const max = c.phase === 'forward' ? run.dims.T_x - 1 : c.phase === 'backward' ? run.T_b - 1 : 0;
    this.cursor = { phase: c.phase, t: Math.max(0, Math.min(c.t, max)) };
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
    const w = this.run;
    if (w?.info) {
      this.post({ type: 'init', run: w.info, cursor: this.cursor });
      this.post({ type: 'progress', progress: w.progress });
      if (w.norms) this.postNorms(w, w.norms);
      void this.pushCursorStep();
    }
    if (this.errors) this.post({ type: 'errors', diagnostics: this.errors.diagnostics, stale: this.errors.stale, fixture: this.fixture });
    const check = this.host.checkSnapshot(this.fixture);
    if (check) this.post(check);
    const gradcheck = this.gradcheck.snapshot();
    if (gradcheck) this.post(gradcheck);
  }

  /** Entry point for every message from the webview (and from the test API). Never throws. */
  async receive(raw: unknown): Promise<void> {
    // Rate first, before any parsing: a flood costs one counter per message.
    if (!this.gate.admit()) return this.drop('the panel sends messages too fast');
    const info = this.run?.info;
    const msg = parseFromWebview(raw, info ? stepRangeOf(info) : undefined);
    if (typeof msg === 'string') return this.drop(msg);
    try {
      await this.handle(msg);
    } catch (e) {
      log().error(`Handling ${msg.type} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Per-panel bound on message rate and on requests waiting for the worker. */
  private readonly gate = new MessageGate();

  /** A message refused: counted always, logged once per burst (a flood must not flood the log). */
  private drop(why: string): void {
    this.host.countDropped();
    const n = this.gate.dropped();
    if (n === undefined) return;
    const more = n > 1 ? ` (${n - 1} more dropped since the last report)` : '';
    log().warn(`Dropped a message from the panel of ${path.basename(this.fixture)}: ${why}${more}`);
  }

  /** Ask the worker, within the gate's bound on pending requests. */
  private async ask(w: RunWorker, req: WorkerRequest): Promise<WorkerReply> {
    if (!this.gate.beginRequest()) return { type: 'reply', id: 0, error: 'too many requests waiting for the worker' };
    try {
      return await w.request(req);
    } finally {
      this.gate.endRequest();
    }
  }

  private ignore(msg: FromWebview, why: string): void {
    log().debug(`Ignored ${msg.type} from the panel of ${path.basename(this.fixture)}: ${why}`);
  }

  /** (runId, ready count, cursor) whose step was last pushed unasked: at most one push each. */
  private pushedKey = '';
  /** Start-up milestones of this panel (ms since it was created), logged once at the first push. */
  private readonly createdAt = Date.now();
  private readonly milestones: Record<string, number> = {};
  private milestone(name: string): void {
    this.milestones[name] ??= Date.now() - this.createdAt;
  }

  /**
   * Push the cursor's step to a freshly ready document without waiting to be asked: the first
   * paint then costs one worker round trip instead of a webview → host → worker → host → webview
   * one. Sent as soon as the step is computed; the webview caches a reply it did not ask for
   * like any other (`inReplyTo` 0 is no request of its).
   */
  private async pushCursorStep(): Promise<void> {
    const w = this.run;
    if (!w || !w.info || !this.ready || this.disposedFlag) return;
    const p = w.progress;
    const { phase, t } = this.cursor;
    const computed = p.finished || (phase === 'forward' && p.forwardDone > t);
    if (!computed) return;
    const key = `${w.runId}:${this.readyCount}:${phase}:${t}`;
    if (this.pushedKey === key) return;
    this.pushedKey = key;
    this.milestone('step computed');
    const r = await w.request({ type: 'step', phase, t });
    if ('error' in r || r.kind !== 'step' || w !== this.run || !this.ready) return;
    this.post({ type: 'step', inReplyTo: 0, runId: w.runId, phase: r.phase, t: r.t, tensors: r.tensors });
    if (!('step posted' in this.milestones)) {
      this.milestone('step posted');
      const m = this.milestones;
      log().info(
        `${path.basename(this.fixture)}: panel created → ` +
          Object.entries(m).map(([k, v]) => `${k} ${v} ms`).join(', ') +
          ` (run ${w.runId}: parsed in ${w.timings.loadedMs} ms, first step at ${w.timings.firstStepMs} ms of the worker's life)`,
      );
    }
  }

  private async handle(msg: FromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.milestone('webview ready');
        this.ready = true;
        this.everReady = true;
        this.readyCount++;
        this.sendSnapshot();
        this.changed.fire();
        return;
      case 'requestStep': {
        const w = this.run;
        if (!w || msg.runId !== w.runId) return this.ignore(msg, `run ${msg.runId} is not the current run`);
        const r = await this.ask(w, { type: 'step', phase: msg.phase, t: msg.t });
        if ('error' in r) return this.ignore(msg, r.error);
        if (r.kind !== 'step' || w !== this.run) return;
        this.post({ type: 'step', inReplyTo: msg.messageId, runId: w.runId, phase: r.phase, t: r.t, tensors: r.tensors });
        return;
      }
      case 'requestWindow': {
        const w = this.run;
        if (!w || msg.runId !== w.runId) return this.ignore(msg, `run ${msg.runId} is not the current run`);
        const r = await this.ask(w, { type: 'window', tensor: msg.tensor, batch: msg.batch, t0: msg.t0, t1: msg.t1 });
        if ('error' in r) return this.ignore(msg, r.error);
        if (r.kind !== 'window' || w !== this.run) return;
        this.post({
          type: 'window', inReplyTo: msg.messageId, runId: w.runId, tensor: r.tensor, batch: r.batch,
          t0: r.t0, t1: r.t1, rows: r.rows, data: r.data,
        });
        return;
      }
      case 'cursor':
        this.cursor = { phase: msg.phase, t: msg.t };
        this.host.cursorMoved(this);
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
      case 'requestParams': {
        const w = this.run;
        if (!w || msg.runId !== w.runId) return this.ignore(msg, `run ${msg.runId} is not the current run`);
        const r = await this.ask(w, { type: 'params' });
        if ('error' in r) return this.ignore(msg, r.error);
        if (r.kind === 'params' && w === this.run) this.post({ type: 'params', inReplyTo: msg.messageId, runId: w.runId, tensors: r.tensors });
        return;
      }
      case 'gradcheckRun':
        if (this.run?.runId === msg.runId) this.gradcheck.start(msg.runId);
        return;
      case 'gradcheckCancel':
        this.gradcheck.cancel();
        return;
    }
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    clearTimeout(this.changeTimer);
    this.gradcheck.reset();
    this.run?.dispose();
    this.run = undefined;
    for (const s of this.subs) s.dispose();
    this.host.disposed(this);
    this.panel.dispose();
  }
}
