/**
 * The thread that evaluates Watch / Debug Console / hover expressions and breakpoint conditions
 * with mathjs, sandboxed as mathjs's security guide says: a private `evaluate` is kept, then the
 * functions that reach the parser or change the instance are replaced by ones that refuse
 * (`import`, `createUnit`, `reviver`, `evaluate`, `parse`, `simplify`, `derivative`, `resolve`),
 * and the functions that allocate by a size the expression chooses refuse sizes above a cell limit.
 * The host (evalSandbox.ts) kills this thread when it runs too long or out of memory.
 */
import { parentPort } from 'node:worker_threads';
import { all, create, type MathJsInstance, type MathNode, type Matrix } from 'mathjs';
import { MAX_RESULT_CELLS, MAX_RESULT_TEXT, NOT_AT_THIS_STEP, type EvalReply, type EvalRequest, type EvalValue, type ScopeTensor } from './evalProtocol';

const math: MathJsInstance = create(all, {});
const limitedEvaluate = math.evaluate;
const privateParse = math.parse;

function refuse(name: string) {
  return () => {
    throw new Error(`${name} is disabled in RNN Stepper expressions`);
  };
}

/** Number of cells a size argument list asks for (numbers, arrays or matrices of numbers). */
function cellsAsked(args: unknown[]): number {
  const dims: number[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'number') dims.push(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (math.isMatrix(v)) add(v.toArray());
    else if (math.isBigNumber(v)) dims.push(v.toNumber());
  };
  args.forEach(add);
  return dims.reduce((p, d) => p * Math.max(0, d), 1);
}

function bounded(name: 'zeros' | 'ones' | 'identity' | 'random' | 'randomInt' | 'resize') {
  const original = math[name];
  return (...args: unknown[]): unknown => {
    // random(min, max) and randomInt(min, max) take plain numbers as bounds, not a size.
    const sizeArgs = name === 'random' || name === 'randomInt' ? args.filter((a) => typeof a !== 'number') : name === 'resize' ? args.slice(1, 2) : args;
    const n = cellsAsked(sizeArgs);
    if (!(n <= MAX_RESULT_CELLS)) throw new Error(`${name} would make ${n.toExponential(2)} cells; the limit is ${MAX_RESULT_CELLS}`);
    return Reflect.apply(original, math, args);
  };
}

/**
 * `range` bounded in size. Its expression form (`1:3`, `A[3, :]`: both ends included) is mathjs's
 * transform of it, which an imported function replaces unless it brings its own: the bounded one
 * carries the bounded transform, or every `:` in a Watch would drop its last element.
 */
function boundedRange() {
  const check = (args: unknown[]) => {
    const nums = args.filter((a): a is number => typeof a === 'number');
    if (nums.length >= 2) {
      const step = Math.abs(nums[2] ?? 1) || 1;
      const n = Math.abs((nums[1] ?? 0) - (nums[0] ?? 0)) / step;
      if (!(n <= MAX_RESULT_CELLS)) throw new Error(`range would make ${n.toExponential(2)} cells; the limit is ${MAX_RESULT_CELLS}`);
    }
    if (args.some((a) => typeof a === 'string')) throw new Error('range with a string is disabled; use range(start, end[, step])');
  };
  const original = math.range;
  // (mathjs's types do not list math.expression.transform, the parser's functions by name)
  const transforms: unknown = Reflect.get(math.expression, 'transform');
  const originalTransform: unknown = typeof transforms === 'object' && transforms !== null ? Reflect.get(transforms, 'range') : undefined;
  if (typeof originalTransform !== 'function') throw new Error('mathjs has no range transform: the sandbox needs updating');
  const range = (...args: unknown[]): unknown => {
    check(args);
    return Reflect.apply(original, math, args);
  };
  const transform = (...args: unknown[]): unknown => {
    check(args);
    return Reflect.apply(originalTransform, math, args);
  };
  return Object.assign(range, { transform });
}

// `phase == "backward"`: mathjs compares strings as numbers; give == and != the text meaning
// (typed-function signatures merge with the built-in ones).
math.import({
  equal: math.typed('equal', { 'string, string': (a: string, b: string) => a === b }),
  unequal: math.typed('unequal', { 'string, string': (a: string, b: string) => a !== b }),
});

/**
 * Σ v² over nested arrays of plain numbers, in row-major order (mathjs's `forEach` order), or
 * undefined when a cell is anything else (a complex number, a BigNumber, a string).
 */
function sumOfSquares(x: unknown): number | undefined {
  let sum = 0;
  const add = (v: unknown): boolean => {
    if (!Array.isArray(v)) {
      if (typeof v !== 'number') return false;
      sum += v * v;
      return true;
    }
    for (const w of v) if (!add(w)) return false;
    return true;
  };
  return add(x) ? sum : undefined;
}

/**
 * NumPy's default: `norm(A)` of a matrix is the Frobenius norm (mathjs's p = 2 needs a square
 * matrix). Of plain numbers it is summed here, in mathjs's own order (so bit for bit its 'fro'
 * value): mathjs adds through typed functions cell by cell, ~2 ms for a (256, 32) `da_next`
 * where this takes ~0.05 ms, and `norm(da_next)` is the Watch a debugger of an RNN keeps open.
 */
function frobeniusByDefault() {
  const original = math.norm;
  return (...args: unknown[]): unknown => {
    const [x] = args;
    const fro = args.length === 1 || args[1] === 'fro';
    if (fro && (math.isMatrix(x) || Array.isArray(x))) {
      const sum = sumOfSquares(math.isMatrix(x) ? x.valueOf() : x);
      if (sum !== undefined) return Math.sqrt(sum);
      return Reflect.apply(original, math, [x, 'fro']);
    }
    return Reflect.apply(original, math, args);
  };
}

math.import(
  {
    norm: frobeniusByDefault(),
    import: refuse('import'),
    createUnit: refuse('createUnit'),
    reviver: refuse('reviver'),
    evaluate: refuse('evaluate'),
    parse: refuse('parse'),
    simplify: refuse('simplify'),
    derivative: refuse('derivative'),
    resolve: refuse('resolve'),
    zeros: bounded('zeros'),
    ones: bounded('ones'),
    identity: bounded('identity'),
    random: bounded('random'),
    randomInt: bounded('randomInt'),
    resize: bounded('resize'),
    range: boundedRange(),
  },
  { override: true },
);

function toMatrix(t: ScopeTensor) {
  const rows: number[][] = [];
  for (let i = 0; i < t.rows; i++) rows.push(Array.from(t.data.subarray(i * t.cols, (i + 1) * t.cols)));
  return math.matrix(rows);
}

/** Size of a nested array (mathjs's size() also accepts matrices, so its type is wider). */
function arraySize(a: unknown): number[] {
  const out: number[] = [];
  for (let x = a; Array.isArray(x); x = x[0]) out.push(x.length);
  return out;
}

function toValue(v: unknown): EvalValue {
  if (typeof v === 'number') return { kind: 'number', value: v };
  if (typeof v === 'boolean') return { kind: 'text', text: String(v) };
  if (typeof v === 'string') {
    if (v.length > MAX_RESULT_TEXT) throw new Error(`the result is a string of ${v.length} characters; the limit is ${MAX_RESULT_TEXT}`);
    return { kind: 'text', text: JSON.stringify(v) };
  }
  if (math.isMatrix(v) || Array.isArray(v)) {
    const arr = math.isMatrix(v) ? v.toArray() : v;
    const size: number[] = math.isMatrix(v) ? v.size() : arraySize(arr);
    const cells = size.reduce((p, d) => p * d, 1);
    if (cells > MAX_RESULT_CELLS) throw new Error(`the result has ${cells} cells; the limit is ${MAX_RESULT_CELLS}`);
    const flat: unknown[] = math.flatten(arr);
    if (size.length <= 2 && flat.every((x) => typeof x === 'number')) {
      const rows = size.length === 2 ? (size[0] ?? 0) : 1;
      const cols = size.length === 2 ? (size[1] ?? 0) : (size[0] ?? 0);
      return { kind: 'tensor', rows, cols, data: Float64Array.from(flat, Number) };
    }
  }
  if (v === undefined || v === null) return { kind: 'text', text: String(v) };
  if (typeof v === 'function') return { kind: 'text', text: `function ${v.name || ''}`.trim() };
  const text = math.format(v, { precision: 17 });
  if (text.length > MAX_RESULT_TEXT) throw new Error(`the result is ${text.length} characters long; the limit is ${MAX_RESULT_TEXT}`);
  return { kind: 'text', text };
}

/**
 * The current stop's tensors as mathjs matrices, converted once per stop. An expression that
 * assigns (`a_next[1, 1] = 0` writes into the matrix) gets copies, so the stop's values stay.
 */
let held: { stop: string; values: Map<string, Matrix> } = { stop: '', values: new Map() };

function hasAssignment(node: MathNode): boolean {
  return node.filter((n) => math.isAssignmentNode(n)).length > 0;
}

function run(req: EvalRequest): EvalReply {
  try {
    if (held.stop !== req.stop) held = { stop: req.stop, values: new Map() };
    const scope: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(req.scope)) {
      if (typeof v === 'object') held.values.set(k, toMatrix(v));
      else scope[k] = v;
    }
    const node = privateParse(req.expression);
    const copy = hasAssignment(node);
    for (const k of [...req.held, ...Object.keys(req.scope)]) {
      const m = held.values.get(k);
      if (m) scope[k] = copy ? m.clone() : m;
    }
    if (req.absent.length > 0) {
      // A symbol used as a value (not as a function name: `dot(a, b)` is mathjs's dot).
      node.traverse((n, path, parent) => {
        if (math.isSymbolNode(n) && req.absent.includes(n.name) && !(math.isFunctionNode(parent) && path === 'fn'))
          throw new Error(`${NOT_AT_THIS_STEP} ${n.name} belongs to another phase of the run`);
      });
    }
    let result = limitedEvaluate(req.expression, scope);
    // A multi-line expression gives a ResultSet: its last value is what the user asked for.
    if (result && typeof result === 'object' && 'entries' in result && Array.isArray(result.entries)) result = result.entries.at(-1);
    return { id: req.id, ok: true, value: toValue(result) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { id: req.id, ok: false, error: msg.length > 500 ? `${msg.slice(0, 500)}…` : msg };
  }
}

parentPort?.on('message', (req: EvalRequest) => {
  parentPort?.postMessage(run(req));
});
// mathjs is loaded: the host starts its clocks from here, not from a cold start.
parentPort?.postMessage({ ready: true });
