/** Which job a thread of the worker bundle was started for (its `workerData`). */
import type { DaThreadData } from './stagedLoad';
import type { ParseThreadData } from './threads';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function isParseThreadData(v: unknown): v is ParseThreadData {
  return isObj(v) && v.role === 'parse' && typeof v.path === 'string' && typeof v.maxBytes === 'number';
}

export function isDaThreadData(v: unknown): v is DaThreadData {
  return isObj(v) && v.role === 'da' && typeof v.path === 'string' && isObj(v.deferred) && isObj(v.first);
}
