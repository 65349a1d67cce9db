import type * as vscode from 'vscode';
import type { NewFixtureUi } from './commands/newFixture';

/** What `activate()` returns: used by the integration tests, handy for other extensions. */
export interface RnnStepperApi {
  /** Open panels (most recent last). */
  panels(): PanelInfo[];
  /** Resolves once the panel for this file got 'ready' and the run has finished (or failed). */
  whenPanelReady(fixture: string, timeoutMs?: number): Promise<void>;
  /** Tests replace the save dialog; undefined restores the real one. */
  setSaveDialog(fn: SaveDialog | undefined): void;
  /** Deliver a raw message as if the webview had posted it (tests of validation). */
  simulateWebviewMessage(fixture: string, msg: unknown): Promise<void>;
  /** Count of messages dropped by validation, for tests. */
  droppedMessages(): number;
  /** Tests answer the New Fixture wizard's prompts; undefined restores VS Code's. */
  setNewFixtureUi(ui: NewFixtureUi | undefined): void;
}

export type SaveDialog = (opts: vscode.SaveDialogOptions) => Thenable<vscode.Uri | undefined>;

export interface PanelInfo {
  title: string;
  viewType: string;
  /** fsPath of the fixture. */
  fixture: string;
  html: string;
  options: { enableScripts: boolean; localResourceRoots: string[]; retainContextWhenHidden: boolean };
}

export interface RunStats {
  runId: number;
  forwardDone: number;
  backwardDone: number;
  finished: boolean;
  error?: string;
  /** Peak RSS of the extension host process seen by the worker (bytes; includes the host). */
  peakRss: number;
  /** `ready` messages received by the panel so far (one per load of its webview document). */
  readyCount: number;
  /** The webview document currently loaded said `ready` (false while hidden). */
  ready: boolean;
  /** Where the panel's cursor is (its timeline's). */
  cursor: { phase: 'forward' | 'backward' | 'totals'; t: number };
}

/** The contract's API plus a few extras used by benchmarks. */
export interface RnnStepperApiEx extends RnnStepperApi {
  runStats(fixture: string): RunStats | undefined;
  /** What the panel serializer does after a reload (tests drive it with a panel of our view type). */
  restorePanel(panel: vscode.WebviewPanel, state: unknown): Promise<void>;
  perfMarks(): { name: string; ms: number }[];
}
