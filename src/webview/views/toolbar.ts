/** The stepping toolbar: debug buttons, the live position, view toggles; buttons come from the keymap. */

import { h, icon, setText } from '../dom';
import { BUTTONS, buttonLabel, type ButtonEntry } from '../keymap';
import { indexOf, positionText, reachableMax, type State } from '../store';
import type { View } from './deps';

const button = (b: ButtonEntry) =>
  h('button', { type: 'button', class: 'icon-button', 'data-action': b.action, 'aria-label': buttonLabel(b), title: buttonLabel(b) }, icon(b.icon));

export function create(parent: HTMLElement): View {
  const position = h('div', { id: 'position', 'aria-live': 'polite', role: 'status', text: 'Loading…' });
  const left = h('div', { class: 'buttons' }, ...BUTTONS.filter((b) => b.group === 'debug').map(button));
  const right = h('div', { class: 'buttons right' }, ...BUTTONS.filter((b) => b.group === 'view').map(button));
  const bar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Stepping controls' }, left, position, right);
  parent.append(bar);
  const buttons = [...bar.querySelectorAll<HTMLButtonElement>('button[data-action]')];
  const byAction = (a: string) => buttons.find((b) => b.dataset.action === a);

  function render(s: State, prev: State | undefined): void {
    const run = s.run;
    if (run) {
      setText(position, positionText(run, s.cursor));
      const max = reachableMax(run, s.progress);
      const idx = indexOf(run, s.cursor);
      for (const b of left.querySelectorAll<HTMLButtonElement>('button')) {
        const a = b.dataset.action;
        if (a === 'stepForward' || a === 'continue') b.disabled = idx >= max;
        else if (a === 'stepBack' || a === 'reverseContinue' || a === 'restart') b.disabled = idx <= 0;
        else b.disabled = false;
      }
      byAction('toggleBreakpoint')?.setAttribute('aria-pressed', String(s.breakpoints.includes(`${s.cursor.phase}:${s.cursor.t}`)));
      if (!prev?.run) for (const b of right.querySelectorAll<HTMLButtonElement>('button')) b.disabled = false;
    } else {
      for (const b of buttons) b.disabled = b.dataset.action !== 'help';
      setText(position, s.errors.length ? 'No run: the fixture has problems' : 'Loading…');
    }
    byAction('toggleTable')?.setAttribute('aria-pressed', String(s.table));
    byAction('toggleEquations')?.setAttribute('aria-pressed', String(s.equations));
  }
  return { render };
}
