// The panel's one key path (src/webview/keys.ts): a key VS Code binds (package.json) is done by
// the host's command only, a key of the panel's own by the panel only. The regression: F10 in the
// panel was applied by the webview and again by the forwarded command when that arrived more than
// the old 1.5 s echo window later (seen under load in e2e): two steps for one key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FromWebview, RunInfo } from '../../src/protocol/messages';
import { PanelCursor } from '../../src/session/panelCursor';
import { KeyRouter, type KeyEvent } from '../../src/webview/keys';
import { KEYMAP, type PanelAction } from '../../src/webview/keymap';

const r: RunInfo = {
  runId: 1, fileName: 'f', name: 'f', kind: 'rnn', cell: 'rnn',
  dims: { n_x: 1, n_a: 1, n_y: 1, m: 1, T_x: 5 }, T_b: 5, daDefaulted: false, warnings: [],
};

const key = (k: string, mods: Partial<Pick<KeyEvent, 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey'>> = {}) => {
  const e = { key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods, target: null, prevented: false, preventDefault() { e.prevented = true; } };
  return e;
};

/** A panel (keys → intents) and its host (intents and VS Code commands → the timeline). */
function panelAndHost() {
  const host = new PanelCursor({ post: () => {} });
  host.newRun(r);
  host.progress({ runId: 1, forwardDone: 5, backwardDone: 5, finished: true });
  const panelDid: PanelAction[] = [];
  const timed: PanelAction[] = [];
  const posted: FromWebview[] = [];
  const keys = new KeyRouter({
    run: (a) => {
      panelDid.push(a);
      if (a === 'stepForward' || a === 'stepBack' || a === 'end' || a === 'restart') posted.push({ type: 'move', move: a });
    },
    hostKey: (a) => timed.push(a),
    helpOpen: () => false,
    target: () => 'other',
  });
  /** The host receives what the panel posted. */
  const deliver = async () => {
    for (const m of posted.splice(0)) if (m.type === 'move') await host.move(m.move);
  };
  return { host, keys, panelDid, timed, deliver };
}

describe('panel keys: one path per key', () => {
  it('one F10 in the panel steps once, however late the keybinding command arrives', async () => {
    const { host, keys, timed, deliver } = panelAndHost();
    const e = key('F10');
    keys.onKeyDown(e);
    assert.equal(e.prevented, true, 'the browser does not act on it');
    await deliver(); // nothing: the panel left F10 to VS Code
    assert.equal(host.timeline.position, 0);
    await new Promise((res) => setTimeout(res, 20)); // (any delay: there is no echo window)
    await host.move('stepForward'); // VS Code's keybinding → rnnStepper.stepForward → the host
    assert.equal(host.timeline.position, 1);
    assert.deepEqual(timed, ['stepForward'], 'the key → paint clock still starts at the key');
  });

  it("keys of the panel's own (End, Home) are posted as intents once", async () => {
    const { host, keys, panelDid, deliver } = panelAndHost();
    keys.onKeyDown(key('End'));
    await deliver();
    assert.equal(host.timeline.position, 10);
    keys.onKeyDown(key('Home'));
    await deliver();
    assert.equal(host.timeline.position, 0);
    assert.deepEqual(panelDid, ['end', 'restart']);
  });

  it('every key package.json binds goes to the host only; no other key does', () => {
    const { keys, panelDid, timed } = panelAndHost();
    const bound = KEYMAP.filter((k) => k.command && k.scope === 'panel');
    assert.ok(bound.length >= 6);
    for (const k of bound) {
      const [mods, name] = [k.chords[0].split('+').slice(0, -1), k.chords[0].split('+').pop() ?? ''];
      keys.onKeyDown(key(name.toUpperCase(), { shiftKey: mods.includes('shift'), ctrlKey: mods.includes('ctrl') }));
    }
    assert.deepEqual(panelDid, []);
    assert.deepEqual(timed, bound.map((k) => k.action));
    keys.onKeyDown(key('t'));
    assert.deepEqual(panelDid, ['toggleTable']);
    assert.equal(timed.length, bound.length);
  });
});
