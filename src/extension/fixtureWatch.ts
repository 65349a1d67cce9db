/**
 * A fixture written by another program (a notebook's json.dump, `rnn-stepper new`) re-runs its
 * panel, as a save in the editor does. A change already loaded (a save seen both ways) is
 * skipped: the file's size:mtime when the last load started reading it is compared.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { log } from './log';

/** Writers often write in several steps: wait this long for the file to settle. */
const SETTLE_MS = 300;

async function stamp(file: string): Promise<string> {
  try {
    const st = await fs.stat(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

export class FixtureWatch implements vscode.Disposable {
  private loadedStamp = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly fixture: string,
    private readonly rerun: () => void,
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(fixture)), path.basename(fixture)),
      true, false, true,
    );
    this.sub = this.watcher.onDidChange(() => this.changed());
  }

  /** A load starts reading the file now: a change notice for this version is not a change. */
  async loading(): Promise<void> {
    this.loadedStamp = await stamp(this.fixture);
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void (async () => {
        if (!vscode.workspace.getConfiguration('rnnStepper').get<boolean>('rerunOnSave', true)) return;
        const now = await stamp(this.fixture);
        if (!now || now === this.loadedStamp) return;
        log().info(`${path.basename(this.fixture)} changed on disk: re-running`);
        this.rerun();
      })();
    }, SETTLE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.sub.dispose();
    this.watcher.dispose();
  }
}
