/**
 * The table view of a tensor card: its values as a DOM table, paged TABLE_MAX_CELLS cells at a
 * time (previous/next buttons; arrow keys move between cells and cross pages on the same column).
 */

import type { Tensor } from '../client';
import { clear, h } from '../dom';
import { short } from '../format';
import type { State } from '../store';

/** Cells per table page (a DOM table of this size renders in a few ms). */
export const TABLE_MAX_CELLS = 4096;

/** The part of a tensor card the table reads and writes. */
export interface TableCard {
  name: string;
  tableWrap: HTMLElement;
  tensor?: Tensor;
  /** Columns are batch examples (the selected one is marked). */
  perExample: boolean;
  /** First row of the page shown. */
  tableRow0: number;
}

const pageRows = (t: Tensor) => Math.max(1, Math.min(t.rows, Math.floor(TABLE_MAX_CELLS / Math.max(1, t.cols))));

export function renderTable(card: TableCard, t: Tensor, s: State, focus?: { row: number; col: number }): void {
  clear(card.tableWrap);
  const maxRows = pageRows(t);
  const r0 = (card.tableRow0 = Math.max(0, Math.min(card.tableRow0, Math.floor((t.rows - 1) / maxRows) * maxRows)));
  const r1 = Math.min(t.rows, r0 + maxRows);
  if (maxRows < t.rows) card.tableWrap.append(pager(card, t, s, r0, r1, maxRows));
  const table = h('table', {
    class: 'values',
    'aria-label': `${card.name} values ${t.rows} by ${t.cols}${maxRows < t.rows ? `, rows ${r0} to ${r1 - 1}` : ''}`,
  });
  const head = h('tr', {}, h('th', { scope: 'col', class: 'corner', text: '' }));
  for (let j = 0; j < t.cols; j++)
    head.append(h('th', { scope: 'col', class: card.perExample && j === s.batch ? 'sel' : undefined, text: String(j) }));
  const tbody = h('tbody');
  const frag = document.createDocumentFragment();
  for (let i = r0; i < r1; i++) {
    const tr = h('tr', {}, h('th', { scope: 'row', text: String(i) }));
    for (let j = 0; j < t.cols; j++) {
      const v = t.data[i * t.cols + j];
      const td = document.createElement('td');
      td.dataset.row = String(i);
      td.dataset.col = String(j);
      td.dataset.value = String(v);
      td.title = `${card.name}[${i}, ${j}] = ${String(v)}`;
      td.tabIndex = (focus ? i === focus.row && j === focus.col : i === r0 && j === 0) ? 0 : -1;
      td.textContent = short(v);
      if (v !== v || v === Infinity || v === -Infinity) td.className = 'nf';
      if (card.perExample && j === s.batch) td.classList.add('sel');
      tr.append(td);
    }
    frag.append(tr);
  }
  tbody.append(frag);
  table.append(h('thead', {}, head), tbody);
  card.tableWrap.append(table);
  if (focus) card.tableWrap.querySelector<HTMLElement>('td[tabindex="0"]')?.focus();
}

/** "Rows a–b of n" with previous/next page buttons, for tables bigger than one page. */
function pager(card: TableCard, t: Tensor, s: State, r0: number, r1: number, page: number): HTMLElement {
  const go = (to: number) => {
    card.tableRow0 = to;
    renderTable(card, t, s);
    const same = to < r0 ? 'prev' : 'next';
    (card.tableWrap.querySelector<HTMLButtonElement>(`button[data-page="${same}"]:not([disabled])`) ??
      card.tableWrap.querySelector<HTMLButtonElement>('button[data-page]:not([disabled])'))?.focus();
  };
  const btn = (which: 'prev' | 'next', icon: string, label: string, to: number, enabled: boolean) => {
    const b = h(
      'button',
      { class: 'icon-button', type: 'button', 'data-page': which, 'aria-label': label, title: label },
      h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }),
    );
    if (!enabled) b.setAttribute('disabled', '');
    b.addEventListener('click', () => go(to));
    return b;
  };
  return h(
    'div',
    { class: 'table-pager' },
    btn('prev', 'chevron-up', `Previous ${page} rows of ${card.name}`, Math.max(0, r0 - page), r0 > 0),
    h('span', { class: 'muted', 'aria-live': 'polite', text: `Rows ${r0}–${r1 - 1} of ${t.rows} (${page} per page; the heatmap shows all)` }),
    btn('next', 'chevron-down', `Next ${page} rows of ${card.name}`, r0 + page, r1 < t.rows),
  );
}

const MOVES: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

/**
 * Table cells under `root`: arrow keys move the focus (to the neighbouring page past a page's
 * edge), the focused cell's full value is said and shown.
 */
export function attachTableKeys(
  root: HTMLElement,
  cardOf: (name: string) => TableCard | undefined,
  state: () => State,
  say: (text: string, x: number, y: number) => void,
  hide: () => void,
): void {
  const cellOf = (e: Event) => (e.target instanceof HTMLElement && e.target.tagName === 'TD' ? e.target : undefined);
  root.addEventListener('keydown', (e) => {
    const td = cellOf(e);
    const mv = MOVES[e.key];
    if (!td || !mv) return;
    e.preventDefault();
    e.stopPropagation();
    const row = Number(td.dataset.row) + mv[0];
    const col = Number(td.dataset.col) + mv[1];
    const next = td.closest('table')?.querySelector<HTMLElement>(`td[data-row="${row}"][data-col="${col}"]`);
    if (next) {
      td.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
      return;
    }
    if (mv[0] === 0) return;
    // past the page's first or last row: the neighbouring page, focus on the same column
    const card = cardOf(td.closest<HTMLElement>('[data-tensor]')?.dataset.tensor ?? '');
    const t = card?.tensor;
    if (card && t && row >= 0 && row < t.rows) {
      const page = pageRows(t);
      card.tableRow0 = Math.floor(row / page) * page;
      renderTable(card, t, state(), { row, col });
    }
  });
  root.addEventListener('focusin', (e) => {
    const td = cellOf(e);
    if (!td) return;
    const name = td.closest<HTMLElement>('[data-tensor]')?.dataset.tensor ?? '';
    const r = td.getBoundingClientRect();
    say(`${name}[${td.dataset.row}, ${td.dataset.col}] = ${td.dataset.value}`, r.left, r.bottom - 12);
  });
  root.addEventListener('focusout', hide);
}
