import { describe, expect, it } from 'vitest';
import { BufferUsage } from '../src/gpu/flags';
import { workgroupSize } from '../src/gpu/steps';
import { cpuDivergence, cpuGradient, cpuGradientMagnitude, createGradient, GradientError, gpuGradient } from '../src/index';
import { BAD_INPUTS } from './helpers/bad-inputs';
import { maxAbs, minStep } from './helpers/bounds';
import { expectClose } from './helpers/expect-close';
import { caseData, caseOptions, loadNumpyCases, loadRefusedCoordinates } from './helpers/fixtures';
import { readFloats } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { randomCase, rng } from './helpers/random';
import { TINY_LIMITS, TINY_SHAPES } from './helpers/tiny-limits';

// Node + Dawn (SwiftShader on machines without a GPU). Each test runs in a validation error scope.
const suite = gpuSuite();
const { gpuIt } = suite;

describe('gpuGradient in Node (Dawn)', () => {
  it('has a WebGPU adapter', () => {
    if (!suite.t) console.warn('no WebGPU adapter: GPU tests skipped (they fail under CI=true)');
    expect(suite.t !== null || process.env.CI !== 'true').toBe(true);
  });

  gpuIt('matches every numpy fixture within the float32 bound', async () => {
    for (const c of loadNumpyCases()) {
      const got = await suite.ctx.gradient(caseData(c), caseOptions(c));
      expectClose(got, c.expected64 ?? c.expected, maxAbs(c.data), minStep(c.spacing, c.expected.length), c.name);
    }
  });

  gpuIt('refuses the coordinates numpy divides by zero on, as cpuGradient does', async () => {
    for (const r of loadRefusedCoordinates()) {
      const e = await suite.ctx.gradient(r.data, { spacing: r.spacing, edgeOrder: r.edgeOrder }).catch((err) => err);
      expect(e).toBeInstanceOf(GradientError);
      expect(e.code).toBe('invalid-spacing');
    }
  });

  gpuIt(
    'matches cpuGradient on 300 random cases (ranks 1-5, all spacing forms, axes, edge orders, input types)',
    async () => {
      const r = rng(2026);
      for (let i = 0; i < 300; i++) {
        const c = randomCase(r, i);
        const got = await suite.ctx.gradient(c.data, c.options);
        expectClose(got, cpuGradient(c.data, c.options), maxAbs(c.data), c.hMin, c.label);
      }
    },
    600_000,
  );

  gpuIt(
    'computes every axis count a kernel variant unrolls (1 to 8 per dispatch, 9 and 10 split in two)',
    async () => {
      const r = rng(99);
      // Ranks 6-10 in both layouts (last dimension a multiple of 4 or not), with edge orders, spacings and
      // stencil families mixed, so every unrolled slot of main_vec4 and main_scalar runs.
      const shapes = [
        [3, 3, 3, 3, 3, 4],
        [3, 3, 3, 3, 3, 3],
        [3, 3, 3, 3, 3, 3, 8],
        [3, 3, 3, 3, 3, 3, 3, 5],
        [3, 3, 3, 3, 3, 3, 3, 3, 4],
        [3, 3, 3, 3, 3, 3, 3, 3, 3, 4],
        [3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 8],
        [5, 5, 5, 5, 5, 5, 5],
      ];
      for (const shape of shapes) {
        const size = shape.reduce((p, n) => p * n, 1);
        const data = Float64Array.from({ length: size }, () => r() * 4 - 2);
        for (const options of [
          { edgeOrder: 1 },
          { edgeOrder: 2, spacing: shape.map((n, d) => (d % 3 ? 0.5 : Array.from({ length: n }, (_, i) => i + i * i * 0.1))) },
          { boundary: 'periodic' },
          { accuracy: 4 },
        ] as const) {
          const opts = { shape, ...options } as never;
          if ('accuracy' in options && shape.some((n) => n < 5)) continue; // fourth order needs 5 points
          const label = `[${shape}] ${JSON.stringify(options)}`;
          expectClose(await suite.ctx.gradient(data, opts), cpuGradient(data, opts), maxAbs(data), 0.5, label);
          if (shape.length <= 8) {
            const mag = await suite.ctx.magnitude(data, opts);
            const ref = cpuGradientMagnitude(data, opts);
            expectClose([mag], [ref], maxAbs(data) * shape.length, 0.5, `${label} magnitude`);
            const comps = shape.map((_, k) => data.map((v) => v * (k + 1) - k));
            const div = await suite.ctx.divergence(comps, opts);
            expectClose([div], [cpuDivergence(comps, opts)], 2 * shape.length * maxAbs(data) * shape.length, 0.5, `${label} divergence`);
          }
        }
      }
    },
    600_000,
  );

  gpuIt(
    'a chosen workgroupSize (64 with folded grids, 1024) matches cpuGradient on 60 random cases',
    async () => {
      const r = rng(47);
      const contexts = [
        await createGradient({ device: suite.t!.device, workgroupSize: 64, limits: { maxComputeWorkgroupsPerDimension: 5 } }),
        await createGradient({ device: suite.t!.device, workgroupSize: 1024 }),
      ];
      expect(workgroupSize(contexts[0].limits)).toBe(64);
      expect(workgroupSize(contexts[1].limits)).toBe(Math.min(1024, suite.t!.device.limits.maxComputeInvocationsPerWorkgroup));
      for (let i = 0; i < 60; i++) {
        const c = randomCase(r, i);
        const g = contexts[i % 2];
        expectClose(
          await g.gradient(c.data, c.options),
          cpuGradient(c.data, c.options),
          maxAbs(c.data),
          c.hMin,
          `workgroupSize case ${i} ${c.label}`,
        );
      }
      await expect(createGradient({ device: suite.t!.device, workgroupSize: 0 })).rejects.toThrow(/workgroupSize/);
      await expect(createGradient({ device: suite.t!.device, workgroupSize: 2048 })).rejects.toThrow(/workgroupSize/);
      for (const g of contexts) g.destroy();
    },
    600_000,
  );

  gpuIt('folds the grid past maxComputeWorkgroupsPerDimension and chunks past the binding size', async () => {
    const tiny = await createGradient({ device: suite.t!.device, limits: TINY_LIMITS });
    const r = rng(7);
    for (const shape of TINY_SHAPES) {
      for (const edgeOrder of [1, 2] as const) {
        for (const dtype of ['f64', 'u8', 'i16'] as const) {
          const size = shape.reduce((p, n) => p * n, 1);
          const data =
            dtype === 'u8'
              ? Uint8Array.from({ length: size }, () => Math.floor(r() * 256))
              : dtype === 'i16'
                ? Int16Array.from({ length: size }, () => Math.floor(r() * 65536) - 32768)
                : Float64Array.from({ length: size }, () => r() * 10 - 5);
          const spacing = shape.map((n, d) => (d % 2 ? 0.5 : Array.from({ length: n }, (_, i) => i * 0.3 + (i % 3) * 0.05)));
          const options = { shape, edgeOrder, spacing };
          const got = await tiny.gradient(data, options);
          expectClose(got, cpuGradient(data, options), maxAbs(data), 0.25, `tiny limits ${dtype} [${shape}] e${edgeOrder}`);
        }
      }
    }
    tiny.destroy();
  });

  gpuIt('compiles nothing for a new shape, and reuses pooled buffers for a repeated one', async () => {
    const fresh = await createGradient({ device: suite.t!.device });
    // Pipelines are specialised by options and by the number of axes, so warm each kind once.
    await fresh.gradient(new Float32Array(64), { shape: [8, 8] });
    await fresh.gradient(new Float32Array(64), { shape: [8, 8], axis: 0, edgeOrder: 2 });
    await fresh.gradient(new Float64Array(5 * 16), { shape: [5, 16], spacing: [[0, 1, 3, 4, 7], 2] });
    await fresh.gradient(new Float32Array(15), { shape: [3, 5] });
    const after1 = fresh.stats();
    // New shapes, ranks and sizes with the same options and axis counts.
    await fresh.gradient(new Float32Array(12 * 20 * 4), { shape: [12, 20, 4], axis: [2, 0] });
    await fresh.gradient(new Float32Array(1000 * 16), { shape: [1000, 16] });
    await fresh.gradient(new Float32Array(6 * 7 * 8), { shape: [6, 7, 8], axis: 1, edgeOrder: 2 });
    await fresh.gradient(new Float64Array(5 * 40), { shape: [5, 40], spacing: [[0, 2, 3, 4, 8], 0.5] });
    await fresh.gradient(new Float32Array(7 * 9 * 11), { shape: [7, 9, 11], axis: [0, 2] });
    const after2 = fresh.stats();
    expect(after1.pipelines).toBe(4);
    expect(after2.pipelines).toBe(after1.pipelines);
    expect(after2.shaderModules).toBe(after1.shaderModules);
    const created = fresh.stats().created;
    await fresh.gradient(new Float32Array(12 * 20 * 4), { shape: [12, 20, 4], axis: [2, 0] });
    expect(fresh.stats().created).toBe(created);
    expect(fresh.stats().reused).toBeGreaterThan(after2.reused);
    fresh.destroy();
    expect(fresh.stats().liveBuffers).toBe(0);
  });

  gpuIt('refuses every bad input before any GPU work', async () => {
    const fresh = await createGradient({ device: suite.t!.device });
    for (const [what, data, options, code] of BAD_INPUTS) {
      const error = await fresh.gradient(data as never, options as never).catch((e) => e);
      expect(error, what).toBeInstanceOf(GradientError);
      expect((error as GradientError).code, what).toBe(code);
    }
    expect(fresh.stats().created).toBe(0);
    expect(fresh.stats().pipelines).toBe(0);
    fresh.destroy();
  });

  gpuIt('returns [] for 0-d and empty axis lists, and empty arrays for empty shapes', async () => {
    expect(await suite.ctx.gradient([3], { shape: [] })).toEqual([]);
    const r = await suite.ctx.gradient(new Float32Array(0), { shape: [0, 5], axis: 1 });
    expect(r.length).toBe(1);
    expect(r[0].length).toBe(0);
  });

  gpuIt('propagates NaN and infinities like numpy', async () => {
    const data = [1, NaN, 3, Infinity, 5, 6, 7, 8];
    const got = Array.from((await suite.ctx.gradient(data))[0]);
    expect(got).toEqual(Array.from(cpuGradient(data)[0]));
  });

  gpuIt('gpuGradient acquires a default device through the webgpu package and accepts a caller device', async () => {
    const data = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
    const ref = cpuGradient(data, { shape: [5, 6] });
    expectClose(await gpuGradient(data, { shape: [5, 6] }), ref, 1, 1, 'default device');
    expectClose(await gpuGradient(data, { shape: [5, 6], device: suite.t!.device }), ref, 1, 1, 'caller device');
  });
});

describe('GPU-resident API (prepared kernels)', () => {
  function upload(device: GPUDevice, data: Float32Array | Uint8Array): GPUBuffer {
    const buffer = device.createBuffer({ size: Math.ceil(data.byteLength / 16) * 16, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    const padded = new Uint8Array(buffer.size);
    padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    device.queue.writeBuffer(buffer, 0, padded);
    return buffer;
  }

  const shape = [9, 12];

  gpuIt("reads a uint8 buffer into per-axis outputs, and into a stacked output in the caller's axis order", async () => {
    const { device } = suite.t!;
    const bytes = Uint8Array.from({ length: 108 }, (_, i) => (i * 29) % 256);
    const input = upload(device, bytes);
    const outputs = [0, 1].map(() => device.createBuffer({ size: 108 * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC }));
    const a = await suite.ctx.prepare({ dtype: 'uint8', shape });
    const b = await suite.ctx.prepare({ dtype: 'uint8', shape, axis: [1, 0] });
    const stacked = device.createBuffer({ size: b.outputLayout.totalBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
    const encoder = device.createCommandEncoder();
    a.encode(encoder, { input, outputs });
    b.encode(encoder, { input, output: stacked });
    device.queue.submit([encoder.finish()]);
    const ref = cpuGradient(bytes, { shape });
    for (let k = 0; k < 2; k++) {
      expectClose([await readFloats(device, outputs[k], 0, 108)], [ref[k]], 255, 1, `outputs[${k}]`);
      expectClose([await readFloats(device, stacked, k * b.outputLayout.slabBytes, 108)], [ref[1 - k]], 255, 1, `stacked axis ${k}`);
    }
    for (const buf of [input, stacked, ...outputs]) buf.destroy();
    a.destroy();
    b.destroy();
  });

  gpuIt('Sobel and Scharr kernels read uint8 pixels and match cpuGradient', async () => {
    const { device } = suite.t!;
    const bytes = Uint8Array.from({ length: 108 }, (_, i) => (i * 53) % 256);
    const input = upload(device, bytes);
    for (const operator of ['sobel', 'scharr'] as const) {
      const k = await suite.ctx.prepare({ dtype: 'uint8', shape, operator });
      const output = device.createBuffer({ size: k.outputLayout.totalBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
      const encoder = device.createCommandEncoder();
      k.encode(encoder, { input, output });
      device.queue.submit([encoder.finish()]);
      const ref = cpuGradient(bytes, { shape, operator });
      for (let a = 0; a < 2; a++) {
        expectClose([await readFloats(device, output, a * k.outputLayout.slabBytes, 108)], [ref[a]], 255 * 32, 1, `${operator} axis ${a}`);
      }
      output.destroy();
      k.destroy();
    }
    input.destroy();
  });

  gpuIt('prepare refuses a missing shape, a host-only dtype and a bad componentStride before any GPU work', async () => {
    const codes = await Promise.all([
      suite.ctx.prepare({ shape: [2, 2], dtype: 'float64' as never }).catch((e) => e.code),
      suite.ctx.prepare({} as never).catch((e) => e.code),
      suite.ctx.prepare(undefined as never).catch((e) => e.code),
      suite.ctx.prepare({ shape, derived: 'divergence', componentStride: 107 }).catch((e) => e.code),
      suite.ctx.prepare({ shape, derived: 'gradient' as never }).catch((e) => e.code),
    ]);
    expect(codes).toEqual(['invalid-option', 'invalid-shape', 'invalid-shape', 'invalid-option', 'invalid-option']);
  });
});
