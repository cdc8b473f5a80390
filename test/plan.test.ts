import { describe, expect, it } from 'vitest';
import { cpuGradient } from '../src/cpu';
import { GradientError } from '../src/errors';
import { describeData } from '../src/data';
import { makePlan } from '../src/plan';

/** [what, data, options, expected code, text the message must contain] */
export const BAD_INPUTS: [string, unknown, unknown, string, string][] = [
  ['string data', 'abc', undefined, 'invalid-data', 'data'],
  ['null data', null, undefined, 'invalid-data', 'data: null'],
  ['undefined data', undefined, undefined, 'invalid-data', 'data: undefined'],
  ['plain object data', { length: 3 }, undefined, 'invalid-data', 'data'],
  ['BigInt64Array data', new BigInt64Array(3), undefined, 'invalid-data', 'BigInt64Array'],
  ['Float16-like DataView', new DataView(new ArrayBuffer(8)), undefined, 'invalid-data', 'DataView'],
  ['array holding a string', [1, '2', 3], undefined, 'invalid-data', 'data[1]'],
  ['sparse array', [1, , 3], undefined, 'invalid-data', 'data[1]'], // eslint-disable-line no-sparse-arrays
  ['options not an object', [1, 2, 3], 5, 'invalid-option', 'options'],
  ['unknown option', [1, 2, 3], { edge_order: 2 }, 'invalid-option', 'options.edge_order'],
  ['shape not an array', [1, 2, 3], { shape: 3 }, 'invalid-shape', 'shape'],
  ['negative shape entry', [1, 2, 3], { shape: [-3] }, 'invalid-shape', 'shape[0]: -3'],
  ['fractional shape entry', [1, 2, 3, 4], { shape: [2.5, 2] }, 'invalid-shape', 'shape[0]: 2.5'],
  ['NaN shape entry', [1, 2, 3], { shape: [NaN] }, 'invalid-shape', 'shape[0]: NaN'],
  ['shape product mismatch', [1, 2, 3, 4, 5, 6], { shape: [2, 2] }, 'invalid-shape', '4 elements but data has 6'],
  ['axis out of range', [1, 2, 3, 4], { shape: [2, 2], axis: 2 }, 'invalid-axis', 'axis: 2'],
  ['negative axis out of range', [1, 2, 3, 4], { shape: [2, 2], axis: -3 }, 'invalid-axis', 'axis: -3'],
  ['fractional axis', [1, 2, 3, 4], { shape: [2, 2], axis: 0.5 }, 'invalid-axis', 'axis: 0.5'],
  ['string axis', [1, 2, 3, 4], { shape: [2, 2], axis: '0' }, 'invalid-axis', 'axis'],
  ['repeated axis', [1, 2, 3, 4], { shape: [2, 2], axis: [1, 1] }, 'invalid-axis', 'twice'],
  ['axis 1 and -1 on 2-D', [1, 2, 3, 4], { shape: [2, 2], axis: [1, -1] }, 'invalid-axis', 'twice'],
  ['axis on 0-d', [1], { shape: [], axis: 0 }, 'invalid-axis', 'rank 0'],
  ['spacing list too long', [1, 2, 3], { spacing: [1, 2] }, 'invalid-spacing', '2 entries but 1 axes'],
  ['spacing list too short', [1, 2, 3, 4], { shape: [2, 2], spacing: [1] }, 'invalid-spacing', '1 entries but 2 axes'],
  ['spacing a string', [1, 2, 3], { spacing: 'x' }, 'invalid-spacing', 'spacing'],
  ['zero step', [1, 2, 3], { spacing: 0 }, 'invalid-spacing', 'spacing: 0'],
  ['NaN step', [1, 2, 3], { spacing: NaN }, 'invalid-spacing', 'spacing: NaN'],
  ['infinite step', [1, 2, 3], { spacing: [Infinity] }, 'invalid-spacing', 'spacing[0]: Infinity'],
  ['spacing entry an object', [1, 2, 3], { spacing: [{}] }, 'invalid-spacing', 'spacing[0]'],
  ['coordinates of wrong length', [1, 2, 3], { spacing: [[0, 1]] }, 'invalid-spacing', 'length 2'],
  ['coordinates with NaN', [1, 2, 3], { spacing: [[0, NaN, 2]] }, 'invalid-spacing', 'spacing[0][1]: NaN'],
  ['coordinates with Infinity', [1, 2, 3], { spacing: [[0, 1, Infinity]] }, 'invalid-spacing', 'spacing[0][2]: Infinity'],
  ['coordinates holding a string', [1, 2, 3], { spacing: [[0, '1', 2]] }, 'invalid-spacing', 'spacing[0][1]'],
  ['repeated coordinate', [1, 2, 3], { spacing: [[0, 1, 1]] }, 'invalid-spacing', 'step 0'],
  ['non-monotonic coordinates', [1, 2, 3], { spacing: [[0, 2, 1]] }, 'invalid-spacing', 'not monotonic'],
  ['edgeOrder 0', [1, 2, 3], { edgeOrder: 0 }, 'invalid-edge-order', 'edgeOrder: 0'],
  ['edgeOrder -1', [1, 2, 3], { edgeOrder: -1 }, 'invalid-edge-order', 'edgeOrder: -1'],
  ['edgeOrder 1.5', [1, 2, 3], { edgeOrder: 1.5 }, 'invalid-edge-order', 'edgeOrder: 1.5'],
  ['edgeOrder 3', [1, 2, 3], { edgeOrder: 3 }, 'invalid-edge-order', 'edgeOrder: 3'],
  ["edgeOrder '2'", [1, 2, 3], { edgeOrder: '2' }, 'invalid-edge-order', 'edgeOrder: "2"'],
  ['axis of length 1', [1], undefined, 'axis-too-short', 'shape[0] = 1'],
  ['axis of length 2 with edgeOrder 2', [1, 2], { edgeOrder: 2 }, 'axis-too-short', 'at least 3'],
  ['selected short axis among long ones', new Float64Array(8), { shape: [4, 2], edgeOrder: 2 }, 'axis-too-short', 'shape[1] = 2'],
];

describe('bad input is refused with a GradientError naming the argument', () => {
  for (const [what, data, options, code, text] of BAD_INPUTS) {
    it(what, () => {
      let error: unknown;
      try { cpuGradient(data as never, options as never); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(GradientError);
      expect((error as GradientError).code).toBe(code);
      expect((error as GradientError).message).toContain(text);
    });
  }
});

describe('makePlan', () => {
  it('views each axis as (outer, n, inner)', () => {
    const plan = makePlan(describeData(new Float64Array(2 * 3 * 4)), { shape: [2, 3, 4], axis: [-1, 0, 1] });
    expect(plan.axes.map((a) => [a.axis, a.outer, a.n, a.inner])).toEqual([[2, 6, 4, 1], [0, 1, 2, 12], [1, 2, 3, 4]]);
  });

  it('reduces equally spaced coordinates to a scalar step, as numpy does', () => {
    const plan = makePlan(describeData([1, 2, 3, 4]), { spacing: [[0, 0.5, 1, 1.5]] });
    expect(plan.axes[0].step).toBe(0.5);
    expect(plan.axes[0].dx).toBeNull();
    const uneven = makePlan(describeData([1, 2, 3]), { spacing: [[0, 0.5, 1.5]] });
    expect(uneven.axes[0].step).toBeNull();
    expect(Array.from(uneven.axes[0].dx!)).toEqual([0.5, 1]);
  });

  it('lets axes that are not differentiated have any length', () => {
    expect(() => makePlan(describeData(new Float64Array(0)), { shape: [1, 0, 3], axis: 2, edgeOrder: 2 })).not.toThrow();
  });

  it('accepts options that a caller declares as its own', () => {
    expect(() => makePlan(describeData([1, 2]), { device: 1 } as never)).toThrow(GradientError);
    expect(() => makePlan(describeData([1, 2]), { device: 1 } as never, ['device'])).not.toThrow();
  });
});
