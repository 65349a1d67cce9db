/**
 * The `rnn` debug adapter's contract with its clients: launch arguments, what the extension (or
 * the CLI) passes in, the capabilities it announces, and its custom event and request.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Timeline } from '../session/timeline';
import type { Phase } from '../session/timelineIndex';
import type { RunLimits } from './workerRun';

export const NONFINITE_FILTER = 'nonfinite';
/** Custom event after every stop: `{ fixture, phase, t }` (t 0-based). */
export const STOPPED_AT_EVENT = 'rnnStoppedAt';
/** Custom request moving the cursor: `{ index }` or `{ phase, t }` (t 0-based). */
export const GO_TO_REQUEST = 'rnnGoTo';

export interface LaunchArgs extends DebugProtocol.LaunchRequestArguments {
  /** Path of the fixture file. */
  fixture?: string;
  /** Stop at forward t = 1 before running (default true). */
  stopOnEntry?: boolean;
  /** Where to start: the first step of this phase (default forward). */
  phase?: Phase;
  /** The run's cache budget in MB (default: the setting rnnStepper.cacheMemoryMB, 384): above it, checkpoints. */
  cacheMemoryMB?: number;
}

export interface AdapterDeps {
  /** Path of the bundled evalWorker.js. */
  evalWorkerPath: string;
  /** The run worker (dist/worker.js) and the run's limits (the extension passes its settings). */
  run: RunLimits;
  /**
   * The timeline to drive, given the fixture and its lengths: the extension passes the Step RNN
   * panel's, so both move together; alone, a new one.
   */
  timelineFor?: (fixture: string, span: { T_x: number; T_b: number }) => Timeline;
}

/** The initialize response: stepping both ways, goto, conditional function breakpoints, one exception filter. */
export const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsStepBack: true,
  supportsRestartRequest: true,
  supportsGotoTargetsRequest: true,
  supportsFunctionBreakpoints: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsEvaluateForHovers: true,
  supportsExceptionInfoRequest: true,
  supportsTerminateRequest: true,
  supportsDelayedStackTraceLoading: false,
  exceptionBreakpointFilters: [
    {
      filter: NONFINITE_FILTER,
      label: 'NaN or Infinity produced',
      description: 'Stop at the first step whose tensors contain a NaN or ±Infinity',
      default: false,
    },
  ],
};
