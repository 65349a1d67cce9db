import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PanelInfo, RnnStepperApi, SaveDialog } from './api';
import { assetRoot, renderHtml } from './html';
import { log } from './log';
import { parseFromWebview } from '../protocol/messages';

export const VIEW_TYPE = 'rnnStepper.panel';

class StepperPanel {
  ready = false;
  constructor(readonly fixture: string, readonly panel: vscode.WebviewPanel, readonly manager: PanelManager) {}
}

export class PanelManager implements vscode.Disposable {
  private readonly panels: StepperPanel[] = [];
  private dropped = 0;
  private saveDialog: SaveDialog | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {}

  async stepRnn(arg?: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) return;
    this.open(uri.fsPath);
  }

  open(fixture: string): StepperPanel {
    const existing = this.panels.find((p) => p.fixture === fixture);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, `RNN: ${path.basename(fixture)}`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [assetRoot(this.context.extensionUri)],
      retainContextWhenHidden: false,
    });
    const sp = new StepperPanel(fixture, panel, this);
    panel.webview.html = renderHtml(panel.webview, this.context.extensionUri);
    panel.webview.onDidReceiveMessage((m) => this.receive(sp, m));
    panel.onDidDispose(() => this.panels.splice(this.panels.indexOf(sp), 1));
    this.panels.push(sp);
    return sp;
  }

  private receive(sp: StepperPanel, raw: unknown): void {
    const msg = parseFromWebview(raw);
    if (typeof msg === 'string') {
      this.dropped++;
      log().warn(`dropped a malformed message from the panel for ${sp.fixture}: ${msg}`);
      return;
    }
    if (msg.type === 'ready') sp.ready = true;
  }

  api(): RnnStepperApi {
    return {
      panels: (): PanelInfo[] =>
        this.panels.map((p) => ({
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
      whenPanelReady: async () => undefined,
      setSaveDialog: (fn) => (this.saveDialog = fn),
      simulateWebviewMessage: async (fixture, msg) => {
        const sp = this.panels.find((p) => p.fixture === fixture);
        if (sp) this.receive(sp, msg);
      },
      droppedMessages: () => this.dropped,
    };
  }

  dispose(): void {
    for (const p of [...this.panels]) p.panel.dispose();
    void this.saveDialog;
  }
}
