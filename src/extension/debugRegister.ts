/**
 * The `rnn` debug type in VS Code: the inline adapter (the same RnnDebugSession `rnn-stepper dap`
 * runs), the configuration provider (F5 on a fixture with no launch.json just works), and the link
 * with the Step RNN panel: the panel follows the session's stops and the session follows the
 * panel's cursor.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PanelManager } from './panelManager';
import { GO_TO_REQUEST, RnnDebugSession, STOPPED_AT_EVENT } from '../debug/adapter';
import { BreakpointLink } from './debugBreakpoints';
import { registerValueHover } from './debugHover';

export const DEBUG_TYPE = 'rnn';

const isPhase = (v: unknown): v is 'forward' | 'backward' | 'totals' => v === 'forward' || v === 'backward' || v === 'totals';

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: DEBUG_TYPE, request: 'launch', name: 'Debug RNN fixture', fixture: '${file}', stopOnEntry: true }];
  }

  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    // F5 without a launch.json: debug the fixture in the active editor.
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.uri.scheme === 'file' && doc.fileName.endsWith('.json')) {
        return { type: DEBUG_TYPE, request: 'launch', name: `Debug ${path.basename(doc.fileName)}`, fixture: doc.fileName, stopOnEntry: true };
      }
    }
    if (config.type === DEBUG_TYPE && !config.fixture) {
      void vscode.window.showInformationMessage("Open a fixture (*.rnn.json) or set 'fixture' in launch.json to debug an RNN.");
      return undefined;
    }
    return config;
  }
}

export function registerDebugger(context: vscode.ExtensionContext, panels: PanelManager): void {
  const evalWorkerPath = context.asAbsolutePath(path.join('dist', 'evalWorker.js'));
  // The panel's run worker and limits (settings rnnStepper.maxFixtureSizeMB, maxMemoryMB, gateGradientCacheMB, cacheMemoryMB).
  const runLimits = () => ({
    workerPath: panels.workerScript(),
    maxBytes: panels.maxBytes(),
    maxMemoryMB: panels.maxMemoryMB(),
    gateGradLimitBytes: panels.gateGradLimitBytes(),
    cacheMemoryMB: panels.cacheMemoryMB(),
  });
  /** Live `rnn` sessions by fixture path, so a panel's cursor can move the right one. */
  const sessions = new Map<string, vscode.DebugSession>();
  /** A live session's fixture with an open panel: its step breakpoints and VS Code's are one set. */
  const links = new Map<string, BreakpointLink>();
  const link = (fixture: string) => {
    const tl = sessions.has(fixture) ? panels.timelineFor(fixture) : undefined;
    const had = links.get(fixture);
    if (had?.timeline === tl) return;
    // (the panel was closed and opened again: a new timeline)
    had?.dispose();
    links.delete(fixture);
    if (tl) links.set(fixture, new BreakpointLink(tl));
  };
  const fixtureOf = (s: vscode.DebugSession): string | undefined =>
    typeof s.configuration.fixture === 'string' ? path.resolve(s.configuration.fixture) : undefined;

  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new RnnDebugSession({ evalWorkerPath, run: runLimits() })),
    }),
    vscode.debug.onDidStartDebugSession((s) => {
      const f = s.type === DEBUG_TYPE ? fixtureOf(s) : undefined;
      if (!f) return;
      sessions.set(f, s);
      link(f);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      const f = fixtureOf(s);
      if (!f || sessions.get(f) !== s) return;
      sessions.delete(f);
      links.get(f)?.dispose();
      links.delete(f);
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE || e.event !== STOPPED_AT_EVENT) return;
      const b: unknown = e.body;
      if (typeof b !== 'object' || b === null) return;
      const { fixture, phase, t }: { fixture?: unknown; phase?: unknown; t?: unknown } = b;
      if (typeof fixture !== 'string' || !isPhase(phase) || typeof t !== 'number') return;
      // A panel opened after the session started links now.
      link(path.resolve(fixture));
      panels.showCursor(fixture, { phase, t });
    }),
    panels.onDidMoveCursor(({ fixture, cursor }) => {
      const s = sessions.get(path.resolve(fixture));
      // The adapter answers a move to where it already is with a stop there: no loop.
      if (s) void Promise.resolve(s.customRequest(GO_TO_REQUEST, cursor)).catch(() => {});
    }),
    registerValueHover((fixture) => sessions.get(fixture)),
    { dispose: () => links.forEach((l) => l.dispose()) },
  );
}
