// Helpers for the in-host integration tests (they run inside VS Code's extension host, real API).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RnnStepperApi } from '../../src/extension/api';

export const EXTENSION_ID = 'rnn-stepper.rnn-stepper';

/** The extension's folder (the development path), found through the extension itself. */
export function extensionRoot(): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.extensionPath;
}

export async function activate(): Promise<RnnStepperApi> {
  const ext = vscode.extensions.getExtension<RnnStepperApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** The opened workspace folder (a temp copy of examples/ made by run.mjs). */
export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder is open (run.mjs opens a temp copy of examples/)');
  return f.uri.fsPath;
}

export function workspaceFile(name: string): string {
  return path.join(workspaceDir(), name);
}

/** Poll until `check` returns something truthy; conditions, never fixed sleeps. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `node dist/cli.js ARGS` with the host's own Node (Electron's in desktop VS Code: run as node). */
export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = path.join(extensionRoot(), 'dist', 'cli.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Close every editor and panel so each test starts from an empty window. */
export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await waitFor(() => vscode.window.tabGroups.all.every((g) => g.tabs.length === 0), 'all tabs to close');
}

/** 0-based line/character of a character offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}
