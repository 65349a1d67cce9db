// The timeline runtime in plain Node: moves, waiting for steps still being computed, breakpoints
// (step, condition, hit counts), the non-finite filter, superseded commands and events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline, parseHitCondition, type StopEvent } from '../../src/session/timeline';
import { cursorAt, indexOf, reachableMax } from '../../src/session/timelineIndex';

const span = { T_x: 4, T_b: 3 }; // indices: 0..3 forward, 4..6 backward t=2..0, 7 totals
const all = { forwardDone: 4, backwardDone: 3, finished: true };

function computed(pred?: (c: string, at: { phase: string; t: number }) => boolean) {
  const tl = new Timeline(span, pred);
  tl.setReach(all);
  const stops: StopEvent[] = [];
  tl.on('stopped', (e) => stops.push(e));
  return { tl, stops };
}

test('index arithmetic: forward, backward back in time, totals', () => {
  assert.deepEqual(cursorAt(span, 0), { phase: 'forward', t: 0 });
  assert.deepEqual(cursorAt(span, 4), { phase: 'backward', t: 2 });
  assert.deepEqual(cursorAt(span, 6), { phase: 'backward', t: 0 });
  assert.deepEqual(cursorAt(span, 7), { phase: 'totals', t: 0 });
  for (let i = 0; i < 8; i++) assert.equal(indexOf(span, cursorAt(span, i)), i);
  assert.equal(reachableMax(span, { forwardDone: 2, backwardDone: 0, finished: false }), 1);
  assert.equal(reachableMax(span, { forwardDone: 4, backwardDone: 1, finished: false }), 4);
  assert.equal(reachableMax(span, { forwardDone: 4, backwardDone: 3, finished: false }), 6);
  assert.equal(reachableMax(span, all), 7);
});

test('step forward and back, with entry/end at the ends and one event per move', async () => {
  const { tl, stops } = computed();
  assert.equal((await tl.step(true))?.reason, 'entry');
  assert.equal(tl.position, 0);
  for (let i = 1; i <= 7; i++) assert.equal((await tl.step())?.index, i);
  assert.deepEqual(tl.cursor, { phase: 'totals', t: 0 });
  const end = await tl.step();
  assert.equal(end?.reason, 'end');
  assert.equal(tl.position, 7);
  assert.equal((await tl.step(true))?.cursor.t, 0); // backward t = 0 is just before the totals
  assert.equal(stops.length, 10);
  assert.deepEqual(
    stops.slice(1, 8).map((s) => s.reason),
    Array(7).fill('step'),
  );
});

test('a step not computed yet is waited for; a later command supersedes the wait', async () => {
  const tl = new Timeline(span);
  tl.setReach({ forwardDone: 1, backwardDone: 0, finished: false });
  const stops: StopEvent[] = [];
  tl.on('stopped', (e) => stops.push(e));
  let settled = false;
  const p = tl.step().then((e) => ((settled = true), e));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'forward t=1 is not computed: the step waits');
  assert.equal(tl.position, 0);
  tl.setReach({ forwardDone: 2, backwardDone: 0, finished: false });
  const e = await p;
  assert.equal(e?.index, 1);
  assert.equal(e?.reason, 'step');

  const waiting = tl.seek(6);
  const paused = await tl.pause();
  assert.equal(paused?.reason, 'pause');
  tl.setReach(all);
  assert.equal(await waiting, undefined, 'the superseded seek settles without an event');
  assert.equal(tl.position, 1);
  assert.deepEqual(stops.map((s) => s.reason), ['step', 'pause']);
});

test('a run that fails stops a waiting move at the last computed step with the error', async () => {
  const tl = new Timeline(span);
  tl.setReach({ forwardDone: 2, backwardDone: 0, finished: false });
  const p = tl.continue();
  tl.setReach({ forwardDone: 3, backwardDone: 0, finished: false, error: 'x[0][0][3] is not a number' });
  const e = await p;
  assert.equal(e?.reason, 'exception');
  assert.equal(e?.index, 2);
  assert.match(e?.description ?? '', /x\[0\]\[0\]\[3\]/);
});

test('continue and reverse continue stop at step breakpoints, else at the ends', async () => {
  const { tl } = computed();
  tl.toggleStepBreakpoint({ phase: 'forward', t: 2 });
  tl.toggleStepBreakpoint({ phase: 'backward', t: 1 });
  let e = await tl.continue();
  assert.deepEqual([e?.reason, e?.cursor], ['breakpoint', { phase: 'forward', t: 2 }]);
  e = await tl.continue();
  assert.deepEqual([e?.reason, e?.cursor], ['breakpoint', { phase: 'backward', t: 1 }]);
  e = await tl.continue();
  assert.deepEqual([e?.reason, e?.index], ['end', 7]);
  e = await tl.continue(true);
  assert.deepEqual(e?.cursor, { phase: 'backward', t: 1 });
  e = await tl.continue(true);
  assert.deepEqual(e?.cursor, { phase: 'forward', t: 2 });
  e = await tl.continue(true);
  assert.deepEqual([e?.reason, e?.index], ['entry', 0]);
  assert.equal(tl.toggleStepBreakpoint({ phase: 'forward', t: 2 }), false, 'toggling again removes it');
  assert.equal(tl.breakpoints.length, 1);
});

test('continue waits for steps as they are computed and stops at a breakpoint among them', async () => {
  const tl = new Timeline(span);
  tl.setReach({ forwardDone: 1, backwardDone: 0, finished: false });
  tl.toggleStepBreakpoint({ phase: 'backward', t: 2 });
  const p = tl.continue();
  for (let f = 2; f <= 4; f++) {
    await new Promise((r) => setImmediate(r));
    tl.setReach({ forwardDone: f, backwardDone: 0, finished: false });
  }
  tl.setReach({ forwardDone: 4, backwardDone: 1, finished: false });
  const e = await p;
  assert.deepEqual([e?.reason, e?.index], ['breakpoint', 4]);
});

test('condition breakpoints ask the predicate at each step; errors stop with the message', async () => {
  const asked: string[] = [];
  const { tl } = computed((cond, at) => {
    asked.push(`${at.phase}:${at.t}`);
    if (cond === 'boom') throw new Error('Undefined symbol boom');
    return cond === 't == 3' && at.phase === 'forward' && at.t === 2;
  });
  const [bp] = tl.setConditionBreakpoints([{ condition: 't == 3' }]);
  let e = await tl.continue();
  assert.deepEqual([e?.reason, e?.index, e?.breakpointIds], ['breakpoint', 2, [bp?.id]]);
  assert.match(e?.description ?? '', /t == 3/);
  assert.deepEqual(asked, ['forward:1', 'forward:2']);
  tl.setConditionBreakpoints([{ condition: 'boom' }]);
  e = await tl.continue();
  assert.equal(e?.reason, 'exception');
  assert.equal(e?.index, 3);
  assert.match(e?.description ?? '', /boom.*Undefined symbol boom/);
});

test('hit conditions: the N-th hit, every N-th, >= N; restart clears the counts', async () => {
  const { tl } = computed(() => true); // a condition true at every step
  const [bp] = tl.setConditionBreakpoints([{ condition: 'true', hitCondition: '3' }]);
  let e = await tl.continue();
  assert.equal(e?.index, 3, 'third step after the start');
  assert.equal(tl.breakpoints.find((b) => b.id === bp?.id)?.hits, 3);
  e = await tl.continue();
  assert.equal(e?.reason, 'end', 'hit 3 happened already: no more stops');
  await tl.restart();
  tl.setConditionBreakpoints([{ condition: 'true', hitCondition: '% 2' }]);
  const idx: number[] = [];
  for (let k = 0; k < 3; k++) idx.push((await tl.continue())?.index ?? -1);
  assert.deepEqual(idx, [2, 4, 6]);
  const [bad] = tl.setConditionBreakpoints([{ condition: 'true', hitCondition: 'often' }]);
  assert.equal(bad?.verified, false);
  assert.match(bad?.message ?? '', /often/);
  assert.equal(parseHitCondition('>= 4')?.(4), true);
  assert.equal(parseHitCondition('> 4')?.(4), false);
  assert.equal(parseHitCondition('% 0'), undefined);
});

test('the non-finite filter stops a continue at the first step that produced one', async () => {
  const { tl } = computed();
  tl.setReach({ ...all, firstNonFinite: { cursor: { phase: 'forward', t: 2 }, tensor: 'a_next' } });
  let e = await tl.continue();
  assert.equal(e?.reason, 'end', 'filter off: no stop');
  await tl.restart();
  tl.breakOnNonFinite = true;
  e = await tl.continue();
  assert.deepEqual([e?.reason, e?.index], ['exception', 2]);
  assert.match(e?.description ?? '', /a_next at forward t=3/);
});

test('stepPhase moves between phases; seek validates; reset keeps breakpoints and re-verifies', async () => {
  const { tl } = computed();
  await tl.seek(2);
  assert.equal((await tl.stepPhase())?.index, 4);
  assert.equal((await tl.stepPhase())?.index, 7);
  assert.equal((await tl.stepPhase(true))?.index, 4);
  await tl.seek(5);
  assert.equal((await tl.stepPhase(true))?.index, 4, 'first to the start of this phase');
  assert.equal((await tl.stepPhase(true))?.index, 0);
  assert.equal((await tl.seek({ phase: 'backward', t: 9 }))?.description, 'No such step in this run.');
  assert.equal((await tl.seek({ phase: 'backward', t: 0 }))?.index, 6);
  tl.toggleStepBreakpoint({ phase: 'backward', t: 2 });
  const changes: number[] = [];
  tl.on('breakpoints', (b) => changes.push(b.length));
  tl.reset({ T_x: 4, T_b: 2 });
  assert.equal(tl.breakpoints[0]?.verified, false);
  assert.equal(tl.position, 6, 'cursor clamped into the new run');
  assert.deepEqual(changes, [1]);
});
