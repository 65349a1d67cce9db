/**
 * DAP hit conditions (`5`, `== 5`, `>= 5`, `> 5`, `< 5`, `<= 5`, `% 3`) as tests on a breakpoint's
 * hit count: the timeline's breakpoints (panel and debug client alike) are decided here.
 */

type HitTest = (hits: number) => boolean;

/** A DAP hit condition as a test on the hit count, or undefined when it does not parse. */
export function parseHitCondition(text: string): HitTest | undefined {
  const m = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  switch (m[1]) {
    case undefined:
    case '==':
      return (h) => h === n;
    case '>=':
      return (h) => h >= n;
    case '>':
      return (h) => h > n;
    case '<=':
      return (h) => h <= n;
    case '<':
      return (h) => h < n;
    case '%':
      return n === 0 ? undefined : (h) => h % n === 0;
  }
  return undefined;
}

/** Whether a breakpoint with this hit condition stops at its `hits`-th hit (no condition: always). */
export function hitReached(cond: string | undefined, hits: number): boolean {
  if (cond === undefined) return true;
  const test = parseHitCondition(cond);
  return test ? test(hits) : false;
}
