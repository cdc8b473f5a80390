import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLaplacian, type DerivedField } from '../src/components';
import { curlOf, divergenceOf, laplacianOf, magnitudeOf, rowForm } from '../src/cpu/derived';
import { fusedPlan } from '../src/cpu/fused';
import { fusedSum } from '../src/cpu/fused-sum';
import { cpuInput } from '../src/cpu/input';
import type { SplitOp } from '../src/cpu/parts';
import { viewRows, windowable, windowsOf } from '../src/cpu/windows';
import {
  cpuCurl,
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  cpuLaplacian,
  type GradientOptions,
  type NdarrayLike,
} from '../src/index';
import { makePlan, type Plan } from '../src/plan';
import { firstDifference } from './helpers/bits';
import { assembleParts, writtenOnce } from './helpers/parts';

// The fused fields' CPU references slab by slab (src/cpu/windows.ts, src/cpu/derived.ts) and in one pass
// (the divergence and the curl on the gradient's fused plans, src/cpu/fused-sum.ts): the magnitude,
// divergence and curl must be, to the last bit, what the definition composed from whole cpuGradient
// results gives, and the Laplacian what its line path (a strided view of the same values) gives, for any
// slab height.

describe('windowsOf', () => {
  const plan = (shape: number[], options: GradientOptions = {}): Plan =>
    makePlan(cpuInput(new Float64Array(shape.reduce((a, b) => a * b, 1))).info, { ...options, shape });

  it('covers the first dimension once, in order, each slab with the rows its stencils read', () => {
    const cases: [number[], GradientOptions][] = [
      [[7, 5], {}],
      [[7, 5], { edgeOrder: 2 }],
      [[9, 6], { accuracy: 4 }],
      [[6, 4, 3], { axis: [1, 2] }],
      [[2, 8], { edgeOrder: 1 }],
      [[40], {}],
    ];
    for (const [shape, options] of cases) {
      const p = plan(shape, options);
      const n0 = shape[0];
      const row = p.size / n0;
      const selected = p.axes.some((ax) => ax.axis === 0);
      const reach = selected ? (p.accuracy === 4 ? 2 : 1) : 0;
      for (let rows = 1; rows <= n0 + 1; rows++) {
        const label = `${JSON.stringify(shape)} ${JSON.stringify(options)} rows ${rows}`;
        let next = 0;
        for (const w of windowsOf(p, rows)) {
          const lo = w.start / row,
            a = lo + w.b0,
            z = lo + w.b1,
            hi = lo + w.plan.shape[0];
          expect(a, label).toBe(next);
          expect(z - a, label).toBe(Math.min(rows, n0 - a));
          next = z;
          // Within the array, the slab's reach inside the window (or the array's end), and the one-sided
          // stencils' rows where the window holds an end of the array.
          expect(lo >= 0 && hi <= n0, label).toBe(true);
          expect(a - lo >= reach || lo === 0, label).toBe(true);
          expect(hi - z >= reach || hi === n0, label).toBe(true);
          if (selected && (lo === 0 || hi === n0)) expect(hi - lo, label).toBeGreaterThanOrEqual(Math.min(n0, 2 * reach + 1));
          // The window's plan: the whole plan's, over its rows.
          expect(w.plan.size, label).toBe((hi - lo) * row);
          expect([w.p0, w.p1], label).toEqual([w.b0 * row, w.b1 * row]);
          for (const ax of w.plan.axes) expect(ax.outer * ax.n * ax.inner, label).toBe(w.plan.size);
          if (hi - lo === n0) expect(w.plan, label).toBe(p);
        }
        expect(next, label).toBe(n0);
      }
    }
  });

  it('gives slabs with a view among their inputs at least 16 rows (viewRows), others the rows asked', () => {
    const flat = new Float64Array(12);
    const view = { data: flat, shape: [3, 4], strides: [1, 3], offset: 0, size: 12 };
    for (const rows of [1, 2, 15, 16, 40]) {
      expect(viewRows(rows, [flat]), `flat, ${rows}`).toBe(rows);
      expect(viewRows(rows, [view]), `a view, ${rows}`).toBe(Math.max(rows, 16));
      expect(viewRows(rows, [flat, view]), `a view second, ${rows}`).toBe(Math.max(rows, 16));
    }
  });

  it('takes plans of the contiguous loops whose first dimension is uniform and not periodic', () => {
    const yes = (options: GradientOptions) => {
      const shape = options.shape ?? [4, 6];
      const f = new Float64Array(shape.reduce((a, b) => a * b, 1));
      return windowable(f, makePlan(cpuInput(f).info, { ...options, shape }));
    };
    expect(yes({})).toBe(true);
    expect(yes({ accuracy: 4, shape: [6, 5] })).toBe(true);
    expect(yes({ boundary: ['edge', 'periodic'] })).toBe(true);
    expect(yes({ axis: 1, boundary: 'periodic' })).toBe(true); // the first dimension not selected
    expect(yes({ boundary: ['periodic', 'edge'] })).toBe(false);
    expect(yes({ spacing: [[0, 1, 3, 4], 1] })).toBe(false);
    expect(yes({ boundary: 'reflect' })).toBe(true); // ghost sides in the contiguous loops since the sixteenth session
    expect(yes({ boundary: 'reflect', edgeOrder: 2, shape: [2, 6] })).toBe(false); // shorter than numpy's one-sided stencil: the line path
    expect(yes({ invalid: 'skip' })).toBe(false);
  });
});

/** A random problem: up to three dimensions, lines long enough for the fused pass at times, boundaries and steps per axis. */
const problem = fc
  .record({
    shape: fc.oneof(
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
      fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 32, max: 40 })),
      fc.tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 32, max: 36 })),
    ),
    edgeOrder: fc.constantFrom(1 as const, 2 as const),
    accuracy: fc.constantFrom(2 as const, 2 as const, 4 as const),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    rows: fc.integer({ min: 1, max: 13 }),
  })
  .chain(({ shape, edgeOrder, accuracy, seed, rows }) =>
    fc.record({
      shape: fc.constant(shape),
      edgeOrder: fc.constant(edgeOrder),
      accuracy: fc.constant(accuracy),
      seed: fc.constant(seed),
      rows: fc.constant(rows),
      boundary: fc.array(fc.constantFrom('edge', 'edge', 'periodic'), { minLength: shape.length, maxLength: shape.length }),
      spacing: fc.array(fc.constantFrom(1, 0.5, 0.3, -2, 0.7), { minLength: shape.length, maxLength: shape.length }),
      axis: fc.shuffledSubarray(
        shape.map((_, d) => d),
        { minLength: 1 },
      ),
      nonUniform: fc.boolean(),
    }),
  );

/**
 * Random data with signed zeros, NaN and infinities now and then. Each value takes two draws of 31 bits, so
 * that it uses a double's whole mantissa: with one draw, differences and sums of three were exact and the
 * order of a sum's terms could not show (a test changed to sum in another order still passed).
 */
function values(size: number, seed: number): Float64Array {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e300];
  return Float64Array.from({ length: size }, () =>
    next() < 0.03 ? special[Math.floor(next() * special.length)] : (next() + next() * 2 ** -31 - 0.5) * 200,
  );
}

/** The problem's options (the axes in sorted order, so that component k goes with the k-th axis) and its plan; null when the plan is refused. */
function problemOptions(p: {
  shape: number[];
  edgeOrder: 1 | 2;
  accuracy: 2 | 4;
  boundary: string[];
  spacing: number[];
  axis: number[];
  nonUniform: boolean;
}): { options: GradientOptions; plan: Plan } | null {
  const axis = [...p.axis].sort((a, b) => a - b);
  const spacing = axis.map((d, k) =>
    p.nonUniform && k === 0 ? Array.from({ length: p.shape[d] }, (_, i) => i * p.spacing[d] + 0.1 * i * i) : p.spacing[d],
  );
  const options = {
    shape: p.shape,
    axis,
    edgeOrder: p.edgeOrder,
    accuracy: p.accuracy,
    boundary: axis.map((d) => p.boundary[d]),
    spacing,
  } as GradientOptions;
  try {
    return { options, plan: makePlan(cpuInput(new Float64Array(p.shape.reduce((a, b) => a * b, 1))).info, options) };
  } catch {
    return null; // e.g. an axis too short for its stencil
  }
}

/** An `out` array holding a previous call's values: every element must be written. */
function stale(size: number): Float64Array {
  return Float64Array.from({ length: size }, (_, i) => (i % 3 === 0 ? Number.NaN : 1e6 + i));
}

/**
 * The magnitude of `f`, the divergence and (of 2 or 3 components) the curl of `components` on `plan`, into
 * stale arrays (`rows`: the slab height, by default the functions' own), against their definitions
 * composed from whole cpuGradient results, bit for bit.
 */
function checkFields(f: Float64Array, components: Float64Array[], plan: Plan, options: GradientOptions, rows?: number): void {
  const size = plan.size;
  const label = JSON.stringify(options);
  // The magnitude: √ of the squares summed in axis order.
  const grads = cpuGradient(f, options);
  const magnitude = grads[0].map((_, i) => Math.sqrt(grads.reduce((sum, g) => sum + g[i] * g[i], 0)));
  expect(firstDifference([magnitudeOf(f, plan, stale(size), rows)], [magnitude]), label).toBeNull();
  // The divergence: Σ_k ∂v_k/∂x_k from the first term, component k differentiated along axis k.
  const parts = components.map((v, k) => cpuGradient(v, options)[k]);
  const divergence = Float64Array.from(parts[0]);
  for (let k = 1; k < parts.length; k++) for (let i = 0; i < size; i++) divergence[i] += parts[k][i];
  expect(firstDifference([divergenceOf(components, plan, stale(size), rows)], [divergence]), label).toBeNull();
  // The curl of 2 or 3 components: ∂v_a/∂x_i − ∂v_b/∂x_j.
  if (components.length === 2 || components.length === 3) {
    const curl = curlByComposition(components.map((v) => cpuGradient(v, options)));
    const outs = curl.map(() => stale(size));
    expect(firstDifference(curlOf(components, plan, outs, rows), curl), label).toBeNull();
  }
}

/** The curl from whole cpuGradient results d[component][axis]: ∂v_a/∂x_i − ∂v_b/∂x_j as defined (cpuCurl's doc). */
function curlByComposition(d: Float64Array[][]): Float64Array[] {
  const minus = (a: Float64Array, b: Float64Array) => a.map((x, i) => x - b[i]);
  if (d.length === 2) return [minus(d[1][0], d[0][1])];
  return [minus(d[2][1], d[1][2]), minus(d[0][2], d[2][0]), minus(d[1][0], d[0][1])];
}

/** The same values as a strided view (every other element of a larger array): the reference's line path. */
function strided(f: Float64Array, shape: number[]): NdarrayLike {
  const data = new Float64Array(2 * f.length);
  f.forEach((v, i) => {
    data[2 * i] = v;
  });
  const strides = shape.map((_, d) => 2 * shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return { data, shape, strides };
}

describe('the fused fields slab by slab', () => {
  it('give the bits of their definition composed from whole cpuGradient results, for any slab height', () => {
    let windowed = 0,
      summed = 0,
      total = 0;
    fc.assert(
      fc.property(problem, (p) => {
        const made = problemOptions(p);
        if (made === null) return true;
        const { options, plan } = made;
        const size = plan.size;
        const f = values(size, p.seed);
        total++;
        if (windowable(f, plan)) windowed++;
        if (fusedPlan(plan) !== null) summed++;
        checkFields(
          f,
          plan.axes.map((_, k) => values(size, p.seed + 7 * k + 1)),
          plan,
          options,
          p.rows,
        );
        return true;
      }),
      { numRuns: 400, seed: 20261207 },
    );
    // Most problems take the slabs; the rest (periodic or non-uniform first axis) the composition itself;
    // the divergence and the curl of the gradient's fused plans take the one-pass sums (fused-sum.ts).
    expect(windowed).toBeGreaterThan(total / 3);
    expect(total - windowed).toBeGreaterThan(0);
    expect(summed).toBeGreaterThan(total / 10);
  });

  it('the magnitude, the divergence and the curl in one pass (fused-sum.ts) give the bits of their definition', () => {
    // Plans the gradient's fused pass takes: uniform steps, lines of 32 or more; edge or periodic axes;
    // second order (steps whose 2h is a power of two: products; or not: quotients) or fourth.
    const sumProblem = fc.record({
      shape: fc.oneof(
        fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 32, max: 48 })),
        fc.tuple(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 32, max: 36 })),
      ),
      edgeOrder: fc.constantFrom(1 as const, 2 as const),
      accuracy: fc.constantFrom(2 as const, 2 as const, 4 as const),
      powers: fc.boolean(),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
      subset: fc.boolean(),
      periodic: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    });
    let checked = 0;
    fc.assert(
      fc.property(sumProblem, ({ shape, edgeOrder, accuracy, powers, seed, subset, periodic }) => {
        const d = shape.length;
        const axis = subset && d === 3 ? [0, 2] : shape.map((_, k) => k);
        const spacing = axis.map((k) => (powers ? [1, 0.5, -2][k] : [0.3, 0.7, -1.1][k]));
        // Periodic axes (of 3 points or more) wrap their ends.
        const boundary = axis.map((k) => (periodic[k] && shape[k] >= 3 ? 'periodic' : 'edge')) as GradientOptions['boundary'];
        const options: GradientOptions = { shape, axis, edgeOrder, accuracy, spacing, boundary };
        let plan: Plan;
        try {
          plan = makePlan(cpuInput(new Float64Array(shape.reduce((a, b) => a * b, 1))).info, options);
        } catch {
          return true; // an axis too short for edge order 2 or fourth order
        }
        expect(fusedPlan(plan), JSON.stringify(options)).not.toBeNull();
        checked++;
        checkFields(
          values(plan.size, seed + 99),
          axis.map((_, k) => values(plan.size, seed + k)),
          plan,
          options,
        );
        return true;
      }),
      { numRuns: 300, seed: 20261209 },
    );
    expect(checked).toBeGreaterThan(150);
  });

  it('the Laplacian gives the bits of its line path (a strided view of the same values), for any slab height', () => {
    let checked = 0,
      summed = 0;
    fc.assert(
      fc.property(problem, (p) => {
        const made = problemOptions({ ...p, accuracy: 2, nonUniform: false });
        if (made === null) return true;
        const { options, plan } = made;
        try {
          checkLaplacian(plan);
        } catch {
          return true; // an axis too short for the one-sided stencil
        }
        checked++;
        if (fusedPlan(plan) !== null) summed++;
        const f = values(plan.size, p.seed);
        const want = cpuLaplacian(strided(f, p.shape), { ...options, shape: undefined });
        expect(firstDifference([laplacianOf(f, plan, stale(plan.size), p.rows)], [want]), JSON.stringify(options)).toBeNull();
        return true;
      }),
      { numRuns: 400, seed: 20261208 },
    );
    expect(checked).toBeGreaterThan(100);
    expect(summed).toBeGreaterThan(30); // in one pass (fused-sum.ts)
  });

  it('a large field: several slabs of the default height, through the public functions', () => {
    // 300 × 257: 131,072 bytes of rows (the default slab is 256 KiB), so the magnitude runs in three windows.
    const shape = [300, 257];
    const f = values(300 * 257, 99);
    const options = { shape, spacing: [0.5, 0.3] as number[], edgeOrder: 2 as const };
    const grads = cpuGradient(f, options);
    const want = grads[0].map((x, i) => Math.sqrt(x * x + grads[1][i] * grads[1][i]));
    const plan = makePlan(cpuInput(f).info, options);
    expect(windowsOf(plan, Math.floor((256 * 1024) / (8 * 257))).length).toBeGreaterThan(2);
    expect(firstDifference([cpuGradientMagnitude(f, options)], [want])).toBeNull();
    expect(firstDifference([cpuLaplacian(f, options)], [cpuLaplacian(strided(f, shape), { ...options, shape: undefined })])).toBeNull();
  });
});

describe('the fused fields in parts (cpu/parts.ts, what cpuWorkers threads compute)', () => {
  it('assembled in 1–7 parts, give the whole call bit for bit, every element written once', () => {
    const counted = { fused: 0, slabs: 0, whole: 0 };
    fc.assert(
      fc.property(problem, fc.integer({ min: 1, max: 7 }), (p, count) => {
        const made = problemOptions({ ...p, nonUniform: p.nonUniform && p.seed % 2 === 0 });
        if (made === null) return true;
        const { options, plan } = made;
        const size = plan.size;
        const f = values(size, p.seed);
        const components = plan.axes.map((_, k) => values(size, p.seed + 3 * k + 1));
        const fields: [SplitOp, Float64Array[], () => Float64Array[]][] = [
          ['magnitude', [f], () => [cpuGradientMagnitude(f, options)]],
          ['divergence', components, () => [cpuDivergence(components, options)]],
        ];
        if (components.length === 2 || components.length === 3) fields.push(['curl', components, () => cpuCurl(components, options)]);
        const lap = { ...options, accuracy: 2 as const };
        const lapPlan = makePlan(cpuInput(f).info, lap);
        try {
          if (lapPlan.axes.every((ax) => ax.dx === null)) {
            checkLaplacian(lapPlan);
            fields.push(['laplacian', [f], () => [cpuLaplacian(f, lap)]]);
          }
        } catch {
          // an axis too short for the Laplacian's one-sided stencil
        }
        for (const [op, inputs, whole] of fields) {
          const o = op === 'laplacian' ? lap : options;
          const form = rowForm(op as DerivedField, inputs, op === 'laplacian' ? lapPlan : plan);
          if (form === null) {
            counted.whole++;
            continue; // the composition: such calls are not split
          }
          counted[form === 'slabs' ? 'slabs' : 'fused']++;
          const want = whole();
          const { outs, writes } = assembleParts(
            { op, inputs, options: o, count },
            want.map(() => size),
          );
          const label = `${op} ${JSON.stringify(o)} in ${count} parts`;
          expect(writtenOnce(writes), label).toBe(true);
          expect(firstDifference(outs, want), label).toBeNull();
        }
        return true;
      }),
      { numRuns: 300, seed: 20261210 },
    );
    expect(counted.fused).toBeGreaterThan(50);
    expect(counted.slabs).toBeGreaterThan(100);
    expect(counted.whole).toBeGreaterThan(0);
  });
});

describe('fusedSum on its own', () => {
  it('the norm of three fourth-order terms (which magnitudeOf leaves to the slabs, measured faster) gives the composition', () => {
    for (const boundary of ['edge', 'periodic'] as const) {
      const shape = [7, 6, 40];
      const options: GradientOptions = { shape, accuracy: 4, boundary, spacing: [0.3, 0.5, 0.7] };
      const f = values(1680, 5);
      const plan = makePlan(cpuInput(f).info, options);
      const fused = fusedPlan(plan);
      expect(fused?.accuracy).toBe(4);
      const out = stale(1680);
      const terms = [0, 1, 2].map((k) => ({ input: 0, k, sign: 1 as const }));
      fusedSum([f], fused!, terms, out, 0, 7, 'norm');
      const g = cpuGradient(f, options);
      const want = g[0].map((_, i) => Math.sqrt(g[0][i] * g[0][i] + g[1][i] * g[1][i] + g[2][i] * g[2][i]));
      expect(firstDifference([out], [want]), boundary).toBeNull();
    }
  });
});

describe('the fused fields of other element types', () => {
  it('read float32, int16 and plain-array inputs as the composition does, in one pass and in slabs', () => {
    const shape = [6, 5, 40];
    const size = 1200;
    const finite = (seed: number) => Array.from(values(size, seed), (x) => (Number.isFinite(x) ? x : 0));
    const kinds: [string, (seed: number) => ArrayLike<number>][] = [
      ['float32', (seed) => Float32Array.from(finite(seed))],
      ['int16', (seed) => Int16Array.from(finite(seed), Math.round)],
      ['array', finite],
    ];
    for (const [kind, make] of kinds)
      for (const options of [{ shape }, { shape, spacing: 0.3 }, { shape, accuracy: 4 as const }]) {
        const label = `${kind} ${JSON.stringify(options)}`;
        const inputs = [make(1), make(2), make(3)] as number[][];
        const d = inputs.map((v) => cpuGradient(v, options));
        const divergence = d[0][0].map((x, i) => x + d[1][1][i] + d[2][2][i]);
        expect(firstDifference([cpuDivergence(inputs, options)], [divergence]), label).toBeNull();
        expect(firstDifference(cpuCurl(inputs, options), curlByComposition(d)), label).toBeNull();
        const g = d[1];
        const magnitude = g[0].map((_, i) => Math.sqrt(g[0][i] * g[0][i] + g[1][i] * g[1][i] + g[2][i] * g[2][i]));
        expect(firstDifference([cpuGradientMagnitude(inputs[1], options)], [magnitude]), label).toBeNull();
        expect(
          firstDifference(
            [cpuLaplacian(inputs[2], { ...options, accuracy: 2 })],
            [cpuLaplacian(strided(Float64Array.from(inputs[2]), shape), { ...options, shape: undefined, accuracy: 2 })],
          ),
          label,
        ).toBeNull();
      }
  });
});

describe('the fused fields on the CPU take `out`', () => {
  const shape = [9, 40];
  const size = 360;
  const f = values(size, 5);
  const v = [values(size, 6), values(size, 7)];
  const v3 = [values(120, 8), values(120, 9), values(120, 10)];
  const cases: [string, GradientOptions][] = [
    ['slabs', { shape }],
    ['a periodic first axis (whole arrays)', { shape, boundary: ['periodic', 'edge'] }],
    ['ghost sides (lines)', { shape, boundary: 'reflect' }],
    ['fourth order', { shape, accuracy: 4 }],
  ];

  it.each(cases)('writes every element of stale arrays, the bits of fresh results: %s', (_, options) => {
    const one = [stale(size)];
    expect(cpuGradientMagnitude(f, { ...options, out: one })).toBe(one[0]);
    expect(firstDifference(one, [cpuGradientMagnitude(f, options)])).toBeNull();
    const div = [stale(size)];
    expect(cpuDivergence(v, { ...options, out: div })).toBe(div[0]);
    expect(firstDifference(div, [cpuDivergence(v, options)])).toBeNull();
    const curl = [stale(size)];
    expect(cpuCurl(v, { ...options, out: curl })).toEqual([curl[0]]);
    expect(firstDifference(curl, cpuCurl(v, options))).toBeNull();
    if (options.accuracy !== 4) {
      const lap = [stale(size)];
      expect(cpuLaplacian(f, { ...options, out: lap })).toBe(lap[0]);
      expect(firstDifference(lap, [cpuLaplacian(f, options)])).toBeNull();
    }
  });

  it('a 3-D curl into three arrays, a magnitude through an out view, on the sphere, of no axes', () => {
    const outs = [stale(120), stale(120), stale(120)];
    const o3 = { shape: [4, 5, 6] };
    expect(cpuCurl(v3, { ...o3, out: outs })).toEqual(outs);
    expect(firstDifference(outs, cpuCurl(v3, o3))).toBeNull();
    // A transposed view of its own memory: element (i, j) lands at j·9 + i.
    const data = stale(size);
    const view = { data, shape, strides: [1, 9] };
    expect(cpuGradientMagnitude(f, { shape, out: [view] })).toBe(data);
    const fresh = cpuGradientMagnitude(f, { shape });
    for (let i = 0; i < 9; i++) for (let j = 0; j < 40; j++) expect(Object.is(data[j * 9 + i], fresh[i * 40 + j])).toBe(true);
    const sphere: GradientOptions = {
      shape,
      sphere: {
        latitude: Array.from({ length: 9 }, (_, i) => -60 + 15 * i),
        longitude: Array.from({ length: 40 }, (_, j) => 9 * j),
      },
      boundary: ['edge', 'periodic'],
    };
    const s = [stale(size)];
    cpuGradientMagnitude(f, { ...sphere, out: s });
    expect(firstDifference(s, [cpuGradientMagnitude(f, sphere)])).toBeNull();
    // No selected axis: zeros.
    expect(Array.from(cpuGradientMagnitude(f, { shape, axis: [], out: [stale(size)] }))).toEqual(new Array(size).fill(0));
    expect(Array.from(cpuGradientMagnitude(f, { shape, axis: [] }))).toEqual(new Array(size).fill(0));
  });

  it('refuses outputs of the wrong count, type or length, and outputs that overlap an input', () => {
    const refused: [string, () => unknown, RegExp][] = [
      [
        'two for the magnitude',
        () => cpuGradientMagnitude(f, { shape, out: [stale(size), stale(size)] }),
        /^out: .*\(one, the magnitude\)/,
      ],
      ['float32', () => cpuDivergence(v, { shape, out: [new Float32Array(size) as never] }), /out/],
      ['short', () => cpuLaplacian(f, { shape, out: [new Float64Array(10)] }), /out/],
      ['one for a 3-D curl', () => cpuCurl(v3, { shape: [4, 5, 6], out: [stale(120)] }), /one per component of the curl/],
      ['the data itself', () => cpuLaplacian(f, { shape, out: [f] }), /out\[0\]: overlaps the data/],
      ['a component', () => cpuDivergence(v, { shape, out: [v[1]] }), /out\[0\]: overlaps/],
    ];
    for (const [what, call, message] of refused)
      expect(call, what).toThrow(expect.objectContaining({ code: 'invalid-option', message: expect.stringMatching(message) }));
  });
});
