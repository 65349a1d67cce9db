/**
 * The panel's one key path: a key press becomes a keymap action (keymap.ts), done by `run`. A key
 * that package.json also binds reaches the panel twice (the webview's keydown, then VS Code's
 * command forwarded as a `command` message): the second is recognised here and dropped.
 */

import { alsoBoundByHost, keyAction, type KeyTarget, type PanelAction } from './keymap';

/** How long a forwarded command may trail the key press it echoes. */
const ECHO_MS = 1500;

export class KeyRouter {
  private readonly local: { action: PanelAction; at: number }[] = [];

  constructor(
    private readonly run: (a: PanelAction, fromKey: boolean) => void,
    private readonly helpOpen: () => boolean,
    private readonly timeline: () => EventTarget | undefined,
  ) {}

  private target(e: KeyboardEvent): KeyTarget {
    const t = e.target;
    if (t && t === this.timeline()) return 'timeline';
    if (!(t instanceof HTMLElement)) return 'other';
    if (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') return 'text';
    return t.tagName === 'SELECT' ? 'select' : 'other';
  }

  onKeyDown(e: KeyboardEvent): void {
    const action = keyAction(e, this.target(e), this.helpOpen());
    if (!action) return;
    e.preventDefault();
    if (alsoBoundByHost(e)) this.local.push({ action, at: performance.now() });
    this.run(action, true);
  }

  /** True when a `command` from the host is the echo of a key the panel already handled. */
  isEcho(action: string): boolean {
    const now = performance.now();
    while (this.local.length && now - this.local[0].at > ECHO_MS) this.local.shift();
    const i = this.local.findIndex((x) => x.action === action);
    if (i < 0) return false;
    this.local.splice(i, 1);
    return true;
  }
}
