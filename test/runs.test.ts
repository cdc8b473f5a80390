import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { BufferUsage } from '../src/gpu/flags';
import {
  cpuCurl,
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  cpuLaplacian,
  createGradient,
  type GradientContext,
  GradientError,
  type GradientOptions,
} from '../src/index';
import { values } from './helpers/boundary-cases';
import { maxAbs } from './helpers/bounds';
import { expectClose } from './helpers/expect-close';
import { cpuResults, gpuResults } from './helpers/fixture-results';
import { readFloats } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { type GridCase, smallestDistance } from './helpers/grid-cases';
import { randomCase, rng } from './helpers/random';
import { TINY_LIMITS, TINY_SHAPES } from './helpers/tiny-limits';

// The context option `runs`: each invocation takes that many consecutive items, elements in the scalar
// layout (last dimension not a multiple of 4; main_scalar counts coordinates on from the run's first,
// curl_scalar and grid_scalar loop over the run) and groups of four in the vec4 layout (main_vec4,
// curl_vec4). The default, 1, runs everywhere else in the suite; these tests run every entry point with
// runs that end mid-row, that cross rows shorter than the run, and that end a chunked dispatch. Float16
// results with runs: test/float16.test.ts.

const suite = gpuSuite();
const grids: GridCase[] = JSON.parse(readFileSync(new URL('./fixtures/grids.json', import.meta.url), 'utf8')).cases;

// Shapes of the scalar layout: a row longer than any run, rows of 3 (a run of 4 or 8 crosses several),
// six axes (every unrolled slot), and a 1-D line; then of the vec4 layout, odd numbers of groups of four.
const SHAPES = [[13], [7, 9], [11, 3], [4, 5, 3], [3, 3, 3, 3, 3, 5], [5, 12], [3, 3, 3, 3, 3, 4]];

/**
 * Option sets and the operations each runs: plain variants (runs), every operation with edge order 1 in
 * 2-D and 3-D (curl's ranks); then a ghost mode and gaps, general variants that take one element per
 * invocation whatever the run.
 */
function optionSets(shape: number[]): [GradientOptions, boolean][] {
  const sets: [GradientOptions, boolean][] = [
    [{ edgeOrder: 1 }, shape.length === 2 || shape.length === 3],
    [{ edgeOrder: 2, spacing: shape.map((n, d) => (d % 2 ? 0.5 : Array.from({ length: n }, (_, i) => i + 0.1 * i * i))) }, false],
    [{ boundary: 'periodic' }, false],
  ];
  if (shape.every((n) => n >= 5)) sets.push([{ accuracy: 4 }, false]);
  // One shape per layout: general variants compile slowly under SwiftShader (0.6-2.5 s each).
  if (shape.length === 2 && shape[0] < 8) sets.push([{ boundary: 'reflect', edgeOrder: 2 }, false], [{ invalid: 'skip' }, false]);
  return sets;
}

/** The gradient of `options` on `data`, and with `fused` every other operation, on the GPU and by the CPU reference. */
async function checkOperations(
  ctx: GradientContext,
  shape: number[],
  data: Float64Array,
  options: GradientOptions,
  fused: boolean,
  label: string,
) {
  const o = { ...options, shape };
  const scale = maxAbs(data) * 3;
  const h = 0.5;
  expectClose(await ctx.gradient(data, o), cpuGradient(data, o), scale, h, `${label} gradient`, 16);
  if (!fused) return;
  expectClose([await ctx.magnitude(data, o)], [cpuGradientMagnitude(data, o)], scale * shape.length, h, `${label} magnitude`, 48);
  const comps = shape.map((_, k) => data.map((v) => v * (k + 1) - k));
  expectClose([await ctx.divergence(comps, o)], [cpuDivergence(comps, o)], scale * 2 * shape.length, h, `${label} divergence`, 48);
  if (shape.length === 2 || shape.length === 3) expectClose(await ctx.curl(comps, o), cpuCurl(comps, o), scale * 6, h, `${label} curl`, 48);
  // The Laplacian needs four points on an axis with edges.
  if (shape.every((n) => n >= 4))
    expectClose([await ctx.laplacian(data, o)], [cpuLaplacian(data, o)], scale * 4, h * h, `${label} Laplacian`, 64);
}

describe('runs: consecutive items per invocation', () => {
  suite.gpuIt(
    'runs of 4 elements and of 3 groups of four match the CPU reference in every operation and entry point, boundary and gap mode',
    async ({ device }) => {
      const ctx = await createGradient({ device, runs: { scalar: 4, vec4: 3 } });
      try {
        expect(ctx.limits.runs).toEqual({ scalar: 4, vec4: 3 });
        const r = rng(1931);
        for (const shape of SHAPES) {
          const size = shape.reduce((a, b) => a * b, 1);
          const data = Float64Array.from({ length: size }, () => r() * 4 - 2);
          for (const [options, fused] of optionSets(shape)) {
            const input = options.invalid ? data.map((v, i) => (i % 17 === 5 ? Number.NaN : v)) : data;
            await checkOperations(ctx, shape, input, options, fused, `[${shape}] ${JSON.stringify(options)}`);
          }
        }
        // Sobel and Scharr (2-D images).
        for (const operator of ['sobel', 'scharr'] as const) {
          const data = Float64Array.from({ length: 99 }, () => r() * 4 - 2);
          const o = { shape: [9, 11], operator };
          expectClose(await ctx.gradient(data, o), cpuGradient(data, o), maxAbs(data) * 16, 1, operator, 16);
        }
        // Concurrent calls of one plan, computed in batches over their arrays stacked (a step spanning
        // several arrays), in both layouts (a batch needs whole 16-byte words: 28 and 48 elements).
        for (const shape of [
          [4, 7],
          [6, 8],
        ]) {
          const arrays = Array.from({ length: 12 }, (_, j) =>
            Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.cos(i * 0.3 + j)),
          );
          await ctx.gradient(arrays[0], { shape }); // its pipelines built: a burst is batched once they are ready
          const batches = ctx.stats().transfer.batches;
          const got = await Promise.all(arrays.map((a) => ctx.gradient(a, { shape })));
          expect(ctx.stats().transfer.batches, `[${shape}] batched`).toBeGreaterThan(batches);
          got.forEach((g, j) => expectClose(g, cpuGradient(arrays[j], { shape }), 1, 1, `[${shape}] batched call ${j}`, 16));
        }
        // A prepared kernel recorded into the caller's encoder (its input binding rounded up to 16 bytes).
        const shape = [9, 10];
        const data = Float32Array.from({ length: 90 }, () => r() * 4 - 2);
        const kernel = await ctx.prepare({ shape, edgeOrder: 2 });
        const input = device.createBuffer({ size: 368, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
        device.queue.writeBuffer(input, 0, data);
        const output = device.createBuffer({
          size: kernel.outputLayout.totalBytes,
          usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC,
        });
        const encoder = device.createCommandEncoder();
        kernel.encode(encoder, { input, output });
        device.queue.submit([encoder.finish()]);
        const slab = kernel.outputLayout.slabBytes;
        const got = [await readFloats(device, output, 0, 90), await readFloats(device, output, slab, 90)];
        expectClose(got, cpuGradient(data, { shape, edgeOrder: 2 }), maxAbs(data), 1, 'prepared', 16);
        kernel.destroy();
        input.destroy();
        output.destroy();
      } finally {
        ctx.destroy();
      }
    },
    600_000,
  );

  suite.gpuIt('runs of 3 under tiny limits (chunked dispatches, folded grids, streamed pieces) match cpuGradient', async ({ device }) => {
    const ctx = await createGradient({ device, runs: { scalar: 3, vec4: 3 }, limits: TINY_LIMITS, chunkBytes: 4096 });
    try {
      const r = rng(3);
      let calls = 0;
      for (const shape of TINY_SHAPES) {
        const size = shape.reduce((a, b) => a * b, 1);
        const data = Float64Array.from({ length: size }, () => r() * 4 - 2);
        for (const options of [{ edgeOrder: 1 }, { edgeOrder: 2 }] as GradientOptions[]) {
          const o = { ...options, shape };
          expectClose(
            await ctx.gradient(data, o),
            cpuGradient(data, o),
            maxAbs(data) * 3,
            0.5,
            `[${shape}] ${JSON.stringify(options)}`,
            16,
          );
          calls++;
        }
      }
      expect(calls).toBe(2 * TINY_SHAPES.length);
      expect(ctx.stats().transfer.jobs).toBeGreaterThan(2 * calls); // streamed in pieces
    } finally {
      ctx.destroy();
    }
  });

  suite.gpuIt(
    'runs of 2 and 8 (workgroups of 64, folded grids) match cpuGradient on 24 random cases, and runs of 5 four grid fixtures',
    async ({ device }) => {
      const contexts = [
        await createGradient({ device, runs: { scalar: 2, vec4: 8 } }),
        await createGradient({ device, runs: { scalar: 8, vec4: 2 }, workgroupSize: 64, limits: { maxComputeWorkgroupsPerDimension: 5 } }),
      ];
      const gridContext = await createGradient({ device, runs: { scalar: 5 } });
      try {
        const r = rng(77);
        let checked = 0;
        for (let i = 0; i < 24; i++) {
          const c = randomCase(r, i);
          const ctx = contexts[i % 2];
          expectClose(
            await ctx.gradient(c.data, c.options),
            cpuGradient(c.data, c.options),
            maxAbs(c.data),
            c.hMin,
            `case ${i} ${c.label}`,
            8,
          );
        }
        // Curvilinear grids and the sphere (grid_scalar), every result each holds: both edge orders, 2-D and
        // 3-D, a periodic axis and the poles, and a ghost mode (a general variant, runs of one).
        const names = ['warped 2-D eo2', 'warped 2-D constant/edge', 'warped 3-D eo1', 'sphere global 10deg with poles'];
        for (const c of grids.filter((g) => names.includes(g.name))) {
          const want = cpuResults(c);
          const got = await gpuResults(gridContext, c);
          const scale = Math.max(maxAbs(values(c.data)), ...(c.components ?? []).map((x) => maxAbs(values(x))));
          for (const [name, list] of Object.entries(want))
            expectClose(got[name], list, scale, smallestDistance(c), `${c.name} ${name}`, 24);
          checked++;
        }
        expect(checked).toBe(names.length);
      } finally {
        for (const c of contexts) c.destroy();
        gridContext.destroy();
      }
    },
    600_000,
  );

  suite.gpuIt('refuses a run outside 1 to 16, or of no layout, by name and value, before any GPU work', async ({ device }) => {
    const refusals: [unknown, RegExp][] = [
      [4, /^runs: 4 must be an object/],
      [null, /^runs: null must be an object/],
      [{ scalar: 0 }, /^runs\.scalar: 0 must be an integer from 1 to 16/],
      [{ vec4: 17 }, /^runs\.vec4: 17 must be an integer from 1 to 16/],
      [{ vec4Float16: 2.5 }, /^runs\.vec4Float16: 2\.5 must be an integer from 1 to 16/],
      [{ scalar: '4' }, /^runs\.scalar: .*4.* must be an integer from 1 to 16/],
      [{ float16: 2 }, /^runs\.float16: unknown \(expected one of scalar, vec4, vec4Float16\)/],
    ];
    for (const [runs, message] of refusals) {
      const error = await createGradient({ device, runs: runs as never }).catch((e) => e);
      expect(error).toBeInstanceOf(GradientError);
      expect(error.code).toBe('invalid-option');
      expect(error.message).toMatch(message);
    }
  });
});
