/**
 * The stale-run banner, the warning about the first NaN/Infinity the run produced (the CLI's
 * words), and the notice line (why the last action could not be done).
 */

import { h, setText, show } from '../dom';
import { nonFiniteNotice } from '../nonFiniteNotice';
import type { State } from '../store';
import type { View } from './deps';

export function create(parent: HTMLElement): View {
  const stale = h('div', { id: 'stale', class: 'banner warning', role: 'status', hidden: true });
  const nonFinite = h('div', { id: 'nonfinite', class: 'banner warning', role: 'status', hidden: true });
  const notice = h('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite' });
  parent.append(stale, nonFinite, notice);
  return {
    render(s: State) {
      setText(notice, s.notice ?? '');
      show(stale, s.stale);
      setText(stale, s.stale ? 'Stale: the fixture has problems (below); showing the last good run.' : '');
      const warning = nonFiniteNotice(s);
      show(nonFinite, warning !== undefined);
      setText(nonFinite, warning ?? '');
    },
  };
}
