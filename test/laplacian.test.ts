import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuLaplacian, createGradient, type GradientOptions, gpuLaplacian } from '../src/index';
import { close64, f16Violation, f32Violation, maxAbs } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { halfValue } from './helpers/half';
import { rng } from './helpers/random';

// The fused Laplacian: against numpy fixtures made from its definition (test/fixtures/
// make_laplacian_fixtures.py), exact on cubic polynomials, and the GPU against cpuLaplacian on random
// shapes, streamed, batched, as a prepared kernel and with float16 results.

const suite = gpuSuite();
const { gpuIt } = suite;

interface LapCase {
  name: string;
  shape: number[];
  options: GradientOptions;
  data: number[];
  expected: number[];
}
const FIXTURES: LapCase[] = JSON.parse(readFileSync(new URL('./fixtures/numpy_laplacian.json', import.meta.url), 'utf8')).cases;

/** Smallest step of a case (the bound scales with max|f| / h²). */
function minStep(o: GradientOptions): number {
  const s = o.spacing;
  if (s === undefined) return 1;
  if (typeof s === 'number') return Math.abs(s);
  return Math.min(...s.map((x) => (typeof x === 'number' ? Math.abs(x) : Math.abs(x[1] - x[0]))));
}

/** The float32 bound of a sum of second differences: coefficients up to 12 per axis, times the axes. */
function lapViolation(got: ArrayLike<number>, ref: ArrayLike<number>, data: ArrayLike<number>, o: GradientOptions, half = false) {
  const h = minStep(o);
  return (half ? f16Violation : f32Violation)(got, ref, 12 * maxAbs(data), h * h, 8);
}

describe('cpuLaplacian', () => {
  it(`matches ${FIXTURES.length} numpy fixtures`, () => {
    for (const c of FIXTURES) {
      const got = cpuLaplacian(c.data, { ...c.options, shape: c.shape });
      const scale = (12 * maxAbs(c.data)) / minStep(c.options) ** 2;
      c.expected.forEach((r, i) => expect(close64(got[i], r, scale), `${c.name} [${i}]: ${got[i]} vs ${r}`).toBe(true));
    }
  });

  it('is exact for cubic polynomials, at the edges too', () => {
    const r = rng(3);
    for (const shape of [[9], [6, 5], [4, 7, 5]]) {
      const steps = shape.map(() => 0.25 + r());
      // p = Σ_d (a_d x_d³ + b_d x_d² + c_d x_d) + mixed x_0·x_1 (whose Laplacian is 0); ∇²p = Σ_d 6 a_d x_d + 2 b_d.
      const a = shape.map(() => r() * 2 - 1),
        b = shape.map(() => r() * 2 - 1),
        c = shape.map(() => r() * 2 - 1);
      const n = shape.reduce((p, x) => p * x, 1);
      const data = new Float64Array(n),
        want = new Float64Array(n);
      for (let e = 0; e < n; e++) {
        let rest = e;
        const x = new Array(shape.length);
        for (let d = shape.length - 1; d >= 0; d--) {
          x[d] = (rest % shape[d]) * steps[d];
          rest = Math.floor(rest / shape[d]);
        }
        data[e] = (shape.length > 1 ? x[0] * x[1] : 0) + x.reduce((s, xd, d) => s + a[d] * xd ** 3 + b[d] * xd ** 2 + c[d] * xd, 0);
        want[e] = x.reduce((s, xd, d) => s + 6 * a[d] * xd + 2 * b[d], 0);
      }
      const got = cpuLaplacian(data, { shape, spacing: steps });
      for (let e = 0; e < n; e++) expect(Math.abs(got[e] - want[e]), `${shape} [${e}]`).toBeLessThan(1e-9 * (1 + Math.abs(want[e])));
    }
  });
});

describe('gpuLaplacian', () => {
  gpuIt('matches the numpy fixtures within the float32 bound', async () => {
    for (const c of FIXTURES) {
      const got = await suite.ctx.laplacian(Float32Array.from(c.data), { ...c.options, shape: c.shape });
      expect(lapViolation(got, c.expected, c.data, c.options), c.name).toBeNull();
    }
  });

  gpuIt('is exact for cubic polynomials up to float32 rounding', async () => {
    const shape = [12, 16];
    const data = Float32Array.from({ length: 192 }, (_, e) => {
      const [i, j] = [Math.floor(e / 16) * 0.5, (e % 16) * 0.25];
      return 0.1 * i ** 3 - 0.05 * j ** 3 + i * j;
    });
    const got = await gpuLaplacian(data, { shape, spacing: [0.5, 0.25], device: suite.t!.device });
    const want = Array.from({ length: 192 }, (_, e) => 0.6 * Math.floor(e / 16) * 0.5 - 0.3 * (e % 16) * 0.25);
    expect(lapViolation(got, want, data, { spacing: [0.5, 0.25] })).toBeNull();
  });

  gpuIt('property: random shapes, axes, steps and boundaries (also per axis) match cpuLaplacian', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 4, max: 13 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom<'edge' | 'periodic'>('edge', 'periodic'),
        fc.integer({ min: 0, max: 2 ** 16 }),
        async (shape, boundary, seed) => {
          const r = rng(seed);
          const n = shape.reduce((p, x) => p * x, 1);
          const data = Float32Array.from({ length: n }, () => r() * 8 - 4);
          const axis = shape.map((_, d) => d).filter(() => r() < 0.7);
          // Half the cases choose each axis's boundary on its own.
          const perAxis = axis.map(() => (r() < 0.5 ? 'periodic' : 'edge') as 'edge' | 'periodic');
          const options: GradientOptions = { shape, boundary: r() < 0.5 ? boundary : perAxis, axis, spacing: axis.map(() => 0.25 + r()) };
          const got = await suite.ctx.laplacian(data, options);
          expect(lapViolation(got, cpuLaplacian(data, options), data, options), JSON.stringify(options)).toBeNull();
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });

  gpuIt('streams in pieces with three rows of halo, and runs of concurrent calls share a dispatch', async () => {
    const ctx = await createGradient({ device: suite.t!.device, chunkBytes: 4096 });
    try {
      for (const boundary of ['edge', 'periodic'] as const) {
        const data = Float32Array.from({ length: 64 * 40 }, (_, i) => Math.sin(i * 0.031) * 5);
        const options: GradientOptions = { shape: [64, 40], boundary, spacing: [0.5, 0.75] };
        const before = ctx.stats().transfer.jobs;
        const got = await ctx.laplacian(data, options);
        // Edge: pieces of at most 4 KiB each way (10 KiB in); periodic along the first axis reads across the whole array: one piece.
        const pieces = ctx.stats().transfer.jobs - before;
        if (boundary === 'edge') expect(pieces).toBeGreaterThanOrEqual(3);
        else expect(pieces).toBe(1);
        expect(lapViolation(got, cpuLaplacian(data, options), data, options), boundary).toBeNull();
      }
    } finally {
      ctx.destroy();
    }
    const arrays = Array.from({ length: 16 }, (_, j) => Float32Array.from({ length: 8 * 12 }, (_, i) => Math.cos(i * 0.3 + j)));
    const batches = suite.ctx.stats().transfer.batches;
    const results = await Promise.all(arrays.map((a) => suite.ctx.laplacian(a, { shape: [8, 12] })));
    expect(suite.ctx.stats().transfer.batches).toBeGreaterThan(batches);
    results.forEach((got, j) =>
      expect(lapViolation(got, cpuLaplacian(arrays[j], { shape: [8, 12] }), arrays[j], {}), `call ${j}`).toBeNull(),
    );
  });

  gpuIt("as a prepared kernel (derived: 'laplacian'), with float32 and float16 results", async () => {
    const device = suite.t!.device;
    for (const shape of [
      [10, 12],
      [9, 7],
    ]) {
      const n = shape[0] * shape[1];
      const data = Float32Array.from({ length: Math.ceil(n / 4) * 4 }, (_, i) => Math.sin(i * 0.17) * 3);
      const options: GradientOptions = { shape, spacing: [0.5, 1] };
      const ref = cpuLaplacian(data.subarray(0, n), options);
      for (const outputType of ['float32', 'float16'] as const) {
        const kernel = await suite.ctx.prepare({ ...options, shape, derived: 'laplacian', outputType });
        expect(kernel.outputLayout.totalBytes).toBeGreaterThanOrEqual(n * (outputType === 'float16' ? 2 : 4));
        const input = device.createBuffer({ size: data.byteLength, usage: 0x80 | 0x08 });
        device.queue.writeBuffer(input, 0, data);
        const output = device.createBuffer({ size: kernel.outputLayout.totalBytes, usage: 0x80 | 0x04 });
        const read = device.createBuffer({ size: kernel.outputLayout.totalBytes, usage: 0x01 | 0x08 });
        const encoder = device.createCommandEncoder();
        kernel.encode(encoder, { input, output });
        encoder.copyBufferToBuffer(output, 0, read, 0, kernel.outputLayout.totalBytes);
        device.queue.submit([encoder.finish()]);
        await read.mapAsync(0x01);
        const bytes = read.getMappedRange().slice(0);
        read.unmap();
        const got = outputType === 'float16' ? Array.from(new Uint16Array(bytes, 0, n), halfValue) : new Float32Array(bytes, 0, n);
        expect(lapViolation(got, ref, data, options, outputType === 'float16'), `${shape} ${outputType}`).toBeNull();
        kernel.destroy();
        for (const b of [input, output, read]) b.destroy();
      }
    }
  });
});

describe('the Laplacian refuses what it does not define, before any GPU work', () => {
  const REFUSED: [string, number[], GradientOptions, string][] = [
    ['uneven coordinates', [6], { spacing: [[0, 1, 2, 4, 5, 6]] }, 'invalid-spacing'],
    ['fourth order', [8], { accuracy: 4 }, 'invalid-option'],
    ['Sobel', [6, 6], { operator: 'sobel' }, 'invalid-option'],
    ['an edge axis of 3 points', [3, 8], {}, 'axis-too-short'],
    ['a periodic axis of 2 points', [8, 2], { boundary: 'periodic' }, 'axis-too-short'],
  ];
  it.each(REFUSED)('cpuLaplacian: %s', (_, shape, options, code) => {
    const n = shape.reduce((p, x) => p * x, 1);
    expect(() => cpuLaplacian(new Float64Array(n), { ...options, shape })).toThrow(expect.objectContaining({ code }));
  });
  gpuIt('gpuLaplacian, the context and prepare refuse the same', async () => {
    for (const [what, shape, options, code] of REFUSED) {
      const n = shape.reduce((p, x) => p * x, 1);
      await expect(suite.ctx.laplacian(new Float32Array(n), { ...options, shape }), what).rejects.toMatchObject({ code });
      await expect(suite.ctx.prepare({ ...options, shape, derived: 'laplacian' }), what).rejects.toMatchObject({ code });
    }
  });
});
