import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactReciprocal, fusedPlan } from '../src/cpu/fused';
import { gradientAlong } from '../src/cpu/gradient';
import { cpuInput } from '../src/cpu/input';
import { computePart } from '../src/cpu/parts';
import { MAX_INDEX } from '../src/cpu/unroll';
import { cpuGradient, type GradientOptions, type NumericArray } from '../src/index';
import { makePlan } from '../src/plan';
import { firstDifference } from './helpers/bits';

// The CPU reference's fused pass (src/cpu/fused.ts): every selected axis in one pass over each line along
// the last dimension, as products where 2h is a power of two, periodic axes' ends wrapped. Its results
// must be those of the axis-by-axis loops (gradientAlong) to the last bit; numpy's own bits are checked in
// cpu.test.ts.

describe('exactReciprocal', () => {
  it('holds for powers of two whose reciprocal is a normal double, and for nothing else', () => {
    for (const h of [1, 2, 0.5, -4, 0.125, 2 ** -1022, 2 ** 1022, -(2 ** 40)]) expect(exactReciprocal(h), String(h)).toBe(true);
    for (const h of [3, 0.1, 0.6, 1 + 2 ** -52, 0, -0, Number.POSITIVE_INFINITY, Number.NaN, 2 ** 1023, 2 ** -1074])
      expect(exactReciprocal(h), String(h)).toBe(false);
  });

  it('is the premise: x · (1/h) is x / h bit for bit where it holds (random doubles, subnormals and specials)', () => {
    const x = fc.oneof(
      fc.double(),
      fc.double({ min: -1e-306, max: 1e-306 }),
      fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE),
    );
    fc.assert(
      fc.property(x, fc.integer({ min: -1022, max: 1022 }), fc.boolean(), (v, e, negative) => {
        const h = (negative ? -1 : 1) * 2 ** e;
        return exactReciprocal(h) && Object.is(v * (1 / h), v / h);
      }),
      { numRuns: 5000 },
    );
    // And where it does not hold the product can differ: 2h = 1.4 (h = 0.7).
    let differs = 0;
    for (let i = 1; i < 1000; i++) if (Math.sin(i) * (1 / 1.4) !== Math.sin(i) / 1.4) differs++;
    expect(differs).toBeGreaterThan(0);
  });
});

/** A random problem whose plan takes the fused pass: lines of 32–70, up to four dimensions. */
const fusedProblem = fc
  .record({
    edgeOrder: fc.constantFrom(1 as const, 2 as const),
    accuracy: fc.constantFrom(2 as const, 2 as const, 4 as const),
    across: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
    line: fc.integer({ min: 32, max: 70 }),
    kind: fc.constantFrom('float64', 'float32', 'int16', 'array'),
  })
  .chain(({ edgeOrder, accuracy, across, line, kind }) => {
    const shape = [...across, line];
    const size = shape.reduce((a, b) => a * b, 1);
    // Fourth order needs 5 points an axis.
    const eligible = shape.map((_, d) => d).filter((d) => shape[d] >= (accuracy === 4 ? 5 : edgeOrder + 1));
    const value =
      kind === 'int16'
        ? fc.integer({ min: -32768, max: 32767 })
        : fc.oneof(
            { weight: 8, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }) },
            {
              weight: 1,
              arbitrary: fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e-300),
            },
          );
    return fc.record({
      shape: fc.constant(shape),
      edgeOrder: fc.constant(edgeOrder),
      accuracy: fc.constant(accuracy),
      kind: fc.constant(kind),
      values: fc.array(value, { minLength: size, maxLength: size }),
      axes: fc.shuffledSubarray(eligible, { minLength: 1 }),
      steps: fc.array(fc.constantFrom(1, 0.5, -2, 0.25, 4, 0.3, 0.7, -0.1, 3), { minLength: shape.length, maxLength: shape.length }),
      count: fc.integer({ min: 1, max: 5 }),
      periodic: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    });
  })
  .map(({ shape, edgeOrder, accuracy, kind, values, axes, steps, count, periodic }) => {
    const data: NumericArray =
      kind === 'float64'
        ? Float64Array.from(values)
        : kind === 'float32'
          ? Float32Array.from(values)
          : kind === 'int16'
            ? Int16Array.from(values)
            : values;
    // A periodic axis needs 3 points.
    const boundary = axes.map((a) => (periodic[a] && shape[a] >= 3 ? 'periodic' : 'edge')) as GradientOptions['boundary'];
    const options: GradientOptions = { shape, edgeOrder, accuracy, axis: axes, spacing: axes.map((a) => steps[a]), boundary };
    return { data, options, count };
  });

describe('the fused pass', () => {
  it("gives every selected axis the axis-by-axis loops' bits, whole and in parts (random shapes, axes, edge orders, fourth order, steps, periodic axes, types)", () => {
    fc.assert(
      fc.property(fusedProblem, ({ data, options, count }) => {
        const plan = makePlan(cpuInput(data).info, options);
        expect(fusedPlan(plan)).not.toBeNull();
        const want = plan.axes.map((_, k) => gradientAlong(data, plan, k, new Float64Array(plan.size)));
        const got = cpuGradient(data, options);
        expect(firstDifference(got, want)).toBeNull();
        const parts = want.map(() => new Float64Array(plan.size).fill(Number.NaN));
        for (let index = 0; index < count; index++) computePart({ op: 'gradient', inputs: [data], options, outs: parts, index, count });
        expect(firstDifference(parts, want)).toBeNull();
      }),
      { numRuns: 400 },
    );
  });

  it('is not taken where the axis-by-axis loops must run: short lines, one dimension, coordinates', () => {
    const plan = (shape: number[], options: GradientOptions = {}) =>
      makePlan(cpuInput(new Float64Array(shape.reduce((a, b) => a * b, 1))).info, { shape, ...options });
    expect(fusedPlan(plan([8, 40]))).not.toBeNull();
    expect(fusedPlan(plan([40, 31]))).toBeNull();
    expect(fusedPlan(plan([4096]))).toBeNull();
    expect(fusedPlan(plan([8, 40], { spacing: [1, Array.from({ length: 40 }, (_, i) => i * i)] }))).toBeNull();
    expect(fusedPlan(plan([8, 40], { boundary: 'periodic' }))).not.toBeNull(); // taken since the fourteenth session
    expect(fusedPlan(plan([8, 40], { accuracy: 4 }))?.accuracy).toBe(4); // taken since the fourteenth session
    expect(fusedPlan(plan([8, 40], { spacing: [0.5, 2] }))?.multiply).toBe(true);
    expect(fusedPlan(plan([8, 40], { spacing: [0.5, 0.3] }))?.multiply).toBe(false);
  });

  it('is not taken past 2³⁰ − 1 elements, where its masked indices would wrap (unroll.ts)', () => {
    // The plans only: a data description of the length, no array of that size.
    const info = (length: number) => ({ ...cpuInput(new Float64Array(1)).info, length });
    const plan = (shape: number[]) => makePlan(info(shape.reduce((a, b) => a * b, 1)), { shape });
    expect(MAX_INDEX).toBe(2 ** 30 - 1);
    expect(fusedPlan(plan([32767, 32768]))).not.toBeNull(); // 2³⁰ − 32768 elements
    expect(fusedPlan(plan([32768, 32768]))).toBeNull(); // 2³⁰
    expect(fusedPlan(plan([1024, 1024, 1024]))).toBeNull();
  });
});
