import type { GradientOptions, NumericArray } from '../../src/index';

/** Small seeded generator (mulberry32), so every run and every environment draws the same cases. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DTYPES = ['float64', 'float32', 'int8', 'uint8', 'uint8clamped', 'int16', 'uint16', 'int32', 'uint32', 'array'] as const;
export type CaseDtype = (typeof DTYPES)[number];

export interface RandomCase {
  label: string;
  data: NumericArray;
  options: GradientOptions & { shape: number[] };
  /** Smallest |step| over the selected axes, for the f32 error bound. */
  hMin: number;
}

function makeData(dtype: CaseDtype, size: number, r: () => number): NumericArray {
  const int = (lo: number, hi: number) => Math.floor(lo + r() * (hi - lo + 1));
  switch (dtype) {
    case 'float64':
      return Float64Array.from({ length: size }, () => (r() - 0.5) * 200);
    case 'float32':
      return Float32Array.from({ length: size }, () => (r() - 0.5) * 20);
    case 'array':
      return Array.from({ length: size }, () => (r() - 0.5) * 2e4);
    case 'int8':
      return Int8Array.from({ length: size }, () => int(-128, 127));
    case 'uint8':
      return Uint8Array.from({ length: size }, () => int(0, 255));
    case 'uint8clamped':
      return Uint8ClampedArray.from({ length: size }, () => int(0, 255));
    case 'int16':
      return Int16Array.from({ length: size }, () => int(-32768, 32767));
    case 'uint16':
      return Uint16Array.from({ length: size }, () => int(0, 65535));
    case 'int32':
      return Int32Array.from({ length: size }, () => int(-(2 ** 24), 2 ** 24));
    case 'uint32':
      return Uint32Array.from({ length: size }, () => int(0, 2 ** 24));
  }
}

/**
 * A random gradient problem: rank 1–5, shapes with the minimal length edgeOrder+1 and length-1 axes that
 * are not differentiated, every spacing form (none, scalar, per-axis, coordinates, decreasing, mixed),
 * axis subsets with negative indices, both edge orders, every input type. Half the cases have a last
 * dimension that is a multiple of 4 (the vectorised kernel), half not.
 */
export function randomCase(r: () => number, index: number, maxSize = 6000): RandomCase {
  const edgeOrder = (r() < 0.5 ? 1 : 2) as 1 | 2;
  const rank = 1 + Math.floor(r() * 5);
  const maxLen = Math.max(edgeOrder + 1, Math.floor(maxSize ** (1 / rank)));
  let shape = Array.from({ length: rank }, () => {
    const u = r();
    if (u < 0.15) return edgeOrder + 1;
    if (u < 0.22) return 1;
    return edgeOrder + 1 + Math.floor(r() * (maxLen - edgeOrder));
  });
  if (r() < 0.5) shape[rank - 1] = Math.max(4, Math.round(shape[rank - 1] / 4) * 4);
  shape = shape.map((n) => Math.max(1, n));
  // Axes long enough to differentiate, a random subset in random order, some named negatively.
  const eligible = shape.map((n, d) => (n >= edgeOrder + 1 ? d : -1)).filter((d) => d >= 0);
  let axes = eligible.filter(() => r() < 0.75);
  if (axes.length === 0 && eligible.length > 0) axes = [eligible[Math.floor(r() * eligible.length)]];
  axes.sort(() => r() - 0.5);
  const named = axes.map((a) => (r() < 0.3 ? a - rank : a));
  const useAxisOption = r() < 0.7 || axes.length !== rank;
  const order = useAxisOption ? axes : shape.map((_, d) => d);
  let spacing: GradientOptions['spacing'];
  let hMin = 1;
  const form = r();
  if (form < 0.2) spacing = undefined;
  else if (form < 0.35) {
    const h = (0.05 + r() * 3) * (r() < 0.2 ? -1 : 1);
    spacing = h;
    hMin = Math.abs(h);
  } else {
    hMin = Infinity;
    spacing = order.map((a) => {
      const n = shape[a];
      const kind = r();
      if (kind < 0.35) {
        const h = 0.05 + r() * 3;
        hMin = Math.min(hMin, h);
        return h;
      }
      const sign = kind < 0.5 ? -1 : 1;
      const uniform = kind > 0.9;
      const x = [r() * 10];
      for (let i = 1; i < n; i++) {
        const step = uniform ? 0.5 : 0.1 + r() * 2;
        x.push(x[i - 1] + sign * step);
      }
      for (let i = 1; i < n; i++) hMin = Math.min(hMin, Math.abs(x[i] - x[i - 1]));
      return x;
    });
    if (order.length === 0) hMin = 1;
  }
  const dtype = DTYPES[index % DTYPES.length];
  const size = shape.reduce((p, n) => p * n, 1);
  const options: RandomCase['options'] = { shape, edgeOrder };
  if (useAxisOption) options.axis = named.length === 1 && r() < 0.5 ? named[0] : named;
  if (spacing !== undefined) options.spacing = spacing;
  return {
    label: `#${index} ${dtype} shape=[${shape}] axis=${JSON.stringify(options.axis)} e${edgeOrder}`,
    data: makeData(dtype, size, r),
    options,
    hMin,
  };
}
