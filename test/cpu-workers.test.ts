import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePart, computeParts } from '../src/cpu/parts';
import type { CpuWorkers, GradientOptions, NumericArray } from '../src/index';
import {
  cpuCurl,
  cpuDerivatives,
  cpuDivergence,
  cpuGradient,
  cpuGradientAdjoint,
  cpuGradientMagnitude,
  cpuHessian,
  cpuLaplacian,
  type DerivativeOptions,
} from '../src/index';
import { problemArb } from './helpers/arbitraries';
import { firstDifference } from './helpers/bits';
import { caseData, caseOptions, loadNumpyCases } from './helpers/fixtures';
import { assembleParts, writtenOnce } from './helpers/parts';

// cpuWorkers: cpuGradient split into slabs of the first axis, computed by worker threads in shared memory.
// The pure part (slabs assembled in any count give cpuGradient's bits) runs on src; the pool runs the
// built dist/ (`npm test` builds first), whose dist/cpu-worker.js the workers load.

/** The float64 values of `data` in a SharedArrayBuffer, as the same typed array type (plain arrays: Float64Array). */
function shared(data: NumericArray): NumericArray {
  const Ctor = (Array.isArray(data) ? Float64Array : data.constructor) as Float64ArrayConstructor;
  const out = new Ctor(new SharedArrayBuffer(data.length * Ctor.BYTES_PER_ELEMENT));
  out.set(data as ArrayLike<number>);
  return out;
}

function sharedOuts(count: number, size: number): Float64Array[] {
  return Array.from({ length: count }, () => new Float64Array(new SharedArrayBuffer(size * 8)));
}

describe('slabs of the first axis (computePart)', () => {
  it('assembled in 1–7 parts, give cpuGradient bit for bit, every element written once (2,000 random problems)', () => {
    fc.assert(
      fc.property(problemArb({ gpuSafe: false, maxSize: 300 }), fc.integer({ min: 1, max: 7 }), (p, count) => {
        const want = cpuGradient(p.data, p.options);
        const { outs, writes } = assembleParts(
          { op: 'gradient', inputs: [p.data], options: p.options, count },
          want.map((w) => w.length),
        );
        expect(writtenOnce(writes)).toBe(true);
        expect(firstDifference(outs, want)).toBeNull();
      }),
      { numRuns: 2000, seed: 20261206 },
    );
  });

  it('cover periodic axes, fourth order and both edge orders with non-uniform coordinates', () => {
    const shape = [9, 7, 6];
    const data = Float64Array.from({ length: 9 * 7 * 6 }, (_, i) => Math.sin(i * 0.37) * 5 + i * 0.01);
    const x = [0, 0.5, 1.7, 2.0, 3.1, 4.4, 5.0];
    const cases: GradientOptions[] = [
      { shape, boundary: ['periodic', 'edge', 'periodic'] },
      { shape, accuracy: 4, spacing: [0.5, 2, 1] },
      { shape, accuracy: 4, boundary: 'periodic' },
      { shape, edgeOrder: 2, spacing: [1, x, 3] },
      { shape, edgeOrder: 1, spacing: [0.25, 2], axis: [2, 0] },
      { shape, boundary: 'periodic', spacing: [1, x, 1], period: [null, 6, null] } as GradientOptions,
    ];
    for (const options of cases) {
      const want = cpuGradient(data, options);
      for (const count of [2, 3, 9, 12]) {
        const outs = want.map((w) => new Float64Array(w.length).fill(Number.NaN));
        for (let index = 0; index < count; index++) computePart({ op: 'gradient', inputs: [data], options, outs, index, count });
        expect(firstDifference(outs, want), `${JSON.stringify(options)} in ${count} parts`).toBeNull();
      }
    }
  });

  it('are taken from a shared counter one at a time until none is left (computeParts)', () => {
    const shape = [23, 9, 4];
    const data = Float64Array.from({ length: 23 * 36 }, (_, i) => Math.cos(i * 0.41) * 9);
    const want = cpuGradient(data, { shape, edgeOrder: 2 });
    const outs = want.map((w) => new Float64Array(w.length).fill(Number.NaN));
    const next = new Int32Array(new SharedArrayBuffer(4));
    next[0] = 5; // another thread has taken parts 0–4 already
    expect(computeParts({ op: 'gradient', inputs: [data], options: { shape, edgeOrder: 2 }, outs, count: 12, next })).toBe(7);
    expect(computeParts({ op: 'gradient', inputs: [data], options: { shape, edgeOrder: 2 }, outs, count: 12, next })).toBe(0);
    const cut = Math.floor((23 * 5) / 12) * 36; // the first element of part 5
    outs.forEach((o, k) => {
      expect(o.subarray(0, cut).every(Number.isNaN)).toBe(true);
      expect(firstDifference([o.subarray(cut)], [want[k].subarray(cut)])).toBeNull();
    });
  });
});

describe('cpuWorkers (dist/, worker threads)', () => {
  let lib: typeof import('../src/index');
  let pool: CpuWorkers;
  beforeAll(async () => {
    lib = await import(/* @vite-ignore */ pathToFileURL(resolve('dist/index.js')).href);
    pool = await lib.cpuWorkers({ threads: 3, minLength: 0 });
  });
  afterAll(() => pool?.destroy());

  it('splits every numpy fixture case held in shared memory and returns cpuGradient bit for bit', async () => {
    const cases = loadNumpyCases();
    const split = pool.stats.split;
    for (const c of cases) {
      const data = shared(caseData(c));
      const want = cpuGradient(caseData(c), caseOptions(c));
      const fresh = await pool.gradient(data, caseOptions(c));
      expect(firstDifference(fresh, want), c.name).toBeNull();
      expect(fresh.every((a) => a.buffer instanceof SharedArrayBuffer)).toBe(true);
      const out = sharedOuts(want.length, data.length);
      const got = await pool.gradient(data, { ...caseOptions(c), out });
      expect(got).toEqual(out);
      expect(got.every((a, k) => a === out[k])).toBe(true);
      expect(firstDifference(out, want), `${c.name} with out`).toBeNull();
    }
    expect(pool.stats.split - split).toBe(2 * cases.length);
  });

  it('splits large arrays across the threads, concurrent calls included', async () => {
    const shape = [96, 80, 64];
    const size = 96 * 80 * 64;
    const data = shared(Float64Array.from({ length: size }, (_, i) => Math.cos(i * 0.003) * 7 + (i % 11)));
    const options = [
      { shape },
      { shape, edgeOrder: 2 as const, spacing: [0.5, 2, 0.1] },
      { shape, axis: [2, 0] },
      { shape, accuracy: 4 as const },
    ];
    const split = pool.stats.split;
    const got = await Promise.all(options.flatMap((o) => [pool.gradient(data, o), pool.gradient(data, o)]));
    options.forEach((o, k) => {
      const want = cpuGradient(data, o);
      expect(firstDifference(got[2 * k], want)).toBeNull();
      expect(firstDifference(got[2 * k + 1], want)).toBeNull();
    });
    expect(pool.stats.split - split).toBe(2 * options.length);
  });

  it('splits data of seven element types, calls at once included, into cpuGradient bit for bit', async () => {
    // Past the loops' first four types the data is copied to shared float64 memory first (kernel-input.ts):
    // two calls at once hold copies of their own.
    const shape = [40, 36];
    const kinds = [Float64Array, Float32Array, Int32Array, Uint8Array, Int16Array, Uint16Array, Int8Array];
    const split = pool.stats.split;
    const values = Array.from({ length: 40 * 36 }, (_, i) => Math.round(60 * Math.sin(i * 0.37)) + 64);
    const datas = kinds.map((Kind) => shared(Kind.from(values)));
    const got = await Promise.all(datas.flatMap((d) => [pool.gradient(d, { shape }), pool.gradient(d, { shape, accuracy: 4 as const })]));
    datas.forEach((d, k) => {
      expect(firstDifference(got[2 * k], cpuGradient(d, { shape })), kinds[k].name).toBeNull();
      expect(firstDifference(got[2 * k + 1], cpuGradient(d, { shape, accuracy: 4 })), kinds[k].name).toBeNull();
    });
    expect(pool.stats.split - split).toBe(2 * kinds.length);
  });

  it("splits the fields held in shared memory into the cpu functions' bits, fresh and into `out`", async () => {
    // One pass (lines of 32 or more), slabs (shorter lines, three fourth-order magnitude terms), periodic
    // axes, edge order 2, a subset of axes; 2-D and 3-D curls.
    const cases: GradientOptions[] = [
      { shape: [40, 36, 33] },
      { shape: [40, 36, 33], edgeOrder: 2, spacing: [0.5, 2, 0.3] },
      { shape: [40, 36, 33], boundary: ['edge', 'periodic', 'periodic'] },
      { shape: [40, 36, 33], accuracy: 4 },
      { shape: [40, 36, 33], axis: [0, 2] },
      { shape: [95, 7, 6] },
      { shape: [200, 240] },
      { shape: [200, 240], boundary: 'periodic', accuracy: 4 },
    ];
    const split = pool.stats.split;
    let calls = 0;
    for (const options of cases) {
      const size = options.shape!.reduce((a, b) => a * b, 1);
      const axes = (options.axis as number[] | undefined)?.length ?? options.shape!.length;
      const make = (seed: number) => Float64Array.from({ length: size }, (_, i) => Math.sin(i * 0.013 + seed) * 5 + ((i * seed) % 7));
      const f = shared(make(1)) as Float64Array;
      const v = Array.from({ length: axes }, (_, k) => shared(make(k + 2)) as Float64Array);
      const lap = { ...options, accuracy: 2 as const };
      const fields: [string, () => Promise<Float64Array[]>, (out: Float64Array[]) => Promise<Float64Array[]>, Float64Array[]][] = [
        [
          'magnitude',
          async () => [await pool.magnitude(f, options)],
          async (out) => [await pool.magnitude(f, { ...options, out })],
          [cpuGradientMagnitude(f, options)],
        ],
        [
          'divergence',
          async () => [await pool.divergence(v, options)],
          async (out) => [await pool.divergence(v, { ...options, out })],
          [cpuDivergence(v, options)],
        ],
        [
          'laplacian',
          async () => [await pool.laplacian(f, lap)],
          async (out) => [await pool.laplacian(f, { ...lap, out })],
          [cpuLaplacian(f, lap)],
        ],
        ['curl', () => pool.curl(v, options), (out) => pool.curl(v, { ...options, out }), cpuCurl(v, options)],
      ];
      for (const [name, fresh, into, want] of fields) {
        const label = `${name} ${JSON.stringify(options)}`;
        const got = await fresh();
        expect(firstDifference(got, want), label).toBeNull();
        expect(
          got.every((a) => a.buffer instanceof SharedArrayBuffer),
          label,
        ).toBe(true);
        const out = sharedOuts(want.length, size).map((o) => o.fill(Number.NaN));
        const written = await into(out);
        expect(
          written.every((a, k) => a === out[k]),
          label,
        ).toBe(true);
        expect(firstDifference(out, want), `${label} into out`).toBeNull();
        calls += 2;
      }
    }
    expect(pool.stats.split - split).toBe(calls);
  });

  it('runs the fields it cannot split on the calling thread, and refuses bad ones before any worker runs', async () => {
    const shape = [30, 40];
    const plain = Float64Array.from({ length: 1200 }, (_, i) => Math.cos(i * 0.1) * 4);
    const data = shared(plain) as Float64Array;
    const other = shared(plain.map((x) => x * x)) as Float64Array;
    const calling = pool.stats.calling;
    const split = pool.stats.split;
    const cases: [Promise<Float64Array | Float64Array[]>, Float64Array | Float64Array[]][] = [
      [pool.divergence([data, plain], { shape }), cpuDivergence([data, plain], { shape })], // one component in ordinary memory
      [pool.magnitude(data, { shape, out: [new Float64Array(1200)] }), cpuGradientMagnitude(data, { shape })], // ordinary out
      [
        pool.curl([data, other], { shape, boundary: ['periodic', 'edge'], spacing: [1, Array.from({ length: 40 }, (_, i) => i * i)] }),
        cpuCurl([data, other], { shape, boundary: ['periodic', 'edge'], spacing: [1, Array.from({ length: 40 }, (_, i) => i * i)] }),
      ], // whole arrays
    ];
    for (const [got, want] of cases) {
      const g = await got;
      expect(firstDifference(Array.isArray(g) ? g : [g], Array.isArray(want) ? want : [want])).toBeNull();
    }
    expect(pool.stats.calling - calling).toBe(cases.length);
    await expect(pool.divergence([data], { shape })).rejects.toMatchObject({ code: 'invalid-data' });
    await expect(pool.curl([data, other], { shape: [2, 600], axis: 1 })).rejects.toMatchObject({ code: 'invalid-axis' });
    await expect(pool.laplacian(data, { shape, accuracy: 4 })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(pool.magnitude(data, { shape, out: sharedOuts(2, 1200) })).rejects.toMatchObject({ code: 'invalid-option' });
    expect(pool.stats.split).toBe(split);
  });

  it("splits derivatives, the Hessian and the adjoint held in shared memory into the cpu functions' bits", async () => {
    const cases: DerivativeOptions[] = [
      { shape: [60, 44] },
      { shape: [60, 44], accuracy: 6, boundary: ['periodic', 'mirror'], spacing: [0.5, 2] },
      { shape: [30, 12, 9], accuracy: 4, boundary: 'nearest' },
      { shape: [30, 12, 9], spacing: [Array.from({ length: 30 }, (_, i) => i + 0.02 * i * i), 1, 0.3] },
    ];
    const split = pool.stats.split;
    let calls = 0;
    for (const options of cases) {
      const size = options.shape!.reduce((a, b) => a * b, 1);
      const d = options.shape!.length;
      const make = (seed: number) => Float64Array.from({ length: size }, (_, i) => Math.sin(i * 0.021 + seed) * 4 + ((i * seed) % 5));
      const f = shared(make(1)) as Float64Array;
      const derivatives =
        d === 2
          ? [
              [2, 1],
              [0, 3],
              [1, 0],
            ]
          : [
              [1, 1, 1],
              [0, 2, 0],
            ];
      const v = derivatives.map((_, k) => shared(make(k + 2)) as Float64Array);
      const label = JSON.stringify({ ...options, spacing: undefined });
      const hessian = cpuHessian(f, options);
      const got = await pool.hessian(f, options);
      expect(firstDifference(got, hessian), `hessian ${label}`).toBeNull();
      expect(got.every((a) => a.buffer instanceof SharedArrayBuffer)).toBe(true);
      const out = sharedOuts(hessian.length, size).map((o) => o.fill(Number.NaN));
      expect((await pool.hessian(f, { ...options, out })).every((a, k) => a === out[k])).toBe(true);
      expect(firstDifference(out, hessian), `hessian ${label} into out`).toBeNull();
      const many = { ...options, derivatives };
      expect(firstDifference(await pool.derivatives(f, many), cpuDerivatives(f, many)), `derivatives ${label}`).toBeNull();
      const adjoint = [await pool.gradientAdjoint(v, many)];
      expect(firstDifference(adjoint, [cpuGradientAdjoint(v, many)]), `adjoint ${label}`).toBeNull();
      calls += 4;
    }
    expect(pool.stats.split - split).toBe(calls);
    // A view, ordinary memory, and a refusal: the calling thread, or nothing split.
    const calling = pool.stats.calling;
    const data = shared(Float64Array.from({ length: 1200 }, (_, i) => Math.cos(i * 0.1))) as Float64Array;
    const view = { data, shape: [40, 30], strides: [1, 40] };
    expect(firstDifference(await pool.hessian(view), cpuHessian(view))).toBeNull();
    expect(
      firstDifference(await pool.hessian(Float64Array.from(data), { shape: [30, 40] }), cpuHessian(data, { shape: [30, 40] })),
    ).toBeNull();
    expect(pool.stats.calling - calling).toBe(2);
    const before = pool.stats.split;
    await expect(pool.derivatives(data, { shape: [30, 40], derivatives: [[0, 0]] })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(pool.hessian(data, { shape: [30, 40], accuracy: 3 as never })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(pool.gradientAdjoint([data], { shape: [30, 40] })).rejects.toMatchObject({ code: 'invalid-data' });
    expect(pool.stats.split).toBe(before);
  });

  it('splits ghost sides and the fields of views (the contiguous loops, views gathered window by window), with the same bits', async () => {
    const shape = [30, 40];
    const data = shared(Float64Array.from({ length: 1200 }, (_, i) => Math.cos(i * 0.1) * 4)) as Float64Array;
    const split = pool.stats.split;
    const o: GradientOptions = { shape, boundary: [['reflect', 'edge'], 'nearest'], edgeOrder: 2 };
    expect(firstDifference(await pool.gradient(data, o), cpuGradient(data, o))).toBeNull();
    expect(
      firstDifference([await pool.laplacian(data, { shape, boundary: 'mirror' })], [cpuLaplacian(data, { shape, boundary: 'mirror' })]),
    ).toBeNull();
    const c: GradientOptions = { shape, boundary: 'constant', cval: 2, accuracy: 4 };
    expect(firstDifference([await pool.magnitude(data, c)], [cpuGradientMagnitude(data, c)])).toBeNull();
    const view = { data, shape: [40, 30], strides: [1, 40] };
    expect(firstDifference([await pool.magnitude(view)], [cpuGradientMagnitude(view)])).toBeNull();
    expect(pool.stats.split - split).toBe(4);
  });

  it("splits gaps to skip (non-finite values, a mask in shared memory) into cpuGradient's bits", async () => {
    const shape = [64, 48];
    const plain = Float64Array.from({ length: 64 * 48 }, (_, i) =>
      i % 97 === 5 ? Number.NaN : i % 89 === 7 ? Number.POSITIVE_INFINITY : Math.sin(i * 0.3) * 4,
    );
    const data = shared(plain);
    const mask = new Uint8Array(new SharedArrayBuffer(64 * 48));
    for (let i = 0; i < mask.length; i++) mask[i] = i % 61 === 9 ? 0 : 1;
    const cases: GradientOptions[] = [
      { shape, invalid: 'skip' },
      { shape, invalid: 'skip', mask, edgeOrder: 2 },
      { shape, invalid: 'skip', boundary: ['periodic', 'reflect'] },
      { shape, invalid: 'skip', axis: 0, spacing: [Float64Array.from({ length: 64 }, (_, i) => i + 0.2 * Math.sin(i))] },
    ];
    const split = pool.stats.split;
    for (const options of cases) {
      const want = cpuGradient(data, options);
      expect(firstDifference(await pool.gradient(data, options), want), JSON.stringify(options.boundary ?? options.axis ?? '')).toBeNull();
      const out = want.map(() => new Float64Array(new SharedArrayBuffer(64 * 48 * 8)));
      await pool.gradient(data, { ...options, out });
      expect(firstDifference(out, want)).toBeNull();
    }
    expect(pool.stats.split - split).toBe(2 * cases.length);
    // The fields with gaps split too: the magnitude, the divergence and the curl (of two components, one
    // with gaps where the other has none).
    const other = shared(plain.map((x, i) => (Number.isFinite(x) ? Math.cos(i * 0.17) * 3 : 0)));
    for (const options of cases) {
      expect(firstDifference([await pool.magnitude(data, options)], [cpuGradientMagnitude(data, options)])).toBeNull();
      if (options.axis !== undefined) continue; // the divergence and the curl take every axis
      expect(firstDifference([await pool.divergence([data, other], options)], [lib.cpuDivergence([data, other], options)])).toBeNull();
      expect(firstDifference(await pool.curl([other, data], options), lib.cpuCurl([other, data], options))).toBeNull();
    }
    expect(pool.stats.split - split).toBe(3 * cases.length + 2 * (cases.length - 1));
  });

  it('runs on the calling thread what it cannot split, with the same results', async () => {
    const shape = [12, 10];
    const plain = Float64Array.from({ length: 120 }, (_, i) => Math.sin(i) * 3);
    const data = shared(plain);
    const calls: [NumericArray, GradientOptions & { out?: Float64Array[] }][] = [
      [plain, { shape }], // ordinary memory: a worker cannot see it
      [data, { shape, out: [new Float64Array(120), new Float64Array(120)] }], // ordinary out
      [data, { shape: [60, 2], boundary: 'nearest', edgeOrder: 2 }], // ghost sides on an axis shorter than numpy's stencils: the line path
      [data, { shape, invalid: 'skip', mask: Uint8Array.from({ length: 120 }, (_, i) => (i % 7 === 3 ? 0 : 1)) }], // a mask in ordinary memory
      [data, { shape, operator: 'sobel' }],
    ];
    const calling = pool.stats.calling;
    const split = pool.stats.split;
    for (const [d, o] of calls) expect(firstDifference(await pool.gradient(d, o), cpuGradient(d, o)), JSON.stringify(o)).toBeNull();
    expect(pool.stats.calling - calling).toBe(calls.length);
    expect(pool.stats.split).toBe(split);
    const small = await lib.cpuWorkers({ threads: 2 }); // default minLength: small arrays stay on the calling thread
    try {
      await small.gradient(data, { shape });
      expect(small.stats).toEqual({ split: 0, calling: 1 });
    } finally {
      await small.destroy();
    }
  });

  it('refuses bad input as cpuGradient does, before any worker runs', async () => {
    const data = shared(new Float64Array(12));
    const split = pool.stats.split;
    await expect(pool.gradient(data, { shape: [5, 2] })).rejects.toMatchObject({ code: 'invalid-shape' });
    await expect(pool.gradient(data, { shape: [3, 4], axis: 2 })).rejects.toMatchObject({ code: 'invalid-axis' });
    await expect(pool.gradient(data, { shape: [3, 4], out: sharedOuts(1, 12) })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(pool.gradient(data, { shape: [3, 4], out: [data as Float64Array, sharedOuts(1, 12)[0]] })).rejects.toMatchObject({
      code: 'invalid-option',
    });
    expect(pool.stats.split).toBe(split);
  });

  it('refuses bad pool options, an unloadable worker, and calls after destroy', async () => {
    await expect(lib.cpuWorkers({ threads: 0 })).rejects.toMatchObject({
      code: 'invalid-option',
      message: expect.stringContaining('threads: 0'),
    });
    await expect(lib.cpuWorkers({ threads: 1.5 })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(lib.cpuWorkers({ minLength: -1 })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(lib.cpuWorkers({ threads: 2, workerUrl: pathToFileURL(resolve('dist/no-such-worker.js')) })).rejects.toMatchObject({
      code: 'worker-error',
    });
    const p = await lib.cpuWorkers({ threads: 2, minLength: 0 });
    expect(p.threads).toBe(2);
    await p.destroy();
    await expect(p.gradient(shared(new Float64Array(4)), {})).rejects.toMatchObject({ code: 'destroyed' });
    const one = await lib.cpuWorkers({ threads: 1, minLength: 0 }); // the calling thread alone
    expect(firstDifference(await one.gradient(shared(Float64Array.of(1, 4, 9)), {}), cpuGradient(Float64Array.of(1, 4, 9)))).toBeNull();
    expect(one.stats).toEqual({ split: 0, calling: 1 });
    await one.destroy();
  });
});
