import { describe, expect } from 'vitest';
import { planPieces } from '../src/gpu/steps';
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
  type NumericArray,
} from '../src/index';
import { makePlan } from '../src/plan';
import { f32Violation, maxAbs } from './helpers/bounds';
import { testDevice } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { sampledBytes } from './helpers/heap-sampling';
import { rng } from './helpers/random';

// The host path: arrays streamed in pieces with halos, caller-supplied outputs, GPU memory per call.
const suite = gpuSuite();
const { gpuIt } = suite;

/** A device whose live buffer bytes are tracked (createBuffer and destroy wrapped), with the peak. */
function metered(device: GPUDevice) {
  const live = new Map<GPUBuffer, number>();
  let bytes = 0,
    peak = 0;
  const wrapped = new Proxy(device, {
    get(target, key) {
      if (key === 'createBuffer') {
        return (d: GPUBufferDescriptor) => {
          const buffer = target.createBuffer(d);
          live.set(buffer, d.size);
          bytes += d.size;
          peak = Math.max(peak, bytes);
          const destroy = buffer.destroy.bind(buffer);
          buffer.destroy = () => {
            if (live.has(buffer)) {
              bytes -= live.get(buffer)!;
              live.delete(buffer);
            }
            destroy();
          };
          return buffer;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    device: wrapped,
    get peak() {
      return peak;
    },
    get bytes() {
      return bytes;
    },
    resetPeak() {
      peak = bytes;
    },
  };
}

type Op = 'gradient' | 'magnitude' | 'divergence' | 'curl';

async function both(
  ctx: GradientContext,
  op: Op,
  data: NumericArray[],
  options: GradientOptions,
): Promise<[ArrayLike<number>[], ArrayLike<number>[]]> {
  switch (op) {
    case 'gradient':
      return [await ctx.gradient(data[0], options), cpuGradient(data[0], options)];
    case 'magnitude':
      return [[await ctx.magnitude(data[0], options)], [cpuGradientMagnitude(data[0], options)]];
    case 'divergence':
      return [[await ctx.divergence(data, options)], [cpuDivergence(data, options)]];
    default:
      return [await ctx.curl(data, options), cpuCurl(data, options)];
  }
}

describe('streaming in pieces', () => {
  gpuIt(
    'every option family matches the CPU reference when streamed in pieces of 4 KiB',
    async ({ device }) => {
      const ctx = await createGradient({ device: device, chunkBytes: 4096 });
      const r = rng(13);
      const coords = (n: number) => {
        let x = 0;
        return Array.from({ length: n }, () => (x += 0.2 + r()));
      };
      const cases: { op: Op; shape: number[]; options: GradientOptions; kind?: 'u8' | 'i16' | 'f64' | 'f32'; components?: number }[] = [
        { op: 'gradient', shape: [97, 33], options: {} },
        { op: 'gradient', shape: [97, 33], options: { edgeOrder: 2 } },
        { op: 'gradient', shape: [120, 16], options: { edgeOrder: 2, spacing: [coords(120), 0.5] } },
        { op: 'gradient', shape: [120, 16], options: { spacing: [[...coords(60), ...coords(60).map((x) => -x)], 0.5] } }, // non-monotonic first axis
        { op: 'gradient', shape: [64, 20], options: { accuracy: 4, spacing: 0.3 } },
        { op: 'gradient', shape: [64, 20], options: { boundary: 'periodic', axis: 1 } }, // periodic, first axis not selected: streamed
        { op: 'gradient', shape: [64, 20], options: { boundary: 'periodic' } }, // periodic first axis: one piece
        { op: 'gradient', shape: [50, 6, 7], options: { axis: [0, 2] }, kind: 'u8' },
        { op: 'gradient', shape: [3001], options: { edgeOrder: 2 }, kind: 'i16' },
        { op: 'gradient', shape: [2999], options: {}, kind: 'u8' },
        { op: 'gradient', shape: [90, 21], options: {}, kind: 'f64' },
        { op: 'magnitude', shape: [80, 24], options: { edgeOrder: 2 } },
        { op: 'magnitude', shape: [80, 24], options: { accuracy: 4 } },
        { op: 'divergence', shape: [70, 18], options: { spacing: [0.5, 2] }, components: 2 },
        { op: 'curl', shape: [70, 18], options: {}, components: 2 },
        { op: 'curl', shape: [40, 4, 6], options: { edgeOrder: 2 }, components: 3 },
        { op: 'gradient', shape: [97, 33], options: { operator: 'sobel' }, kind: 'u8' },
        { op: 'gradient', shape: [97, 33], options: { operator: 'scharr', axis: 1 } }, // smooths across the pieces' rows
        { op: 'magnitude', shape: [80, 24], options: { operator: 'sobel' } },
        { op: 'curl', shape: [70, 18], options: { operator: 'scharr' }, components: 2 },
      ];
      let expectedJobs = 0;
      for (const c of cases) {
        const size = c.shape.reduce((p, n) => p * n, 1);
        const make = () =>
          c.kind === 'u8'
            ? Uint8Array.from({ length: size }, () => Math.floor(r() * 256))
            : c.kind === 'i16'
              ? Int16Array.from({ length: size }, () => Math.floor(r() * 65536) - 32768)
              : c.kind === 'f64'
                ? Float64Array.from({ length: size }, () => r() * 4 - 2)
                : Float32Array.from({ length: size }, () => r() * 4 - 2);
        const data = Array.from({ length: c.components ?? 1 }, make);
        const options = { ...c.options, shape: c.shape };
        const plan = makePlan({ length: size, kind: 'float32' }, options);
        const outputs = c.op === 'gradient' ? plan.axes.length : c.op === 'curl' && plan.axes.length === 3 ? 3 : 1;
        const bytes = c.kind === 'u8' ? 1 : c.kind === 'i16' ? 2 : 4;
        const pieces = planPieces(plan, bytes, data.length, outputs, 4096, ctx.limits).pieces.length;
        expectedJobs += pieces;
        const [gpu, cpu] = await both(ctx, c.op, data, options);
        const label = `${c.op} [${c.shape}] ${JSON.stringify(c.options).slice(0, 60)} ${c.kind ?? 'f32'} (${pieces} pieces)`;
        expect(gpu.length, label).toBe(cpu.length);
        const hMin = c.options.spacing === 0.3 ? 0.3 : 0.2;
        gpu.forEach((g, k) =>
          expect(
            f32Violation(
              g,
              cpu[k],
              maxAbs(data.flatMap((d) => Array.from(d))),
              hMin,
              c.options.operator ? 256 : c.options.accuracy === 4 ? 24 : 8,
            ),
            `${label} [${k}]`,
          ).toBeNull(),
        );
        if (!(c.options.boundary === 'periodic' && c.options.axis === undefined)) expect(pieces, label).toBeGreaterThan(1);
      }
      expect(ctx.stats().transfer.jobs).toBe(expectedJobs); // one job per planned piece
      ctx.destroy();
    },
    300_000,
  );

  gpuIt(
    '48 MiB of input and outputs with chunkBytes 1 MiB: never more than 16 MiB of GPU buffers, and the right answer',
    async () => {
      const { device } = (await testDevice())!;
      const meter = metered(device);
      const ctx = await createGradient({ device: meter.device, chunkBytes: 2 ** 20 });
      const side = 2048; // 16 MiB in, 32 MiB out
      const data = new Float32Array(side * side);
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) * ((i % 7) - 3);
      const got = await ctx.gradient(data, { shape: [side, side] });
      const ref = cpuGradient(data, { shape: [side, side] });
      got.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(data), 1)).toBeNull());
      console.log(
        `streamed 2048² float32 (48 MiB in and out), chunkBytes 1 MiB: peak ${(meter.peak / 2 ** 20).toFixed(2)} MiB of GPU buffers, ` +
          `${ctx.stats().transfer.jobs} pieces in ${ctx.stats().transfer.groups} submits`,
      );
      expect(meter.peak).toBeLessThanOrEqual(16 * 2 ** 20);
      ctx.destroy();
      expect(meter.bytes).toBe(0);
      device.destroy();
    },
    300_000,
  );

  gpuIt("an array larger than the device's maxBufferSize works from a host array", async ({ device }) => {
    const ctx = await createGradient({
      device: device,
      limits: { maxBufferSize: 2 ** 20, maxStorageBufferBindingSize: 2 ** 20 },
      chunkBytes: 2 ** 19,
    });
    const shape = [700, 1024]; // 2.7 MiB of float32 input, 5.5 MiB of outputs
    const data = Float32Array.from({ length: 700 * 1024 }, (_, i) => Math.cos(i * 0.0007));
    const got = await ctx.gradient(data, { shape, edgeOrder: 2 });
    cpuGradient(data, { shape, edgeOrder: 2 }).forEach((ref, k) => expect(f32Violation(got[k], ref, 1, 1)).toBeNull());
    // Where it cannot be cut (a periodic first axis reads across the whole array), a clear refusal.
    const e = await ctx.gradient(data, { shape, boundary: 'periodic' }).catch((err) => err);
    expect(e).toBeInstanceOf(GradientError);
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/periodic first axis/);
    ctx.destroy();
  });
});

describe('map round trips and shared submits', () => {
  gpuIt(
    'a call that fits one piece waits for one map round trip; concurrent calls share submits and maps',
    async ({ device }) => {
      const ctx = await createGradient({ device: device });
      const small = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
      const large = Float32Array.from({ length: 1100 * 1024 }, (_, i) => Math.cos(i * 0.01)); // 4.3 MiB: through a staging slot
      for (const [data, shape] of [
        [small, [64, 64]],
        [large, [1100, 1024]],
      ] as const) {
        for (let call = 0; call < 3; call++) {
          const before = ctx.stats().transfer;
          const got = await ctx.gradient(data, { shape: [...shape] });
          const after = ctx.stats().transfer;
          expect(after.mapRoundTrips - before.mapRoundTrips).toBe(1); // the readback; uploads use writeBuffer or a slot mapped beforehand
          expect(after.groups - before.groups).toBe(1);
          if (call === 0) cpuGradient(data, { shape: [...shape] }).forEach((ref, k) => expect(f32Violation(got[k], ref, 1, 1)).toBeNull());
        }
      }
      expect(ctx.stats().stagingBytes).toBeGreaterThanOrEqual(large.byteLength); // the upload slot of the large call
      const before = ctx.stats().transfer;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          ctx.gradient(
            small.map((x) => x * i),
            { shape: [64, 64] },
          ),
        ),
      );
      const after = ctx.stats().transfer;
      expect(after.jobs - before.jobs).toBe(50);
      expect(after.groups - before.groups).toBeLessThanOrEqual(2);
      expect(after.mapRoundTrips - before.mapRoundTrips).toBeLessThanOrEqual(2);
      const ref = cpuGradient(small, { shape: [64, 64] });
      results.forEach((got, i) =>
        got.forEach((g, k) =>
          expect(
            f32Violation(
              g,
              ref[k].map((x) => x * i),
              50,
              1,
            ),
            `call ${i}`,
          ).toBeNull(),
        ),
      );
      // Concurrent large calls, more than one ring's worth: each takes its input as it is made, into a
      // staging slot mapped then while the ring (three slots) has one free, else through writeBuffer; so
      // none waits for a slot, and all seven inputs may be overwritten as soon as the calls return.
      const shape = [1152, 1024]; // 4.5 MiB each
      const bigs = Array.from({ length: 7 }, (_, i) => Float32Array.from({ length: 1152 * 1024 }, (_, j) => Math.sin(j * 0.001 + i)));
      const refs = bigs.map((d) => cpuGradient(d, { shape }));
      const pending = bigs.map((d) => ctx.gradient(d, { shape }));
      for (const d of bigs) d.fill(0);
      const bigResults = await Promise.all(pending);
      bigResults.forEach((got, i) => refs[i].forEach((r, k) => expect(f32Violation(got[k], r, 1, 1), `big call ${i}`).toBeNull()));
      ctx.destroy();
    },
    300_000,
  );
});

describe('concurrent calls of the same work share one dispatch', () => {
  gpuIt('runs of equal work are computed together over their arrays stacked; every result stays right', async ({ device }) => {
    const ctx = await createGradient({ device });
    const r = rng(11);
    const coords = Array.from({ length: 20 }, (_, i) => i + 0.3 * Math.sin(i));
    type Call = { data: NumericArray; options: GradientOptions; op: 'gradient' | 'magnitude'; batched: boolean };
    const calls = (count: number, make: () => Omit<Call, 'data'>, data: () => NumericArray): Call[] =>
      Array.from({ length: count }, () => ({ ...make(), data: data() }));
    const f32 = (n: number) => () => Float32Array.from({ length: n }, () => r() * 4 - 2);
    const plan: Call[] = [
      ...calls(12, () => ({ options: { shape: [16, 20] }, op: 'gradient', batched: true }), f32(320)),
      ...calls(6, () => ({ options: { shape: [16, 20], edgeOrder: 2 }, op: 'gradient', batched: true }), f32(320)),
      ...calls(
        5,
        () => ({ options: { shape: [16, 16] }, op: 'gradient', batched: true }),
        () => Uint8Array.from({ length: 256 }, () => r() * 256),
      ),
      ...calls(4, () => ({ options: { shape: [16, 20], spacing: [0.5, coords] }, op: 'magnitude', batched: true }), f32(320)),
      ...calls(3, () => ({ options: { shape: [15, 7] }, op: 'gradient', batched: false }), f32(105)), // 105 elements: not whole words
      ...calls(
        3,
        () => ({ options: { shape: [16, 20], boundary: 'periodic', accuracy: 4, axis: 1 }, op: 'gradient', batched: true }),
        f32(320),
      ),
      // Sobel and Scharr smooth across rows: stacked images must not smooth into each other.
      ...calls(4, () => ({ options: { shape: [16, 20], operator: 'sobel' }, op: 'gradient', batched: true }), f32(320)),
      ...calls(3, () => ({ options: { shape: [16, 20], operator: 'scharr' }, op: 'magnitude', batched: true }), f32(320)),
    ];
    // Warm: the first call of each kind compiles its pipelines.
    for (const c of plan) await (c.op === 'magnitude' ? ctx.magnitude(c.data, c.options) : ctx.gradient(c.data, c.options));
    const concurrently = () =>
      Promise.all(
        plan.map(async (c) => (c.op === 'magnitude' ? [await ctx.magnitude(c.data, c.options)] : await ctx.gradient(c.data, c.options))),
      );
    const check = (results: Float32Array[][], round: string) =>
      plan.forEach((c, i) => {
        const ref = c.op === 'magnitude' ? [cpuGradientMagnitude(c.data, c.options)] : cpuGradient(c.data, c.options);
        ref.forEach((rk, k) =>
          expect(f32Violation(results[i][k], rk, maxAbs(c.data), 0.5, 24), `${round}: call ${i} output ${k}`).toBeNull(),
        );
      });
    // The first burst's inputs land in arenas that double as they fill (arena.ts), so runs split where one
    // ends; the next burst finds one arena as large as the first took, and every run is one dispatch.
    check(await concurrently(), 'first burst');
    const before = ctx.stats().transfer;
    check(await concurrently(), 'second burst');
    const after = ctx.stats().transfer;
    expect(after.groups - before.groups).toBe(1);
    expect(after.batches - before.batches).toBe(7);
    expect(after.batchedJobs - before.batchedJobs).toBe(plan.filter((c) => c.batched).length);
    ctx.destroy();
  });
});

describe('concurrent calls that share no dispatch', () => {
  gpuIt('hand their buffers on within their group: every result right, and the same burst again creates no buffer', async ({ device }) => {
    const ctx = await createGradient({ device });
    const r = rng(12);
    const shape = [16, 20];
    const field = () => [0, 1].map(() => Float32Array.from({ length: 320 }, () => r() * 4 - 2));
    // Two components (divergence and curl), a grid's coordinates or a transposed view (gathered on the GPU,
    // its input made there): none is batched; 80 of them in one group, whose inputs and outputs, a buffer
    // each, would be more than the pool keeps idle (64).
    const coords = Array.from({ length: 20 }, (_, i) => i + 0.3 * Math.sin(i));
    const calls = Array.from({ length: 80 }, (_, i) => ({ kind: i % 4, v: field() }));
    const transposed = (data: Float32Array) => ({ data, shape: [20, 16], stride: [1, 20], offset: 0 });
    const run = (c: (typeof calls)[number]) =>
      c.kind === 0
        ? ctx.divergence(c.v, { shape }).then((d) => [d])
        : c.kind === 1
          ? ctx.curl(c.v, { shape })
          : c.kind === 2
            ? ctx.gradient(c.v[0], { shape, spacing: [0.5, coords] })
            : ctx.gradient(transposed(c.v[0]));
    const reference = (c: (typeof calls)[number]) =>
      c.kind === 0
        ? [cpuDivergence(c.v, { shape })]
        : c.kind === 1
          ? cpuCurl(c.v, { shape })
          : c.kind === 2
            ? cpuGradient(c.v[0], { shape, spacing: [0.5, coords] })
            : cpuGradient(transposed(c.v[0]));
    const check = (results: Float32Array[][]) =>
      calls.forEach((c, i) =>
        reference(c).forEach((ref, k) => expect(f32Violation(results[i][k], ref, 2, 0.5, 24), `call ${i} output ${k}`).toBeNull()),
      );
    for (const c of calls.slice(0, 4)) await run(c); // compiles each kind's pipelines
    check(await Promise.all(calls.map(run)));
    check(await Promise.all(calls.map(run))); // its inputs in one arena, as large as the first burst took
    const before = ctx.stats().created;
    const { groups, gpuGathers } = ctx.stats().transfer;
    check(await Promise.all(calls.map(run)));
    // One group: with its pipeline built, a gathered call is queued before it returns, as the others are.
    expect(ctx.stats().transfer.groups - groups).toBe(1);
    expect(ctx.stats().transfer.gpuGathers - gpuGathers).toBe(20);
    expect(ctx.stats().created).toBe(before);
    ctx.destroy();
  });
});

describe('staging rings under contention', () => {
  gpuIt(
    '16 concurrent calls that each need an upload and a readback slot of their own all finish, right',
    async ({ device }) => {
      // Each call is its own group (its results exceed chunkBytes), so 16 groups compete for three readback
      // and three upload slots at once.
      const ctx = await createGradient({ device: device, chunkBytes: 8 * 2 ** 20 });
      const shape = [1152, 1024]; // 4.5 MiB in (a staging slot), 9 MiB of results
      const data = Array.from({ length: 16 }, (_, i) => Float32Array.from({ length: 1152 * 1024 }, (_, j) => Math.cos(j * 0.002 + i)));
      const results = await Promise.race([
        Promise.all(data.map((d) => ctx.gradient(d, { shape }))),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('hung: a call waited for a staging slot forever')), 60_000)),
      ]);
      expect(ctx.stats().stagingBytes).toBeLessThanOrEqual(6 * 16 * 2 ** 20); // at most three slots per direction
      results.forEach((got, i) =>
        cpuGradient(data[i], { shape }).forEach((r, k) => expect(f32Violation(got[k], r, 1, 1), `call ${i}`).toBeNull()),
      );
      ctx.destroy();
    },
    300_000,
  );
});

describe('out: caller-supplied outputs', () => {
  gpuIt('receive the results and are returned, for gradient, magnitude, divergence and curl', async () => {
    const f = Float32Array.from({ length: 12 * 9 }, (_, i) => Math.sin(i));
    const options = { shape: [12, 9] };
    const out = [new Float32Array(108).fill(NaN), new Float32Array(108).fill(NaN)];
    const got = await gpuGradient(f, { ...options, out });
    expect(got[0]).toBe(out[0]);
    expect(got[1]).toBe(out[1]);
    cpuGradient(f, options).forEach((ref, k) => expect(f32Violation(out[k], ref, 1, 1)).toBeNull());
    const m = [new Float32Array(108)];
    expect(await suite.ctx.magnitude(f, { ...options, out: m })).toBe(m[0]);
    expect(f32Violation(m[0], cpuGradientMagnitude(f, options), 1, 1)).toBeNull();
    const v = [f, f.map((x) => x * 2)];
    const d = [new Float32Array(108)];
    expect(await suite.ctx.divergence(v, { ...options, out: d })).toBe(d[0]);
    expect(f32Violation(d[0], cpuDivergence(v, options), 2, 1)).toBeNull();
    const c = [new Float32Array(108)];
    expect((await suite.ctx.curl(v, { ...options, out: c }))[0]).toBe(c[0]);
    // Reused across calls: a second call overwrites them.
    const again = await gpuGradient(
      f.map((x) => -x),
      { ...options, out },
    );
    expect(again[0]).toBe(out[0]);
    // Each call's list of results is its own: neither the caller's `out` list nor an earlier call's.
    expect(again).not.toBe(got);
    expect(got).not.toBe(out);
    expect(got).toEqual([out[0], out[1]]);
    cpuGradient(f, options).forEach((ref, k) =>
      expect(
        f32Violation(
          out[k],
          ref.map((x) => -x),
          1,
          1,
        ),
      ).toBeNull(),
    );
  });

  gpuIt('the arrays given are the ones written, even if the caller changes its `out` list while the call runs', async () => {
    const f = Float32Array.from({ length: 12 * 9 }, (_, i) => Math.cos(i));
    const options = { shape: [12, 9] };
    const given = [new Float32Array(108), new Float32Array(108)];
    const out = [...given];
    const strided = { data: new Float32Array(216), shape: [12, 9], strides: [18, 2] };
    const views = [new Float32Array(108), strided];
    const calls = [suite.ctx.gradient(f, { ...options, out }), suite.ctx.gradient(f, { ...options, out: views })];
    // The caller refills its lists for its next calls before these settle.
    out[0] = new Float32Array(108);
    out[1] = new Float32Array(108);
    views[1] = new Float32Array(108);
    const [flat, withView] = await Promise.all(calls);
    expect(flat[0]).toBe(given[0]);
    expect(flat[1]).toBe(given[1]);
    expect(flat).toHaveLength(2); // the call's own list, unchanged by the caller's refill
    expect(withView[1]).toBe(strided.data);
    const ref = cpuGradient(f, options);
    ref.forEach((r, k) => expect(f32Violation(given[k], r, 1, 1)).toBeNull());
    expect(
      f32Violation(
        Float32Array.from({ length: 108 }, (_, i) => strided.data[2 * i]),
        ref[1],
        1,
        1,
      ),
    ).toBeNull();
    expect(out[0].every((x) => x === 0) && out[1].every((x) => x === 0) && (views[1] as Float32Array).every((x) => x === 0)).toBe(true);
  });

  gpuIt('anything else is refused with invalid-option before any GPU work', async () => {
    const f = new Float32Array(24);
    const options = { shape: [4, 6] };
    const refusals: [unknown, RegExp][] = [
      [new Float32Array(24), /out: .* must be an array of 2 Float32Array/],
      [[new Float32Array(24)], /must be an array of 2/],
      [[new Float32Array(24), new Float32Array(23)], /out\[1\]: .* must be a Float32Array of length 24/],
      [[new Float32Array(24), new Float64Array(24)], /out\[1\]: .* must be a Float32Array/],
      [[f, new Float32Array(24)], /out\[0\]: overlaps the data/],
      [
        (() => {
          const b = new Float32Array(40);
          return [b.subarray(0, 24), b.subarray(16, 40)];
        })(),
        /overlaps .* another output/,
      ],
    ];
    const before = suite.ctx.stats().transfer.jobs;
    for (const [out, message] of refusals) {
      const e = await suite.ctx.gradient(f, { ...options, out: out as Float32Array[] }).catch((err) => err);
      expect(e).toBeInstanceOf(GradientError);
      expect(e.code).toBe('invalid-option');
      expect(e.message).toMatch(message);
    }
    const e = await suite.ctx.magnitude(f, { ...options, out: [new Float32Array(24), new Float32Array(24)] }).catch((err) => err);
    expect(e.message).toMatch(/must be an array of 1 Float32Array/);
    expect(suite.ctx.stats().transfer.jobs).toBe(before);
  });
});

describe('garbage per host call', () => {
  // What a sequential 64² host call with `out` allocates once its plan, work and buffers are kept: V8's
  // sampling heap profiler (every 64 bytes, collected objects kept) on a null device (bench/null-device.mjs),
  // whose objects and promises are made once or are plain, so the frames of src/ are the library's.
  // Here (the sources through vitest) the library's frames made 2.65-2.74 KB a call at fb4d6eb and
  // 1.36-1.91 KB after 2026-12-07's eleventh session; what is left is mostly what a promise-returning call
  // over WebGPU's promises needs (bench/NOTES.md, eleventh session).
  gpuIt('a sequential 64² call with out allocates under 2.3 KB of the library’s own', async (t) => {
    const { limitsOf, nullDevice } = await import('../bench/null-device.mjs');
    const device = nullDevice(limitsOf(t.device));
    const ctx = await createGradient({ device });
    const data = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
    const out = [new Float32Array(4096), new Float32Array(4096)];
    const options = { shape: [64, 64], out };
    const calls = async (n: number) => {
      for (let i = 0; i < n; i++) await ctx.gradient(data, options);
    };
    await calls(5000); // keeps its work and buffers, and lets V8 optimise
    const n = 5000;
    const { own, all } = await sampledBytes(() => calls(n));
    const perCall = { own: Math.round(own / n), all: Math.round(all / n) };
    console.log(`bytes a sequential 64² call with out (null device, sampled): ${JSON.stringify(perCall)}`);
    expect(perCall.own).toBeGreaterThan(0);
    expect(perCall.own, JSON.stringify(perCall)).toBeLessThan(2300);
    // Every byte, the test's own loop and Node's included (and the library's functions that V8 inlined
    // into the loop, which `own` then misses): 2.96-3.04 KB at fb4d6eb, 1.91-2.27 KB after, up to 2.41
    // with other test files running beside it.
    expect(perCall.all, JSON.stringify(perCall)).toBeLessThan(2800);
    ctx.destroy();
  });

  gpuIt('a sequential 64² Hessian, derivatives and adjoint call allocate under 3.5 KB of the library’s own', async (t) => {
    const { limitsOf, nullDevice } = await import('../bench/null-device.mjs');
    const ctx = await createGradient({ device: nullDevice(limitsOf(t.device)) });
    const data = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
    const shape = [64, 64];
    const out = [0, 1, 2].map(() => new Float32Array(4096));
    const programs = {
      hessian: () => ctx.hessian(data, { shape, out }),
      derivatives: () =>
        ctx.derivatives(data, {
          shape,
          derivatives: [
            [2, 0],
            [1, 1],
          ],
          out: out.slice(0, 2),
        }),
      adjoint: () => ctx.gradientAdjoint([data, data], { shape, out: out.slice(0, 1) }),
    };
    for (const [name, call] of Object.entries(programs)) {
      const calls = async (n: number) => {
        for (let i = 0; i < n; i++) await call();
      };
      await calls(3000);
      const n = 3000;
      const { own } = await sampledBytes(() => calls(n));
      const perCall = Math.round(own / n);
      console.log(`library bytes a sequential 64² ${name} call with out (null device, sampled): ${perCall}`);
      // The Hessian's 5.8 KB at 6ec6589 (async frames, the request spread, the call's shape made again at
      // each); 1.5-2.2 KB after (bench/NOTES.md, twelfth session).
      expect(perCall, name).toBeGreaterThan(0);
      expect(perCall, name).toBeLessThan(3500);
    }
    ctx.destroy();
  });
});
