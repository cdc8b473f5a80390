import { describe, expect } from 'vitest';
import { KEPT_WORK_LIMIT } from '../src/gpu/work-cache';
import { cpuGradient, createGradient, type GradientOptions, prepareCoordinates } from '../src/index';
import { f32Violation, maxAbs } from './helpers/bounds';
import { counted } from './helpers/counted-device';
import { gpuSuite } from './helpers/gpu-suite';

// Small host calls repeated with one plan keep their work (src/gpu/work-cache.ts): no planning, no uniform
// or weight writes and no bind groups once the pool's buffers come round again; bounded, and safe when
// an entry is evicted while calls still use it.
const suite = gpuSuite();
const { gpuIt } = suite;

function field(n: number, seed = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 * seed) * 3 + (i % 5));
}

function expectClose(got: readonly Float32Array[], data: Float32Array, options: GradientOptions) {
  const ref = cpuGradient(data, options);
  expect(got.length).toBe(ref.length);
  got.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(data), 0.5), `axis ${k}`).toBeNull());
}

describe('work kept across host calls of one plan', () => {
  gpuIt('a repeated 64² call writes only its input and creates no bind group, buffer or pipeline', async ({ device }) => {
    const { device: wrapped, counts } = counted(device);
    const ctx = await createGradient({ device: wrapped });
    try {
      const data = field(64 * 64);
      const out = [new Float32Array(4096), new Float32Array(4096)];
      const x = Array.from({ length: 64 }, (_, i) => i + 0.01 * i * i);
      for (const options of [
        { shape: [64, 64] },
        { shape: [64, 64], spacing: [x, 0.5] },
        { shape: [64, 64], boundary: 'reflect' },
      ] as GradientOptions[]) {
        for (let i = 0; i < 3; i++) await ctx.gradient(data, { ...options, out }); // the first call keeps the work
        const before = { ...counts };
        const pipelines = ctx.stats().pipelines;
        for (let i = 0; i < 20; i++) await ctx.gradient(data, { ...options, out });
        expectClose(out, data, options);
        expect(counts.bindGroups - before.bindGroups, JSON.stringify(options)).toBe(0);
        expect(counts.buffers - before.buffers).toBe(0);
        expect(counts.writes - before.writes).toBe(20); // the input of each call, nothing else
        expect(counts.writeBytes - before.writeBytes).toBe(20 * 64 * 64 * 4);
        expect(ctx.stats().pipelines).toBe(pipelines);
      }
      const kept = ctx.stats().keptWork;
      expect(kept.entries).toBe(3);
      expect(kept.misses).toBe(3);
      expect(kept.hits).toBe(3 * 23 - 3);
    } finally {
      ctx.destroy();
    }
  });

  gpuIt(
    'a curvilinear grid keeps its work only when its coordinates are prepared: then a call writes only its input',
    async ({ device }) => {
      const { device: wrapped, counts } = counted(device);
      const ctx = await createGradient({ device: wrapped });
      try {
        const [ny, nx] = [24, 30];
        const X = Float64Array.from({ length: ny * nx }, (_, p) => (p % nx) + 0.2 * Math.sin(Math.floor(p / nx) * 0.3));
        const Y = Float64Array.from({ length: ny * nx }, (_, p) => Math.floor(p / nx) + 0.2 * Math.cos((p % nx) * 0.2));
        const data = field(ny * nx);
        const out = [new Float32Array(ny * nx), new Float32Array(ny * nx)];
        const runs: [string, GradientOptions, number][] = [
          ['arrays', { shape: [ny, nx], coordinates: [X, Y] }, 3], // input, metric terms, uniforms: every call
          ['prepared', { shape: [ny, nx], coordinates: prepareCoordinates([X, Y]) }, 1], // the input only
        ];
        for (const [name, options, writes] of runs) {
          for (let i = 0; i < 2; i++) await ctx.gradient(data, { ...options, out });
          const before = { ...counts };
          for (let i = 0; i < 10; i++) await ctx.gradient(data, { ...options, out });
          expectClose(out, data, { shape: [ny, nx], coordinates: [X, Y] });
          expect(counts.writes - before.writes, name).toBe(10 * writes);
          expect(counts.bindGroups - before.bindGroups, name).toBe(name === 'prepared' ? 0 : 10);
        }
        expect(ctx.stats().keptWork).toMatchObject({ entries: 1, misses: 1, hits: 11 });
      } finally {
        ctx.destroy();
      }
    },
  );

  gpuIt('repeated calls on the sphere keep their work: each writes only its input; new latitudes are a new plan', async ({ device }) => {
    const { device: wrapped, counts } = counted(device);
    const ctx = await createGradient({ device: wrapped });
    try {
      const [nlat, nlon] = [12, 20];
      const data = field(nlat * nlon);
      const out = [new Float32Array(nlat * nlon), new Float32Array(nlat * nlon)];
      const latitude = Array.from({ length: nlat }, (_, i) => -55 + 10 * i);
      const longitude = Array.from({ length: nlon }, (_, i) => 18 * i);
      const options = (): GradientOptions => ({ shape: [nlat, nlon], sphere: { latitude: [...latitude], longitude, radius: 2 } });
      for (let i = 0; i < 2; i++) await ctx.gradient(data, { ...options(), out });
      const before = { ...counts };
      for (let i = 0; i < 10; i++) await ctx.gradient(data, { ...options(), out }); // equal options in new objects
      expectClose(out, data, options());
      expect([counts.writes - before.writes, counts.bindGroups - before.bindGroups, counts.buffers - before.buffers]).toEqual([10, 0, 0]);
      latitude[0] = -60; // other latitudes: a plan and a grid of their own, still right
      await ctx.gradient(data, { ...options(), out });
      expectClose(out, data, options());
      expect(ctx.stats().keptWork).toMatchObject({ entries: 2, misses: 2, hits: 11 });
    } finally {
      ctx.destroy();
    }
  });

  gpuIt(
    'kept work holds at most maxPooledBytes: prepared grids, whose entries hold their metric terms, evict by bytes',
    async ({ device }) => {
      const ctx = await createGradient({ device, maxPooledBytes: 200_000 });
      try {
        const [ny, nx] = [48, 48];
        const data = field(ny * nx);
        for (let g = 0; g < 8; g++) {
          const X = Float64Array.from({ length: ny * nx }, (_, p) => (p % nx) * (1 + 0.01 * g));
          const Y = Float64Array.from({ length: ny * nx }, (_, p) => Math.floor(p / nx) + 0.1 * Math.sin(p % nx));
          const options: GradientOptions = { shape: [ny, nx], coordinates: prepareCoordinates([X, Y]) };
          for (let i = 0; i < 2; i++) expectClose(await ctx.gradient(data, options), data, { shape: [ny, nx], coordinates: [X, Y] });
          // Each entry holds 16 bytes a point of metric terms (36,864 bytes) and its uniforms.
          expect(ctx.stats().keptWork.bytes).toBeLessThanOrEqual(200_000);
        }
        const kept = ctx.stats().keptWork;
        expect(kept.misses).toBe(8);
        expect(kept.hits).toBe(8);
        expect(kept.entries).toBeGreaterThanOrEqual(4);
        expect(kept.entries + kept.evictions).toBe(8);
      } finally {
        ctx.destroy();
      }
    },
  );

  gpuIt('without kept work (streamed calls) each call still plans its own', async ({ device }) => {
    const ctx = await createGradient({ device, chunkBytes: 64 * 1024 });
    try {
      const data = field(256 * 256);
      const options: GradientOptions = { shape: [256, 256] }; // results of 512 KiB: streamed in pieces
      expectClose(await ctx.gradient(data, options), data, options);
      expect(ctx.stats().keptWork).toMatchObject({ entries: 0, hits: 0, misses: 0 });
    } finally {
      ctx.destroy();
    }
  });

  gpuIt(
    'masked calls keep the work of their plan without the mask: each call writes only its input, masks changed in place or new',
    async ({ device }) => {
      const { device: wrapped, counts } = counted(device);
      const ctx = await createGradient({ device: wrapped });
      try {
        const shape = [16, 24];
        const data = field(16 * 24);
        const out = [new Float32Array(16 * 24), new Float32Array(16 * 24)];
        const mask = Uint8Array.from({ length: 16 * 24 }, (_, i) => (i % 7 === 3 ? 0 : 1));
        for (let i = 0; i < 2; i++) await ctx.gradient(data, { shape, invalid: 'skip', mask, out });
        const before = { ...counts };
        for (let call = 0; call < 8; call++) {
          // Odd calls a new mask array; even ones the first, changed in place.
          const m = call % 2 ? Uint8Array.from({ length: 16 * 24 }, (_, i) => ((i * (call + 3)) % 11 === 1 ? 0 : 1)) : mask;
          if (call % 2 === 0) m[(call * 37) % m.length] ^= 1;
          const options: GradientOptions = { shape, invalid: 'skip', mask: m };
          await ctx.gradient(data, { ...options, out });
          const ref = cpuGradient(data, options);
          out.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(data), 1), `call ${call} axis ${k}`).toBeNull());
        }
        expect([counts.writes - before.writes, counts.bindGroups - before.bindGroups, counts.buffers - before.buffers]).toEqual([8, 0, 0]);
        // A NaN-skip call of the same plan without a mask shares the entry.
        const gaps = data.map((v, i) => (mask[i] ? v : Number.NaN));
        expectClose(await ctx.gradient(gaps, { shape, invalid: 'skip' }), gaps, { shape, invalid: 'skip' });
        expect(ctx.stats().keptWork).toMatchObject({ entries: 1, misses: 1, hits: 10 });
      } finally {
        ctx.destroy();
      }
    },
  );

  gpuIt("one plan reused by contexts of other chunk sizes and limits is cut and kept for each context's own", async ({ device }) => {
    // The plan memo gives every context the same plan object for the same options, and a call's pieces,
    // buffers and keys are kept beside that plan (host.ts, callShape): they must be made again where the
    // chunk size or the limits differ.
    const whole = await createGradient({ device });
    const streamed = await createGradient({ device, chunkBytes: 64 * 1024 });
    const tiny = await createGradient({ device, limits: { maxStorageBufferBindingSize: 32 * 1024, maxBufferSize: 32 * 1024 } });
    try {
      const data = field(128 * 160);
      const options: GradientOptions = { shape: [128, 160] }; // 80 KiB in, 160 KiB of results
      for (let round = 0; round < 2; round++) {
        for (const ctx of [whole, streamed, tiny, whole]) {
          const jobs = ctx.stats().transfer.jobs;
          expectClose(await ctx.gradient(data, options), data, options);
          const pieces = ctx.stats().transfer.jobs - jobs;
          if (ctx === whole) expect(pieces).toBe(1);
          else expect(pieces, ctx === streamed ? 'chunkBytes 64 KiB' : 'bindings of 32 KiB').toBeGreaterThan(1);
        }
      }
      expect(whole.stats().keptWork.entries).toBe(1);
      expect(streamed.stats().keptWork.entries).toBe(0); // streamed calls keep no work
    } finally {
      whole.destroy();
      streamed.destroy();
      tiny.destroy();
    }
  });

  gpuIt(`keeps at most ${KEPT_WORK_LIMIT} plans; evicting entries that calls in flight hold is safe`, async () => {
    const ctx = suite.ctx;
    const shapes = Array.from({ length: KEPT_WORK_LIMIT + 12 }, (_, i) => [5 + i, 7]);
    // All at once: entries are evicted while earlier calls still hold theirs (destroyed once released).
    const datas = shapes.map(([a, b], i) => field(a * b, i + 1));
    const got = await Promise.all(shapes.map((shape, i) => ctx.gradient(datas[i], { shape })));
    got.forEach((g, i) => expectClose(g, datas[i], { shape: shapes[i] }));
    const kept = ctx.stats().keptWork;
    expect(kept.entries).toBe(KEPT_WORK_LIMIT);
    expect(kept.evictions).toBeGreaterThanOrEqual(12);
    // Evicted plans are made again, and right.
    const again = await ctx.gradient(datas[0], { shape: shapes[0] });
    expectClose(again, datas[0], { shape: shapes[0] });
  });

  gpuIt('evicts the plan used longest ago: a plan called again, once or many times, stays', async ({ device }) => {
    const ctx = await createGradient({ device });
    try {
      const shapes = Array.from({ length: KEPT_WORK_LIMIT + 1 }, (_, i) => [4, 5 + i]);
      const call = async (i: number) => {
        const data = field(shapes[i][0] * shapes[i][1], i + 1);
        expectClose(await ctx.gradient(data, { shape: shapes[i] }), data, { shape: shapes[i] });
      };
      for (let i = 0; i < KEPT_WORK_LIMIT; i++) await call(i); // kept: 0 … 63, 0 the oldest
      await call(0); // now the newest
      await call(0); // the newest again
      await call(KEPT_WORK_LIMIT); // a new plan evicts the oldest, 1
      const before = ctx.stats().keptWork;
      await call(0);
      expect(ctx.stats().keptWork.hits - before.hits, 'plan 0, used recently, is still kept').toBe(1);
      await call(1);
      expect(ctx.stats().keptWork.misses - before.misses, 'plan 1, used longest ago, was evicted').toBe(1);
    } finally {
      ctx.destroy();
    }
  });

  gpuIt("a context destroyed while calls make their plans' work keeps none of it and leaves no buffer alive", async ({ device }) => {
    const ctx = await createGradient({ device });
    const shapes = [
      [30, 20],
      [31, 20],
      [32, 20],
    ];
    const calls = shapes.map(([a, b]) =>
      ctx.gradient(field(a * b), { shape: [a, b], spacing: [0.5, Array.from({ length: b }, (_, i) => i * i)] }),
    );
    ctx.destroy(); // before their pipelines are fetched and their work kept
    const outcomes = await Promise.allSettled(calls);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'destroyed' });
    const s = ctx.stats();
    expect(s.keptWork.entries).toBe(0);
    expect(s.liveBuffers).toBe(0);
  });

  gpuIt('keys on everything the kernel reads: spacing, boundaries, edge order, operation and result type', async () => {
    const ctx = suite.ctx;
    const data = field(12 * 10);
    const variants: GradientOptions[] = [
      { shape: [12, 10] },
      { shape: [12, 10], spacing: 2 },
      { shape: [12, 10], spacing: [0.5, 3] },
      { shape: [12, 10], edgeOrder: 2 },
      { shape: [12, 10], boundary: 'periodic' },
      { shape: [12, 10], boundary: 'constant', cval: 4 },
      { shape: [12, 10], boundary: 'constant', cval: -1 },
      // JSON wrote both infinities as null: the second call took the first's work (and its results).
      { shape: [12, 10], boundary: 'constant', cval: Number.POSITIVE_INFINITY },
      { shape: [12, 10], boundary: 'constant', cval: Number.NEGATIVE_INFINITY },
      { shape: [12, 10], accuracy: 4 },
      { shape: [12, 10], axis: 1 },
    ];
    for (let round = 0; round < 2; round++) {
      for (const options of variants) expectClose(await ctx.gradient(data, options), data, options);
      const magnitude = await ctx.magnitude(data, { shape: [12, 10] });
      const [gx, gy] = cpuGradient(data, { shape: [12, 10] });
      magnitude.forEach((m, i) => expect(Math.abs(m - Math.hypot(gx[i], gy[i]))).toBeLessThan(1e-4 * (1 + Math.abs(m))));
    }
  });
});
