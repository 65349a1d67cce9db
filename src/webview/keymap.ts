/**
 * Every shortcut of the panel, written once. The toolbar buttons (their labels and icons), the
 * keyboard help and the panel's key handler are derived from this table, and a unit test checks
 * package.json's `keybindings` against it (test/unit/webview-keymap.test.ts). DOM-free.
 */

/** What a key or button does in the panel. */
export type PanelAction =
  | 'stepForward'
  | 'stepBack'
  | 'continue'
  | 'reverseContinue'
  | 'restart'
  | 'end'
  | 'toggleBreakpoint'
  | 'goToStep'
  | 'toggleTable'
  | 'toggleEquations'
  | 'export'
  | 'copyStep'
  | 'help'
  | 'closeHelp';

const PANEL_ACTIONS: ReadonlySet<string> = new Set<PanelAction>([
  'stepForward',
  'stepBack',
  'continue',
  'reverseContinue',
  'restart',
  'end',
  'toggleBreakpoint',
  'goToStep',
  'toggleTable',
  'toggleEquations',
  'export',
  'copyStep',
  'help',
  'closeHelp',
]);

/** A button's `data-action` (read from the DOM) as an action, or undefined. */
export const isPanelAction = (s: string | undefined): s is PanelAction => s !== undefined && PANEL_ACTIONS.has(s);

/** Where a key is read: anywhere in the panel, or only while a given control has the focus. */
export type KeyScope = 'panel' | 'timeline' | 'help' | 'heatmap' | 'time' | 'host';

export interface KeyEntry {
  /** Undefined for keys a view handles itself (listed in the help only). */
  action?: PanelAction;
  /**
   * Chords in VS Code's keybinding syntax (`ctrl+shift+f5`, `f10`, `?`); the first is the one
   * shown. A chord starting with `cmd+` is the macOS form of the one before it.
   */
  chords: string[];
  /** Text shown in the help instead of the chords (for groups such as "Arrow keys"). */
  shown?: string;
  scope: KeyScope;
  /** The help's line. */
  help: string;
  /**
   * VS Code command bound to the same chords in package.json: for the panel as the active editor
   * with the focus elsewhere. With the focus in the panel, the panel does it (keys.ts).
   */
  command?: string;
}

export interface ButtonEntry {
  action: PanelAction;
  icon: string;
  label: string;
  /** `debug`: the stepping buttons on the left; `view`: view toggles and export on the right. */
  group: 'debug' | 'view';
}

const WHEN = "activeWebviewPanelId == 'rnnStepper.panel'";
/** The `when` clause of every panel keybinding in package.json. */
export const KEYBINDING_WHEN = WHEN;

export const KEYMAP: readonly KeyEntry[] = [
  { action: 'stepForward', chords: ['f10'], scope: 'panel', help: 'Step forward', command: 'rnnStepper.stepForward' },
  { action: 'stepBack', chords: ['shift+f10'], scope: 'panel', help: 'Step back', command: 'rnnStepper.stepBack' },
  { action: 'continue', chords: ['f5'], scope: 'panel', help: 'Continue (to the next breakpoint or the end)', command: 'rnnStepper.continue' },
  { action: 'reverseContinue', chords: ['shift+f5'], scope: 'panel', help: 'Reverse continue', command: 'rnnStepper.reverseContinue' },
  { action: 'restart', chords: ['ctrl+shift+f5', 'cmd+shift+f5'], scope: 'panel', help: 'Restart (go to forward t = 1)', command: 'rnnStepper.restart' },
  { action: 'toggleBreakpoint', chords: ['f9'], scope: 'panel', help: 'Toggle a breakpoint on this step', command: 'rnnStepper.toggleBreakpoint' },
  { action: 'goToStep', chords: ['ctrl+alt+g', 'cmd+alt+g'], scope: 'host', help: 'Go to a step (forward or backward t)', command: 'rnnStepper.goToStep' },
  { action: 'restart', chords: ['home'], scope: 'panel', help: 'First step' },
  { action: 'end', chords: ['end'], scope: 'panel', help: 'Last computed step' },
  { action: 'stepBack', chords: ['left', 'down'], shown: '← / →', scope: 'timeline', help: 'Step back / forward while the timeline is focused' },
  { action: 'stepForward', chords: ['right', 'up'], shown: '← / →', scope: 'timeline', help: '' },
  { chords: ['up', 'down', 'left', 'right'], shown: 'Arrow keys', scope: 'heatmap', help: 'Move between cells of a focused heatmap or the norm plot; the exact value is read out' },
  { chords: ['home', 'end'], shown: 'Home / End', scope: 'heatmap', help: 'In a focused heatmap: first / last column (step, in the across-time views)' },
  { chords: ['pageup', 'pagedown'], shown: 'PageUp / PageDown', scope: 'time', help: 'In a focused across-time view: move further back / ahead in time' },
  { chords: ['enter', 'space'], shown: 'Enter / Space', scope: 'time', help: 'In a focused across-time view or the norm plot: go to that step (like a click)' },
  { action: 'toggleTable', chords: ['t'], scope: 'panel', help: 'Table view on/off' },
  { action: 'toggleEquations', chords: ['e'], scope: 'panel', help: 'Equations on/off' },
  { action: 'help', chords: ['?'], scope: 'panel', help: 'This help; Escape closes it' },
  { action: 'closeHelp', chords: ['escape'], scope: 'help', help: '' },
];

export const BUTTONS: readonly ButtonEntry[] = [
  { action: 'restart', icon: 'debug-restart', label: 'Restart', group: 'debug' },
  { action: 'reverseContinue', icon: 'debug-reverse-continue', label: 'Reverse Continue', group: 'debug' },
  { action: 'stepBack', icon: 'debug-step-back', label: 'Step Back', group: 'debug' },
  { action: 'stepForward', icon: 'debug-step-over', label: 'Step Forward', group: 'debug' },
  { action: 'continue', icon: 'debug-continue', label: 'Continue', group: 'debug' },
  { action: 'toggleBreakpoint', icon: 'debug-breakpoint', label: 'Toggle Breakpoint', group: 'debug' },
  { action: 'toggleTable', icon: 'table', label: 'Table view', group: 'view' },
  { action: 'toggleEquations', icon: 'symbol-operator', label: 'Show equations', group: 'view' },
  { action: 'export', icon: 'export', label: 'Export Caches as JSON', group: 'view' },
  { action: 'copyStep', icon: 'copy', label: 'Copy Step as JSON', group: 'view' },
  { action: 'help', icon: 'question', label: 'Keyboard Shortcuts', group: 'view' },
];

const KEY_NAMES: Record<string, string> = {
  left: '←',
  right: '→',
  up: '↑',
  down: '↓',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  escape: 'Escape',
  enter: 'Enter',
  space: 'Space',
  home: 'Home',
  end: 'End',
};

/** `ctrl+shift+f5` → `Ctrl+Shift+F5`, `t` → `T`. */
export function chordText(chord: string): string {
  return chord
    .split('+')
    .map((p) => KEY_NAMES[p] ?? (p.length === 1 ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1)))
    .join('+');
}

/** The shown key of a panel-wide (or host) action: what a button's label says, e.g. `Shift+F10`. */
export function shortcutOf(action: PanelAction): string | undefined {
  const e = KEYMAP.find((k) => k.action === action && (k.scope === 'panel' || k.scope === 'host') && !/^(home|end)$/.test(k.chords[0]));
  return e ? chordText(e.chords[0]) : undefined;
}

/** A button's accessible name: its label and its shortcut. */
export function buttonLabel(b: ButtonEntry): string {
  const k = shortcutOf(b.action);
  return k ? `${b.label} (${k})` : b.label;
}

/** The help's rows: shown keys and what they do (rows that continue the previous one are merged). */
export function helpRows(): [string, string][] {
  const rows: [string, string][] = [];
  for (const k of KEYMAP) {
    if (!k.help) continue;
    rows.push([k.shown ?? chordText(k.chords[0]), k.help]);
  }
  return rows;
}

/** The parts of a KeyboardEvent the keymap reads (a DOM KeyboardEvent fits). */
export interface KeyPress {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** What has the focus, as far as the keymap cares. */
export type KeyTarget = 'timeline' | 'text' | 'select' | 'other';

const EVENT_KEYS: Record<string, string> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  PageUp: 'pageup',
  PageDown: 'pagedown',
  Escape: 'escape',
  Enter: 'enter',
  ' ': 'space',
  Home: 'home',
  End: 'end',
};

function matches(chord: string, e: KeyPress): boolean {
  const parts = chord.split('+');
  const key = parts[parts.length - 1];
  const mods = new Set(parts.slice(0, -1));
  const name = EVENT_KEYS[e.key] ?? e.key.toLowerCase();
  if (name !== key) return false;
  // `?` is typed with Shift on most layouts, and `T` works like `t`: printable keys ignore Shift.
  const printable = key.length === 1;
  if (!printable && mods.has('shift') !== e.shiftKey) return false;
  return mods.has('ctrl') === e.ctrlKey && mods.has('cmd') === e.metaKey && mods.has('alt') === e.altKey;
}

/**
 * The action of a key press in the panel, or undefined (the key goes on to the focused control).
 * F-keys act everywhere; plain keys not while typing or in a drop-down; timeline keys only on it.
 */
export function keyAction(e: KeyPress, target: KeyTarget, helpOpen: boolean): PanelAction | undefined {
  const fkey = /^F\d+$/.test(e.key);
  if (!fkey && (target === 'text' || target === 'select' || e.ctrlKey || e.metaKey || e.altKey)) return undefined;
  for (const k of KEYMAP) {
    if (!k.action || k.scope === 'host' || k.scope === 'heatmap' || k.scope === 'time') continue;
    if (k.scope === 'timeline' && target !== 'timeline') continue;
    if (k.scope === 'help' && !helpOpen) continue;
    if (k.chords.some((c) => matches(c, e))) return k.action;
  }
  return undefined;
}

/**
 * True when package.json binds this key press to a panel command (while the panel is the active
 * editor): with the focus in the webview the panel does it and keeps the key from VS Code, so the
 * command runs only when the focus is elsewhere (keys.ts).
 */
export function alsoBoundByHost(e: KeyPress): boolean {
  return KEYMAP.some((k) => k.command !== undefined && k.scope === 'panel' && k.chords.some((c) => matches(c, e)));
}
