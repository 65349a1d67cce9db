/**
 * The Python child that runs the user's code (python/harness.py), and nothing else: spawned
 * detached in its own process group so a timeout or a cancel kills it with every process the
 * user's code started; cwd = the implementation's folder (the harness puts it on sys.path).
 * Every wait for the child has a time limit; frames stream in as the child produces them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { encodeFrame, FrameReader, type Frame } from './frames';
import { CheckCancelled, CheckSetupError, type Tensor } from './types';

/** Why a wait ended without a frame. */
export class ChildTimeout extends Error {}
export class ChildDied extends Error {}

/** The harness script: beside the bundle (dist/check/harness.py) or beside this source file. */
export function defaultHarnessPath(): string {
  const candidates = [join(__dirname, 'check', 'harness.py'), join(__dirname, 'python', 'harness.py')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the check harness is missing (looked for ${candidates.join(', ')})`);
  return found;
}

export interface ChildOptions {
  python: string;
  harnessPath: string;
  implPath: string;
  signal?: AbortSignal;
  onOutput?: (text: string) => void;
}

/**
 * The child's environment: no window from a plotting import, and one BLAS thread. The user's
 * functions multiply small matrices one step at a time, where a BLAS thread pool only spins:
 * OpenBLAS's default pool doubled the check's CPU time on a 1000-step LSTM (and took the core
 * the engine computes the next step's reference on). A thread count the user set is kept.
 */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, MPLBACKEND: 'Agg', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  for (const k of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'BLIS_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS']) {
    if (!env[k]) out[k] = '1';
  }
  return out;
}

/** Keeps the tail of what the child wrote to stderr (the user's prints, Python's own complaints). */
const STDERR_TAIL = 4000;

export class PythonChild {
  private readonly proc: ChildProcess;
  private readonly reader = new FrameReader();
  private readonly queue: Frame[] = [];
  private waiter: (() => void) | null = null;
  private exited: string | null = null;
  private spawnError: NodeJS.ErrnoException | null = null;
  private stderrTail = '';
  private readonly onAbort = () => this.kill();

  constructor(private readonly opts: ChildOptions) {
    const impl = resolve(opts.implPath);
    this.proc = spawn(opts.python, ['-u', opts.harnessPath, impl], {
      cwd: dirname(impl),
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: childEnv(process.env),
    });
    this.proc.on('error', (e: NodeJS.ErrnoException) => {
      this.spawnError = e;
      this.exited = e.message;
      this.wake();
    });
    this.proc.on('exit', (code, sig) => {
      this.exited = sig ? `killed by ${sig}` : `exited with code ${code}`;
      this.wake();
    });
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      try {
        this.queue.push(...this.reader.push(chunk));
      } catch (e) {
        this.exited = `sent a malformed frame (${e instanceof Error ? e.message : String(e)})`;
        this.kill();
      }
      this.wake();
    });
    this.proc.stderr?.setEncoding('utf8');
    this.proc.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      opts.onOutput?.(text);
    });
    // A child that exits early closes its stdin: writes then fail with EPIPE, which `exited` reports.
    this.proc.stdin?.on('error', () => undefined);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** What Python printed to stderr last (for "Python could not start" messages). */
  get stderr(): string {
    return this.stderrTail.trim();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next frame, or throws ChildTimeout / ChildDied / CheckCancelled / CheckSetupError. */
  async next(timeoutMs: number): Promise<Frame> {
    for (;;) {
      if (this.opts.signal?.aborted) throw new CheckCancelled();
      const f = this.queue.shift();
      if (f) return f;
      if (this.spawnError) {
        const e = this.spawnError;
        throw new CheckSetupError(
          e.code === 'ENOENT'
            ? `Python not found: '${this.opts.python}' (install Python 3 with NumPy, or give the interpreter with --python)`
            : `cannot start Python '${this.opts.python}': ${e.message}`,
        );
      }
      if (this.exited !== null) throw new ChildDied(this.exited);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await new Promise<boolean>((done) => {
        this.waiter = () => done(false);
        timer = setTimeout(() => done(true), timeoutMs);
      });
      clearTimeout(timer);
      if (timedOut && this.queue.length === 0 && this.exited === null) {
        this.kill();
        throw new ChildTimeout(`no answer within ${timeoutMs / 1000} s`);
      }
    }
  }

  /** Sends a frame; resolves once the pipe has taken it (back-pressure for big puts). */
  async send(header: Record<string, unknown>, arrays: ReadonlyArray<[string, Tensor]> = []): Promise<void> {
    const stdin = this.proc.stdin;
    if (!stdin || this.exited !== null) return;
    for (const piece of encodeFrame(header, arrays)) {
      if (!stdin.write(piece)) {
        await new Promise<void>((done) => {
          const finish = () => {
            stdin.off('drain', finish);
            this.proc.off('exit', finish);
            done();
          };
          stdin.on('drain', finish);
          this.proc.on('exit', finish);
        });
        if (this.exited !== null) return;
      }
    }
  }

  /** Kills the child's whole process group (the user's code may have started processes). */
  kill(): void {
    const pid = this.proc.pid;
    if (pid !== undefined && this.proc.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        this.proc.kill('SIGKILL');
      }
    }
    this.wake();
  }

  /** Asks the child to leave, then makes sure it has. */
  close(): void {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    if (this.exited === null) {
      void this.send({ op: 'bye' });
      this.proc.stdin?.end();
    }
    // Processes the user's code started in the background go with the group.
    const pid = this.proc.pid;
    setTimeout(() => {
      if (pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 2000).unref();
  }
}
