/** The stale-run banner and the notice line (why the last action could not be done). */

import { h, setText, show } from '../dom';
import type { State } from '../store';
import type { View } from './deps';

export function create(parent: HTMLElement): View {
  const stale = h('div', { id: 'stale', class: 'banner warning', role: 'status', hidden: true });
  const notice = h('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite' });
  parent.append(stale, notice);
  return {
    render(s: State) {
      setText(notice, s.notice ?? '');
      show(stale, s.stale);
      setText(stale, s.stale ? 'Stale: the fixture has problems (below); showing the last good run.' : '');
    },
  };
}
