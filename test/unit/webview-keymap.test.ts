// The panel's shortcuts are written once (src/webview/keymap.ts). package.json's keybindings, the
// toolbar buttons and the help are checked against it here, so a shortcut changed in one place
// and not the other fails the build.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUTTONS, KEYBINDING_WHEN, KEYMAP, buttonLabel, chordText, helpRows, keyAction, type KeyPress } from '../../src/webview/keymap';

interface Keybinding {
  command: string;
  key: string;
  mac?: string;
  when?: string;
}
interface Command {
  command: string;
  title: string;
}
const pkg: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
const contributes = (pkg as { contributes: { keybindings: Keybinding[]; commands: Command[] } }).contributes;

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('keymap ⇄ package.json', () => {
  const bound = KEYMAP.filter((k) => k.command !== undefined);

  it('every keymap shortcut with a command is bound in package.json with the same keys and when clause', () => {
    assert.ok(bound.length >= 7);
    for (const k of bound) {
      const b = contributes.keybindings.find((x) => x.command === k.command);
      assert.ok(b, `${k.command} has no keybinding in package.json`);
      assert.equal(b.key, k.chords[0], `${k.command}: key`);
      const mac = k.chords.find((c) => c.startsWith('cmd+'));
      assert.equal(b.mac, mac, `${k.command}: mac key`);
      assert.equal(b.when, KEYBINDING_WHEN, `${k.command}: when`);
    }
  });

  it('package.json binds no panel key the keymap does not know', () => {
    for (const b of contributes.keybindings) {
      const k = KEYMAP.find((x) => x.command === b.command);
      assert.ok(k, `package.json binds ${b.key} to ${b.command}, which the keymap (help, buttons) does not list`);
      assert.ok(k.chords.includes(b.key), `${b.command}: ${b.key} is not among the keymap's ${k.chords.join(', ')}`);
    }
  });

  it('every command the keymap names exists, and its button is labelled like the command', () => {
    for (const k of bound) {
      const c = contributes.commands.find((x) => x.command === k.command);
      assert.ok(c, `${k.command} is not a contributed command`);
      const btn = BUTTONS.find((b) => b.action === k.action);
      if (btn) assert.equal(btn.label, c.title, `button ${btn.action}`);
    }
  });
});

describe('keymap → buttons, help, key handler', () => {
  it('buttons say their shortcut, from the keymap', () => {
    const label = (a: string) => {
      const b = BUTTONS.find((x) => x.action === a);
      assert.ok(b);
      return buttonLabel(b);
    };
    assert.equal(label('stepForward'), 'Step Forward (F10)');
    assert.equal(label('stepBack'), 'Step Back (Shift+F10)');
    assert.equal(label('restart'), 'Restart (Ctrl+Shift+F5)');
    assert.equal(label('toggleTable'), 'Table view (T)');
    assert.equal(label('help'), 'Keyboard Shortcuts (?)');
    assert.equal(label('export'), 'Export Caches as JSON');
  });

  it('the help lists every shortcut once, Go to Step included', () => {
    const rows = helpRows();
    const keys = rows.map(([k]) => k);
    for (const want of ['F10', 'Shift+F10', 'F5', 'Shift+F5', 'Ctrl+Shift+F5', 'F9', 'Ctrl+Alt+G', 'Home', 'End', '← / →', 'T', 'E', '?'])
      assert.ok(keys.includes(want), `help lacks ${want}`);
    assert.equal(new Set(rows.map((r) => r.join('|'))).size, rows.length, 'a help row twice');
    assert.equal(chordText('ctrl+alt+g'), 'Ctrl+Alt+G');
  });

  it('maps key presses to actions the way the panel did', () => {
    assert.equal(keyAction(press('F10'), 'other', false), 'stepForward');
    assert.equal(keyAction(press('F10', { shiftKey: true }), 'text', false), 'stepBack');
    assert.equal(keyAction(press('F5'), 'select', false), 'continue');
    assert.equal(keyAction(press('F5', { shiftKey: true }), 'other', false), 'reverseContinue');
    assert.equal(keyAction(press('F5', { shiftKey: true, ctrlKey: true }), 'other', false), 'restart');
    assert.equal(keyAction(press('F5', { shiftKey: true, metaKey: true }), 'other', false), 'restart');
    assert.equal(keyAction(press('F9'), 'other', false), 'toggleBreakpoint');
    assert.equal(keyAction(press('Home'), 'other', false), 'restart');
    assert.equal(keyAction(press('End'), 'timeline', false), 'end');
    assert.equal(keyAction(press('ArrowRight'), 'timeline', false), 'stepForward');
    assert.equal(keyAction(press('ArrowDown'), 'timeline', false), 'stepBack');
    assert.equal(keyAction(press('ArrowRight'), 'other', false), undefined);
    assert.equal(keyAction(press('?', { shiftKey: true }), 'other', false), 'help');
    assert.equal(keyAction(press('T', { shiftKey: true }), 'other', false), 'toggleTable');
    assert.equal(keyAction(press('e'), 'other', false), 'toggleEquations');
    assert.equal(keyAction(press('e'), 'text', false), undefined, 'typing in a text box');
    assert.equal(keyAction(press('t', { ctrlKey: true }), 'other', false), undefined);
    assert.equal(keyAction(press('Escape'), 'other', true), 'closeHelp');
    assert.equal(keyAction(press('Escape'), 'other', false), undefined);
    assert.equal(keyAction(press('g', { ctrlKey: true, altKey: true }), 'other', false), undefined, 'Go to Step is the host’s');
  });
});
