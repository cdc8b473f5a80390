import { createRequire } from 'node:module';
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { type BoundaryMode, cpuGradient } from '../src/index';
import { rng } from './helpers/random';

// A second, independent reference for three boundary modes: scijs ndarray-gradient (devDependency), whose
// 'clamp', 'mirror' and 'wrap' are our 'nearest', 'mirror' and 'periodic'. It returns the negated
// gradient (measured: [1, 4, 9, 16, 25] with clamp gives [−1.5, −4, −6, −8, −4.5]), so results agree up
// to that sign; its output is [...shape, d] (component last), ours one array per axis.
const require = createRequire(import.meta.url);
const ndarrayGradient = require('ndarray-gradient') as (dst: unknown, src: unknown, bc?: string[]) => unknown;

const PAIRS: [BoundaryMode, string][] = [
  ['nearest', 'clamp'],
  ['mirror', 'mirror'],
  ['periodic', 'wrap'],
];

describe('ndarray-gradient agrees with nearest, mirror and periodic, up to its sign', () => {
  it('on the issue\u2019s example', () => {
    const dst = ndarray(new Float64Array(5), [5, 1]);
    ndarrayGradient(dst, ndarray(Float64Array.from([1, 4, 9, 16, 25]), [5]), ['clamp']);
    expect(Array.from(dst.data)).toEqual([-1.5, -4, -6, -8, -4.5]);
    expect(Array.from(cpuGradient([1, 4, 9, 16, 25], { boundary: 'nearest' })[0])).toEqual([1.5, 4, 6, 8, 4.5]);
  });

  for (const shape of [[17], [6, 9], [5, 4, 7]]) {
    for (const [ours, theirs] of PAIRS) {
      it(`${ours} = −${theirs} on shape [${shape}]`, () => {
        const random = rng(shape.length * 31 + ours.length);
        const size = shape.reduce((a, b) => a * b, 1);
        const data = Float64Array.from({ length: size }, () => random() * 10 - 5);
        const d = shape.length;
        const dst = ndarray(new Float64Array(size * d), [...shape, d]);
        ndarrayGradient(
          dst,
          ndarray(data, shape),
          shape.map(() => theirs),
        );
        const got = cpuGradient(data, { shape, boundary: ours });
        for (let k = 0; k < d; k++) {
          for (let e = 0; e < size; e++) {
            expect(got[k][e]).toBeCloseTo(-dst.data[e * d + k], 12);
          }
        }
      });
    }
  }
});
