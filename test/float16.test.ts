import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cpuCurl,
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  createGradient,
  type GradientContext,
  GradientError,
  type GradientOptions,
  gpuGradient,
} from '../src/index';
import { f16Violation, f32Violation, maxAbs } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { halfBits, halfValue, toHalves } from './helpers/half';
import { TINY_LIMITS } from './helpers/tiny-limits';

// float16 storage on the GPU-resident path, which needs no Float16Array (Node 20 has none): input buffers
// of halves (`dtype: 'float16'`) and results written as halves (`outputType: 'float16'`), decoded here
// and checked against cpuGradient of the same halves. The host path with Float16Arrays runs in the
// engines that have them (test/engines/core.ts: Chromium, Firefox, Deno).

const suite = gpuSuite();
const { gpuIt } = suite;

type Op = 'gradient' | 'magnitude' | 'divergence' | 'curl';
const STORAGE = 0x80,
  COPY_SRC = 0x04,
  COPY_DST = 0x08,
  MAP_READ = 0x01;

/** Runs a prepared kernel on halves of `components` (stacked) and returns its outputs decoded, with the reference. */
async function runHalves(
  ctx: GradientContext,
  shape: number[],
  options: GradientOptions,
  op: Op,
  components: number[][],
  outputType: 'float32' | 'float16',
  separate = false,
): Promise<{ got: number[][]; ref: ArrayLike<number>[]; maxF: number; strayBytes: number }> {
  const device = ctx.device;
  const n = shape.reduce((p, x) => p * x, 1);
  const halves = components.map((c) => toHalves(c));
  const kernel = await ctx.prepare({ ...options, shape, dtype: 'float16', outputType, derived: op === 'gradient' ? undefined : op });
  const stride = op === 'gradient' ? n : ctx.outputLayout({ ...options, shape, derived: op }).slabBytes / 4;
  const bits = new Uint16Array(Math.ceil(((components.length - 1) * stride + n) / 8) * 8);
  halves.forEach((h, c) => bits.set(h.bits, c * stride));
  const input = device.createBuffer({ size: bits.byteLength, usage: STORAGE | COPY_DST });
  device.queue.writeBuffer(input, 0, bits);
  const eb = outputType === 'float16' ? 2 : 4;
  const layout = kernel.outputLayout;
  const axisBytes = Math.ceil((n * eb) / 16) * 16;
  const outputs = separate
    ? shape.map(() => device.createBuffer({ size: axisBytes, usage: STORAGE | COPY_SRC | COPY_DST }))
    : [device.createBuffer({ size: layout.totalBytes, usage: STORAGE | COPY_SRC | COPY_DST })];
  // Every output byte starts as a sentinel, so that bytes written outside the results can be counted.
  for (const b of outputs) device.queue.writeBuffer(b, 0, new Uint8Array(b.size).fill(SENTINEL));
  const total = outputs.reduce((s, b) => s + b.size, 0);
  const read = device.createBuffer({ size: total, usage: MAP_READ | COPY_DST });
  const encoder = device.createCommandEncoder();
  kernel.encode(encoder, separate ? { input, outputs } : { input, output: outputs[0] });
  let at = 0;
  for (const b of outputs) {
    encoder.copyBufferToBuffer(b, 0, read, at, b.size);
    at += b.size;
  }
  device.queue.submit([encoder.finish()]);
  await read.mapAsync(MAP_READ);
  const bytes = read.getMappedRange().slice(0);
  read.unmap();
  const values = halves.map((h) => h.values);
  const o = { ...options, shape };
  const ref =
    op === 'gradient'
      ? cpuGradient(values[0], o)
      : op === 'magnitude'
        ? [cpuGradientMagnitude(values[0], o)]
        : op === 'divergence'
          ? [cpuDivergence(values, o)]
          : cpuCurl(values, o);
  const offsetOf = (k: number) => (separate ? k * axisBytes : k * layout.slabBytes);
  const got = ref.map((_, k) =>
    eb === 2 ? Array.from(new Uint16Array(bytes, offsetOf(k), n), halfValue) : Array.from(new Float32Array(bytes, offsetOf(k), n)),
  );
  const outside = new Uint8Array(bytes.slice(0));
  for (let k = 0; k < ref.length; k++) outside.fill(SENTINEL, offsetOf(k), offsetOf(k) + n * eb);
  const strayBytes = outside.reduce((count, b) => count + (b === SENTINEL ? 0 : 1), 0);
  kernel.destroy();
  for (const b of [input, read, ...outputs]) b.destroy();
  return { got, ref, maxF: Math.max(...values.map(maxAbs)), strayBytes }; // maxAbs passes over NaN gaps
}

const SENTINEL = 0xab;

function expectWithin(got: number[][], ref: ArrayLike<number>[], maxF: number, h: number, half: boolean, what: string, k = 8) {
  expect(got.length, what).toBe(ref.length);
  got.forEach((g, j) => expect((half ? f16Violation : f32Violation)(g, ref[j], maxF, h, k), `${what} [${j}]`).toBeNull());
}

const wave = (n: number, a: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * a + s) * 30);

describe('the test helpers convert as IEEE 754 binary16 does', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // halfway past the largest half rounds to infinity
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [1 + 2 ** -11, 0x3c00], // halfway: to even
    [1 + 3 * 2 ** -11, 0x3c02], // halfway: to even, upwards
    [0.1, 0x2e66],
  ])('%f ↔ bits %i', (x, bits) => {
    expect(halfBits(x)).toBe(bits);
    if (bits !== 0x7c00) expect(Math.abs(halfValue(bits) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
  });
});

describe('float16 input and results on the GPU (prepared kernels)', () => {
  const SHAPES = [
    [32, 24], // vec4 layout: four halves per store
    [13, 9], // scalar layout: halves of a word stored through atomics
    [6, 5, 8],
    [7, 6, 5],
  ];
  for (const outputType of ['float32', 'float16'] as const) {
    gpuIt(`gradient of halves, every stencil family, ${outputType} results`, async () => {
      // Uneven coordinates along the first axis (non-uniform weights), a step of 1 along the others.
      const uneven = (shape: number[]): GradientOptions => ({
        spacing: shape.map((len, d) => (d === 0 ? Array.from({ length: len }, (_, i) => i + 0.3 * Math.sin(i)) : 1)),
      });
      const families = (shape: number[]): GradientOptions[] => [
        {},
        { edgeOrder: 2, spacing: 0.5 },
        { boundary: 'periodic' },
        { accuracy: 4, spacing: 0.25 },
        uneven(shape),
      ];
      for (const shape of SHAPES) {
        const n = shape.reduce((p, x) => p * x, 1);
        for (const opts of families(shape)) {
          const h = typeof opts.spacing === 'number' ? opts.spacing : 0.5;
          const { got, ref, maxF } = await runHalves(suite.ctx, shape, opts, 'gradient', [wave(n, 0.37, 0)], outputType);
          expectWithin(got, ref, maxF, h, outputType === 'float16', `${shape} ${JSON.stringify(opts)}`, opts.accuracy ? 24 : 8);
        }
      }
    });
  }

  gpuIt('halves with ghost boundary modes and with gaps (NaN halves in, NaN halves out)', async () => {
    const shape = [13, 16];
    const n = 13 * 16;
    const f = wave(n, 0.29, 0.5);
    const gappy = f.map((v, i) => (i % 11 === 4 ? Number.NaN : v));
    for (const outputType of ['float32', 'float16'] as const) {
      for (const [opts, data] of [
        [{ boundary: [['constant', 'edge'], 'mirror'], cval: [[5, 0], 0] }, f],
        [{ boundary: 'reflect', accuracy: 4, spacing: 0.25 }, f],
        [{ invalid: 'skip', edgeOrder: 2, boundary: ['nearest', 'periodic'] }, gappy],
      ] as [GradientOptions, number[]][]) {
        const h = typeof opts.spacing === 'number' ? opts.spacing : 1;
        const { got, ref, maxF } = await runHalves(suite.ctx, shape, opts, 'gradient', [data], outputType);
        expectWithin(got, ref, maxF, h, outputType === 'float16', `${outputType} ${JSON.stringify(opts)}`, 24);
        if (opts.invalid) expect(got[0].filter(Number.isNaN).length).toBeGreaterThan(0);
      }
    }
  });

  gpuIt('fused fields and per-axis output buffers with float16 results', async () => {
    for (const shape of SHAPES.slice(0, 2)) {
      const n = shape[0] * shape[1];
      const f = wave(n, 0.21, 0),
        g = wave(n, 0.13, 1);
      for (const op of ['magnitude', 'divergence', 'curl'] as const) {
        const { got, ref, maxF } = await runHalves(suite.ctx, shape, { spacing: 0.5 }, op, op === 'magnitude' ? [f] : [f, g], 'float16');
        expectWithin(got, ref, maxF, 0.5, true, `${op} ${shape}`, 16);
      }
      const { got, ref, maxF } = await runHalves(suite.ctx, shape, {}, 'gradient', [f], 'float16', true);
      expectWithin(got, ref, maxF, 1, true, `separate outputs ${shape}`);
    }
  });

  gpuIt('no byte outside the results is written, for odd numbers of groups of four, one or a run of them per invocation', async () => {
    // 3, 5, 21 and 12 groups of four (vec4 layout), into stacked and separate buffers with padding after
    // each result; in the default context and in one whose invocations take runs of 2 groups (float16
    // results) and of 3 (float32 results), and 2 elements in the scalar layout.
    const runs = await createGradient({ device: suite.t!.device, runs: { vec4Float16: 2, vec4: 3, scalar: 2 } });
    try {
      for (const ctx of [suite.ctx, runs]) {
        for (const shape of [[12], [5, 4], [7, 12], [3, 4, 4], [3, 7]]) {
          const n = shape.reduce((p, x) => p * x, 1);
          const f = wave(n, 0.37, 1);
          // With runs, float16 results only (float32 results with runs: test/runs.test.ts).
          for (const outputType of ctx === runs ? (['float16'] as const) : (['float16', 'float32'] as const)) {
            const what = `${shape} ${outputType} runs ${JSON.stringify(ctx.limits.runs)}`;
            for (const separate of [false, true]) {
              const { got, ref, maxF, strayBytes } = await runHalves(ctx, shape, { edgeOrder: 2 }, 'gradient', [f], outputType, separate);
              expectWithin(got, ref, maxF, 1, outputType === 'float16', `${what} separate ${separate}`);
              expect(strayBytes, `${what} separate ${separate}`).toBe(0);
            }
            const { got, ref, maxF, strayBytes } = await runHalves(ctx, shape, {}, 'magnitude', [f], outputType);
            expectWithin(got, ref, maxF, 1, outputType === 'float16', `magnitude ${what}`, 16);
            expect(strayBytes, `magnitude ${what}`).toBe(0);
          }
        }
      }
    } finally {
      runs.destroy();
    }
  });

  gpuIt('Sobel and Scharr with float16 results (scalar layout, atomics)', async () => {
    for (const operator of ['sobel', 'scharr'] as const) {
      const { got, ref, maxF } = await runHalves(suite.ctx, [20, 16], { operator }, 'gradient', [wave(320, 0.3, 2)], 'float16');
      expectWithin(got, ref, maxF, 1, true, operator, operator === 'scharr' ? 256 : 64);
    }
  });

  gpuIt('subnormal halves in and out, and zeros, are neither flushed nor misrounded', async () => {
    // Multiples of 2^-24 (float16's subnormal spacing), their differences halved: results in units of
    // 2^-25 that must round to the nearest subnormal, in both layouts and through the atomic stores.
    for (const shape of [[64], [9, 7], [8, 8]]) {
      const n = shape.reduce((p, x) => p * x, 1);
      const data = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : ((i * 37) % 1023) - 511) * 2 ** -24);
      const { got, ref, maxF } = await runHalves(suite.ctx, shape, {}, 'gradient', [data], 'float16');
      expect(Math.max(...got.flat().map(Math.abs))).toBeLessThan(2 ** -14);
      expect(got.flat().some((x) => x !== 0 && Math.abs(x) < 2 ** -14)).toBe(true);
      expectWithin(got, ref, maxF, 1, true, `subnormal ${shape}`);
    }
  });

  gpuIt('results beyond float16 range come back as infinities of their sign', async () => {
    const data = Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? 60000 : -60000) * (i < 32 ? 1 : 0.001));
    const { got } = await runHalves(suite.ctx, [64], { spacing: 0.25 }, 'gradient', [data], 'float16');
    const ref = cpuGradient(toHalves(data).values, { spacing: 0.25 })[0];
    for (let i = 0; i < 64; i++) {
      if (Math.abs(ref[i]) >= 65520) expect(got[0][i], `element ${i}`).toBe(Math.sign(ref[i]) * Number.POSITIVE_INFINITY);
    }
    expect(ref.some((r) => Math.abs(r) >= 65520)).toBe(true);
  });

  gpuIt('chunked dispatches under tiny limits keep float16 outputs aligned', async () => {
    const tiny = await createGradient({ device: suite.t!.device, limits: TINY_LIMITS });
    try {
      for (const shape of [[3001], [40, 37], [30, 44], [11, 9, 13]]) {
        const n = shape.reduce((p, x) => p * x, 1);
        for (const options of [{ edgeOrder: 2 as const }, { accuracy: 4 as const }]) {
          if (options.accuracy && shape.some((x) => x < 5)) continue;
          const { got, ref, maxF } = await runHalves(tiny, shape, options, 'gradient', [wave(n, 0.05, 0)], 'float16', shape.length > 1);
          expectWithin(got, ref, maxF, 1, true, `tiny ${shape} ${JSON.stringify(options)}`, options.accuracy ? 24 : 8);
        }
      }
    } finally {
      tiny.destroy();
    }
  });

  gpuIt('property: any shape of halves, float16 results within the half-rounding bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 3, max: 9 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom<GradientOptions>({}, { edgeOrder: 2 }, { boundary: 'periodic' }),
        fc.integer({ min: 0, max: 1000 }),
        async (shape, options, seed) => {
          const n = shape.reduce((p, x) => p * x, 1);
          const { got, ref, maxF } = await runHalves(suite.ctx, shape, options, 'gradient', [wave(n, 0.7, seed)], 'float16');
          expectWithin(got, ref, maxF, 1, true, `${shape} ${JSON.stringify(options)}`);
        },
      ),
      { numRuns: 25, seed: 16 },
    );
  });
});

describe('float16 options refused before any GPU work', () => {
  gpuIt('outputType must be float32 or float16', async () => {
    for (const outputType of ['float64', 'half', 16, null]) {
      await expect(gpuGradient(new Float32Array(16), { outputType: outputType as never })).rejects.toMatchObject({
        code: 'invalid-option',
        message: expect.stringContaining('outputType'),
      });
      await expect(suite.ctx.prepare({ shape: [16], outputType: outputType as never })).rejects.toMatchObject({ code: 'invalid-option' });
    }
  });

  gpuIt("host calls with outputType 'float16' need Float16Array", async () => {
    const hasHalf = typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'function';
    const call = suite.ctx.gradient(new Float32Array(64), { shape: [8, 8], outputType: 'float16' });
    if (hasHalf) {
      const got = await call;
      expect(got.map((g) => g.constructor.name)).toEqual(['Float16Array', 'Float16Array']);
    } else {
      const e = await call.then(
        () => null,
        (err) => err,
      );
      expect(e).toBeInstanceOf(GradientError);
      expect(e.code).toBe('invalid-option');
      expect(e.message).toMatch(/Float16Array/);
    }
  });
});
