import fc from 'fast-check';
import type { GradientOptions, NumericArray } from '../../src/index';

/** A gradient problem as fast-check draws it (and shrinks it when a property fails). */
export interface Problem {
  data: NumericArray;
  options: GradientOptions & { shape: number[] };
  /** Axis numbers (normalised) and per-axis spacing in the oracle's form. */
  axes: number[];
  spacing: (number | number[])[];
  edgeOrder: 1 | 2;
  hMin: number;
}

const DTYPES = ['float64', 'float32', 'array', 'int8', 'uint8', 'uint8clamped', 'int16', 'uint16', 'int32', 'uint32'] as const;
type Dtype = (typeof DTYPES)[number];

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  uint8clamped: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

/** Float values including ±0 and, unless `gpuSafe`, magnitudes near float64's extremes. */
function floatValue(gpuSafe: boolean) {
  const big = gpuSafe ? 1e30 : 1e300,
    tiny = gpuSafe ? 1e-30 : 1e-300;
  return fc.oneof(
    { weight: 6, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0) },
    { weight: 1, arbitrary: fc.double({ min: -big, max: big, noNaN: true }) },
    { weight: 1, arbitrary: fc.double({ min: -tiny, max: tiny, noNaN: true }) },
  );
}

function makeData(dtype: Dtype, values: number[]): NumericArray {
  switch (dtype) {
    case 'float64':
      return Float64Array.from(values);
    case 'float32':
      return Float32Array.from(values);
    case 'array':
      return values;
    case 'int8':
      return Int8Array.from(values);
    case 'uint8':
      return Uint8Array.from(values);
    case 'uint8clamped':
      return Uint8ClampedArray.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'uint16':
      return Uint16Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'uint32':
      return Uint32Array.from(values);
  }
}

const stepArb = fc.double({ min: 0.05, max: 20, noNaN: true }).chain((h) => fc.constantFrom(h, -h));

/** Coordinates of length n: increasing or decreasing, uneven or evenly spaced. */
function coordsArb(n: number) {
  return fc
    .record({
      start: fc.double({ min: -50, max: 50, noNaN: true }),
      steps: fc.array(fc.double({ min: 0.05, max: 3, noNaN: true }), { minLength: n - 1, maxLength: n - 1 }),
      decreasing: fc.boolean(),
      even: fc.boolean(),
    })
    .map(({ start, steps, decreasing, even }) => {
      const x = [start];
      for (let i = 0; i < n - 1; i++) x.push(x[i] + (decreasing ? -1 : 1) * (even ? 0.5 : steps[i]));
      return x;
    });
}

/**
 * Random rank 1–5, shapes including the minimal length edgeOrder+1 and length-1 axes that are not
 * differentiated, every spacing form (none, scalar, per-axis, coordinates, mixed, decreasing), axis subsets
 * with negatives, both edge orders, every input type.
 */
export function problemArb({ gpuSafe, maxSize }: { gpuSafe: boolean; maxSize: number }): fc.Arbitrary<Problem> {
  return fc
    .record({
      edgeOrder: fc.constantFrom(1 as const, 2 as const),
      rank: fc.integer({ min: 1, max: 5 }),
      dtype: fc.constantFrom(...DTYPES),
    })
    .chain(({ edgeOrder, rank, dtype }) => {
      const maxLen = Math.max(edgeOrder + 1, Math.floor(maxSize ** (1 / rank)));
      return fc
        .record({
          shape: fc.array(fc.oneof(fc.constant(1), fc.constant(edgeOrder + 1), fc.integer({ min: 1, max: maxLen })), {
            minLength: rank,
            maxLength: rank,
          }),
          pick: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
          order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: rank, maxLength: rank }),
          negate: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
          form: fc.constantFrom('none', 'scalar', 'list', 'default-axes'),
        })
        .chain(({ shape, pick, order, negate, form }) => {
          const eligible = shape.map((_, d) => d).filter((d) => shape[d] >= edgeOrder + 1);
          let axes =
            form === 'default-axes' && eligible.length === rank
              ? shape.map((_, d) => d)
              : eligible.filter((d) => pick[d]).sort((a, b) => order[a] - order[b]);
          if (form === 'default-axes' && eligible.length !== rank) axes = eligible;
          const size = shape.reduce((p, n) => p * n, 1);
          const values =
            dtype in INT_RANGE
              ? fc.array(fc.integer({ min: INT_RANGE[dtype][0], max: INT_RANGE[dtype][1] }), { minLength: size, maxLength: size })
              : fc.array(floatValue(gpuSafe), { minLength: size, maxLength: size });
          const perAxis = fc.tuple(...axes.map((a) => fc.oneof(stepArb, coordsArb(shape[a]) as fc.Arbitrary<number | number[]>)));
          return fc
            .record({ values, scalar: stepArb, perAxis: axes.length ? perAxis : fc.constant([] as (number | number[])[]) })
            .map(({ values, scalar, perAxis }): Problem => {
              const options: Problem['options'] = { shape, edgeOrder };
              let spacing: (number | number[])[] = axes.map(() => 1);
              if (form === 'scalar') {
                options.spacing = scalar;
                spacing = axes.map(() => scalar);
              }
              if (form === 'list') {
                options.spacing = perAxis;
                spacing = perAxis;
              }
              if (form !== 'default-axes' || axes.length !== rank) options.axis = axes.map((a) => (negate[a] ? a - rank : a));
              let hMin = Infinity;
              for (const s of spacing) {
                if (typeof s === 'number') hMin = Math.min(hMin, Math.abs(s));
                else for (let i = 1; i < s.length; i++) hMin = Math.min(hMin, Math.abs(s[i] - s[i - 1]));
              }
              return { data: makeData(dtype, values), options, axes, spacing, edgeOrder, hMin: Number.isFinite(hMin) ? hMin : 1 };
            });
        });
    });
}
