// The one request/reply helper (src/protocol/requests.ts) used host ⇄ worker and webview ⇄ host.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RequestClient, RequestTracker, type Timers } from '../../src/protocol/requests';

type Reply = { id: number; ok?: string; error?: string };

/** Timers run by hand. */
function manualTimers(): Timers & { fire(): void; live(): number } {
  let due: { f: () => void; on: boolean }[] = [];
  return {
    after(_ms, f) {
      const t = { f, on: true };
      due.push(t);
      return { cancel: () => void (t.on = false) };
    },
    fire() {
      const now = due;
      due = [];
      for (const t of now) if (t.on) t.f();
    },
    live: () => due.filter((t) => t.on).length,
  };
}

describe('RequestTracker', () => {
  it('gives growing ids, matches each reply once, forgets dropped requests, measures age', () => {
    let now = 100;
    const t = new RequestTracker<string>(() => now);
    const a = t.begin('a'), b = t.begin('b');
    assert.ok(b > a && t.nextId > b);
    now = 130;
    assert.equal(t.age(a), 30);
    assert.deepEqual(t.take(b), { meta: 'b', sentAt: 100 });
    assert.equal(t.take(b), undefined, 'a second reply with the same id matches nothing');
    t.drop(a);
    assert.equal(t.take(a), undefined, 'a dropped request is unknown');
    assert.equal(t.age(a), Infinity);
    assert.equal(t.take(999), undefined);
    t.begin('c');
    t.begin('d');
    assert.deepEqual(t.takeAll().map(([, o]) => o.meta), ['c', 'd']);
    assert.equal(t.size, 0);
  });
});

describe('RequestClient', () => {
  function client(timers?: Timers) {
    const sent: [string, number][] = [];
    const c = new RequestClient<string, Reply>((req, id) => sent.push([req, id]), (id, why) => ({ id, error: why }), timers);
    return { c, sent };
  }

  it('resolves each request with the reply of its own id, whatever the order', async () => {
    const { c, sent } = client();
    const one = c.request('one'), two = c.request('two');
    assert.deepEqual(sent, [['one', one.id], ['two', two.id]]);
    assert.equal(c.settle(two.id, { id: two.id, ok: '2' }), true);
    assert.equal(c.settle(one.id, { id: one.id, ok: '1' }), true);
    assert.deepEqual(await one.reply, { id: one.id, ok: '1' });
    assert.deepEqual(await two.reply, { id: two.id, ok: '2' });
    assert.equal(c.settle(one.id, { id: one.id, ok: 'again' }), false, 'a duplicate reply is ignored');
    assert.equal(c.pending, 0);
  });

  it('times out, and a late reply after the timeout is ignored', async () => {
    const timers = manualTimers();
    const { c } = client(timers);
    const r = c.request('slow', 50);
    const quick = c.request('quick', 50);
    c.settle(quick.id, { id: quick.id, ok: 'q' });
    assert.equal(timers.live(), 1, 'the answered request cancelled its timer');
    timers.fire();
    assert.deepEqual(await r.reply, { id: r.id, error: 'no reply within 50 ms' });
    assert.equal(c.settle(r.id, { id: r.id, ok: 'late' }), false);
  });

  it('fails every waiting request when the other side is gone, and everything after dispose', async () => {
    const { c, sent } = client();
    const a = c.request('a'), b = c.request('b');
    c.failAll('crashed');
    assert.deepEqual(await Promise.all([a.reply, b.reply]), [{ id: a.id, error: 'crashed' }, { id: b.id, error: 'crashed' }]);
    const w = c.request('w');
    c.dispose('replaced');
    assert.deepEqual(await w.reply, { id: w.id, error: 'replaced' });
    const after = c.request('after');
    assert.deepEqual(await after.reply, { id: after.id, error: 'disposed' });
    assert.equal(sent.length, 3, 'nothing is sent after dispose');
  });

  it('a send that throws fails its request instead of throwing', async () => {
    const c = new RequestClient<string, Reply>(() => {
      throw new Error('port closed');
    }, (id, why) => ({ id, error: why }));
    const r = c.request('x');
    assert.deepEqual(await r.reply, { id: r.id, error: 'port closed' });
  });
});
