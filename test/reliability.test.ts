import { execFile } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { holdsDawn } from '../src/gpu/device';
import {
  cpuGradient,
  cpuGradientAdjoint,
  cpuHessian,
  cpuImageGradient,
  createGradient,
  destroyDefaultGradient,
  GradientError,
  gpuDivergence,
  gpuGradient,
  gpuGradientAdjoint,
  gpuHessian,
  gpuImageGradient,
  type NumericArray,
} from '../src/index';
import { BAD_INPUTS } from './helpers/bad-inputs';
import { f32Violation, maxAbs } from './helpers/bounds';
import { vulkanEnv } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';

// The families an adversarial round found broken on b2784f2, each kept here so it stays fixed: shared
// memory (a process crash), destroy timing (a process crash), one caller's detached arrays failing its
// neighbours, inputs read after the call returned, bad input that waited for a device, and typed arrays
// of another realm or a subclass.
const suite = gpuSuite();
const { gpuIt } = suite;

type Ctor = { new (buffer: ArrayBufferLike, offset?: number, length?: number): NumericArray; BYTES_PER_ELEMENT: number; name: string };
const TYPES: Ctor[] = [
  Float64Array,
  Float32Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
];

/** A `length`-element array of `Type` on a SharedArrayBuffer, holding a smooth pattern its type can hold. */
function sharedArray(Type: Ctor, length: number): NumericArray {
  const a = new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT)) as unknown as number[];
  const float = Type === Float64Array || Type === Float32Array;
  for (let i = 0; i < length; i++) a[i] = float ? Math.sin(i * 0.01) * 3 : Math.round(50 + 40 * Math.sin(i * 0.013));
  return a as unknown as NumericArray;
}

function expectClose(got: readonly Float32Array[], data: NumericArray, options: Parameters<typeof cpuGradient>[1], label: string) {
  const ref = cpuGradient(data, options);
  expect(got.length, label).toBe(ref.length);
  got.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(data), 1), `${label} axis ${k}`).toBeNull());
}

/** Runs a script of test/processes with node against the built dist/. */
function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args.concat(script), { env, timeout: 240_000 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; signal?: string }) | null;
      done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, signal: e?.signal ?? null, out: `${stdout}\n${stderr}` });
    });
  });
}

describe('shared memory', () => {
  // 6x8 and 64x64 go up with writeBuffer, 1100x1024 (4.3 MiB as float32, more than 4 MiB for every
  // type of 16 bits or more) through a staging slot; 8-bit types need 4.5M elements for that.
  gpuIt(
    'every element type on a SharedArrayBuffer, through writeBuffer and through staging, into shared `out` too',
    async () => {
      for (const Type of TYPES) {
        const large: [number, number] = Type.BYTES_PER_ELEMENT === 1 ? [1100, 4200] : [1100, 1024];
        for (const shape of [[6, 8], [64, 64], large] as [number, number][]) {
          const data = sharedArray(Type, shape[0] * shape[1]);
          const got = await suite.ctx.gradient(data, { shape });
          expectClose(got, data, { shape }, `${Type.name} [${shape}]`);
        }
      }
      // WebAssembly threads' memory is a SharedArrayBuffer too; results into shared `out` arrays.
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      const wasm = new Float32Array(memory.buffer, 1024, 48).map((_, i) => Math.cos(i));
      const out = [new Float32Array(new SharedArrayBuffer(192)), new Float32Array(new SharedArrayBuffer(192))];
      const got = await gpuGradient(wasm, { shape: [6, 8], out });
      expect(got).toEqual(out);
      expectClose(got, wasm, { shape: [6, 8] }, 'wasm memory');
      // Image bytes on shared memory (queue.writeTexture crashed the same way).
      const pixels = { width: 8, height: 6, data: Uint8Array.from({ length: 4 * 8 * 6 }, (_, i) => (i * 29) % 256) };
      const shared = { ...pixels, data: new Uint8Array(new SharedArrayBuffer(pixels.data.length)) };
      shared.data.set(pixels.data);
      (await gpuImageGradient(shared)).forEach((g, k) => expect(f32Violation(g, cpuImageGradient(pixels)[k], 255, 1)).toBeNull());
    },
    300_000,
  );

  gpuIt('shared components and streamed pieces (each piece written when its group is recorded)', async ({ device }) => {
    const ctx = await createGradient({ device, chunkBytes: 4096 });
    try {
      for (const Type of [Float32Array, Int16Array, Uint8Array] as Ctor[]) {
        const data = sharedArray(Type, 40 * 30);
        const got = await ctx.gradient(data, { shape: [40, 30] });
        expect(ctx.stats().transfer.jobs).toBeGreaterThan(1);
        expectClose(got, data, { shape: [40, 30] }, `${Type.name} streamed`);
      }
    } finally {
      ctx.destroy();
    }
    const u = sharedArray(Float32Array, 64);
    const v = sharedArray(Float32Array, 64);
    const div = await gpuDivergence([u, v], { shape: [8, 8], device });
    const [du] = cpuGradient(u, { shape: [8, 8], axis: 0 });
    const [dv] = cpuGradient(v, { shape: [8, 8], axis: 1 });
    expect(
      f32Violation(
        div,
        du.map((x, i) => x + dv[i]),
        6,
        1,
      ),
    ).toBeNull();
  });
});

describe('destroy timing', () => {
  it('destroying the default context or a createGradient() context 0, 1, 10 and 100 ms after the first call never kills the process', async () => {
    const runs = await Promise.all(
      [0, 1].map(() => runScript('test/processes/destroy-timing.mjs', ['--expose-gc'], { ...vulkanEnv(), NODEVICE_SELECT: '1' })),
    );
    for (const run of runs) {
      expect(run.signal, run.out).toBeNull();
      expect(run.code, run.out).toBe(0);
      expect(run.out).toContain('alive 12');
    }
  }, 300_000);
});

describe('one caller cannot fail another', () => {
  gpuIt('an `out` detached after the call returns fails that call alone; its batched neighbours finish right', async ({ device }) => {
    const ctx = await createGradient({ device });
    try {
      const shape = [16, 16];
      const arrays = Array.from({ length: 6 }, (_, j) => Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.1 + j)));
      const outs = arrays.map(() => [new Float32Array(256), new Float32Array(256)]);
      await ctx.gradient(arrays[0], { shape }); // compiled: the calls below are batched
      const batches = ctx.stats().transfer.batches;
      const calls = arrays.map((a, j) => ctx.gradient(a, { shape, out: outs[j] }));
      structuredClone(outs[2][1].buffer, { transfer: [outs[2][1].buffer] }); // a worker took it
      const settled = await Promise.allSettled(calls);
      settled.forEach((s, j) => {
        if (j === 2) {
          expect(s.status).toBe('rejected');
          const e = (s as PromiseRejectedResult).reason;
          expect(e).toBeInstanceOf(GradientError);
          expect(e.code).toBe('invalid-option');
          expect(e.message).toMatch(/^out\[1\]: .*detached/);
        } else {
          expect(s.status, `call ${j}`).toBe('fulfilled');
          expectClose((s as PromiseFulfilledResult<Float32Array[]>).value, arrays[j], { shape }, `call ${j}`);
        }
      });
      expect(ctx.stats().transfer.batches).toBeGreaterThan(batches);
    } finally {
      ctx.destroy();
    }
  });

  gpuIt(
    'a streamed input detached mid-call fails that call alone, with invalid-data; calls sharing its submits finish right',
    async ({ device }) => {
      const ctx = await createGradient({ device, chunkBytes: 4096 });
      try {
        const shape = [40, 30];
        const mine = Float32Array.from({ length: 1200 }, (_, i) => Math.sin(i * 0.05));
        const others = [1, 2, 3].map((j) => Float32Array.from({ length: 1200 }, (_, i) => Math.cos(i * 0.03 + j)));
        const call = ctx.gradient(mine, { shape });
        const neighbours = others.map((d) => ctx.gradient(d, { shape }));
        structuredClone(mine.buffer, { transfer: [mine.buffer] });
        const e = await call.catch((err) => err);
        expect(e).toBeInstanceOf(GradientError);
        expect(e.code).toBe('invalid-data');
        expect(e.message).toMatch(/^data: .*detached/);
        const results = await Promise.all(neighbours);
        results.forEach((got, j) => expectClose(got, others[j], { shape }, `neighbour ${j}`));
      } finally {
        ctx.destroy();
      }
    },
  );
});

describe('inputs are taken when a call is made', () => {
  gpuIt('a one-piece call is not changed by refilling, or detaching, its arrays right after it returns', async () => {
    const shape = [64, 64];
    const fresh = (seed: number) => Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i * 0.02 + seed));
    // writeBuffer path, a float64 array (converted), a plain array, the staging path (4.3 MiB)
    const small = fresh(1);
    const wide = Float64Array.from(fresh(2));
    const plain = Array.from(fresh(3));
    const large = Float32Array.from({ length: 1100 * 1024 }, (_, i) => Math.cos(i * 0.001));
    const refs = [small, wide, plain].map((d) => cpuGradient(d, { shape }));
    const largeRef = cpuGradient(large, { shape: [1100, 1024] });
    const calls = [small, wide, plain].map((d) => suite.ctx.gradient(d, { shape }));
    const largeCall = suite.ctx.gradient(large, { shape: [1100, 1024] });
    small.fill(0);
    wide.fill(7);
    plain.fill(-1);
    large.fill(0);
    (await Promise.all(calls)).forEach((got, j) =>
      got.forEach((g, k) => expect(f32Violation(g, refs[j][k], 1, 1), `call ${j}`).toBeNull()),
    );
    (await largeCall).forEach((g, k) => expect(f32Violation(g, largeRef[k], 1, 1)).toBeNull());

    // Concurrent calls of one shape (one batched dispatch), refilled and detached after returning.
    const many = Array.from({ length: 8 }, (_, j) => fresh(10 + j));
    const manyRefs = many.map((d) => cpuGradient(d, { shape }));
    const batched = many.map((d) => suite.ctx.gradient(d, { shape }));
    many.forEach((d, j) => (j % 2 ? d.fill(0) : structuredClone(d.buffer, { transfer: [d.buffer] })));
    (await Promise.all(batched)).forEach((got, j) => got.forEach((g, k) => expect(f32Violation(g, manyRefs[j][k], 1, 1)).toBeNull()));

    // Components of a field, and pixel bytes of an image.
    const u = fresh(20);
    const v = fresh(21);
    const [du] = cpuGradient(u, { shape, axis: 0 });
    const [dv] = cpuGradient(v, { shape, axis: 1 });
    const div = suite.ctx.divergence([u, v], { shape });
    u.fill(0);
    v.fill(0);
    expect(
      f32Violation(
        await div,
        du.map((x, i) => x + dv[i]),
        2,
        1,
      ),
    ).toBeNull();
    const pixels = { width: 9, height: 7, data: Uint8Array.from({ length: 9 * 7 * 4 }, (_, i) => (i * 37) % 256) };
    const imageRef = cpuImageGradient(pixels);
    const image = suite.ctx.imageGradient(pixels);
    pixels.data.fill(0);
    (await image).forEach((g, k) => expect(f32Violation(g, imageRef[k], 255, 1)).toBeNull());
  });

  gpuIt("the default context's first call (which waits for its device) copies its input; later ones take it at once", async () => {
    for (let round = 0; round < 2; round++) {
      if (round === 0) await destroyDefaultGradient(); // the next call acquires a device
      const data = Float32Array.from({ length: 40 }, (_, i) => i * i * 0.5);
      const ref = cpuGradient(data, { shape: [5, 8] });
      const call = gpuGradient(data, { shape: [5, 8] });
      data.fill(0);
      (await call).forEach((g, k) => expect(f32Violation(g, ref[k], 800, 1), `round ${round}`).toBeNull());
      // The derivatives' one-call functions, a plain array and a Float64Array among them.
      if (round === 0) await destroyDefaultGradient();
      const list = Array.from({ length: 40 }, (_, i) => Math.sin(i));
      const f64 = Float64Array.from(list, (x) => x * 3);
      const want = [cpuHessian(list, { shape: [5, 8] }), [cpuGradientAdjoint([f64, list], { shape: [5, 8] })]];
      const calls = [gpuHessian(list, { shape: [5, 8] }), gpuGradientAdjoint([f64, list], { shape: [5, 8] }).then((a) => [a])];
      list.fill(0);
      f64.fill(0);
      for (const [c, got] of (await Promise.all(calls)).entries()) {
        got.forEach((g, k) => expect(f32Violation(g, want[c][k], 3, 1, 64), `derivatives ${c}, round ${round}`).toBeNull());
      }
      const pixels = { width: 5, height: 4, data: Uint8Array.from({ length: 80 }, (_, i) => (i * 53) % 256) };
      const imageRef = cpuImageGradient(pixels);
      if (round === 0) await destroyDefaultGradient();
      const image = gpuImageGradient(pixels);
      pixels.data.fill(0);
      (await image).forEach((g, k) => expect(f32Violation(g, imageRef[k], 255, 1), `image round ${round}`).toBeNull());
    }
  });

  gpuIt(
    'a streamed call (input or results beyond chunkBytes) reads its pieces as they go up, after the call returns',
    async ({ device }) => {
      const ctx = await createGradient({ device, chunkBytes: 4096 });
      try {
        const data = Float32Array.from({ length: 40 * 30 }, (_, i) => Math.sin(i * 0.05) + 2);
        const call = ctx.gradient(data, { shape: [40, 30] });
        data.fill(5); // every piece goes up after this: the gradient of a constant
        const got = await call;
        expect(ctx.stats().transfer.jobs).toBeGreaterThan(1);
        for (const g of got) expect(g.every((x) => x === 0)).toBe(true);
      } finally {
        ctx.destroy();
      }
    },
  );
});

describe('validation before any device', () => {
  it('with no adapter at all, every bad call gets its own code and only a valid call gets no-webgpu', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/no-driver.json', NODEVICE_SELECT: '1' };
    delete env.VK_DRIVER_FILES;
    const run = await runScript('test/processes/no-adapter.mjs', [], env);
    const line = run.out.split('\n').find((l) => l.startsWith('NO_ADAPTER '));
    expect(line, run.out).toBeDefined();
    expect(JSON.parse(line!.slice('NO_ADAPTER '.length))).toEqual({
      'gradient, 24 elements for shape [5, 5]': 'invalid-shape',
      'gradient of a string': 'invalid-data',
      'gradient with out: [1]': 'invalid-option',
      'gradient with an unknown option': 'invalid-option',
      'gradient with a zero step': 'invalid-spacing',
      "gradient with outputType 'float64'": 'invalid-option',
      'gradient on a non-device': 'invalid-option',
      'magnitude with axis 3 of 2-D': 'invalid-axis',
      'divergence, 1 component for 2 axes': 'invalid-data',
      'curl of 1-D': 'invalid-axis',
      'laplacian with accuracy 4': 'invalid-option',
      'image with 3 bytes for 2x2 pixels': 'invalid-data',
      'image with a shape option': 'invalid-option',
      'valid gradient': 'no-webgpu',
      'valid image': 'no-webgpu',
    });
  });

  it("a requestAdapter() that rejects (Firefox 140 ESR: NotSupportedError) is no-webgpu, with the engine's reason", async () => {
    const g = globalThis as { navigator?: unknown };
    const had = Object.getOwnPropertyDescriptor(g, 'navigator');
    const refusal = new DOMException('WebGPU is not yet available in Release or late Beta builds.', 'NotSupportedError');
    Object.defineProperty(g, 'navigator', {
      configurable: true,
      value: {
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
        gpu: { requestAdapter: () => Promise.reject(refusal) },
      },
    });
    try {
      await destroyDefaultGradient();
      for (const attempt of [() => gpuGradient([1, 2, 4]), () => createGradient()]) {
        const error = await attempt().then(
          () => null,
          (e) => e,
        );
        expect(error).toBeInstanceOf(GradientError);
        expect(error.code).toBe('no-webgpu');
        // In Node the engine is 'node' whatever the user agent says: the message names the rejection and the fallback.
        expect(error.message).toMatch(
          /^WebGPU is present but requestAdapter\(\) refused \(NotSupportedError: WebGPU is not yet available in Release or late Beta builds\.\): .*cpuGradient/,
        );
      }
    } finally {
      if (had) Object.defineProperty(g, 'navigator', had);
      else delete g.navigator;
      await destroyDefaultGradient();
    }
  });

  gpuIt('every bad input of the shared list is refused before a device is acquired (in the same turn)', async () => {
    await destroyDefaultGradient();
    for (const [what, data, options, code, text] of BAD_INPUTS) {
      let error: unknown;
      gpuGradient(data as never, options as never).catch((e) => {
        error = e;
      });
      await Promise.resolve(); // a device takes milliseconds; a refusal is already there
      await Promise.resolve();
      expect(error, what).toBeInstanceOf(GradientError);
      expect((error as GradientError).code, what).toBe(code);
      expect((error as GradientError).message, what).toContain(text);
    }
    const e = await gpuGradient([1, 2, 3], { device: 'gpu' as never }).catch((err) => err);
    expect(e.message).toBe('options.device: "gpu" is not a GPUDevice');
  });
});

describe('typed arrays of another realm, and subclasses', () => {
  const foreign = (code: string) => runInNewContext(code) as NumericArray;

  gpuIt('node:vm arrays as data and `out`, on the GPU and the CPU', async () => {
    const shape = [6, 8];
    for (const type of ['Float64Array', 'Float32Array', 'Int16Array', 'Uint8Array', 'Uint8ClampedArray', 'Uint32Array']) {
      const data = foreign(`${type}.from({ length: 48 }, (_, i) => (i * 7) % 23)`);
      expect(data instanceof Float32Array || data instanceof Float64Array).toBe(false);
      const got = await gpuGradient(data, { shape });
      expectClose(got, data, { shape }, `${type} of another realm`);
      const local = cpuGradient(Float64Array.from(data as ArrayLike<number>), { shape });
      expect(cpuGradient(data, { shape })).toEqual(local);
    }
    const data = Float32Array.from({ length: 48 }, Math.sin);
    const out = [foreign('new Float32Array(48)'), foreign('new Float32Array(48)')] as Float32Array[];
    const returned = await gpuGradient(data, { shape, out });
    expect(returned[0]).toBe(out[0]);
    expect(returned[1]).toBe(out[1]);
    expectClose(out, data, { shape }, 'foreign out');
    const cpuOut = [foreign('new Float64Array(48)'), foreign('new Float64Array(48)')] as Float64Array[];
    cpuGradient(data, { shape, out: cpuOut });
    expect(cpuOut.map((a) => Array.from(a))).toEqual(cpuGradient(data, { shape }).map((a) => Array.from(a)));
    // Image bytes of another realm.
    const pixels = { width: 4, height: 3, data: foreign('Uint8ClampedArray.from({ length: 48 }, (_, i) => i * 5)') as Uint8ClampedArray };
    (await gpuImageGradient(pixels)).forEach((g, k) => expect(f32Violation(g, cpuImageGradient(pixels)[k], 255, 1)).toBeNull());
    // Messages name what was passed, without contradicting themselves.
    const wrong = await gpuGradient(data, { shape, out: [foreign('new Float32Array(5)'), new Float32Array(48)] as Float32Array[] }).catch(
      (e) => e,
    );
    expect(wrong.message).toBe('out[0]: Float32Array(5) must be a Float32Array of length 48');
    const bigint = await gpuGradient(foreign('new BigInt64Array(3)')).catch((e) => e);
    expect(bigint.code).toBe('invalid-data');
    expect(bigint.message).toMatch(/^data: BigInt64Array\(3\) is not supported/);
  });

  gpuIt('subclasses are data and `out` alike, read through their memory (their own methods never run)', async () => {
    class Hostile32 extends Float32Array {
      static get [Symbol.species](): never {
        throw new Error('species used');
      }
      override subarray(): never {
        throw new Error('subarray used');
      }
    }
    class Hostile64 extends Float64Array {
      static get [Symbol.species](): never {
        throw new Error('species used');
      }
    }
    const shape = [6, 8];
    const data = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i));
    const hostile = new Hostile32(48);
    hostile.set(data);
    const out = [new Hostile32(48), new Hostile32(48)];
    const got = await gpuGradient(hostile, { shape, out });
    expect(got[0]).toBe(out[0]);
    expectClose(got, data, { shape }, 'Float32Array subclass');
    const wide = new Hostile64(48);
    wide.set(data);
    expectClose(await gpuGradient(wide, { shape }), data, { shape }, 'Float64Array subclass');
    const cpuOut = [new Hostile64(48), new Hostile64(48)];
    expect(cpuGradient(wide, { shape, out: cpuOut })[1]).toBe(cpuOut[1]);
    expect(Array.from(cpuOut[0])).toEqual(Array.from(cpuGradient(data, { shape })[0]));
    const e = await gpuGradient(data, { shape, out: [new Hostile64(48), new Hostile64(48)] as never }).catch((err) => err);
    expect(e.message).toBe('out[0]: Hostile64 (a Float64Array)(48) must be a Float32Array of length 48');
  });
});

describe('the default context after validation', () => {
  gpuIt('a refused call acquires no device (Dawn is not even loaded again)', async () => {
    await destroyDefaultGradient();
    await new Promise((r) => setTimeout(r, 20)); // Dawn is let go a macrotask after its last device
    expect(holdsDawn()).toBe(false);
    for (const [, data, options] of BAD_INPUTS) await gpuGradient(data as never, options as never).catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    expect(holdsDawn()).toBe(false);
    await gpuGradient([1, 2, 3]);
    expect(holdsDawn()).toBe(true);
  });
});
