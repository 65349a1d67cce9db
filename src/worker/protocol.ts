/**
 * Messages between the extension host (main thread) and the run worker (`dist/worker.js`).
 * The worker owns the fixture's run: it parses the file, computes the run in `advance()` slices,
 * and answers step/window requests between slices, so the host's thread stays free. Tensor data
 * crosses as transferred `ArrayBuffer`s. No `vscode` import here: the worker cannot load it.
 */
import type { Phase, Progress, RunInfo, StepPart, TensorPayload } from '../protocol/messages';

/**
 * Default of the setting rnnStepper.cacheMemoryMB (see runChoice.ts), inputs included. One GiB
 * keeps every step's caches of the panel issue's 1000-step LSTM (n_a=256, m=32: ~800 MB), so
 * stepping it never recomputes. At 384 MB the same run is checkpointed every 4 steps with 160 MiB
 * of running sums and peaks ~270 MB lower in the host, but in session 6's bench:ui (load 7-9)
 * backward ±10 jumps took p95 ~1.3 s: a user who wants memory bounded lower sets less.
 */
export const DEFAULT_CACHE_MEMORY_MB = 1024;

/** A reader diagnostic with its end position computed in the worker (which has the text). */
export interface WorkerDiag {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type ToWorker =
  | {
      type: 'load';
      runId: number;
      path: string;
      maxBytes: number;
      /**
       * The run's memory budget in MB (setting rnnStepper.maxMemoryMB): a run whose caches need
       * more is refused after the parse, before anything is allocated. Default 4096 (engine/memory.ts).
       */
      maxMemoryMB?: number;
      /**
       * The caches' budget in MB (setting rnnStepper.cacheMemoryMB): a run whose every-step
       * caches need more keeps checkpoints and recomputes windows (runChoice.ts). Default
       * `DEFAULT_CACHE_MEMORY_MB`.
       */
      cacheMemoryMB?: number;
      /** Keep per-step LSTM gate gradients when they take at most this many bytes. */
      gateGradLimitBytes: number;
    }
  /** Allocate the caches and start computing (sent once the host has accepted the parse). */
  | { type: 'start' }
  /** The panel painted the first step (a staged load's da reader may start). */
  | { type: 'painted' }
  /**
   * A client shows the stop at timeline index `index` (a debugger stopped there, a Watch is
   * evaluated): the run's background work gives it the cores for a short while (giveWay.ts).
   */
  | { type: 'hold'; index: number }
  /** A stop, or only these parts of it (the panel's; absent: the whole stop, e.g. the debugger's). */
  | { type: 'step'; id: number; phase: Phase; t: number; parts?: StepPart[] }
  | { type: 'window'; id: number; tensor: string; batch: number; t0: number; t1: number }
  | { type: 'norms'; id: number }
  /** The run's parameters (once per run, for the panel's cards and expansions). */
  | { type: 'params'; id: number }
  /** Write the export atomically to `path` once the run has finished. */
  | { type: 'export'; id: number; path: string }
  /** Withdraw an export that is still waiting for the run to finish (nothing is written). */
  | { type: 'cancel'; target: number }
  | { type: 'memory'; id: number };

export type FromWorker =
  | { type: 'loaded'; run: Omit<RunInfo, 'runId'>; warnings: WorkerDiag[] }
  | { type: 'invalid'; diagnostics: WorkerDiag[]; message: string }
  /** Staged load: da's numbers were read after 'loaded' (warnings of the whole file, if any). */
  | { type: 'daLoaded'; warnings: string[]; warningDiags: WorkerDiag[] }
  /** Staged load: da turned out invalid after 'loaded'; the forward steps stay valid. */
  | { type: 'daInvalid'; diagnostics: WorkerDiag[]; message: string }
  | { type: 'progress'; progress: Omit<Progress, 'runId'>; memory: MemorySample }
  | { type: 'norms'; da: ArrayBuffer; dc?: ArrayBuffer; from: number }
  | { type: 'reply'; id: number; error: string }
  | { type: 'reply'; id: number; kind: 'step'; phase: Phase; t: number; tensors: TensorPayload[] }
  | { type: 'reply'; id: number; kind: 'window'; tensor: string; batch: number; t0: number; t1: number; rows: number; data: ArrayBuffer }
  | { type: 'reply'; id: number; kind: 'norms'; da: ArrayBuffer; dc?: ArrayBuffer; from: number }
  | { type: 'reply'; id: number; kind: 'params'; tensors: TensorPayload[] }
  | { type: 'reply'; id: number; kind: 'export'; bytes: number }
  | { type: 'reply'; id: number; kind: 'memory'; memory: MemorySample; peak: MemorySample };

export type WorkerReply = Extract<FromWorker, { type: 'reply' }>;
