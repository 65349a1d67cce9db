// Step requests to the worker (src/session/stepQueue.ts): the step at the cursor goes before the
// prefetches queued for the place the user left, then the nearest first; never more than `slots`
// at the worker; every request is answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StepQueue } from '../../src/session/stepQueue';

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
  const replies: Promise<number>[] = [];
  for (const i of [10, 11, 9, 12, 13]) replies.push(q.add(i, w.send(i))); // prefetch around 10
  assert.deepEqual(w.received, [10]);
  cursor = 500; // the user jumps
  for (const i of [500, 501, 499]) replies.push(q.add(i, w.send(i)));
  for (let k = 0; k < 8; k++) await w.answerNext();
  assert.deepEqual(w.received, [10, 500, 501, 499, 13, 12, 11, 9]);
  assert.deepEqual(await Promise.all(replies), [10, 11, 9, 12, 13, 500, 501, 499]);
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
