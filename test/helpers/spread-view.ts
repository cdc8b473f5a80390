import type { NdarrayLike } from '../../src/index';

/**
 * The same values as a strided view, every other element of a buffer twice their size (NaN between): a
 * C-order view would be read as the flat array, this one takes the CPU reference's view paths (lines.ts),
 * so a test can hold the flat paths to them.
 */
export function spreadView(data: ArrayLike<number>, shape: readonly number[]): NdarrayLike {
  const spread = new Float64Array(2 * data.length).fill(Number.NaN);
  for (let i = 0; i < data.length; i++) spread[2 * i] = data[i];
  const stride = shape.map((_, k) => 2 * shape.slice(k + 1).reduce((a, b) => a * b, 1));
  return { data: spread, shape, stride };
}
