import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePart, computeParts } from '../src/cpu/parts';
import type { CpuWorkers, GradientOptions, NumericArray } from '../src/index';
import { cpuGradient } from '../src/index';
import { problemArb } from './helpers/arbitraries';
import { firstDifference } from './helpers/bits';
import { caseData, caseOptions, loadNumpyCases } from './helpers/fixtures';

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
        const outs = want.map((w) => new Float64Array(w.length).fill(Number.NaN));
        const writes = want.map((w) => new Uint8Array(w.length));
        for (let index = 0; index < count; index++) {
          // Run each part over two fillings: an element it writes is equal in both, one it leaves differs.
          const [a, b] = [Number.NaN, 0.5].map((fill) => {
            const part = want.map((w) => new Float64Array(w.length).fill(fill));
            computePart({ data: p.data, options: p.options, outs: part, index, count });
            return part;
          });
          a.forEach((ak, k) =>
            ak.forEach((v, i) => {
              if (!Object.is(v, b[k][i])) return;
              writes[k][i]++;
              outs[k][i] = v;
            }),
          );
        }
        expect(writes.every((w) => w.every((c) => c === 1))).toBe(true);
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
        for (let index = 0; index < count; index++) computePart({ data, options, outs, index, count });
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
    expect(computeParts({ data, options: { shape, edgeOrder: 2 }, outs, count: 12, next })).toBe(7);
    expect(computeParts({ data, options: { shape, edgeOrder: 2 }, outs, count: 12, next })).toBe(0);
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

  it('runs on the calling thread what it cannot split, with the same results', async () => {
    const shape = [12, 10];
    const plain = Float64Array.from({ length: 120 }, (_, i) => Math.sin(i) * 3);
    const data = shared(plain);
    const calls: [NumericArray, GradientOptions & { out?: Float64Array[] }][] = [
      [plain, { shape }], // ordinary memory: a worker cannot see it
      [data, { shape, out: [new Float64Array(120), new Float64Array(120)] }], // ordinary out
      [data, { shape, boundary: 'nearest' }], // ghost sides: the line path
      [data, { shape, invalid: 'skip' }], // gaps
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
