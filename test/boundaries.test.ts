import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowForm } from '../src/cpu/derived';
import { gradientByLines, takesGaps } from '../src/cpu/gradient';
import { cpuInput } from '../src/cpu/input';
import { isPartable } from '../src/cpu/lines';
import type { SplitOp } from '../src/cpu/parts';
import {
  type BoundaryMode,
  cpuCurl,
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  cpuLaplacian,
  createGradient,
  GradientError,
  type GradientOptions,
} from '../src/index';
import { makePlan } from '../src/plan';
import { firstDifference } from './helpers/bits';
import { type BoundaryCase, smallestStep, values } from './helpers/boundary-cases';
import { close64, f32Violation, maxAbs } from './helpers/bounds';
import { cpuResults, expectedOf, gpuResults, type Results } from './helpers/fixture-results';
import { gpuSuite } from './helpers/gpu-suite';
import { assembleParts, writtenOnce } from './helpers/parts';
import { rng } from './helpers/random';
import { spreadView } from './helpers/spread-view';
import { TINY_LIMITS } from './helpers/tiny-limits';

// Ghost boundary modes per side and gaps ('skip'), on the CPU and the GPU, against scipy and numpy
// (fixtures/make_boundary_fixtures.py).
const cases: BoundaryCase[] = JSON.parse(readFileSync(new URL('./fixtures/boundaries.json', import.meta.url), 'utf8')).cases;

function compare64(c: BoundaryCase, got: Results): void {
  const want = expectedOf(c);
  const scale = maxAbs(values(c.data)) / smallestStep(c.options);
  for (const [name, list] of Object.entries(want)) {
    list.forEach((ref, k) => {
      const g = got[name][k];
      for (let i = 0; i < ref.length; i++) {
        if (!close64(g[i], ref[i], 100 * scale)) {
          throw new Error(`${c.name}: ${name}[${k}][${i}] = ${g[i]}, expected ${ref[i]}`);
        }
      }
    });
  }
}

describe('boundary modes and gaps on the CPU', () => {
  it('has fixtures of every side pair, accuracy 4, coordinates, gaps, masks and fused fields', () => {
    const modes = ['edge', 'nearest', 'mirror', 'reflect', 'constant'];
    for (const lo of modes) for (const hi of modes) expect(cases.some((c) => c.name === `1d ${lo}/${hi} eo2`)).toBe(true);
    expect(cases.filter((c) => c.name.includes('accuracy 4')).length).toBeGreaterThan(25);
    expect(cases.filter((c) => c.options.invalid === 'skip' && c.mask).length).toBeGreaterThan(2);
    for (const field of ['magnitude', 'divergence', 'curl', 'laplacian'] as const) {
      expect(cases.some((c) => c[field] !== undefined && c.options.invalid !== 'skip')).toBe(true);
    }
    for (const field of ['magnitude', 'divergence', 'curl'] as const) {
      expect(cases.some((c) => c[field] !== undefined && c.options.invalid === 'skip')).toBe(true);
    }
  });

  it('matches scipy and numpy on every case', () => {
    for (const c of cases) compare64(c, cpuResults(c));
  });

  it('gives NaN exactly at invalid points and runs of one', () => {
    const f = Float64Array.from([1, 2, Number.NaN, 4, Number.NaN, 6, 7, 9]);
    const [d] = cpuGradient(f, { invalid: 'skip' });
    expect(Array.from(d, Number.isNaN)).toEqual([false, false, true, true, true, false, false, false]);
    expect(d[0]).toBe(1);
    expect(d[5]).toBe(1);
    expect(d[7]).toBe(2);
    // 'propagate' is numpy's: a NaN spreads to its neighbours' central differences.
    const [p] = cpuGradient(f);
    expect(Array.from(p, Number.isNaN)).toEqual([false, true, false, true, false, true, false, false]); // numpy.gradient's
  });
});

const GHOST_MODES = ['nearest', 'mirror', 'reflect', 'constant'] as const;
const FIELDS = ['gradient', 'magnitude', 'divergence', 'curl', 'laplacian'] as const;

/** A random problem with at least one ghost side: 1–3 dimensions (last lines long enough for the fused pass at times). */
const ghostProblem = fc
  .record({
    shape: fc.oneof(
      fc.array(fc.integer({ min: 2, max: 9 }), { minLength: 1, maxLength: 3 }),
      fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 32, max: 40 })),
      fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 5, max: 7 }), fc.integer({ min: 32, max: 36 })),
    ),
    sides: fc.array(
      fc.tuple(fc.constantFrom<BoundaryMode>('edge', ...GHOST_MODES, 'periodic'), fc.constantFrom<BoundaryMode>('edge', ...GHOST_MODES)),
      { minLength: 3, maxLength: 3 },
    ),
    ghost: fc.constantFrom(...GHOST_MODES),
    accuracy: fc.constantFrom(2, 2, 4),
    edgeOrder: fc.constantFrom(1, 2),
    cval: fc.constantFrom(0, -1.5, 2.25),
    steps: fc.array(fc.constantFrom(1, 0.5, 0.3, -2, null), { minLength: 3, maxLength: 3 }),
    field: fc.constantFrom(...FIELDS, 'gradient'),
    count: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer(),
  })
  .map((p) => {
    const d = p.shape.length;
    const size = p.shape.reduce((a, b) => a * b, 1);
    const next = rng(p.seed);
    const data = Float64Array.from(
      { length: size },
      () => (next() < 0.03 ? [Number.NaN, Number.POSITIVE_INFINITY, -0][Math.floor(next() * 3)] : 10 * Math.sin(1e4 * next())), // every mantissa bit
    );
    // Periodic is both sides or none; the first axis takes a ghost side before it, so every problem has one.
    const boundary = p.shape.map((n, k): readonly [BoundaryMode, BoundaryMode] | BoundaryMode => {
      const [lo, hi] = p.sides[k];
      if (k === 0) return [p.ghost, hi];
      return lo === 'periodic' ? (n >= 3 ? 'periodic' : 'edge') : [lo, hi];
    });
    // Accuracy 4 takes uniform steps only; null: the axis's coordinates, uneven.
    const spacing = p.shape.map((n, k) => {
      const h = p.steps[k];
      if (h !== null || p.accuracy === 4) return h ?? 0.5;
      return Float64Array.from({ length: n }, (_, i) => i + 0.3 * Math.sin(3 * i + k));
    });
    const field = (p.field === 'curl' && d !== 2 && d !== 3) || (p.field === 'laplacian' && p.accuracy === 4) ? 'gradient' : p.field;
    const options: GradientOptions = {
      shape: p.shape,
      boundary,
      accuracy: p.accuracy as 2 | 4,
      edgeOrder: p.edgeOrder as 1 | 2,
      cval: p.cval,
      spacing,
    };
    return { data, options, field, count: p.count, d };
  });

/** A field of `data` (components made from it for the divergence and curl), flat or as a view. */
function ghostField(field: (typeof FIELDS)[number], data: Float64Array, options: GradientOptions, view: boolean): Float64Array[] {
  const shape = options.shape!;
  const given = (a: Float64Array) => (view ? spreadView(a, shape) : a);
  const o: GradientOptions = view ? { ...options, shape: undefined } : options;
  const comps = () => components(data, shape).map(given);
  if (field === 'gradient') return cpuGradient(given(data), o);
  if (field === 'magnitude') return [cpuGradientMagnitude(given(data), o)];
  if (field === 'divergence') return [cpuDivergence(comps(), o)];
  if (field === 'curl') return cpuCurl(comps(), o);
  return [cpuLaplacian(given(data), o)];
}

/**
 * A field by the line path (gradientByLines: every axis line by line, lines.ts) and the fields' composition
 * over whole arrays: the reference the faster layers are held to. The Laplacian's reference is its view,
 * which the line path takes.
 */
function byLines(field: (typeof FIELDS)[number], data: Float64Array, options: GradientOptions): Float64Array[] {
  if (field === 'laplacian') return ghostField(field, data, options, true);
  const plan = makePlan(cpuInput(data).info, options);
  const size = data.length;
  const lines = (v: Float64Array) => gradientByLines(v, plan);
  if (field === 'gradient') return lines(data);
  if (field === 'magnitude') {
    const g = lines(data);
    const out = g[0].map((v) => v * v);
    for (let k = 1; k < g.length; k++) for (let i = 0; i < size; i++) out[i] += g[k][i] * g[k][i];
    return [out.map(Math.sqrt)];
  }
  const c = components(data, options.shape!);
  if (field === 'divergence') {
    const out = lines(c[0])[0];
    for (let k = 1; k < c.length; k++) {
      const d = lines(c[k])[k];
      for (let i = 0; i < size; i++) out[i] += d[i];
    }
    return [out];
  }
  const terms =
    c.length === 2
      ? [[1, 0, 0, 1]]
      : [
          [2, 1, 1, 2],
          [0, 2, 2, 0],
          [1, 0, 0, 1],
        ];
  return terms.map(([a, i, b, j]) => {
    const d = lines(c[a])[i];
    const e = lines(c[b])[j];
    return d.map((v, p) => v - e[p]);
  });
}

/** The divergence's and curl's components, made from the data. */
function components(data: Float64Array, shape: readonly number[]): Float64Array[] {
  return shape.map((_, k) => data.map((v, i) => v * (k + 1) + (i % 3)));
}

/**
 * The field of flat data and of the same data as a view, each held to the line path (byLines) bit for bit:
 * the line path's results, or null where the call is refused (too few points for the sides, steps the
 * Laplacian refuses), which flat data must be alike.
 */
function againstLines(field: (typeof FIELDS)[number], data: Float64Array, options: GradientOptions): Float64Array[] | null {
  let want: Float64Array[];
  try {
    want = byLines(field, data, options);
  } catch (e) {
    expect(() => ghostField(field, data, options, false)).toThrow((e as Error).message);
    return null;
  }
  expect(firstDifference(ghostField(field, data, options, false), want)).toBeNull();
  expect(firstDifference(ghostField(field, data, options, true), want)).toBeNull();
  return want;
}

describe('ghost sides in the contiguous loops', () => {
  it("give the line path's bits, flat, as a view and in parts, for the gradient, the fields and the Laplacian", () => {
    fc.assert(
      fc.property(ghostProblem, ({ data, options, field, count }) => {
        const want = againstLines(field, data, options);
        if (want === null) return;
        const op: SplitOp = field;
        const inputs = field === 'divergence' || field === 'curl' ? components(data, options.shape!) : [data];
        // Parts where the call can be split: the contiguous loops (an axis shorter than numpy's one-sided
        // stencils takes the line path whole).
        const plan = makePlan(cpuInput(data).info, options);
        if (!(field === 'gradient' ? isPartable(data, plan) : rowForm(field, inputs, plan) !== null)) return;
        const { out: _none, ...partOptions } = options as GradientOptions & { out?: unknown };
        const parts = assembleParts(
          { op, inputs, options: partOptions, count },
          want.map((w) => w.length),
        );
        expect(firstDifference(parts.outs, want)).toBeNull();
        expect(writtenOnce(parts.writes)).toBe(true);
      }),
      { numRuns: 500, seed: 23 },
    );
  });
});

/** A random 'skip' problem: gaps of every density (non-finite values, a mask), every side, steps and coordinates. */
const gapProblem = fc
  .record({
    shape: fc.oneof(
      fc.array(fc.integer({ min: 2, max: 9 }), { minLength: 1, maxLength: 3 }),
      fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 32, max: 40 })),
    ),
    density: fc.constantFrom(0, 0.02, 0.1, 0.3, 0.6),
    // A mask of booleans (read point by point) or of bytes, any non-zero byte valid (read eight at a time).
    masked: fc.constantFrom(null, 'booleans', 'bytes'),
    sides: fc.array(
      fc.tuple(fc.constantFrom<BoundaryMode>('edge', ...GHOST_MODES, 'periodic'), fc.constantFrom<BoundaryMode>('edge', ...GHOST_MODES)),
      {
        minLength: 3,
        maxLength: 3,
      },
    ),
    edgeOrder: fc.constantFrom(1, 2),
    steps: fc.array(fc.constantFrom(1, 0.5, -2, null), { minLength: 3, maxLength: 3 }),
    field: fc.constantFrom('gradient', 'gradient', 'magnitude', 'divergence', 'curl'),
    seed: fc.integer(),
    count: fc.integer({ min: 1, max: 7 }),
  })
  .map((p) => {
    const d = p.shape.length;
    const size = p.shape.reduce((a, b) => a * b, 1);
    const next = rng(p.seed);
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const data = Float64Array.from({ length: size }, () =>
      next() < p.density ? special[Math.floor(next() * 3)] : next() < 0.01 ? -0 : 10 * Math.sin(1e4 * next()),
    );
    const valid = Array.from({ length: size }, () => next() > p.density);
    const bytes = () => Uint8Array.from(valid, (v) => (v ? [1, 2, 255][Math.floor(next() * 3)] : 0));
    const mask = p.masked === null ? undefined : p.masked === 'bytes' ? bytes() : valid;
    const boundary = p.shape.map((n, k): readonly [BoundaryMode, BoundaryMode] | BoundaryMode =>
      p.sides[k][0] === 'periodic' ? (n >= 3 ? 'periodic' : 'edge') : p.sides[k],
    );
    const periodic = boundary.map((b) => b === 'periodic');
    // null: the axis's coordinates, uneven (a periodic axis then needs its period).
    const spacing = p.shape.map((n, k) => p.steps[k] ?? Float64Array.from({ length: n }, (_, i) => i + 0.3 * Math.sin(3 * i + k)));
    const period = periodic.some((x, k) => x && p.steps[k] === null)
      ? p.shape.map((n, k) => (periodic[k] && p.steps[k] === null ? n + 0.5 : null))
      : undefined;
    const field = p.field === 'curl' && d === 1 ? 'gradient' : p.field;
    const options: GradientOptions = { shape: p.shape, invalid: 'skip', mask, boundary, edgeOrder: p.edgeOrder as 1 | 2, spacing, period };
    return { data, options, field, count: p.count };
  });

describe("gaps ('skip') in the contiguous loops", () => {
  it("give the line path's bits, flat, as a view and in parts (the gradient, the magnitude), for the gradient and the fields", () => {
    let split = 0;
    fc.assert(
      fc.property(gapProblem, ({ data, options, field, count }) => {
        const want = againstLines(field, data, options);
        if (want === null) return;
        // In parts (cpuWorkers' slabs: gradient.ts gapsSlab), where the loops take the gradient or the
        // magnitude; the other fields with gaps are composed over whole arrays.
        const plan = makePlan(cpuInput(data).info, options);
        const inputs = field === 'divergence' || field === 'curl' ? components(data, options.shape!) : [data];
        if (!(field === 'gradient' ? takesGaps(data, plan) : rowForm(field, inputs, plan) !== null)) return;
        split++;
        const parts = assembleParts(
          { op: field, inputs, options, count },
          want.map((w) => w.length),
        );
        expect(firstDifference(parts.outs, want)).toBeNull();
        expect(writtenOnce(parts.writes)).toBe(true);
      }),
      { numRuns: 500, seed: 24 },
    );
    expect(split).toBeGreaterThan(100);
  });
});

describe('boundary and gap refusals', () => {
  const f = new Float64Array(12);
  const bad: [string, GradientOptions, string][] = [
    ['unknown mode', { boundary: 'wrap' as never }, 'boundary: "wrap"'],
    ['periodic on one side', { boundary: [['periodic', 'edge']] }, 'boundary[0]'],
    ['a pair of three', { boundary: [['edge', 'edge', 'edge'] as never] }, 'boundary[0]'],
    ['cval not a number', { boundary: 'constant', cval: '1' as never }, 'cval: "1"'],
    ['cval without constant', { boundary: 'mirror', cval: 1 }, 'cval: 1'],
    ['cval of the wrong count', { shape: [3, 4], boundary: 'constant', cval: [1, 2, 3] }, 'cval'],
    ['mask without skip', { mask: new Uint8Array(12) }, 'mask'],
    ['mask of the wrong length', { invalid: 'skip', mask: new Uint8Array(5) }, 'mask'],
    ['unknown invalid', { invalid: 'drop' as never }, 'invalid: "drop"'],
    ['skip with accuracy 4', { invalid: 'skip', accuracy: 4 }, 'accuracy'],
    ['mirror on one point', { shape: [12, 1], axis: 1, boundary: 'mirror' }, 'shape[1] = 1'],
  ];
  for (const [name, options, named] of bad) {
    it(`refuses ${name}`, () => {
      let error: unknown;
      try {
        cpuGradient(f, options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GradientError);
      expect((error as Error).message).toContain(named);
    });
  }
  it('refuses skip for the Laplacian', () => {
    expect(() => cpuLaplacian(f, { invalid: 'skip' })).toThrow(/Laplacian/);
  });
});

/** Checks float32 results against the fixtures with the bound from input magnitude and step. */
function compare32(c: BoundaryCase, got: Results, k = 16): void {
  const want = expectedOf(c);
  const inputs = [values(c.data), ...(c.components ?? []).map(values)];
  const scale = Math.max(...inputs.map(maxAbs), ...inputs.map((v) => maxAbs(v)));
  const h = smallestStep(c.options);
  for (const [name, list] of Object.entries(want)) {
    list.forEach((ref, j) => {
      // Magnitude and divergence add up to three axes' errors; the Laplacian divides by h².
      const kk = name === 'laplacian' ? k * 4 : k * 3;
      const hh = name === 'laplacian' ? h * h : h;
      const bad = f32Violation(got[name][j], ref, scale, hh, kk);
      if (bad) throw new Error(`${c.name}: ${name}[${j}] at ${bad.index}: got ${bad.got}, expected ${bad.ref} (bound ${bad.bound})`);
    });
  }
}

describe('boundary modes and gaps on the GPU', () => {
  const suite = gpuSuite();
  suite.gpuIt(
    'matches scipy and numpy on every case',
    async () => {
      const t0 = performance.now();
      for (const c of cases) compare32(c, await gpuResults(suite.ctx, c));
      console.log('fixtures on the GPU', (performance.now() - t0).toFixed(0), 'ms', suite.ctx.stats());
    },
    600_000,
  );

  suite.gpuIt('a coordinate axis of 2^21 points with gaps (its eleven weight rows checked row by row, never spread)', async () => {
    const n = 2 ** 21;
    const x = Float64Array.from({ length: n }, (_, i) => i + 0.25 * Math.sin(i));
    const f = Float32Array.from({ length: n }, (_, i) => (i % 1000 === 7 ? Number.NaN : Math.cos(i * 1e-3)));
    const options: GradientOptions = { spacing: [x], invalid: 'skip', edgeOrder: 2 };
    const [got] = await suite.ctx.gradient(f, options);
    const [want] = cpuGradient(f, options);
    const bad = f32Violation(got, want, 1, 0.5, 16);
    if (bad) throw new Error(`at ${bad.index}: ${bad.got} vs ${bad.ref}`);
  });

  suite.gpuIt('streamed in pieces and chunked dispatches (tiny limits), against the CPU reference', async ({ device }) => {
    const ctx = await createGradient({ device, limits: TINY_LIMITS, chunkBytes: 4096 });
    try {
      const random = rng(5);
      for (const [shape, options] of [
        [[40, 37], { boundary: [['constant', 'edge'], 'mirror'], cval: [[3, 0], 0] }],
        [[30, 44], { boundary: 'reflect', edgeOrder: 2 }],
        [[12, 9, 12], { boundary: 'nearest', accuracy: 4 }],
        [[40, 37], { invalid: 'skip', edgeOrder: 2 }],
        [[30, 44], { invalid: 'skip', boundary: ['mirror', 'periodic'] }],
        [[11, 9, 13], { invalid: 'skip', edgeOrder: 2, boundary: 'constant', cval: -1 }],
      ] as [number[], GradientOptions][]) {
        const size = shape.reduce((a, b) => a * b, 1);
        const f = Float64Array.from({ length: size }, () => random() * 4 - 2);
        if (options.invalid === 'skip') for (let i = 0; i < size; i += 7) f[(i * 13) % size] = Number.NaN;
        const o = { ...options, shape };
        const want = cpuGradient(f, o);
        const got = await ctx.gradient(f, o);
        want.forEach((ref, k) => {
          const bad = f32Violation(got[k], ref, 2, 1, 24);
          if (bad) throw new Error(`${JSON.stringify(o)} axis ${k} at ${bad.index}: ${bad.got} vs ${bad.ref}`);
        });
        const m = await ctx.magnitude(f, o);
        const bad = f32Violation(m, cpuGradientMagnitude(f, o), 2, 1, 48);
        if (bad) throw new Error(`magnitude ${JSON.stringify(o)} at ${bad.index}: ${bad.got} vs ${bad.ref}`);
      }
      expect(ctx.stats().transfer.jobs).toBeGreaterThan(12); // streamed: more pieces than calls
    } finally {
      ctx.destroy();
    }
  });
});
