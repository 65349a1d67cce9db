/**
 * Export Caches with a progress notification: on the panel's run when one is open and healthy
 * (no second computation), else on a run of its own; cancelling withdraws the consent before
 * anything is written. The caches themselves are written by the worker (src/worker/export.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { log } from './log';
import type { RunWorker } from '../worker/client';
import type { WorkerDiag } from '../worker/protocol';

export interface ExportDeps {
  /** A new worker for the fixture, when no panel run can be used. */
  ownRun(): RunWorker;
  /** The fixture does not load: its problems for the Problems panel. */
  setDiagnostics(errors: WorkerDiag[]): void;
}

export async function exportWithProgress(
  fixture: string,
  target: vscode.Uri,
  panelRun: RunWorker | undefined,
  deps: ExportDeps,
): Promise<vscode.Uri | undefined> {
  let own: RunWorker | undefined;
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting ${path.basename(fixture)}`, cancellable: true },
      async (progress, token) => {
        let run = panelRun;
        if (!run) {
          own = deps.ownRun();
          const outcome = await own.load();
          if (!outcome.ok) {
            deps.setDiagnostics(outcome.diagnostics);
            void vscode.window.showErrorMessage(`Cannot export: ${outcome.message}`);
            return undefined;
          }
          own.start();
          run = own;
        }
        const info = run.info;
        if (!info) return undefined; // (a loaded run always has its info)
        const total = info.dims.T_x + info.T_b;
        let reported = 0;
        const off = run.onProgress((p) => {
          const done = Math.round(((p.forwardDone + p.backwardDone) / total) * 100);
          if (done > reported) {
            progress.report({ increment: done - reported, message: p.finished ? 'writing…' : `computing ${done}%` });
            reported = done;
          }
        });
        const { id, reply: pending } = run.requestWithId({ type: 'export', path: target.fsPath });
        const shared = run;
        // Cancelling withdraws the consent: the export is dropped before anything is written
        // (a run of our own is simply stopped).
        token.onCancellationRequested(() => (own ? own.dispose() : shared.cancel(id)));
        const reply = await pending;
        off();
        if (token.isCancellationRequested) return undefined;
        if ('error' in reply) {
          void vscode.window.showErrorMessage(`Export failed: ${reply.error}`);
          return undefined;
        }
        log().info(`Exported ${path.basename(fixture)} to ${target.fsPath}`);
        void vscode.window.setStatusBarMessage(`$(check) Exported caches to ${path.basename(target.fsPath)}`, 5000);
        return target;
      },
    );
  } finally {
    own?.dispose();
  }
}
