/**
 * The extension's test API (the extension contract's `RnnStepperApiEx`, but the wizard's part):
 * the open panels as the tests see them, waiting for a panel to settle, messages as if from a
 * webview, run statistics. Built by PanelManager from the few things it lends (`ApiSource`).
 */
import type * as vscode from 'vscode';
import type { PanelInfo, RnnStepperApiEx, SaveDialog } from './api';
import type { StepperPanel } from './panel';

/** What the test API reads from the panel manager. */
export interface ApiSource {
  panels(): readonly StepperPanel[];
  find(fixture: string): StepperPanel | undefined;
  setSaveDialog(fn: SaveDialog | undefined): void;
  /** Messages refused so far, every panel. */
  dropped(): number;
  perf(): readonly { name: string; ms: number }[];
  restore(panel: vscode.WebviewPanel, state: unknown): Promise<void>;
}

export function panelTestApi(src: ApiSource): Omit<RnnStepperApiEx, 'setNewFixtureUi'> {
  return {
    panels: (): PanelInfo[] =>
      src.panels().map((p) => ({
        title: p.panel.title,
        viewType: p.panel.viewType,
        fixture: p.fixture,
        html: p.panel.webview.html,
        options: {
          enableScripts: !!p.panel.webview.options.enableScripts,
          localResourceRoots: (p.panel.webview.options.localResourceRoots ?? []).map((u) => u.fsPath),
          retainContextWhenHidden: !!p.panel.options.retainContextWhenHidden,
        },
      })),
    whenPanelReady: (fixture, timeoutMs = 30_000) => whenSettled(() => src.find(fixture), fixture, timeoutMs),
    setSaveDialog: (fn) => src.setSaveDialog(fn),
    simulateWebviewMessage: async (fixture, msg) => {
      const sp = src.find(fixture);
      if (!sp) throw new Error(`no Step RNN panel for ${fixture}`);
      await sp.receive(msg);
    },
    droppedMessages: () => src.dropped(),
    runStats: (fixture) => {
      const sp = src.find(fixture);
      const r = sp?.run;
      if (!sp || !r) return undefined;
      const p = r.progress;
      return {
        runId: r.runId, forwardDone: p.forwardDone, backwardDone: p.backwardDone, finished: p.finished,
        error: p.error, peakRss: r.peakRss, readyCount: sp.readyCount, ready: sp.ready, cursor: { ...sp.cursor },
      };
    },
    perfMarks: () => [...src.perf()],
    restorePanel: (panel, state) => src.restore(panel, state),
  };
}

/** Resolves once the panel `find` returns has settled (tests: `whenPanelReady`), or rejects after `timeoutMs`. */
function whenSettled(find: () => StepperPanel | undefined, fixture: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let sub: vscode.Disposable | undefined;
    const deadline = Date.now() + timeoutMs;
    const check = (): boolean => {
      const sp = find();
      if (sp?.settled) {
        clearInterval(timer);
        sub?.dispose();
        resolve();
        return true;
      }
      if (Date.now() > deadline) {
        clearInterval(timer);
        sub?.dispose();
        reject(new Error(`The Step RNN panel for ${fixture} was not ready within ${timeoutMs} ms`));
        return true;
      }
      if (sp && !sub) sub = sp.onDidChange(() => void check());
      return false;
    };
    // Condition-driven (panel change events); the interval only covers the panel appearing.
    const timer = setInterval(check, 50);
    check();
  });
}
