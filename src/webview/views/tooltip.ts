/**
 * The tooltip next to the mouse or the keyboard cursor, and the aria-live readout that says the
 * focused cell's value to screen readers. One of each for the whole panel.
 */

import { h, setText, show } from '../dom';

export class Tooltip {
  readonly tip = h('div', { id: 'tooltip', role: 'tooltip', hidden: true });
  readonly readout = h('div', { id: 'readout', 'aria-live': 'polite', class: 'readout' });

  show(text: string, x: number, y: number): void {
    const tip = this.tip;
    setText(tip, text);
    show(tip, true);
    const W = document.documentElement.clientWidth;
    const left = Math.max(4, Math.min(x + 12, W - tip.offsetWidth - 4));
    tip.style.setProperty('left', `${left}px`);
    tip.style.setProperty('top', `${y + 14}px`);
  }

  hide(): void {
    show(this.tip, false);
  }

  /** Say `text` in the readout only. */
  say(text: string): void {
    setText(this.readout, text);
  }

  /**
   * Say a focused cell's value: into the aria-live readout, and in the tooltip next to the cell
   * (`x`, `y`: the cell's bottom-right corner in viewport pixels) while `el` has the focus.
   */
  announce(el: HTMLElement, text: string, x: number, y: number): void {
    this.say(text);
    if (document.activeElement === el) this.show(text, x, y);
  }
}
