/**
 * The few host facilities the engine uses that every runtime it runs in (Node, worker threads,
 * browsers) provides but the ES library does not declare: typed here and read from globalThis,
 * so the engine compiles without the DOM's or Node's types (src/engine/tsconfig.json).
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** The part of the `WebAssembly` namespace the kernels need. */
export interface WasmApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  Instance: new (module: object, imports: { env: { memory: WasmMemory } }) => { exports: object };
}

/** A global of the runtime, unknown until checked (the ES library types none of these). */
const global = (name: string): unknown => Reflect.get(globalThis, name);

function isWasmApi(v: unknown): v is WasmApi {
  return typeof v === 'object' && v !== null && ['validate', 'Module', 'Memory', 'Instance'].every((k) => typeof Reflect.get(v, k) === 'function');
}

/** The runtime's WebAssembly, when it has one. */
export function wasmApi(): WasmApi | undefined {
  const w = global('WebAssembly');
  return isWasmApi(w) ? w : undefined;
}

/** Base64 → bytes (every runtime the engine runs in has `atob`). */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const atob = global('atob');
  if (typeof atob !== 'function') throw new Error('this runtime has no atob');
  const bin: unknown = atob(b64);
  if (typeof bin !== 'string') throw new Error('atob did not return a string');
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A monotonic clock in ms where there is one (`performance.now`), else the wall clock. */
export const now: () => number = (() => {
  const p = global('performance');
  const f = typeof p === 'object' && p !== null ? Reflect.get(p, 'now') : undefined;
  return typeof f === 'function' ? () => Number(Reflect.apply(f, p, [])) : () => Date.now();
})();
