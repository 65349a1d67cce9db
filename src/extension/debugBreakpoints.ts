/**
 * The Step RNN panel's step breakpoints are the debug session's breakpoints: while an `rnn`
 * session debugs a fixture whose panel is open, the panel's step breakpoints and VS Code's
 * function breakpoints named like steps (`forward t=3`, `backward t=2`, `totals`; see
 * src/debug/stepNames.ts) are one set. A breakpoint toggled in the panel appears in the
 * Breakpoints view (and VS Code hands it to the adapter); one added there, or by the session,
 * appears in the panel and stops the panel's Continue. Each side is only changed when the sets
 * differ, so a change settles after one round.
 */
import * as vscode from 'vscode';
import { parseStepName, stepName } from '../debug/stepNames';
import type { Timeline } from '../session/timeline';
import type { Cursor } from '../session/timelineIndex';

const key = (c: Cursor): string => `${c.phase}:${c.t}`;

/** VS Code's enabled, unconditional function breakpoints that name a step, by step key. */
function vscodeSteps(): Map<string, { cursor: Cursor; bp: vscode.FunctionBreakpoint }> {
  const out = new Map<string, { cursor: Cursor; bp: vscode.FunctionBreakpoint }>();
  for (const bp of vscode.debug.breakpoints) {
    if (!(bp instanceof vscode.FunctionBreakpoint) || !bp.enabled || bp.condition || bp.hitCondition) continue;
    const cursor = parseStepName(bp.functionName);
    if (cursor) out.set(key(cursor), { cursor, bp });
  }
  return out;
}

function panelSteps(tl: Timeline): Map<string, Cursor> {
  const out = new Map<string, Cursor>();
  for (const b of tl.breakpoints) if (b.cursor && !b.hitCondition) out.set(key(b.cursor), b.cursor);
  return out;
}

const sameKeys = (a: Map<string, unknown>, b: Map<string, unknown>): boolean => a.size === b.size && [...a.keys()].every((k) => b.has(k));

/** One panel timeline linked with VS Code's breakpoints (from a session's start to its end). */
export class BreakpointLink implements vscode.Disposable {
  private readonly subs: (() => void)[] = [];

  constructor(readonly timeline: Timeline) {
    // At the start both sides keep what they had: the union.
    const mine = panelSteps(timeline);
    const theirs = vscodeSteps();
    const union = new Map<string, Cursor>(mine);
    for (const [k, v] of theirs) union.set(k, v.cursor);
    if (!sameKeys(union, mine)) timeline.setStepBreakpoints([...union.values()].map((cursor) => ({ cursor })));
    this.toVscode();
    this.subs.push(timeline.on('breakpoints', () => this.toVscode()));
    const d = vscode.debug.onDidChangeBreakpoints(() => this.fromVscode());
    this.subs.push(() => d.dispose());
  }

  /** The panel's set changed: add and remove VS Code breakpoints to match. */
  private toVscode(): void {
    const mine = panelSteps(this.timeline);
    const theirs = vscodeSteps();
    const add = [...mine].filter(([k]) => !theirs.has(k)).map(([, c]) => new vscode.FunctionBreakpoint(stepName(c)));
    const remove = [...theirs].filter(([k]) => !mine.has(k)).map(([, v]) => v.bp);
    if (add.length) vscode.debug.addBreakpoints(add);
    if (remove.length) vscode.debug.removeBreakpoints(remove);
  }

  /** VS Code's set changed (Breakpoints view, the panel's own change coming back): the panel follows. */
  private fromVscode(): void {
    const theirs = vscodeSteps();
    if (sameKeys(theirs, panelSteps(this.timeline))) return;
    this.timeline.setStepBreakpoints([...theirs.values()].map((v) => ({ cursor: v.cursor })));
  }

  dispose(): void {
    for (const u of this.subs.splice(0)) u();
  }
}
