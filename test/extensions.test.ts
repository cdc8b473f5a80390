import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BufferUsage, MapMode } from '../src/gpu/flags';
import {
  cpuCurl,
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  createGradient,
  type GradientContext,
  GradientError,
  type GradientOptions,
} from '../src/index';
import { firstDifference } from './helpers/bits';
import { f32Violation, maxAbs } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { rng } from './helpers/random';
import { spreadView } from './helpers/spread-view';
import { TINY_LIMITS, TINY_SHAPES } from './helpers/tiny-limits';

// Periodic boundaries, fourth-order stencils and fused fields, on the CPU and the GPU, against numpy; the
// Sobel and Scharr operators against scipy.
interface ExtCase {
  name: string;
  op: 'gradient' | 'magnitude' | 'divergence' | 'curl';
  shape: number[];
  options: GradientOptions;
  components: number[][];
  expected: number[][];
}
const load = (file: string): ExtCase[] => JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')).cases;
const cases: ExtCase[] = [...load('numpy_extensions.json'), ...load('scipy_operators.json')];

/** Smallest |step| of a case, for the error bounds. */
function hMin(o: GradientOptions): number {
  const sp = o.spacing;
  if (sp === undefined) return 1;
  if (typeof sp === 'number') return Math.abs(sp);
  let m = Infinity;
  for (const s of sp) {
    if (typeof s === 'number') m = Math.min(m, Math.abs(s));
    else for (let i = 1; i < s.length; i++) m = Math.min(m, Math.abs(s[i] - s[i - 1]));
  }
  return m;
}

/**
 * Fourth-order edge stencils weigh up to 128/12 per step (numpy's second order 4), Sobel's weights sum to
 * 8 in absolute value and Scharr's to 32: the bound scales with that.
 */
const kFor = (o: GradientOptions) => (o.operator === 'scharr' ? 256 : o.operator === 'sobel' ? 64 : o.accuracy === 4 ? 24 : 8);

function cpuRun(c: ExtCase): Float64Array[] {
  const [first] = c.components;
  const opts = { ...c.options, shape: c.shape };
  if (c.op === 'gradient') return cpuGradient(first, opts);
  if (c.op === 'magnitude') return [cpuGradientMagnitude(first, opts)];
  if (c.op === 'divergence') return [cpuDivergence(c.components, opts)];
  return cpuCurl(c.components, opts);
}

async function gpuRun(ctx: GradientContext, c: ExtCase): Promise<Float32Array[]> {
  const opts = { ...c.options, shape: c.shape };
  if (c.op === 'gradient') return ctx.gradient(c.components[0], opts);
  if (c.op === 'magnitude') return [await ctx.magnitude(c.components[0], opts)];
  if (c.op === 'divergence') return [await ctx.divergence(c.components, opts)];
  return ctx.curl(c.components, opts);
}

describe('extensions on the CPU', () => {
  it('has fixtures of every kind', () => {
    for (const op of ['gradient', 'magnitude', 'divergence', 'curl']) expect(cases.some((c) => c.op === op)).toBe(true);
    expect(cases.some((c) => c.options.boundary === 'periodic' && c.options.period !== undefined)).toBe(true);
    expect(cases.some((c) => c.options.accuracy === 4 && c.options.boundary === 'periodic')).toBe(true);
    // Boundaries per axis, with a period, with fourth order, and for each fused field.
    const mixed = cases.filter((c) => Array.isArray(c.options.boundary));
    expect(mixed.some((c) => c.options.period !== undefined)).toBe(true);
    expect(mixed.some((c) => c.options.accuracy === 4)).toBe(true);
    for (const op of ['gradient', 'magnitude', 'divergence', 'curl']) expect(mixed.some((c) => c.op === op)).toBe(true);
    for (const operator of ['sobel', 'scharr'])
      for (const op of ['gradient', 'magnitude', 'divergence', 'curl'])
        expect(cases.some((c) => c.options.operator === operator && c.op === op)).toBe(true);
  });

  for (const c of cases) {
    it(`${c.op}: ${c.name}`, () => {
      const got = cpuRun(c);
      expect(got.length).toBe(c.expected.length);
      const scale = maxAbs(c.components.flat()) / hMin(c.options);
      got.forEach((g, k) =>
        g.forEach((v, i) => {
          expect(Math.abs(v - c.expected[k][i]), `${c.name} [${k}][${i}]`).toBeLessThanOrEqual(
            1e-12 * (Math.abs(c.expected[k][i]) + scale),
          );
        }),
      );
    });
  }

  it("Sobel and Scharr on flat data give the per-element form's bits (the same values as a strided view)", () => {
    const r = rng(31);
    for (let t = 0; t < 300; t++) {
      const shape = [2 + Math.floor(r() * 12), 2 + Math.floor(r() * 12)];
      // Values with every bit of the mantissa (a generator's 32 bits would make every sum here exact, whatever its order).
      const data = Float64Array.from({ length: shape[0] * shape[1] }, () => (r() < 0.03 ? Number.NaN : 100 * Math.sin(1e4 * r())));
      const o: GradientOptions = { operator: r() < 0.5 ? 'sobel' : 'scharr', ...(r() < 0.3 ? { axis: r() < 0.5 ? 0 : 1 } : {}) };
      const flat = cpuGradient(data, { ...o, shape });
      const viewed = cpuGradient(spreadView(data, shape), o);
      expect(firstDifference(flat, viewed), `${JSON.stringify(o)} ${shape}`).toBeNull();
    }
  });

  it('fourth order is exact for polynomials up to degree 4 (and not for degree 5)', () => {
    const n = 11,
      h = 0.3;
    const x = Array.from({ length: n }, (_, i) => -1 + i * h);
    for (let deg = 0; deg <= 5; deg++) {
      const f = x.map((v) => v ** deg),
        exact = x.map((v) => (deg === 0 ? 0 : deg * v ** (deg - 1)));
      const got = cpuGradient(f, { spacing: h, accuracy: 4 })[0];
      const err = Math.max(...Array.from(got, (v, i) => Math.abs(v - exact[i])));
      if (deg <= 4) expect(err, `degree ${deg}`).toBeLessThan(1e-12);
      else expect(err).toBeGreaterThan(1e-3);
      // numpy's second order is exact only up to degree 2 at the edges.
      const second = cpuGradient(f, { spacing: h, edgeOrder: 2 })[0];
      const err2 = Math.max(...Array.from(second, (v, i) => Math.abs(v - exact[i])));
      if (deg >= 3) expect(err2).toBeGreaterThan(1e-6);
    }
  });

  const bad: [string, () => unknown, string, string][] = [
    ['unknown boundary', () => cpuGradient([1, 2, 3], { boundary: 'wrap' as never }), 'invalid-option', 'boundary: "wrap"'],
    ['accuracy 3', () => cpuGradient([1, 2, 3, 4, 5], { accuracy: 3 as never }), 'invalid-option', 'accuracy: 3'],
    ['period without periodic boundary', () => cpuGradient([1, 2, 3], { period: 3 }), 'invalid-option', 'period'],
    [
      'uneven periodic coordinates without period',
      () => cpuGradient([1, 2, 3, 4], { boundary: 'periodic', spacing: [[0, 1, 3, 4]] }),
      'invalid-spacing',
      'options.period',
    ],
    [
      'period shorter than the coordinates span',
      () => cpuGradient([1, 2, 3, 4], { boundary: 'periodic', spacing: [[0, 1, 3, 4]], period: 3 }),
      'invalid-spacing',
      'shorter than the span',
    ],
    [
      'period for a scalar-step axis',
      () => cpuGradient([1, 2, 3, 4], { boundary: 'periodic', spacing: 0.5, period: 2 }),
      'invalid-spacing',
      'period[0]',
    ],
    [
      'negative period',
      () => cpuGradient([1, 2, 3, 4], { boundary: 'periodic', spacing: [[0, 1, 3, 4]], period: -5 }),
      'invalid-spacing',
      'period: -5',
    ],
    [
      'accuracy 4 with uneven coordinates',
      () => cpuGradient([1, 2, 3, 4, 5], { accuracy: 4, spacing: [[0, 1, 3, 4, 6]] }),
      'invalid-spacing',
      'accuracy 4 needs uniform steps',
    ],
    ['accuracy 4 on 4 points', () => cpuGradient([1, 2, 3, 4], { accuracy: 4 }), 'axis-too-short', 'accuracy 4'],
    ['periodic on 2 points', () => cpuGradient([1, 2], { boundary: 'periodic' }), 'axis-too-short', 'periodic'],
    [
      'a boundary list of the wrong length',
      () => cpuGradient(new Float64Array(12), { shape: [3, 4], boundary: ['periodic'] }),
      'invalid-option',
      'boundary: ["periodic"] has 1 entries for 2 selected axes',
    ],
    [
      'a boundary list with an unknown entry',
      () => cpuGradient(new Float64Array(12), { shape: [3, 4], boundary: ['periodic', 'wrap' as never] }),
      'invalid-option',
      'boundary[1]: "wrap"',
    ],
    [
      'a period for an edge axis',
      () => cpuGradient(new Float64Array(12), { shape: [3, 4], boundary: ['periodic', 'edge'], spacing: [[0, 1, 3], 1], period: [4, 2] }),
      'invalid-option',
      "period[1]: 2 given for selected axis 1, whose boundary is 'edge'",
    ],
    [
      'a periodic axis of 2 points among edge axes',
      () => cpuGradient(new Float64Array(12), { shape: [6, 2], boundary: ['edge', 'periodic'] }),
      'axis-too-short',
      'shape[1] = 2',
    ],
    [
      'divergence with too few components',
      () => cpuDivergence([[1, 2, 3, 4]], { shape: [2, 2] }),
      'invalid-data',
      '1 arrays given but 2 axes',
    ],
    [
      'components of different lengths',
      () =>
        cpuDivergence(
          [
            [1, 2, 3, 4],
            [1, 2, 3],
          ],
          { shape: [2, 2] },
        ),
      'invalid-data',
      'components[1]',
    ],
    [
      'components of different types',
      () => cpuDivergence([[1, 2, 3, 4], new Float32Array(4)], { shape: [2, 2] }),
      'invalid-data',
      'components[1]',
    ],
    ['components not an array', () => cpuDivergence(new Float64Array(4) as never, { shape: [2, 2] }), 'invalid-data', 'components'],
    [
      'a component that is not numeric',
      () => cpuDivergence([[1, 2, 3, 4], 'abcd' as never], { shape: [2, 2] }),
      'invalid-data',
      'components[1]',
    ],
    ['curl over one axis', () => cpuCurl([[1, 2, 3]], {}), 'invalid-axis', 'curl needs 2 or 3'],
    [
      'curl over four axes',
      () =>
        cpuCurl(
          [[1], [1], [1], [1]].map(() => new Float64Array(16)),
          { shape: [2, 2, 2, 2] },
        ),
      'invalid-axis',
      'curl needs 2 or 3',
    ],
  ];
  for (const [what, call, code, text] of bad) {
    it(`refuses: ${what}`, () => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GradientError);
      expect((error as GradientError).code).toBe(code);
      expect((error as GradientError).message).toContain(text);
    });
  }
});

const suite = gpuSuite();
const { gpuIt } = suite;

describe('extensions on the GPU', () => {
  gpuIt('match every numpy fixture within the float32 bound', async () => {
    for (const c of cases) {
      const got = await gpuRun(suite.ctx, c);
      expect(got.length, c.name).toBe(c.expected.length);
      got.forEach((g, k) =>
        expect(
          f32Violation(g, c.expected[k], maxAbs(c.components.flat()), hMin(c.options), kFor(c.options)),
          `${c.name} [${k}]`,
        ).toBeNull(),
      );
    }
  });

  gpuIt(
    'match the CPU reference on random shapes, input types and both kernel layouts',
    async () => {
      const r = rng(31);
      const kinds = [Float64Array, Float32Array, Int16Array, Uint8Array, Int32Array] as const;
      // 80 cases (120 until runs.test.ts added random cases of both layouts; CI time, bench/NOTES.md).
      for (let i = 0; i < 80; i++) {
        const rank = 1 + Math.floor(r() * 3);
        const shape = Array.from({ length: rank }, () => 5 + Math.floor(r() * 9));
        if (r() < 0.5) shape[rank - 1] = 8 + 4 * Math.floor(r() * 3);
        const size = shape.reduce((p, n) => p * n, 1);
        const Kind = kinds[i % kinds.length];
        const values = () =>
          Array.from({ length: size }, () => (Kind === Uint8Array ? Math.floor(r() * 256) : Math.round((r() - 0.5) * 2000)));
        const make = () => new Kind(values());
        // One boundary for all axes, or one per axis (a third of the cases).
        const pick = () => (r() < 0.5 ? 'periodic' : 'edge');
        const boundary = r() < 0.33 ? shape.map(pick) : pick();
        const acc4 = r() < 0.5;
        const options: GradientOptions = {
          shape,
          boundary,
          accuracy: acc4 ? 4 : 2,
          edgeOrder: r() < 0.5 ? 1 : 2,
          spacing: 0.1 + r(),
        };
        const h = options.spacing as number;
        const label = `#${i} ${Kind.name} [${shape}] ${JSON.stringify(options.boundary)} accuracy ${options.accuracy}`;
        const k = kFor(options);
        const f = make();
        const grad = await suite.ctx.gradient(f, options);
        cpuGradient(f, options).forEach((ref, a) =>
          expect(f32Violation(grad[a], ref, maxAbs(f), h, k), `${label} gradient ${a}`).toBeNull(),
        );
        const mag = await suite.ctx.magnitude(f, options);
        expect(f32Violation(mag, cpuGradientMagnitude(f, options), maxAbs(f), h, k * rank), `${label} magnitude`).toBeNull();
        const comps = shape.map(() => make());
        const div = await suite.ctx.divergence(comps, options);
        expect(
          f32Violation(div, cpuDivergence(comps, options), maxAbs(comps.flatMap((c) => Array.from(c))), h, k * rank),
          `${label} divergence`,
        ).toBeNull();
        if (rank >= 2) {
          const curl = await suite.ctx.curl(comps, options);
          cpuCurl(comps, options).forEach((ref, j) =>
            expect(f32Violation(curl[j], ref, maxAbs(comps.flatMap((c) => Array.from(c))), h, 2 * k), `${label} curl ${j}`).toBeNull(),
          );
        }
      }
    },
    600_000,
  );

  gpuIt('per-axis boundaries stream: an edge first axis in pieces, a periodic first axis in one', async () => {
    const ctx = await createGradient({ device: suite.t!.device, chunkBytes: 4096 });
    try {
      const data = Float32Array.from({ length: 64 * 40 }, (_, i) => Math.sin(i * 0.021) * 7);
      for (const [boundary, pieces] of [
        [['edge', 'periodic'], 'several'],
        [['periodic', 'edge'], 'one'],
      ] as const) {
        const options: GradientOptions = { shape: [64, 40], boundary: [...boundary], edgeOrder: 2, spacing: [0.5, 2] };
        const before = ctx.stats().transfer.jobs;
        const got = await ctx.gradient(data, options);
        const used = ctx.stats().transfer.jobs - before;
        if (pieces === 'one') expect(used).toBe(1);
        else expect(used).toBeGreaterThan(2);
        cpuGradient(data, options).forEach((ref, a) => expect(f32Violation(got[a], ref, 7, 0.5), `${boundary} axis ${a}`).toBeNull());
        const mag = await ctx.magnitude(data, options);
        expect(f32Violation(mag, cpuGradientMagnitude(data, options), 7, 0.5, 16), `${boundary} magnitude`).toBeNull();
      }
    } finally {
      ctx.destroy();
    }
  });

  gpuIt('fourth order on the GPU is exact for degree-4 polynomials (within float32)', async () => {
    const n = 16,
      h = 0.125;
    const x = Array.from({ length: n }, (_, i) => -1 + i * h);
    const f = x.map((v) => 2 * v ** 4 - v ** 3 + 0.5 * v);
    const exact = x.map((v) => 8 * v ** 3 - 3 * v ** 2 + 0.5);
    const got = (await suite.ctx.gradient(f, { spacing: h, accuracy: 4 }))[0];
    expect(f32Violation(got, exact, maxAbs(f), h, 24)).toBeNull();
  });

  gpuIt('chunk periodic and fourth-order axes under tiny limits', async () => {
    const tiny = await createGradient({ device: suite.t!.device, limits: TINY_LIMITS });
    const r = rng(5);
    const runs: [number[], GradientOptions][] = [
      // Fourth-order edges reach four rows: outer axes of the larger shapes do not fit 4 KiB bindings.
      ...TINY_SHAPES.map((shape): [number[], GradientOptions] => [
        shape,
        {
          accuracy: 4,
          spacing: 0.5,
          axis: shape.length > 2 ? shape.map((_, d) => d).filter((d) => d > 0 && shape[d] >= 5) : undefined,
        },
      ]),
      [[400, 3], { boundary: 'periodic', axis: 1 }],
      [[20, 8, 9], { boundary: 'periodic', axis: [1, 2], accuracy: 4 }],
      [[30, 44], { boundary: 'periodic', axis: -1, spacing: [Array.from({ length: 44 }, (_, i) => i + (i % 3) * 0.2)], period: 44.3 }],
      // Per-axis boundaries: each axis chunked with its own halo.
      [[40, 37], { boundary: ['edge', 'periodic'], edgeOrder: 2 }],
      [[11, 9, 13], { boundary: ['periodic', 'edge'], accuracy: 4, axis: [2, 1] }],
      // Sobel and Scharr read a row and one element each side: chunks along the flat index carry that halo.
      [[300, 13], { operator: 'sobel' }],
      [[90, 41], { operator: 'scharr', axis: [1, 0] }],
      [[200, 60], { operator: 'sobel', axis: 1 }],
    ];
    for (const [shape, options] of runs) {
      const data = Float32Array.from({ length: shape.reduce((p, n) => p * n, 1) }, () => r() * 4 - 2);
      const opts = { ...options, shape };
      const got = await tiny.gradient(data, opts);
      cpuGradient(data, opts).forEach((ref, a) =>
        expect(f32Violation(got[a], ref, 2, 0.2, kFor(opts)), `[${shape}] ${JSON.stringify(options).slice(0, 60)}`).toBeNull(),
      );
    }
    const e = await tiny.gradient(new Float32Array(3001), { boundary: 'periodic' }).catch((err) => err);
    expect(e.code).toBe('too-large'); // a periodic line longer than one binding
    const wide = await tiny.gradient(new Float32Array(3000), { shape: [2, 1500], operator: 'sobel' }).catch((err) => err);
    expect(wide.code).toBe('too-large'); // Sobel's three rows do not fit one 4 KiB binding
    tiny.destroy();
  });

  gpuIt('prepared kernels compute fused fields from stacked components on the GPU', async () => {
    const { device } = suite.t!;
    const shape = [6, 8, 12],
      N = 576;
    const r = rng(8);
    const comps = [0, 1, 2].map(() => Float32Array.from({ length: N }, () => r() * 2 - 1));
    const curl = await suite.ctx.prepare({ shape, derived: 'curl', edgeOrder: 2 });
    const layout = curl.outputLayout;
    expect(layout).toEqual(suite.ctx.outputLayout({ shape, derived: 'curl' }));
    const stride = layout.slabBytes / 4;
    const mag = await suite.ctx.prepare({ shape, derived: 'magnitude' });
    const div = await suite.ctx.prepare({ shape, derived: 'divergence', componentStride: stride, boundary: 'periodic' });
    const input = device.createBuffer({ size: 3 * layout.slabBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    comps.forEach((c, k) => device.queue.writeBuffer(input, k * layout.slabBytes, c));
    // One output buffer: curl's three components, then the magnitude, then the divergence.
    const output = device.createBuffer({ size: 5 * layout.slabBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
    const staging = device.createBuffer({ size: 5 * layout.slabBytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder();
    curl.encode(encoder, { input, output: { buffer: output, offset: 0, size: 3 * layout.slabBytes } });
    mag.encode(encoder, {
      input: { buffer: input, offset: 0, size: N * 4 },
      output: { buffer: output, offset: 3 * layout.slabBytes, size: layout.slabBytes },
    });
    div.encode(encoder, { input, output: { buffer: output, offset: 4 * layout.slabBytes } });
    encoder.copyBufferToBuffer(output, 0, staging, 0, 5 * layout.slabBytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MapMode.READ);
    const all = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    const part = (k: number) => all.subarray(k * stride, k * stride + N);
    const refCurl = cpuCurl(comps, { shape, edgeOrder: 2 });
    refCurl.forEach((ref, j) => expect(f32Violation(part(j), ref, 1, 1, 16), `curl ${j}`).toBeNull());
    expect(f32Violation(part(3), cpuGradientMagnitude(comps[0], { shape }), 1, 1, 24)).toBeNull();
    expect(f32Violation(part(4), cpuDivergence(comps, { shape, boundary: 'periodic' }), 1, 1, 24)).toBeNull();
    for (const b of [input, output, staging]) b.destroy();
    for (const k of [curl, mag, div]) k.destroy();
  });
});
