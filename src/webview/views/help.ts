/** The keyboard help: a modal dialog listing the keymap (keymap.ts), opened by ? and the toolbar. */

import { h, icon, show } from '../dom';
import { helpRows } from '../keymap';
import type { State } from '../store';
import type { View } from './deps';

export function create(parent: HTMLElement): View {
  const el = h('div', { id: 'help', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'helpTitle', hidden: true });
  const rows = helpRows().map(([k, d]) => h('tr', {}, h('th', { scope: 'row' }, h('kbd', { text: k })), h('td', { text: d })));
  el.append(
    h(
      'div',
      { class: 'help-box' },
      h('h2', { id: 'helpTitle', text: 'Keyboard shortcuts' }),
      h('table', { class: 'keys' }, h('tbody', {}, ...rows)),
      h('p', { class: 'muted', text: 'The same actions are in the Command Palette as “RNN: Step Forward” and so on.' }),
      h('button', { type: 'button', class: 'text-button', 'data-action': 'closeHelp', 'aria-label': 'Close help' }, icon('close'), ' Close'),
    ),
  );
  parent.append(el);
  // A modal dialog: Tab and Shift+Tab cycle through its own controls and never leave it.
  el.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = [...el.querySelectorAll<HTMLElement>('button, [href], [tabindex]:not([tabindex="-1"])')];
    if (!items.length) return;
    const active = document.activeElement;
    const i = items.findIndex((x) => x === active);
    e.preventDefault();
    items[(i + (e.shiftKey ? items.length - 1 : 1)) % items.length].focus();
  });

  return {
    render(s: State, prev: State | undefined) {
      if (prev && prev.helpOpen === s.helpOpen) return;
      show(el, s.helpOpen);
      if (s.helpOpen) el.querySelector<HTMLButtonElement>('button')?.focus();
      else if (prev?.helpOpen) document.querySelector<HTMLButtonElement>('button[data-action="help"]')?.focus();
    },
  };
}
