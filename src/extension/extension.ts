/**
 * Entry point: registers the commands, the panel serializer and the CodeLens, and returns the
 * test API of the extension contract. The work is done by the modules imported here.
 */
import * as vscode from 'vscode';
import { registerDebugger } from '../debug/register';
import { CheckCodeLensProvider, PYTHON_SELECTOR } from './check/codeLens';
import { CheckController, type CheckTestApi } from './check/controller';
import { FIXTURE_SELECTOR, FixtureCodeLensProvider } from './codeLens';
import { NewFixtureCommand, vscodeUi, type NewFixtureUi } from './commands/newFixture';
import { disposeLog, log } from './log';
import { PanelManager, VIEW_TYPE, type PanelAction, type RnnStepperApiEx } from './panelManager';

const PANEL_ACTIONS: PanelAction[] = ['stepForward', 'stepBack', 'continue', 'reverseContinue', 'restart', 'toggleBreakpoint', 'showHelp'];

export function activate(context: vscode.ExtensionContext): RnnStepperApiEx & CheckTestApi {
  const manager = new PanelManager(context);
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(`rnnStepper.${id}`, fn));

  context.subscriptions.push(manager);
  reg('stepRnn', (uri) => manager.stepRnn(uri));
  reg('exportCaches', (uri) => manager.exportCaches(uri));
  reg('copyStep', () => manager.copyStep());
  reg('goToStep', () => manager.goToStep());
  let newFixtureUi: NewFixtureUi | undefined;
  const newFixture = new NewFixtureCommand(() => newFixtureUi ?? vscodeUi, () => manager.maxBytes(), (uri) => manager.stepRnn(uri));
  reg('newFixture', () => newFixture.run());
  for (const a of PANEL_ACTIONS) reg(a, () => manager.action(a));

  // Check My Implementation (src/extension/check): the command, its diagnostics, CodeLens and panel view.
  const checks = new CheckController(context, manager);
  manager.checks = checks;
  const checkLenses = new CheckCodeLensProvider((impl) => checks.lastFor(impl));
  context.subscriptions.push(
    checks,
    checks.onDidCheck(() => checkLenses.refresh()),
    vscode.languages.registerCodeLensProvider(PYTHON_SELECTOR, checkLenses),
  );
  reg('checkImplementation', (a, b) => checks.command(a, b));

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) => manager.restore(panel, state),
    }),
    vscode.languages.registerCodeLensProvider(FIXTURE_SELECTOR, new FixtureCodeLensProvider()),
  );
  registerDebugger(context, manager);
  log().info('RNN Stepper activated');
  return {
    ...manager.api(),
    ...checks.api(),
    setNewFixtureUi: (ui) => {
      newFixtureUi = ui;
    },
  };
}

export function deactivate(): void {
  disposeLog();
}
