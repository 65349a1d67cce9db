/**
 * The panel's key handling. Each key has exactly one path:
 *   - keys package.json binds while the panel has the focus (F5, F9, F10 and their Shift/Ctrl
 *     forms) are VS Code's: the workbench runs the command, the host moves its timeline and tells
 *     the panel the new cursor. The panel only keeps the browser from acting on them (F5 would
 *     reload) and starts the key → paint clock;
 *   - every other key of the keymap (Home, End, arrows on the timeline, T, E, ?) is the panel's:
 *     it becomes a keymap action here (a cursor move is then posted to the host as an intent).
 * Nothing is handled twice, so nothing has to be recognised and dropped.
 */

import { alsoBoundByHost, keyAction, type KeyPress, type KeyTarget, type PanelAction } from './keymap';

/** A key event as the router reads it (a DOM KeyboardEvent fits). */
export interface KeyEvent extends KeyPress {
  readonly target: EventTarget | null;
  preventDefault(): void;
}

export interface KeyHandlers {
  /** Do a keymap action of the panel's own. */
  run(a: PanelAction): void;
  /** A key VS Code turns into a command (the host does the action): the panel only times it. */
  hostKey(a: PanelAction): void;
  helpOpen(): boolean;
  /** What has the focus, as far as the keymap cares. */
  target(t: EventTarget | null): KeyTarget;
}

export class KeyRouter {
  constructor(private readonly on: KeyHandlers) {}

  onKeyDown(e: KeyEvent): void {
    const action = keyAction(e, this.on.target(e.target), this.on.helpOpen());
    if (!action) return;
    e.preventDefault();
    if (alsoBoundByHost(e)) this.on.hostKey(action);
    else this.on.run(action);
  }
}

/** The DOM's focus as a keymap target: the timeline strip, a text field, a drop-down, or other. */
export function domKeyTarget(t: EventTarget | null, timeline: EventTarget | undefined): KeyTarget {
  if (t && t === timeline) return 'timeline';
  if (!(t instanceof HTMLElement)) return 'other';
  if (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') return 'text';
  return t.tagName === 'SELECT' ? 'select' : 'other';
}
