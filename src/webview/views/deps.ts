/** What every view is given by main.ts: the store, the data client, the host and shared services. */

import type { FromWebview } from '../../protocol/messages';
import type { DataClient } from '../client';
import type { Palette } from '../colors';
import type { PaintTimer } from '../perf';
import type { Cursor, State, Store, UiAction } from '../store';
import type { Tooltip } from './tooltip';

/** The theme's colours; `version` changes when VS Code switches theme (cached bitmaps repaint). */
export interface Theme {
  palette: Palette;
  version: number;
}

/** Widths measured once per layout change (not per paint). */
export interface Layout {
  /** Width of the step section, CSS pixels. */
  content: number;
  /** Width of the timeline scrubber. */
  timeline: number;
}

export interface ViewDeps {
  store: Store;
  data: DataClient;
  post(m: FromWebview): void;
  act(a: UiAction): void;
  /** Ask the host to move the cursor to a step (the host's timeline owns the cursor). */
  seek(at: Cursor): void;
  theme: Theme;
  layout: Layout;
  tooltip: Tooltip;
  timer: PaintTimer;
}

/** A part of the panel: built once into its element, then told every new state. */
export interface View {
  render(s: State, prev: State | undefined): void;
}
