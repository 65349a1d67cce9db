/** The fixture's problems, each with a link that opens the file at its line and column. */

import type { Diag } from '../../protocol/messages';
import { clear, h, icon, show } from '../dom';
import type { State } from '../store';
import type { View, ViewDeps } from './deps';

export function create(parent: HTMLElement, deps: ViewDeps): View {
  const el = h('section', { id: 'errors', hidden: true, 'aria-label': 'Fixture problems' });
  parent.append(el);

  function paint(diags: Diag[]): void {
    clear(el);
    show(el, diags.length > 0);
    if (!diags.length) return;
    el.append(h('h2', { text: `Fixture problems (${diags.length})` }));
    const list = h('ul', { class: 'diag-list' });
    for (const d of diags) {
      const base = d.file.split(/[\\/]/).pop() || d.file;
      const link = h(
        'a',
        { href: '#', class: 'diag-link', 'data-line': d.line, 'data-column': d.column, title: `${d.file}:${d.line}:${d.column}` },
        `${base}:${d.line}:${d.column}`,
      );
      link.addEventListener('click', (e) => {
        e.preventDefault();
        deps.post({ type: 'openLocation', line: d.line, column: d.column });
      });
      list.append(
        h(
          'li',
          { class: `diag ${d.severity}` },
          icon(d.severity === 'error' ? 'error' : 'warning'),
          ' ',
          link,
          ' ',
          h('span', { class: 'diag-msg', text: d.message + (d.path ? `  (${d.path})` : '') }),
        ),
      );
    }
    el.append(list);
  }

  return {
    render(s: State, prev: State | undefined) {
      if (!prev || prev.errors !== s.errors) paint(s.errors);
    },
  };
}
