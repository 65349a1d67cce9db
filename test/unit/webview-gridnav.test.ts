import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gridMove, isActivateKey, normText, timeCellText, timePage } from '../../src/webview/gridnav';

describe('webview grid navigation (heatmaps and the norm plot by keyboard)', () => {
  const g = { rows: 3, cols: 10, page: 4 };

  it('arrows move one cell and stop at the edges', () => {
    assert.deepEqual(gridMove('ArrowRight', { i: 1, j: 2 }, g), { i: 1, j: 3 });
    assert.deepEqual(gridMove('ArrowLeft', { i: 1, j: 2 }, g), { i: 1, j: 1 });
    assert.deepEqual(gridMove('ArrowDown', { i: 1, j: 2 }, g), { i: 2, j: 2 });
    assert.deepEqual(gridMove('ArrowUp', { i: 1, j: 2 }, g), { i: 0, j: 2 });
    assert.deepEqual(gridMove('ArrowUp', { i: 0, j: 0 }, g), { i: 0, j: 0 }, 'consumed at the edge, not passed on');
    assert.deepEqual(gridMove('ArrowRight', { i: 2, j: 9 }, g), { i: 2, j: 9 });
  });

  it('Home / End go to the first / last column of the row; PageUp / PageDown jump by the page', () => {
    assert.deepEqual(gridMove('Home', { i: 2, j: 7 }, g), { i: 2, j: 0 });
    assert.deepEqual(gridMove('End', { i: 2, j: 7 }, g), { i: 2, j: 9 });
    assert.deepEqual(gridMove('PageDown', { i: 0, j: 3 }, g), { i: 0, j: 7 });
    assert.deepEqual(gridMove('PageDown', { i: 0, j: 7 }, g), { i: 0, j: 9 });
    assert.deepEqual(gridMove('PageUp', { i: 0, j: 3 }, g), { i: 0, j: 0 });
  });

  it('other keys are not grid keys (F10, letters); PageUp/PageDown only with a page', () => {
    for (const k of ['F10', 'F5', 'Enter', ' ', 't', '?', 'Tab']) assert.equal(gridMove(k, { i: 0, j: 0 }, g), undefined, k);
    assert.equal(gridMove('PageDown', { i: 0, j: 0 }, { rows: 3, cols: 10 }), undefined);
  });

  it('a cursor outside a shrunken grid is pulled back in', () => {
    assert.deepEqual(gridMove('ArrowLeft', { i: 7, j: 40 }, g), { i: 2, j: 9 });
    assert.deepEqual(gridMove('ArrowDown', { i: 0, j: 0 }, { rows: 0, cols: 0 }), { i: 0, j: 0 });
  });

  it('Enter and Space activate', () => {
    assert.ok(isActivateKey('Enter'));
    assert.ok(isActivateKey(' '));
    assert.ok(!isActivateKey('a'));
  });

  it('PageUp/PageDown step: a tenth of the run, between 2 and 64', () => {
    assert.equal(timePage(4), 2);
    assert.equal(timePage(100), 10);
    assert.equal(timePage(1000), 64);
  });

  it('read-out texts: exact float64, 0-based unit, 1-based t, or why there is no number', () => {
    assert.equal(timeCellText('a', 3, 16, 0, 0.1 + 0.2), 'a unit 3, t = 17, example 1: 0.30000000000000004');
    assert.equal(timeCellText('da', 0, 0, 2, 'not computed'), 'da unit 0, t = 1, example 3: not computed yet');
    assert.equal(timeCellText('c', 1, 4, 0, 'loading'), 'c unit 1, t = 5, example 1: loading…');
    assert.equal(timeCellText('y', 0, 1, 0, NaN), 'y unit 0, t = 2, example 1: NaN');
    assert.equal(normText(2, true, 1 / 3), '‖da⟨t⟩‖ at t = 3: 0.3333333333333333');
    assert.equal(normText(2, true, 1, Infinity), '‖da⟨t⟩‖ at t = 3: 1 · ‖dc⟨t⟩‖: Infinity');
    assert.equal(normText(0, false, NaN), 'Gradient norms at t = 1: not computed yet');
  });
});
