/**
 * The `rnn` debug adapter: VS Code's debugger UI (or any DAP client) over a fixture's run. It owns
 * no stepping logic: every move goes to the session's Timeline (src/session/timeline.ts), whose
 * `stopped` events become DAP stopped events. Runs inline in the extension host
 * (DebugAdapterInlineImplementation) and over stdio as `rnn-stepper dap`.
 */
import {
  DebugSession,
  Event,
  InitializedEvent,
  OutputEvent,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import {
  BACKWARD_LSTM, BACKWARD_RNN, BACKWARD_SUMS_LSTM, BACKWARD_SUMS_RNN,
  FORWARD_LSTM, FORWARD_RNN, TOTALS_LSTM, TOTALS_RNN,
} from '../session/steps';
import { Timeline, type StopEvent } from '../session/timeline';
import { cursorAt, indexOf, type Cursor } from '../session/timelineIndex';
import { NOT_AT_THIS_STEP } from './evalProtocol';
import { EvalError, EvalSandbox } from './evalSandbox';
import { applyFunctionBreakpoints } from './functionBreakpoints';
import { stopScope, truthy } from './scope';
import { frameName, goToIndex, lineTarget, stopLine, stopScopes } from './stopViews';
import { VariableStore } from './variables';
import { WorkerRun, type RunLimits } from './workerRun';
import { CAPABILITIES, NONFINITE_FILTER, STOPPED_AT_EVENT, GO_TO_REQUEST, RUN_STATE_REQUEST, type AdapterDeps, type LaunchArgs } from './adapterContract';

export { GO_TO_REQUEST, NONFINITE_FILTER, RUN_STATE_REQUEST, STOPPED_AT_EVENT, type AdapterDeps, type LaunchArgs } from './adapterContract';

const THREAD = 1;
/** Every tensor name some stop of some run has (conditions may name another phase's tensors). */
const STOP_TENSOR_NAMES = new Set<string>([
  ...FORWARD_LSTM, ...FORWARD_RNN, ...BACKWARD_LSTM, ...BACKWARD_RNN,
  ...BACKWARD_SUMS_LSTM, ...BACKWARD_SUMS_RNN, ...TOTALS_LSTM, ...TOTALS_RNN,
]);

export class RnnDebugSession extends DebugSession {
  private run: WorkerRun | undefined;
  /** Counts runs (launch, restarts): part of the expression thread's stop keys. */
  private runSerial = 0;
  /** +1 after a move forward, -1 after a move back: which neighbour of a stop to fetch ahead. */
  private direction: 1 | -1 = 1;
  private timeline: Timeline | undefined;
  private readonly vars = new VariableStore();
  private readonly sandbox: EvalSandbox;
  private unsubscribe: (() => void)[] = [];
  private configured!: Promise<void>;
  private configuredDone: () => void = () => {};
  private lastException: string | undefined;
  private args: LaunchArgs = {};
  private breakOnNonFinite = false;
  private functionSpecs: DebugProtocol.FunctionBreakpoint[] = [];

  constructor(private readonly deps: AdapterDeps) {
    super();
    this.sandbox = new EvalSandbox({ workerPath: deps.evalWorkerPath, tensorNames: STOP_TENSOR_NAMES });
    this.configured = new Promise((r) => (this.configuredDone = r));
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = CAPABILITIES;
    this.sendResponse(response);
    this.sandbox.warm();
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configuredDone();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArgs): Promise<void> {
    this.args = args;
    if (typeof args.fixture !== 'string' || args.fixture === '') {
      return this.sendErrorResponse(response, 3001, "launch needs 'fixture': the path of a fixture file (*.rnn.json)");
    }
    // Breakpoints arrive between initialized and configurationDone: wait for them before moving
    // (while the run worker reads the fixture).
    const [loaded] = await Promise.all([
      WorkerRun.load(args.fixture, this.limits()),
      Promise.race([this.configured, new Promise((r) => setTimeout(r, 1000))]),
    ]);
    if (!loaded.ok) return this.sendErrorResponse(response, 3002, loaded.errors.slice(0, 20).join('\n'));
    this.attach(loaded.run);
    this.sendResponse(response);
    const tl = this.timeline;
    if (!tl) return;
    const phase = args.phase ?? 'forward';
    const start = indexOf(tl.shape, { phase, t: phase === 'backward' ? tl.shape.T_b - 1 : 0 });
    if (args.stopOnEntry === false) void tl.continue();
    else if (start === 0) void tl.entry();
    else void tl.seek(start);
  }

  /** The run's limits: the adapter's (the extension's settings), the launch's cache budget over them. */
  private limits(): RunLimits {
    const mb = this.args.cacheMemoryMB;
    return typeof mb === 'number' && mb > 0 ? { ...this.deps.run, cacheMemoryMB: mb } : this.deps.run;
  }

  /** Put a loaded run under the timeline (first launch, or a restart after an edit). */
  private attach(run: WorkerRun): void {
    this.run?.dispose();
    for (const u of this.unsubscribe) u();
    this.run = run;
    this.runSerial++;
    const span = { T_x: run.dims.T_x, T_b: run.T_b };
    let tl = this.timeline;
    if (!tl) tl = this.deps.timelineFor?.(run.path, span) ?? new Timeline(span);
    else tl.reset(span);
    this.timeline = tl;
    tl.setPredicate((cond, at) => this.decide(cond, at));
    tl.breakOnNonFinite = this.breakOnNonFinite;
    this.unsubscribe = [tl.on('stopped', (e) => this.onStopped(e))];
    applyFunctionBreakpoints(this.functionSpecs, tl);
    run.start(tl, (errors, warnings) => {
      // A staged load read da and the rest of x after the run started: what it found.
      for (const w of [...errors, ...warnings]) this.sendEvent(new OutputEvent(`${w}\n`, errors.includes(w) ? 'stderr' : 'console'));
    });
    for (const w of run.warnings) this.sendEvent(new OutputEvent(`${w}\n`, 'console'));
  }


  private onStopped(e: StopEvent): void {
    this.vars.reset();
    const reason = e.reason === 'end' ? 'step' : e.reason;
    this.lastException = e.reason === 'exception' ? e.description : undefined;
    const ev: DebugProtocol.StoppedEvent = new StoppedEvent(reason, THREAD);
    ev.body.allThreadsStopped = true;
    if (e.description) ev.body.description = e.description;
    if (e.reason === 'exception' && e.description) ev.body.text = e.description;
    if (e.breakpointIds) ev.body.hitBreakpointIds = e.breakpointIds;
    // The client asks for this stop's variables next: have the worker send its tensors now, and
    // the next stops' in the direction of the last move (F10 again finds them here).
    const tl = this.timeline;
    if (this.run && tl) {
      // (first: the stops asked for next then count as what the run must stay ahead of)
      this.run.hold(e.cursor);
      const ahead: Cursor[] = [];
      for (let i = 1, depth = this.run.aheadDepth(e.cursor.phase); i <= depth; i++) {
        const next = e.index + i * this.direction;
        if (next < 0 || next > tl.reachable) break;
        ahead.push(cursorAt(tl.shape, next));
      }
      this.run.fetchAround(e.cursor, ahead);
    }
    this.sendEvent(ev);
    // For the Step RNN panel of the same fixture (other DAP clients ignore unknown events).
    if (this.run) this.sendEvent(new Event(STOPPED_AT_EVENT, { fixture: this.run.path, phase: e.cursor.phase, t: e.cursor.t }));
  }

  private async decide(condition: string, at: Cursor): Promise<boolean> {
    if (!this.run) return false;
    try {
      const scope = await stopScope(this.run, this.runSerial, at);
      return truthy(await this.sandbox.evaluate(condition, scope.lookup, scope.key), condition);
    } catch (e) {
      // `max(ft) > 0.99` at a backward step: ft belongs to another phase, so the condition is
      // simply false here. A name no phase has (a typo) still stops, with the error.
      if (e instanceof EvalError && e.message.startsWith(NOT_AT_THIS_STEP)) return false;
      throw e;
    }
  }

  // --- breakpoints ---------------------------------------------------------------------------

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    // Lines of a fixture are data, not steps: breakpoints are conditions (function breakpoints)
    // or the Step RNN panel's step breakpoints.
    response.body = {
      breakpoints: (args.breakpoints ?? []).map((b) => ({
        verified: false,
        line: b.line,
        message: 'Use a function breakpoint with a condition (e.g. t == 3, max(ft) > 0.99) or the panel\'s step breakpoints (F9).',
      })),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    this.functionSpecs = args.breakpoints;
    const made = applyFunctionBreakpoints(this.functionSpecs, this.timeline);
    response.body = {
      breakpoints: made.map((b) => ({ id: b.id, verified: b.verified, ...(b.message ? { message: b.message } : {}) })),
    };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    this.breakOnNonFinite = args.filters.includes(NONFINITE_FILTER);
    if (this.timeline) this.timeline.breakOnNonFinite = this.breakOnNonFinite;
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    response.body = {
      exceptionId: this.lastException?.startsWith('NaN') ? NONFINITE_FILTER : 'error',
      description: this.lastException ?? 'No exception at this stop.',
      breakMode: 'always',
    };
    this.sendResponse(response);
  }

  // --- moves ---------------------------------------------------------------------------------

  private move(response: DebugProtocol.Response, go: (tl: Timeline) => Promise<unknown>, direction: 1 | -1 = 1): void {
    this.direction = direction;
    const tl = this.timeline;
    if (!tl) return this.sendErrorResponse(response, 3003, 'No fixture is loaded.');
    this.sendResponse(response);
    void go(tl);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.move(response, (tl) => tl.continue());
  }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.move(response, (tl) => tl.continue(true), -1);
  }
  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.move(response, (tl) => tl.step());
  }
  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.move(response, (tl) => tl.step(true), -1);
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.move(response, (tl) => tl.stepPhase());
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.move(response, (tl) => tl.stepPhase(true), -1);
  }
  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.move(response, (tl) => tl.pause());
  }

  protected override async gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): Promise<void> {
    const tl = this.timeline;
    const run = this.run;
    if (!tl || !run) return this.sendErrorResponse(response, 3003, 'No fixture is loaded.');
    // A line of the fixture names a phase (lineTarget); the current stop is always a target too.
    const s = tl.shape;
    const [daLine, pLine] = await Promise.all([run.lineOf('da'), run.lineOf('parameters')]);
    const want = lineTarget(args.line, daLine, pLine, s);
    const targets = [want, tl.cursor].map((c) => ({ id: indexOf(s, c) + 1, label: frameName(run.kind, c), line: args.line }));
    response.body = { targets: targets.filter((t, i) => targets.findIndex((u) => u.id === t.id) === i) };
    this.sendResponse(response);
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.move(response, (tl) => tl.seek(args.targetId - 1));
  }

  /** `rnnGoTo` {index} or {phase, t} (0-based): the extension's "Go to Step…" and the panel. */
  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === RUN_STATE_REQUEST) return this.runState(response);
    if (command !== GO_TO_REQUEST || typeof args !== 'object' || args === null)
      return this.sendErrorResponse(response, 1014, `unknown request ${command}`);
    const tl = this.timeline;
    const index = goToIndex(args, tl?.shape);
    if (index !== undefined) {
      // Already there (the panel echoing a stop it was sent): no second stop.
      if (tl && index === tl.position) return this.sendResponse(response);
      return this.move(response, (t) => t.seek(index));
    }
    this.sendErrorResponse(response, 3004, 'rnnGoTo needs {index} or {phase, t}');
  }

  /** `rnnRunState`: how far the run is computed (for bench:dap). */
  private runState(response: DebugProtocol.Response): void {
    const run = this.run;
    if (!run) return this.sendErrorResponse(response, 3003, 'No fixture is loaded.');
    const p = run.progress;
    response.body = {
      T_x: run.dims.T_x,
      T_b: run.T_b,
      forwardDone: p?.forwardDone ?? 0,
      backwardDone: p?.backwardDone ?? 0,
      finished: p?.finished ?? false,
      sumsComplete: p?.sumsComplete ?? false,
    };
    this.sendResponse(response);
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse): Promise<void> {
    const path = this.run?.path ?? this.args.fixture;
    if (!path) return this.sendErrorResponse(response, 3003, 'No fixture is loaded.');
    const loaded = await WorkerRun.load(path, this.limits());
    this.sendResponse(response);
    if (!loaded.ok) {
      // The session lives on the last good run; the errors say what to fix before restarting again.
      const text = loaded.errors.slice(0, 20).join('\n');
      this.sendEvent(new OutputEvent(`${text}\n`, 'stderr'));
      this.onStopped({ reason: 'exception', cursor: this.timeline?.cursor ?? { phase: 'forward', t: 0 }, index: this.timeline?.position ?? 0, description: `The fixture has errors (the last good run is shown):\n${text}` });
      return;
    }
    this.attach(loaded.run);
    void this.timeline?.restart();
  }

  // --- what is shown -------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD, this.run ? `${this.run.kind} ${this.run.name}` : 'RNN run')] };
    this.sendResponse(response);
  }

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse): Promise<void> {
    const run = this.run;
    const tl = this.timeline;
    if (!run || !tl) return this.sendErrorResponse(response, 3003, 'No fixture is loaded.');
    const c = tl.cursor;
    const position = tl.position;
    const line = await stopLine(run, c);
    const frame = new StackFrame(position + 1, frameName(run.kind, c), new Source(basename(run.path), run.path), line, 1);
    response.body = { stackFrames: [frame], totalFrames: 1 };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    const run = this.run;
    const tl = this.timeline;
    if (!run || !tl) return this.sendErrorResponse(response, 3003, 'No fixture is loaded.');
    const scopes = stopScopes(run, tl.cursor, this.vars);
    response.body = { scopes };
    this.sendResponse(response);
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    if (this.run && this.timeline) this.run.hold(this.timeline.cursor);
    const vars = await this.vars.children(args.variablesReference, args.start ?? 0, args.count ?? 0);
    if (!vars) return this.sendErrorResponse(response, 3005, 'These variables belong to an earlier stop.');
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    const run = this.run;
    const tl = this.timeline;
    if (!run || !tl) return this.sendErrorResponse(response, 3003, 'No fixture is loaded.');
    run.hold(tl.cursor);
    try {
      const scope = await stopScope(run, this.runSerial, tl.cursor);
      const v = await this.sandbox.evaluate(args.expression, scope.lookup, scope.key);
      if (v.kind === 'number') response.body = { result: String(v.value), type: 'float64', variablesReference: 0 };
      else if (v.kind === 'text') response.body = { result: v.text, variablesReference: 0 };
      else {
        const tv = this.vars.tensorVariable({ name: args.expression.slice(0, 80), rows: v.rows, cols: v.cols, data: v.data });
        response.body = { result: tv.value, type: tv.type, variablesReference: tv.variablesReference, indexedVariables: v.rows };
      }
      this.sendResponse(response);
    } catch (e) {
      const msg = e instanceof EvalError || e instanceof Error ? e.message : String(e);
      // A hover over a word that is not a name stays silent; Watch and the console get the reason.
      this.sendErrorResponse(response, { id: 3010, format: msg, showUser: args.context === 'repl' });
    }
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.dispose();
    this.sendResponse(response);
  }

  override dispose(): void {
    this.run?.dispose();
    this.sandbox.dispose();
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    super.dispose();
  }
}
