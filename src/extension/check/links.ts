/**
 * Which user file is checked against which fixture, remembered in the workspace state so the
 * file is picked once per fixture. The key `''` stands for "no fixture" (the Coursera-sized
 * problems of both families).
 */
import * as vscode from 'vscode';

const KEY = 'rnnStepper.check.implementations';

export class CheckLinks {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, string> {
    const v: unknown = this.state.get(KEY);
    const out: Record<string, string> = {};
    if (typeof v === 'object' && v !== null) {
      for (const [k, impl] of Object.entries(v)) if (typeof impl === 'string') out[k] = impl;
    }
    return out;
  }

  implFor(fixture: string | null): string | undefined {
    return this.all()[fixture ?? ''];
  }

  /** The fixture this file was last checked against (null: no fixture), or undefined when never. */
  fixtureFor(implPath: string): string | null | undefined {
    const hit = Object.entries(this.all()).find(([, impl]) => impl === implPath);
    return hit ? hit[0] || null : undefined;
  }

  async link(fixture: string | null, implPath: string): Promise<void> {
    await this.state.update(KEY, { ...this.all(), [fixture ?? '']: implPath });
  }
}
