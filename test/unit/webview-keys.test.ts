// The panel's one key path per focus (src/webview/keys.ts). With the focus in the panel, a key
// package.json binds (F5, F9, F10 and their forms) is the panel's: done once as a `move` intent in
// the capture phase and stopped there, so VS Code's webview host (a bubble-phase listener on the
// window) never forwards it and no keybinding (the panel's, or the debugger's F10) runs for it.
// The panel's other keys are read in the bubble phase and are forwarded as usual. Seen failing
// with the router of the previous design (F10 left to VS Code: the key was not stopped).
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

type Mods = Partial<Pick<KeyEvent, 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey'>>;

/**
 * A key press dispatched the way the browser does for the panel's window: its capture listener,
 * then (unless propagation was stopped) the bubble listeners: the panel's and VS Code's forwarder.
 * Returns whether VS Code saw the key, and whether the browser's default was prevented.
 */
function dispatch(keys: KeyRouter, k: string, mods: Mods = {}): { forwarded: boolean; prevented: boolean } {
  let stopped = false;
  let prevented = false;
  const e: KeyEvent = {
    key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods, target: null,
    preventDefault() { prevented = true; },
    stopPropagation() { stopped = true; },
  };
  keys.onKeyDownCapture(e);
  if (stopped) return { forwarded: false, prevented };
  keys.onKeyDown(e);
  return { forwarded: !stopped, prevented };
}

/** A panel (keys → intents) and its host (intents → the timeline). */
function panelAndHost() {
  const host = new PanelCursor({ post: () => {} });
  host.newRun(r);
  host.progress({ runId: 1, forwardDone: 5, backwardDone: 5, finished: true });
  const panelDid: PanelAction[] = [];
  const posted: FromWebview[] = [];
  const keys = new KeyRouter({
    run: (a) => {
      panelDid.push(a);
      if (a === 'stepForward' || a === 'stepBack' || a === 'end' || a === 'restart') posted.push({ type: 'move', move: a });
    },
    helpOpen: () => false,
    target: () => 'other',
  });
  /** The host receives what the panel posted. */
  const deliver = async () => {
    for (const m of posted.splice(0)) if (m.type === 'move') await host.move(m.move);
  };
  return { host, keys, panelDid, deliver };
}

/** A chord of the keymap (`shift+f10`) as a key press. */
function press(chord: string): [string, Mods] {
  const parts = chord.split('+');
  const name = parts[parts.length - 1];
  const mods = parts.slice(0, -1);
  return [name.toUpperCase(), { shiftKey: mods.includes('shift'), ctrlKey: mods.includes('ctrl') }];
}

describe('panel keys: one path per focus', () => {
  it('one F10 in the panel is one move, done by the panel and kept from VS Code', async () => {
    const { host, keys, panelDid, deliver } = panelAndHost();
    const d = dispatch(keys, 'F10');
    assert.equal(d.prevented, true, 'the browser does not act on it');
    assert.equal(d.forwarded, false, "VS Code's keybindings never see it");
    assert.deepEqual(panelDid, ['stepForward']);
    await deliver();
    assert.equal(host.timeline.position, 1);
  });

  it("keys of the panel's own (End, Home) are done once and still forwarded (VS Code binds none)", async () => {
    const { host, keys, panelDid, deliver } = panelAndHost();
    assert.equal(dispatch(keys, 'End').forwarded, true);
    await deliver();
    assert.equal(host.timeline.position, 10);
    dispatch(keys, 'Home');
    await deliver();
    assert.equal(host.timeline.position, 0);
    assert.deepEqual(panelDid, ['end', 'restart']);
  });

  it('every key package.json binds is the panel’s and stopped; no other key is stopped', () => {
    const { keys, panelDid } = panelAndHost();
    const bound = KEYMAP.filter((k) => k.command && k.scope === 'panel');
    assert.ok(bound.length >= 6);
    for (const k of bound) {
      const [name, mods] = press(k.chords[0]);
      assert.equal(dispatch(keys, name, mods).forwarded, false, `${k.chords[0]} reached VS Code`);
    }
    assert.deepEqual(panelDid, bound.map((k) => k.action));
    // Go to Step is VS Code's (an input box): forwarded, not done by the panel.
    const go = KEYMAP.find((k) => k.action === 'goToStep');
    assert.ok(go);
    const [name, mods] = press(go.chords[0]);
    assert.equal(dispatch(keys, name, { ...mods, altKey: true }).forwarded, true);
    assert.equal(dispatch(keys, 't').forwarded, true);
    assert.deepEqual(panelDid.slice(bound.length), ['toggleTable']);
  });
});
