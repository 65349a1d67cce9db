/**
 * The panel's gradient check as a job: the engine's sampled finite-difference check
 * (engine/gradcheck.ts, the CLI's defaults) run one probe at a time, reporting progress at most
 * every `progressEveryMs` and yielding to the event loop between probes (so a `cancel` is heard
 * and the thread's port stays live). It runs in a thread of its own (gradcheckThread.ts), never
 * in the run worker: one parameter probe is two forward passes over the whole run (seconds at S3
 * sizes) and cannot be split, so sharing the run worker would hold step replies for that long.
 * No Node import here: the thread entry gives it the problem, `post`, and how to yield.
 */
import { gradcheckDefaults, gradcheckSteps, type GradcheckOptions } from '../engine/gradcheck';
import type { GradcheckRow, Problem } from '../engine/types';

export type GradcheckEvent =
  | { kind: 'progress'; done: number; total: number; name: string }
  | { kind: 'done'; rows: GradcheckRow[]; eps: number; samples: number; seed: number; ms: number }
  | { kind: 'cancelled'; done: number; total: number }
  | { kind: 'failed'; message: string };

export interface GradcheckJobOptions {
  eps?: number;
  samples?: number;
  seed?: number;
  /** The gradients to check (default: the engine's own; see GradcheckOptions.gradients). */
  gradients?: GradcheckOptions['gradients'];
  /** Least time between two progress events (the first and the last are always sent). */
  progressEveryMs?: number;
  /** Let other work in (default: a macrotask, so messages to the thread are handled). */
  yieldNow?: () => Promise<void>;
  now?: () => number;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export class GradcheckJob {
  private cancelled = false;

  constructor(
    private readonly problem: Problem,
    private readonly post: (e: GradcheckEvent) => void,
    private readonly o: GradcheckJobOptions = {},
  ) {}

  /** Stop after the probe under way (the host's hard stop is ending the thread). */
  cancel(): void {
    this.cancelled = true;
  }

  /** Run to the end or to a cancel; every outcome is an event, never a throw. */
  async run(): Promise<void> {
    const now = this.o.now ?? (() => Date.now());
    const yieldNow = this.o.yieldNow ?? macrotask;
    const every = this.o.progressEveryMs ?? 100;
    const started = now();
    const defaults = gradcheckDefaults(this.problem);
    const eps = this.o.eps ?? defaults.eps;
    const samples = this.o.samples ?? defaults.samples;
    const seed = this.o.seed ?? 0;
    let last = -Infinity;
    let at = { done: 0, total: 0 };
    try {
      const steps = gradcheckSteps(this.problem, { eps, maxEntries: samples, seed, gradients: this.o.gradients });
      for (;;) {
        if (this.cancelled) return this.post({ kind: 'cancelled', ...at });
        const r = steps.next();
        if (r.done) {
          this.post({ kind: 'progress', done: at.total, total: at.total, name: '' });
          return this.post({ kind: 'done', rows: r.value, eps, samples, seed, ms: now() - started });
        }
        at = { done: r.value.done, total: r.value.total };
        const t = now();
        if (t - last >= every || r.value.done === 1) {
          last = t;
          this.post({ kind: 'progress', ...r.value });
        }
        await yieldNow();
      }
    } catch (e) {
      this.post({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
    }
  }
}
