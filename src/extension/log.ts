import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The "RNN Stepper" output channel (created on first use). */
export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('RNN Stepper', { log: true });
  return channel;
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}
