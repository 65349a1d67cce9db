/** A small, strict command-line option parser (no dependency): `--opt value`, `--opt=value`, `-o value`. */
import { quoteText } from '../fixture/quote';

export class UsageError extends Error {}

export interface OptSpec {
  /** Long name without dashes, e.g. `n-x`; also the key in the result. */
  name: string;
  /** Other spellings with their dashes, e.g. `-o`, `-T`. */
  aliases?: string[];
  type: 'string' | 'number' | 'int' | 'flag';
  /** For `int`: smallest accepted value (default 1). */
  min?: number;
  /** For `string`: accepted values. */
  choices?: string[];
}

export interface ParsedArgs {
  opts: Record<string, string | number | boolean | undefined>;
  positionals: string[];
}

function parseValue(spec: OptSpec, flag: string, raw: string): string | number {
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`${flag} must be one of ${spec.choices.join(', ')}, got ${quoteText(raw)}`);
    }
    return raw;
  }
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(v)) throw new UsageError(`${flag} expects a number, got ${quoteText(raw)}`);
  if (spec.type === 'int') {
    const min = spec.min ?? 1;
    if (!Number.isInteger(v) || v < min || v > Number.MAX_SAFE_INTEGER) {
      throw new UsageError(`${flag} expects an integer ≥ ${min}, got ${quoteText(raw)}`);
    }
  }
  return v;
}

export function parseArgs(argv: readonly string[], specs: readonly OptSpec[]): ParsedArgs {
  const byFlag = new Map<string, OptSpec>();
  for (const s of specs) {
    byFlag.set(`--${s.name}`, s);
    for (const a of s.aliases ?? []) byFlag.set(a, s);
  }
  const opts: ParsedArgs['opts'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = byFlag.get(flag);
    if (!spec) {
      const known = [...byFlag.keys()].filter((k) => k.startsWith('--'));
      throw new UsageError(`unknown option ${quoteText(flag)}${known.length ? ` (options: ${known.join(', ')})` : ''}`);
    }
    if (spec.type === 'flag') {
      if (eq >= 0) throw new UsageError(`${flag} takes no value`);
      opts[spec.name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
      raw = argv[++i]!;
    }
    if (opts[spec.name] !== undefined) throw new UsageError(`${flag} given twice`);
    opts[spec.name] = parseValue(spec, flag, raw);
  }
  return { opts, positionals };
}
