// Step requests to the worker (src/session/stepQueue.ts): the step at the cursor goes before the
// prefetches queued for the place the user left, then the nearest first; never more than `slots`
// at the worker; every request is answered, or dropped unsent (undefined) once the cursor is more
// than STALE_DISTANCE away (seen failing before the drop: the prefetches of the place the user left
// were all sent to the worker, each a ~6 MB backward payload for the panel's channel).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STALE_DISTANCE, StepQueue } from '../../src/session/stepQueue';

/** A worker that answers only when told to (one deferred per request, in the order received). */
function fakeWorker() {
  const received: number[] = [];
  const answers: (() => void)[] = [];
  const send = (i: number) => () =>
    new Promise<number>((res) => {
      received.push(i);
      answers.push(() => res(i));
    });
  const answerNext = async () => {
    answers.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { received, send, answerNext, inFlight: () => answers.length };
}

test('a jump: the new cursor step overtakes the prefetches of the old place, then the nearest go first', async () => {
  let cursor = 10;
  const q = new StepQueue(1, () => cursor);
  const w = fakeWorker();
  const replies: Promise<number | undefined>[] = [];
  for (const i of [10, 11, 9, 12, 13]) replies.push(q.add(i, w.send(i))); // prefetch around 10
  assert.deepEqual(w.received, [10]);
  cursor = 40; // the user jumps, not far
  for (const i of [40, 41, 39]) replies.push(q.add(i, w.send(i)));
  for (let k = 0; k < 8; k++) await w.answerNext();
  assert.deepEqual(w.received, [10, 40, 41, 39, 13, 12, 11, 9]);
  assert.deepEqual(await Promise.all(replies), [10, 11, 9, 12, 13, 40, 41, 39]);
  assert.equal(q.queued, 0);
});

test('a jump far away: the prefetches still waiting for the old place are dropped unsent', async () => {
  let cursor = 10;
  const q = new StepQueue(1, () => cursor);
  const w = fakeWorker();
  const replies: Promise<number | undefined>[] = [];
  for (const i of [10, 11, 9, 12, 13]) replies.push(q.add(i, w.send(i)));
  cursor = 10 + STALE_DISTANCE + 2; // 11 is STALE_DISTANCE + 1 away, 12 and 13 within it
  for (const i of [cursor, cursor - 10]) replies.push(q.add(i, w.send(i)));
  for (let k = 0; k < 8; k++) await w.answerNext();
  assert.deepEqual(w.received, [10, cursor, cursor - 10, 13, 12]);
  assert.deepEqual(await Promise.all(replies), [10, undefined, undefined, 12, 13, cursor, cursor - 10]);
  assert.equal(q.queued, 0);
});

test('never more than `slots` requests at the worker', async () => {
  const q = new StepQueue(2, () => 0);
  const w = fakeWorker();
  const all = [0, 1, 2, 3, 4].map((i) => q.add(i, w.send(i)));
  assert.equal(w.inFlight(), 2);
  assert.equal(q.queued, 3);
  for (let k = 0; k < 5; k++) {
    assert.ok(w.inFlight() <= 2);
    await w.answerNext();
  }
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4]);
});

test('a failed request frees its slot and rejects only its own caller', async () => {
  const q = new StepQueue(1, () => 0);
  const bad = q.add(0, () => Promise.reject(new Error('worker gone')));
  const good = q.add(1, () => Promise.resolve(1));
  await assert.rejects(bad, /worker gone/);
  assert.equal(await good, 1);
});
