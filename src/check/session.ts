/**
 * One Python child with the reference arrays loaded, restarted when the user's code hangs or
 * kills its interpreter so the remaining functions are still checked.
 */
import { ChildDied, ChildTimeout, PythonChild, type ChildOptions } from './child';
import type { Frame } from './frames';
import { CheckSetupError, type Definition, type FunctionName, type Tensor, type UserError } from './types';

export interface Hello {
  definitions: Definition[];
  notes: string[];
}

/** How long Python may take to start and import NumPy on a busy machine. */
const STARTUP_LIMIT_MS = 60_000;

export type LoadResult = { ok: true; hello: Hello } | { ok: false; error: UserError };

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

export function userError(v: unknown): UserError {
  const o = typeof v === 'object' && v !== null ? v : {};
  const get = (k: string): unknown => (k in o ? Reflect.get(o, k) : undefined);
  const err: UserError = { message: str(get('message')) ?? 'unknown error', file: str(get('file')), line: int(get('line')) };
  const cell = int(get('cell'));
  if (cell !== null) Object.assign(err, { cell });
  return err;
}

const NAMES = new Set<string>([
  'rnn_cell_forward', 'rnn_forward', 'rnn_cell_backward', 'rnn_backward',
  'lstm_cell_forward', 'lstm_forward', 'lstm_cell_backward', 'lstm_backward',
]);
function isFunctionName(s: string): s is FunctionName {
  return NAMES.has(s);
}

function parseHello(h: Frame['header']): Hello {
  const definitions: Definition[] = [];
  const fns = h.functions;
  if (typeof fns === 'object' && fns !== null) {
    for (const [name, loc] of Object.entries(fns)) {
      if (!isFunctionName(name)) continue;
      const e = userError({ message: '', ...loc });
      const d: Definition = { name, file: e.file ?? '', line: e.line ?? 1 };
      const cell = int(typeof loc === 'object' && loc !== null ? Reflect.get(loc, 'cell') : undefined);
      if (cell !== null) d.cell = cell;
      definitions.push(d);
    }
  }
  const notes = Array.isArray(h.notes) ? h.notes.filter((n): n is string => typeof n === 'string') : [];
  return { definitions, notes };
}

export class HarnessSession {
  private child: PythonChild | null = null;
  private loaded: Array<[string, Tensor]> = [];
  /** Set when a restart after a timeout could not import the file again: nothing more can run. */
  restartError: UserError | null = null;

  constructor(private readonly opts: ChildOptions, private readonly timeoutMs: number) {}

  /** Starts Python and imports the user's file (again after a restart). */
  async start(): Promise<LoadResult> {
    this.child?.kill();
    const child = new PythonChild(this.opts);
    this.child = child;
    let first: Frame;
    let phase: 'python' | 'import' = 'python';
    try {
      // Python and NumPy start-up is not the user's code: it gets its own, generous limit.
      first = await child.next(Math.max(STARTUP_LIMIT_MS, this.timeoutMs));
      if (first.header.op === 'started') {
        phase = 'import';
        first = await child.next(this.timeoutMs);
      }
    } catch (e) {
      if (e instanceof ChildTimeout && phase === 'python') {
        throw new CheckSetupError(`Python '${this.opts.python}' did not start within ${Math.max(STARTUP_LIMIT_MS, this.timeoutMs) / 1000} s`);
      }
      if (e instanceof ChildTimeout) {
        return { ok: false, error: { message: `importing the file took longer than ${this.timeoutMs / 1000} s (stopped)`, file: null, line: null } };
      }
      if (e instanceof ChildDied) {
        const why = child.stderr;
        throw new CheckSetupError(`Python '${this.opts.python}' ${e.message} before it could run the check${why ? `: ${why.split('\n').slice(-3).join(' ')}` : ''}`);
      }
      throw e;
    }
    const h = first.header;
    if (h.op === 'no_numpy') {
      throw new CheckSetupError(
        `NumPy is not available to ${str(h.python) ?? this.opts.python} (Python ${str(h.version) ?? '?'}: ${str(h.message) ?? ''}); ` +
          'install it (pip install numpy, or Debian python3-numpy) or choose another interpreter with --python',
      );
    }
    if (h.op === 'load_error') return { ok: false, error: userError(h.error) };
    if (h.op !== 'hello') throw new Error(`harness answered '${h.op}' to start-up`);
    if (this.loaded.length) await child.send({ op: 'put' }, this.loaded);
    return { ok: true, hello: parseHello(h) };
  }

  /** Loads the reference arrays (kept, so a restarted child gets them again). */
  async put(arrays: Array<[string, Tensor]>): Promise<void> {
    this.loaded = arrays;
    await this.child?.send({ op: 'put' }, arrays);
  }

  /**
   * Calls `fn` (at each of `steps` for a cell function); `onFrame` gets each result or error as it
   * arrives. Ends with 'done', or 'timeout'/'died' after which the child has been restarted.
   */
  async call(
    fn: FunctionName, steps: number[] | null, onFrame: (f: Frame) => void, limitMs = this.timeoutMs,
  ): Promise<{ end: 'done' } | { end: 'timeout' } | { end: 'died'; why: string }> {
    const child = this.child;
    if (!child) throw new Error('harness session not started');
    await child.send({ op: 'call', fn, steps });
    for (;;) {
      let f: Frame;
      try {
        f = await child.next(limitMs);
      } catch (e) {
        if (e instanceof ChildTimeout || e instanceof ChildDied) {
          const why = e instanceof ChildDied ? `${e.message}${child.stderr ? `: ${child.stderr.split('\n').slice(-2).join(' ')}` : ''}` : '';
          child.kill();
          const again = await this.start();
          if (!again.ok) this.restartError = again.error;
          return e instanceof ChildTimeout ? { end: 'timeout' } : { end: 'died', why };
        }
        throw e;
      }
      if (f.header.op === 'done') return { end: 'done' };
      onFrame(f);
    }
  }

  close(): void {
    this.child?.close();
    this.child = null;
  }

  kill(): void {
    this.child?.kill();
    this.child = null;
  }
}
