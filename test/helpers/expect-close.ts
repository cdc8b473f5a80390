import { expect } from 'vitest';
import { f32Violation } from './bounds';

/**
 * As many result arrays as references, each within the float32 bound of its reference (bounds.ts,
 * f32Violation: k·ε32·(|ref| + maxF/hMin)). Vitest only: the engines' core, which runs outside vitest,
 * reports its violations instead.
 */
export function expectClose(got: ArrayLike<number>[], ref: ArrayLike<number>[], maxF: number, hMin: number, label: string, k = 8): void {
  expect(got.length, label).toBe(ref.length);
  got.forEach((g, axis) => {
    const v = f32Violation(g, ref[axis], maxF, hMin, k);
    expect(v, `${label}, axis ${axis}: ${JSON.stringify(v)}`).toBeNull();
  });
}
