/**
 * The Step RNN panel: wires the store, the data client and the views (src/webview/views/) to the
 * host. Posts `ready` first; everything it shows arrives as validated messages. The views own
 * their elements and their drawing; this file only builds them in order, routes keys and
 * actions, and tells every view each new state.
 */

import type { FromWebview, Move, ToWebview } from '../protocol/messages';
import { parseToWebview } from '../protocol/parseMessages';
import { sameCursor, type Cursor } from '../session/timelineIndex';
import { DataClient } from './client';
import { readPalette } from './colors';
import { h } from './dom';
import { KeyRouter, domKeyTarget } from './keys';
import { isPanelAction, type PanelAction } from './keymap';
import { PaintTimer, milestone } from './perf';
import { CursorPrediction } from './cursorPrediction';
import { Store, indexOf, parseBpKey, type HostApi, type State, type UiAction } from './store';
import * as acrossTime from './views/acrossTime';
import * as check from './views/check';
import * as cellDiagram from './views/cellDiagram';
import type { Layout, Theme, ViewDeps } from './views/deps';
import * as errors from './views/errors';
import * as gradcheckView from './views/gradcheckView';
import * as help from './views/help';
import * as normPlot from './views/normPlot';
import * as prefetch from './views/prefetch';
import * as runInfo from './views/runInfo';
import * as scrub from './views/scrub';
import * as status from './views/status';
import * as stepCards from './views/stepCards';
import * as toolbar from './views/toolbar';
import { Tooltip } from './views/tooltip';

declare function acquireVsCodeApi(): HostApi;

const vscode: HostApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { getState: () => undefined, setState: () => undefined, postMessage: () => undefined };

const post = (m: FromWebview) => {
  if (m.type === 'requestStep') milestone('rnn:first-request');
  vscode.postMessage(m);
};
milestone('rnn:script');
const store = new Store(vscode);
const data = new DataClient(post, () => performance.now());
const timer = new PaintTimer((ms) => post({ type: 'perf', name: 'keyToPaint', ms }));
data.onStepLatency = (ms) => timer.stepLatency(ms);
const act = (a: UiAction) => {
  store.dispatch(a);
};
/** The step shown while moves are on their way to the host (cursorPrediction.ts). */
const prediction = new CursorPrediction();
/** When each move not yet acknowledged was sent, by seq (the round trip is timed for the benchmark). */
const movesSent = new Map<number, number>();

/**
 * Ask the host's timeline to move the cursor, and show at once the step it will stop at (when
 * that can be told without waiting); its `cursor` message is the truth.
 */
const move = (m: Move, at?: Cursor) => {
  const s = store.state;
  if (!s.run) return;
  const run = s.run;
  const breakpoints = s.breakpoints.flatMap((k) => {
    const c = parseBpKey(k);
    return c ? [indexOf(run, c)] : [];
  });
  const view = { span: { T_x: run.dims.T_x, T_b: run.T_b }, reach: s.progress, breakpoints };
  const { seq, predicted } = prediction.move(view, m, at);
  movesSent.set(seq, performance.now());
  post(at ? { type: 'move', move: m, phase: at.phase, t: at.t, seq } : { type: 'move', move: m, seq });
  if (predicted === undefined) return; // (the host's `cursor` message moves the panel)
  // Predicted to stay (an end of the timeline): nothing will be painted for the key.
  if (predicted === indexOf(run, s.cursor)) timer.cancel();
  else act({ type: 'cursor', runId: run.runId, cursor: prediction.shown });
};
const seek = (at: Cursor) => move('seek', at);

const body = document.body;
body.dataset.state = 'loading';
const app = document.getElementById('app') ?? body.appendChild(h('main', { id: 'app' }));
app.replaceChildren();
app.removeAttribute('aria-busy');

const theme: Theme = { palette: readPalette(), version: 0 };
const layout: Layout = { content: 600, timeline: 300 };
const tooltip = new Tooltip();
const deps: ViewDeps = { store, data, post, act, seek, theme, layout, tooltip, timer };

// The views, in page order.
const toolbarView = toolbar.create(app);
const scrubView = scrub.create(app, deps);
const statusView = status.create(app);
const errorsView = errors.create(app, deps);
const runInfoView = runInfo.create(app, deps);
// Check my implementation: its summary here, its divergence marks under the timeline strip.
const checkView = check.create(app, document.getElementById('timeline') ?? scrubView.scrubber, deps);
const diagramView = cellDiagram.create(app, deps);
const stepEl = h('section', { id: 'step', 'aria-label': 'Tensors of the current step' });
app.append(stepEl);
// (the weight gradients' or running sums' cards came on screen: fetch their part of the steps)
const cardsView = stepCards.create(stepEl, deps, () => requestAround(store.state));
const normsView = normPlot.create(app, deps);
// The gradient check: a worst entry's button moves the cursor and selects the element on its card.
const gradcheckPanel = gradcheckView.create(app, deps, (p) => {
  seek({ phase: p.phase, t: p.t });
  cardsView.selectWhenShown(p);
});
const timeView = acrossTime.create(app, deps);
app.append(tooltip.readout);
body.append(tooltip.tip);
const helpView = help.create(body);
const ahead = prefetch.create(data, () => cardsView.wantedParts());

/** The run whose step the cards painted, and the run whose first paint the host was told of. */
let paintedRun = -1;
let paintedSaid = -1;

function renderChrome(s: State, prev: State | undefined): void {
  toolbarView.render(s, prev);
  scrubView.render(s, prev);
  statusView.render(s, prev);
  errorsView.render(s, prev);
  runInfoView.render(s, prev);
  checkView.render(s, prev);
  gradcheckPanel.render(s, prev);
  helpView.render(s, prev);
  body.dataset.runFinished = s.progress?.finished ? 'true' : 'false';
  body.classList.toggle('no-run', !s.run);
  body.classList.toggle('table-view', s.table);
  body.classList.toggle('no-equations', !s.equations);
  updateBodyState(s);
}

function updateBodyState(s: State): void {
  const hasErrors = s.errors.some((d) => d.severity === 'error');
  const state = hasErrors ? 'errors' : s.run && paintedRun === s.run.runId ? 'ready' : 'loading';
  if (body.dataset.state !== state) body.dataset.state = state;
  if (state === 'ready' && s.run && s.run.runId !== paintedSaid) {
    milestone('rnn:first-paint');
    // The host lets the run go on now (it held still after its first step so that this paint had
    // the cores); once per run, re-runs after a save included.
    paintedSaid = s.run.runId;
    post({ type: 'painted', runId: s.run.runId });
  }
}

/** Paint the cursor's step (when its payload is here) and time the input that asked for it. */
function renderStep(s: State): void {
  if (!cardsView.render(s)) return;
  // (the input's clock runs on while a card on screen waits for its part of the step)
  if (!cardsView.waiting) timer.painted();
  diagramView.render(s);
  if (s.run && paintedRun !== s.run.runId) {
    paintedRun = s.run.runId;
    updateBodyState(s);
  }
}

function requestAround(s: State): void {
  ahead.request(s);
  timeView.request(s);
}

// ---------------------------------------------------------------------------------------------
// Actions: buttons and keys

/** Keymap actions that move the cursor: timed from the key to the paint. */
const MOVES: ReadonlySet<PanelAction> = new Set<PanelAction>(['stepForward', 'stepBack', 'continue', 'reverseContinue', 'restart', 'end']);

/** A key that moves the cursor starts the key → paint clock; painting the step it shows stops it. */
function timeKey(action: PanelAction): void {
  if (!MOVES.has(action) || !store.state.run) return;
  timer.start();
  performance.mark('rnn-key');
}

function runAction(action: PanelAction): void {
  const s = store.state;
  switch (action) {
    case 'export':
      post({ type: 'export' });
      break;
    case 'copyStep':
      if (s.run) post({ type: 'copyStep', phase: s.cursor.phase, t: s.cursor.t });
      break;
    case 'help':
      act({ type: 'toggleHelp' });
      break;
    case 'closeHelp':
      act({ type: 'toggleHelp', open: false });
      break;
    case 'goToStep':
      // The host asks for the step (an input box); nothing to do in the panel.
      break;
    case 'toggleBreakpoint':
      if (s.run) post({ type: 'toggleBreakpoint' });
      break;
    case 'toggleTable':
    case 'toggleEquations':
      act({ type: action });
      break;
    case 'stepForward':
    case 'stepBack':
    case 'continue':
    case 'reverseContinue':
    case 'restart':
    case 'end':
      move(action);
      break;
  }
}

document.addEventListener('click', (e) => {
  const b = e.target instanceof Element ? e.target.closest<HTMLButtonElement>('button[data-action]') : null;
  const action = b?.dataset.action;
  if (b && !b.disabled && isPanelAction(action)) runAction(action);
});

const keys = new KeyRouter({
  run: (a) => {
    timeKey(a);
    runAction(a);
  },
  helpOpen: () => store.state.helpOpen,
  target: (t) => domKeyTarget(t, scrubView.scrubber),
});
// Capture: before VS Code's forwarder (a bubble listener on this window) and before any control.
window.addEventListener('keydown', (e) => keys.onKeyDownCapture(e), true);
window.addEventListener('keydown', (e) => keys.onKeyDown(e));

// ---------------------------------------------------------------------------------------------
// Rendering on state changes

function measureWidth(): void {
  layout.content = Math.max(200, stepEl.clientWidth || document.documentElement.clientWidth || 600);
  layout.timeline = Math.max(50, scrubView.scrubber.clientWidth || layout.content);
}
measureWidth();

store.subscribe((s, prev) => {
  ahead.moved(s, prev);
  renderChrome(s, prev);
  const cursorMoved = prev.cursor !== s.cursor || prev.run !== s.run;
  const viewChanged = prev.batch !== s.batch || prev.table !== s.table;
  if (cursorMoved || viewChanged || prev.progress !== s.progress) requestAround(s);
  if (cursorMoved || viewChanged) renderStep(s);
  if (cursorMoved || viewChanged || prev.breakpoints !== s.breakpoints || prev.progress !== s.progress) timeView.render(s);
  if (cursorMoved || prev.progress !== s.progress) normsView.render(s);
});

function repaintAll(): void {
  const s = store.state;
  measureWidth();
  cardsView.invalidate();
  timeView.invalidate();
  renderChrome(s, undefined);
  renderStep(s);
  timeView.render(s);
  normsView.render(s);
  checkView.repaint();
}

// Theme: re-read the palette when VS Code swaps the body's theme class.
new MutationObserver(() => {
  theme.palette = readPalette();
  theme.version++;
  repaintAll();
}).observe(body, { attributes: true, attributeFilter: ['class'] });

let resizeTimer = 0;
new ResizeObserver(() => {
  const w = Math.max(200, stepEl.clientWidth || document.documentElement.clientWidth || 600);
  if (Math.abs(w - layout.content) < 8) return;
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(repaintAll, 60);
}).observe(stepEl);

// ---------------------------------------------------------------------------------------------
// Messages from the host

function onMessage(m: ToWebview): void {
  switch (m.type) {
    case 'init':
      milestone('rnn:init');
      data.reset(m.run.runId);
      normsView.reset();
      act({ type: 'init', run: m.run, cursor: m.cursor });
      prediction.reset(store.state.cursor);
      // The host sends the step of the cursor it named unasked: asking too would compute it twice.
      data.expectStep(store.state.cursor.phase, store.state.cursor.t);
      renderChrome(store.state, undefined);
      requestAround(store.state);
      return;
    case 'progress':
      // Backward steps fetched before their running sums could be served: drop them, so the
      // progress update below asks again for the one on screen (and its neighbours).
      if (m.progress.sumsComplete === true && store.state.run?.runId === m.progress.runId) data.onSumsComplete();
      act({ type: 'progress', progress: m.progress });
      return;
    case 'step': {
      milestone('rnn:first-step');
      const step = data.onStep(m);
      const s = store.state;
      // A reply frees room in the prefetch's byte bound (views/prefetch.ts): top the plan up.
      if (step) ahead.request(s);
      if (step && step.phase === s.cursor.phase && step.t === s.cursor.t) {
        renderStep(s);
        renderChrome(s, s);
      }
      // The forward values a backward step's expanded equations read.
      else if (step && step.phase === 'forward' && s.cursor.phase === 'backward' && step.t === s.cursor.t) {
        cardsView.refreshExplanations();
        diagramView.render(s);
      } else if (step && step.phase === s.cursor.phase) diagramView.render(s); // a neighbour of the unrolled strip
      return;
    }
    case 'window': {
      const r = data.onWindow(m);
      if (r) timeView.chunkArrived(r.tensor);
      return;
    }
    case 'norms':
      normsView.setNorms(m);
      return;
    case 'errors':
      act({ type: 'errors', diagnostics: m.diagnostics, stale: m.stale, fixture: m.fixture });
      return;
    case 'check':
      checkView.set(m.check);
      return;
    case 'params':
      // The parameters cards and the weighted-sum expansions can now be drawn.
      if (data.onParams(m)) cardsView.render(store.state);
      return;
    case 'gradcheck':
      gradcheckPanel.set(m.gradcheck);
      return;
    case 'cursor': {
      if (m.seq !== undefined)
        for (const [seq, sentAt] of movesSent)
          if (seq <= m.seq) {
            timer.cursorLatency(performance.now() - sentAt);
            movesSent.delete(seq);
          }
      const s = store.state;
      if (!s.run || m.runId !== s.run.runId) return;
      const stop = { phase: m.phase, t: m.t };
      const shown = prediction.hostStopped({ T_x: s.run.dims.T_x, T_b: s.run.T_b }, stop, m.seq);
      // (the host's words are about its stop: not shown over a later move's predicted step)
      act({ type: 'cursor', runId: m.runId, cursor: shown, description: sameCursor(shown, stop) ? m.description : undefined });
      // Nothing to repaint (the step on screen stays, e.g. an end of the timeline): the key that
      // asked gets no measurement. (A predicted step still on its way keeps its clock running, and
      // so does one whose cards on screen wait for their part of it.)
      if (store.state.cursor === s.cursor && data.hasStep(shown.phase, shown.t, cardsView.wantedParts())) timer.cancel();
      return;
    }
    case 'breakpoints':
      act({ type: 'breakpoints', steps: m.steps });
      return;
    case 'showHelp':
      act({ type: 'toggleHelp', open: true });
      return;
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = parseToWebview(e.data);
  if (typeof m === 'string') {
    console.warn(`rnn-stepper: dropped a malformed message from the host: ${m}`);
    return;
  }
  onMessage(m);
});

renderChrome(store.state, undefined);
milestone('rnn:ready-sent');
post({ type: 'ready' });
