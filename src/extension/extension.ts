/**
 * Entry point: wires commands, the panel serializer, CodeLens and diagnostics, and returns the
 * test API of the extension contract. The work is done in the modules this file imports.
 */
import * as vscode from 'vscode';
import type { RnnStepperApi } from './api';
import { PanelManager } from './panelManager';
import { disposeLog, log } from './log';

export function activate(context: vscode.ExtensionContext): RnnStepperApi {
  const manager = new PanelManager(context);
  context.subscriptions.push(manager);
  context.subscriptions.push(
    vscode.commands.registerCommand('rnnStepper.stepRnn', (uri?: unknown) => manager.stepRnn(uri)),
  );
  log().info('RNN Stepper activated');
  return manager.api();
}

export function deactivate(): void {
  disposeLog();
}
