/**
 * Which Python runs the user's code: `rnnStepper.pythonPath` when set, else the interpreter the
 * Python extension (ms-python.python) has selected for the file, else `python3` on PATH (`python`
 * on Windows). Each candidate is asked, with a time limit, whether it can import NumPy; the first
 * that can is used. The Python extension's API is read defensively: it changed shape over the
 * years (`environments.getActiveEnvironmentPath`, before that `settings.getExecutionDetails`).
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { log } from '../log';

export interface PythonFound {
  ok: true;
  python: string;
  numpy: string;
  /** Where it came from, for the log: `setting`, `Python extension`, `PATH`. */
  from: string;
}
export interface PythonMissing {
  ok: false;
  /** One clear line: what was tried and what is missing. */
  message: string;
}

const PROBE_TIMEOUT_MS = 30_000;
const PROBE = 'import sys, numpy; print(numpy.__version__)';

type Probe = { numpy: string } | { error: string };

function probe(python: string): Promise<Probe> {
  return new Promise((resolve) => {
    execFile(python, ['-c', PROBE], { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve({ numpy: stdout.trim() });
      const code = Reflect.get(err, 'code');
      if (code === 'ENOENT') return resolve({ error: 'not found' });
      if (err.killed) return resolve({ error: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` });
      resolve({ error: /No module named '?numpy/.test(stderr) ? 'has no NumPy' : (stderr.trim().split('\n').pop() ?? err.message) });
    });
  });
}

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? Reflect.get(o, key) : undefined;
}

async function withTimeout<T>(p: Thenable<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([Promise.resolve(p), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The Python extension's selected interpreter for `resource`, when it is installed and says one. */
export async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (!ext) return undefined;
  try {
    const api: unknown = ext.isActive ? ext.exports : await withTimeout(ext.activate(), 15_000);
    const environments = field(api, 'environments');
    const getActive = field(environments, 'getActiveEnvironmentPath');
    if (typeof getActive === 'function') {
      const env: unknown = getActive.call(environments, resource);
      const p = field(env, 'path');
      if (typeof p === 'string' && p) return p;
    }
    const settings = field(api, 'settings');
    const getDetails = field(settings, 'getExecutionDetails');
    if (typeof getDetails === 'function') {
      const cmd = field(getDetails.call(settings, resource), 'execCommand');
      if (Array.isArray(cmd) && typeof cmd[0] === 'string' && cmd[0]) return cmd[0];
    }
  } catch (e) {
    log().warn(`The Python extension did not say its interpreter: ${e instanceof Error ? e.message : String(e)}`);
  }
  return undefined;
}

/** The first candidate that imports NumPy, or one line saying what each candidate lacked. */
export async function findPython(resource: vscode.Uri | undefined): Promise<PythonFound | PythonMissing> {
  const setting = vscode.workspace.getConfiguration('rnnStepper', resource).get<string>('pythonPath', '').trim();
  const candidates: { python: string; from: string }[] = [];
  if (setting) candidates.push({ python: setting, from: 'setting rnnStepper.pythonPath' });
  else {
    const fromExt = await pythonExtensionInterpreter(resource);
    if (fromExt) candidates.push({ python: fromExt, from: 'the Python extension' });
    candidates.push({ python: process.platform === 'win32' ? 'python' : 'python3', from: 'PATH' });
  }
  const tried: string[] = [];
  for (const c of candidates) {
    const r = await probe(c.python);
    if ('numpy' in r) return { ok: true, python: c.python, numpy: r.numpy, from: c.from };
    tried.push(`${c.python} (${c.from}): ${r.error}`);
  }
  return { ok: false, message: `No Python with NumPy found: ${tried.join('; ')}.` };
}
