/**
 * The panel's key handling. Each key has exactly one path per focus:
 *   - the stepping keys package.json binds (F5, F9, F10 and their Shift/Ctrl forms) are the
 *     panel's while its webview has the focus: read in the capture phase, done here (a `move`
 *     intent, painted at once from the prediction, see cursorPrediction.ts) and stopped there, so
 *     VS Code's webview host never forwards them to the workbench: neither the panel's keybinding
 *     nor another one for the same key (the debugger's F10 while a debug session is stopped) runs.
 *     VS Code's keybinding is left with the case where the panel is the active editor but the
 *     focus is elsewhere (the Explorer, a terminal), where the webview sees no key at all;
 *   - every other key of the keymap (Home, End, arrows on the timeline, T, E, ?) is read in the
 *     bubble phase, after the focused control (a heatmap's own Home/End) had its say, and becomes a
 *     keymap action here. These are forwarded to VS Code as usual; it binds none of them.
 * Nothing is handled twice, so nothing has to be recognised and dropped.
 *
 * (No context key tells a focused webview from a merely active one: the workbench has
 * `activeWebviewPanelId`, true in both cases, and `webviewFindWidget*`. Stopping the key in the
 * webview is what makes the split exact; test/e2e/panel.test.mjs checks one F10 = one step.)
 */

import { alsoBoundByHost, keyAction, type KeyPress, type KeyTarget, type PanelAction } from './keymap';

/** A key event as the router reads it (a DOM KeyboardEvent fits). */
export interface KeyEvent extends KeyPress {
  readonly target: EventTarget | null;
  preventDefault(): void;
  stopPropagation(): void;
}

export interface KeyHandlers {
  /** Do a keymap action. */
  run(a: PanelAction): void;
  helpOpen(): boolean;
  /** What has the focus, as far as the keymap cares. */
  target(t: EventTarget | null): KeyTarget;
}

export class KeyRouter {
  constructor(private readonly on: KeyHandlers) {}

  /** `keydown` in the capture phase on the window: the stepping keys VS Code would also act on. */
  onKeyDownCapture(e: KeyEvent): void {
    if (!alsoBoundByHost(e)) return;
    const action = keyAction(e, this.on.target(e.target), this.on.helpOpen());
    if (!action) return;
    e.preventDefault(); // (F5 would reload the webview)
    e.stopPropagation(); // (VS Code's forwarder listens on the window in the bubble phase)
    this.on.run(action);
  }

  /** `keydown` in the bubble phase on the window: the panel's other keys. */
  onKeyDown(e: KeyEvent): void {
    if (alsoBoundByHost(e)) return; // (the capture phase had it)
    const action = keyAction(e, this.on.target(e.target), this.on.helpOpen());
    if (!action) return;
    e.preventDefault();
    this.on.run(action);
  }
}

/** The DOM's focus as a keymap target: the timeline strip, a text field, a drop-down, or other. */
export function domKeyTarget(t: EventTarget | null, timeline: EventTarget | undefined): KeyTarget {
  if (t && t === timeline) return 'timeline';
  if (!(t instanceof HTMLElement)) return 'other';
  if (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') return 'text';
  return t.tagName === 'SELECT' ? 'select' : 'other';
}
