import { computePart, type Part } from '../../src/cpu/parts';

/**
 * A split call assembled from its `count` parts (cpu/parts.ts computePart), each part run over two fillings
 * of its results: an element the part writes is equal in both, one it leaves differs. Returns the
 * assembled results and, per element, how many parts wrote it (exactly one for a correct split).
 */
export function assembleParts(
  call: Omit<Part, 'index' | 'outs'>,
  lengths: readonly number[],
): { outs: Float64Array[]; writes: Uint8Array[] } {
  const outs = lengths.map((n) => new Float64Array(n).fill(Number.NaN));
  const writes = lengths.map((n) => new Uint8Array(n));
  for (let index = 0; index < call.count; index++) {
    const [a, b] = [Number.NaN, 0.5].map((fill) => {
      const part = lengths.map((n) => new Float64Array(n).fill(fill));
      computePart({ ...call, outs: part, index });
      return part;
    });
    a.forEach((ak, k) =>
      ak.forEach((v, i) => {
        if (!Object.is(v, b[k][i])) return;
        writes[k][i]++;
        outs[k][i] = v;
      }),
    );
  }
  return { outs, writes };
}

/** Whether every element was written by exactly one part. */
export function writtenOnce(writes: readonly Uint8Array[]): boolean {
  return writes.every((w) => w.every((c) => c === 1));
}
