import { describe, expect } from 'vitest';
import { BufferUsage } from '../src/gpu/flags';
import { cpuCurl, cpuGradient, cpuGradientMagnitude, createGradient, GradientError } from '../src/index';
import { f32Violation, maxAbs } from './helpers/bounds';
import { readFloats, testDevice } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { sampledBytes } from './helpers/heap-sampling';

// Prepared kernels: prepare once, then record synchronously into an encoder or an open pass.
const suite = gpuSuite();
const { gpuIt } = suite;

const STORAGE_RW = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

function upload(device: GPUDevice, data: Float32Array, size = data.byteLength, at = 0): GPUBuffer {
  const b = device.createBuffer({ size: Math.ceil(size / 16) * 16, usage: STORAGE_RW });
  device.queue.writeBuffer(b, at, data);
  return b;
}

const field = (n: number, phase = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase) * 2);

describe('prepared kernels', () => {
  gpuIt('ghost boundary modes and gaps (NaN in the buffer), gradient and magnitude, against the CPU', async ({ device }) => {
    const shape = [21, 16];
    const n = 21 * 16;
    const data = field(n, 0.4);
    for (let i = 3; i < n; i += 17) data[i] = Number.NaN;
    const input = upload(device, data);
    for (const options of [
      { boundary: [['constant', 'edge'], 'mirror'], cval: [[1.5, 0], 0] },
      { boundary: 'reflect', accuracy: 4 },
      { invalid: 'skip', edgeOrder: 2, boundary: ['nearest', 'periodic'] },
      { invalid: 'skip', spacing: [0.5, Array.from({ length: 16 }, (_, i) => i + 0.05 * i * i)] },
    ] as const) {
      const finite = 'invalid' in options ? data : data.map((v) => (Number.isNaN(v) ? 0.25 : v));
      if (!('invalid' in options)) device.queue.writeBuffer(input, 0, finite);
      else device.queue.writeBuffer(input, 0, data);
      // Magnitude once (each prepare compiles its pipelines: about a second each under SwiftShader).
      for (const derived of 'invalid' in options && options.edgeOrder === 2 ? ([undefined, 'magnitude'] as const) : [undefined]) {
        const k = await suite.ctx.prepare({ shape, ...options, derived });
        const output = device.createBuffer({ size: k.outputLayout.totalBytes, usage: STORAGE_RW });
        const encoder = device.createCommandEncoder();
        k.encode(encoder, { input, output });
        device.queue.submit([encoder.finish()]);
        const opts = { shape, ...options } as Parameters<typeof cpuGradient>[1];
        const ref = derived ? [cpuGradientMagnitude(finite, opts)] : cpuGradient(finite, opts);
        for (let a = 0; a < ref.length; a++) {
          const got = await readFloats(device, output, a * k.outputLayout.slabBytes, n);
          const v = f32Violation(got, ref[a], 2, 0.5, derived ? 48 : 24);
          if (v) throw new Error(`${JSON.stringify(options)} ${derived ?? 'gradient'} ${a}: ${JSON.stringify(v)}`);
        }
        k.destroy();
        output.destroy();
      }
    }
    input.destroy();
    await expect(suite.ctx.prepare({ shape, invalid: 'skip', mask: new Uint8Array(n) } as never)).rejects.toThrow(/mask: given to prepare/);
  });

  gpuIt('encode records synchronously into an encoder and into an open pass, compiling nothing', async ({ device }) => {
    const shape = [33, 40];
    const data = field(33 * 40);
    const k = await suite.ctx.prepare({ shape, edgeOrder: 2 });
    const pipelines = suite.ctx.stats().pipelines;
    const input = upload(device, data);
    const stacked = device.createBuffer({ size: k.outputLayout.totalBytes, usage: STORAGE_RW });
    const perAxis = [0, 1].map(() => device.createBuffer({ size: 33 * 40 * 4, usage: STORAGE_RW }));
    const encoder = device.createCommandEncoder();
    const returned: unknown = k.encode(encoder, { input, output: stacked });
    expect(returned).toBeUndefined(); // not a promise: usable inside a frame callback
    const pass = encoder.beginComputePass();
    k.encode(pass, { input, outputs: perAxis });
    pass.end();
    device.queue.submit([encoder.finish()]);
    const ref = cpuGradient(data, { shape, edgeOrder: 2 });
    for (let a = 0; a < 2; a++) {
      expect(
        f32Violation(await readFloats(device, stacked, a * k.outputLayout.slabBytes, data.length), ref[a], maxAbs(data), 1),
      ).toBeNull();
      expect(f32Violation(await readFloats(device, perAxis[a], 0, data.length), ref[a], maxAbs(data), 1)).toBeNull();
    }
    expect(suite.ctx.stats().pipelines).toBe(pipelines);
    k.destroy();
    for (const b of [input, stacked, ...perAxis]) b.destroy();
  });

  gpuIt(
    'takes buffer bindings with offsets, and records twice in one submit with different buffers, then with the outputs swapped',
    async ({ device }) => {
      const shape = [20, 24];
      const n = 20 * 24;
      const k = await suite.ctx.prepare({ shape, spacing: [0.5, Array.from({ length: 24 }, (_, i) => i * i * 0.1 + i)] });
      const a = field(n, 0),
        b = field(n, 1.3);
      // Both inputs in one buffer, the second at byte 2048; both outputs in one buffer, past a poisoned prefix.
      const inputs = device.createBuffer({ size: 2048 + n * 4, usage: STORAGE_RW });
      device.queue.writeBuffer(inputs, 0, a);
      device.queue.writeBuffer(inputs, 2048, b);
      const total = k.outputLayout.totalBytes;
      const outBase = 256,
        outSecond = Math.ceil((outBase + total) / 256) * 256;
      const outputs = device.createBuffer({ size: outSecond + total, usage: STORAGE_RW });
      device.queue.writeBuffer(outputs, 0, new Float32Array(outBase / 4).fill(-7));
      const options = { shape, spacing: [0.5, Array.from({ length: 24 }, (_, i) => i * i * 0.1 + i)] };
      // Then again with the outputs swapped: the same input ranges (their bind groups kept) into other output ranges.
      for (const [first, second] of [
        [outBase, outSecond],
        [outSecond, outBase],
      ]) {
        const encoder = device.createCommandEncoder();
        k.encode(encoder, { input: { buffer: inputs, offset: 0, size: n * 4 }, output: { buffer: outputs, offset: first, size: total } });
        k.encode(encoder, { input: { buffer: inputs, offset: 2048 }, output: { buffer: outputs, offset: second } });
        device.queue.submit([encoder.finish()]);
        for (const [data, base] of [
          [a, first],
          [b, second],
        ] as const) {
          const ref = cpuGradient(data, options);
          for (let ax = 0; ax < 2; ax++)
            expect(f32Violation(await readFloats(device, outputs, base + ax * k.outputLayout.slabBytes, n), ref[ax], 2, 0.5)).toBeNull();
        }
      }
      expect(Array.from(await readFloats(device, outputs, 0, outBase / 4)).every((v) => v === -7)).toBe(true); // untouched before the binding
      k.destroy();
      inputs.destroy();
      outputs.destroy();
    },
  );

  gpuIt('fused fields: magnitude and curl, stacked components', async ({ device }) => {
    const shape = [18, 16];
    const n = 18 * 16;
    const f = field(n),
      g = field(n, 0.7);
    const m = await suite.ctx.prepare({ shape, derived: 'magnitude', accuracy: 4 });
    const c = await suite.ctx.prepare({ shape, derived: 'curl' });
    const stride = c.outputLayout.slabBytes / 4;
    const components = device.createBuffer({ size: (stride + n) * 4, usage: STORAGE_RW });
    device.queue.writeBuffer(components, 0, f);
    device.queue.writeBuffer(components, stride * 4, g);
    const out = [m, c].map((k) => device.createBuffer({ size: k.outputLayout.totalBytes, usage: STORAGE_RW }));
    const encoder = device.createCommandEncoder();
    m.encode(encoder, { input: { buffer: components, offset: 0, size: n * 4 }, output: out[0] });
    c.encode(encoder, { input: components, output: out[1] });
    device.queue.submit([encoder.finish()]);
    expect(f32Violation(await readFloats(device, out[0], 0, n), cpuGradientMagnitude(f, { shape, accuracy: 4 }), 2, 1, 24)).toBeNull();
    expect(f32Violation(await readFloats(device, out[1], 0, n), cpuCurl([f, g], { shape })[0], 2, 1)).toBeNull();
    for (const b of [components, ...out]) b.destroy();
    m.destroy();
    c.destroy();
  });

  gpuIt('refuses bad buffers before recording anything', async ({ device }) => {
    const k = await suite.ctx.prepare({ shape: [8, 8] });
    const input = device.createBuffer({ size: 1024, usage: STORAGE_RW });
    const output = device.createBuffer({ size: k.outputLayout.totalBytes, usage: STORAGE_RW });
    const big = device.createBuffer({ size: 4096, usage: STORAGE_RW });
    const noStorage = device.createBuffer({ size: 1024, usage: BufferUsage.COPY_DST });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ input }, /output or outputs is required/],
      [{ input: noStorage, output }, /input: the buffer lacks STORAGE usage/],
      [{ input: { buffer: input, offset: 4 }, output }, /input: offset 4 must be a multiple of/],
      [{ input: { buffer: input, offset: 0, size: 64 }, output }, /input: 64 bytes from offset 0, but at least 256/],
      [{ input: { buffer: big, offset: 0, size: 256 }, output: { buffer: big, offset: 0 } }, /input and output overlap/],
      [{ input, outputs: [output] }, /outputs: .* one buffer per output \(2\)/],
      [{ input, outputs: [output, output] }, /outputs\[0\] and outputs\[1\] overlap/],
      [{ input, outputs: [output, input] }, /input and outputs\[1\] overlap/],
      [{ input: { buffer: input }, output: input }, /input and output overlap/],
      [{ input: 'x', output }, /input: "x" is not a GPUBuffer/],
    ];
    const encoder = device.createCommandEncoder();
    for (const [buffers, message] of cases) {
      let error: unknown = null;
      try {
        k.encode(encoder, buffers as never);
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(GradientError);
      expect((error as GradientError).code).toMatch(/invalid-buffer|invalid-option/);
      expect((error as Error).message).toMatch(message);
    }
    const pass = encoder.beginComputePass();
    expect(() => k.encode(pass, { input, output, timestampWrites: {} as never })).toThrow(/timestampWrites: only for a command encoder/);
    pass.end();
    encoder.finish();
    k.destroy();
    for (const b of [input, output, big, noStorage]) b.destroy();
  });

  gpuIt('disposal: a destroyed kernel or context refuses with the code destroyed', async () => {
    const { device } = (await testDevice())!;
    const ctx = await createGradient({ device: device });
    const k = await ctx.prepare({ shape: [16] });
    const input = device.createBuffer({ size: 64, usage: STORAGE_RW });
    const output = device.createBuffer({ size: k.outputLayout.totalBytes, usage: STORAGE_RW });
    (k as unknown as Record<symbol, () => void>)[Symbol.dispose](); // what `using` calls
    const attempt = (kernel: typeof k) => {
      try {
        kernel.encode(device.createCommandEncoder(), { input, output });
        return null;
      } catch (e) {
        return e as GradientError;
      }
    };
    expect(attempt(k)?.code).toBe('destroyed');
    const k2 = await ctx.prepare({ shape: [16] });
    ctx.destroy();
    expect(attempt(k2)?.code).toBe('destroyed');
    const e = await ctx.prepare({ shape: [16] }).catch((err) => err);
    expect(e.code).toBe('destroyed');
    const other = await createGradient({ device });
    (other as unknown as Record<symbol, () => void>)[Symbol.dispose](); // `using g = await createGradient(…)`
    expect((await other.gradient([1, 2, 3]).catch((err) => err)).code).toBe('destroyed');
    device.destroy();
  });
});

describe('records in a frame loop', () => {
  // What the library allocates per record once a kernel has met its buffers: V8's sampling heap profiler
  // (every 64 bytes, collected objects kept) over many records, on a null device (bench/null-device.mjs),
  // whose encoder and pass are objects made once, so every allocation left is the library's: an engine's
  // own objects (the pass Dawn makes for each beginComputePass) would be counted in the library's frames.
  // Before the records kept their checked bindings and bind-group sets, a gradient kernel's encode made
  // about 0.5 KB, an image kernel's encode and draw about 1 KB, a Hessian's 0.16 KB (bench/alloc.mjs --op encode).
  gpuIt("a prepared kernel, image kernel (encode and draw) and Hessian record allocate nothing of the library's own", async (t) => {
    const { limitsOf, nullDevice } = await import('../bench/null-device.mjs');
    const device = nullDevice(limitsOf(t.device));
    const ctx = await createGradient({ device });
    const S = 32;
    const storage = (size: number) => device.createBuffer({ size, usage: STORAGE_RW });
    const texture = (usage: number) => device.createTexture({ size: [S, S], format: 'rgba8unorm', usage });
    const kernel = await ctx.prepare({ shape: [S, S] });
    const image = await ctx.prepareImage({ width: S, height: S });
    const hessian = await ctx.prepareDerivatives({ shape: [S, S], hessian: true });
    const input = storage(S * S * 4);
    const source = texture(0x4 | 0x2); // TEXTURE_BINDING | COPY_DST
    const target = texture(0x8 | 0x1); // STORAGE_BINDING | COPY_SRC
    const outputs = [kernel.outputLayout.totalBytes, image.outputLayout.totalBytes, hessian.layout.outputBytes].map(storage);
    const perAxis = [0, 1].map(() => storage(S * S * 4));
    const args = {
      'kernel encode': { input, output: outputs[0] },
      'kernel encode, one buffer per axis': { input, outputs: perAxis },
      'image encode': { source, output: outputs[1] },
      'image draw': { source, target, scale: 2 },
      'hessian encode': { input, output: outputs[2] },
    };
    const records: Record<keyof typeof args, (e: GPUCommandEncoder) => void> = {
      'kernel encode': (e) => kernel.encode(e, args['kernel encode']),
      'kernel encode, one buffer per axis': (e) => kernel.encode(e, args['kernel encode, one buffer per axis']),
      'image encode': (e) => image.encode(e, args['image encode']),
      'image draw': (e) => image.draw(e, args['image draw']),
      'hessian encode': (e) => hessian.encode(e, args['hessian encode']),
    };
    const perRecord: Record<string, number> = {};
    for (const [name, record] of Object.entries(records)) {
      const once = () => {
        const encoder = device.createCommandEncoder();
        record(encoder);
        encoder.finish();
      };
      for (let i = 0; i < 3000; i++) once(); // meets its buffers, and lets V8 optimise
      const n = 10000; // enough that what V8 allocates once (optimised code, feedback) is under a byte a record
      const { own } = await sampledBytes(() => {
        for (let i = 0; i < n; i++) once();
      });
      perRecord[name] = Math.round(own / n);
    }
    console.log(`library bytes a record (null device, sampled): ${JSON.stringify(perRecord)}`);
    for (const name of Object.keys(records)) expect(perRecord[name], `${name}: ${JSON.stringify(perRecord)}`).toBeLessThan(16);
    ctx.destroy();
  });
});
