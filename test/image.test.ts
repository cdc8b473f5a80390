import { describe, expect, it } from 'vitest';
import { TextureUsage } from '../src/gpu/flags';
import { cpuImageGradient, createGradient, GradientError, type ImageGradientOptions } from '../src/index';
import { f32Violation } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { rng } from './helpers/random';

// Image gradients from GPU textures in Node (Dawn): the sources only browsers have (ImageBitmap, canvas,
// video, …) are tested in headless Chromium and Firefox (test/browser.test.ts, test/browser/image.ts).
const suite = gpuSuite();
const { gpuIt } = suite;

/** RGBA pixels, alpha varying too. */
function pixels(width: number, height: number, seed: number): { width: number; height: number; data: Uint8ClampedArray } {
  const r = rng(seed);
  return { width, height, data: Uint8ClampedArray.from({ length: 4 * width * height }, () => Math.floor(r() * 256)) };
}

function texture(
  device: GPUDevice,
  image: ReturnType<typeof pixels>,
  format: GPUTextureFormat = 'rgba8unorm',
  usage: number = TextureUsage.TEXTURE_BINDING,
) {
  const t = device.createTexture({ size: [image.width, image.height], format, usage: usage | TextureUsage.COPY_DST });
  let bytes: ArrayBufferView = image.data;
  if (format === 'bgra8unorm') {
    const swapped = new Uint8Array(image.data);
    for (let p = 0; p < swapped.length; p += 4) [swapped[p], swapped[p + 2]] = [image.data[p + 2], image.data[p]];
    bytes = swapped;
  }
  if (format === 'rgba32float') bytes = Float32Array.from(image.data, (v) => v / 255);
  const bytesPerPixel = format === 'rgba32float' ? 16 : 4;
  device.queue.writeTexture({ texture: t }, bytes, { bytesPerRow: image.width * bytesPerPixel }, [image.width, image.height]);
  return t;
}

/** Channels are 0–255: the float32 bound scaled by that, and by the operator's weights. */
function expectImage(got: Float32Array[], ref: Float64Array[], options: ImageGradientOptions, label: string) {
  expect(got.length, label).toBe(ref.length);
  const k = options.operator === 'scharr' ? 256 : options.operator === 'sobel' ? 64 : options.accuracy === 4 ? 24 : 8;
  got.forEach((g, a) => expect(f32Violation(g, ref[a], 255, 1, k), `${label} [${a}]`).toBeNull());
}

describe('gpuImageGradient from a GPUTexture', () => {
  gpuIt('matches cpuImageGradient for every channel, output, operator and texture format', async ({ device }) => {
    const image = pixels(37, 23, 1);
    const runs: [GPUTextureFormat, ImageGradientOptions][] = [
      ['rgba8unorm', {}],
      ['rgba8unorm', { channel: 'r' }],
      ['rgba8unorm', { channel: 'g', edgeOrder: 2 }],
      ['rgba8unorm', { channel: 'b', axis: 1 }],
      ['rgba8unorm', { channel: 'a', output: 'magnitude' }],
      ['rgba8unorm', { operator: 'sobel' }],
      ['rgba8unorm', { operator: 'scharr', output: 'magnitude' }],
      ['rgba8unorm', { accuracy: 4, boundary: 'periodic', spacing: [0.5, 2] }],
      ['bgra8unorm', {}],
      ['rgba32float', { channel: 'luminance', operator: 'sobel' }],
    ];
    for (const [format, options] of runs) {
      const t = texture(device, image, format);
      const got = await suite.ctx.imageGradient(t, options);
      expectImage(got, cpuImageGradient(image, options), options, `${format} ${JSON.stringify(options)}`);
      t.destroy();
    }
  });

  gpuIt("streams a large image in pieces, converting each piece's pixels on the GPU", async ({ device }) => {
    const ctx = await createGradient({ device, chunkBytes: 4096 });
    const image = pixels(64, 90, 2);
    const t = texture(device, image);
    for (const options of [{}, { operator: 'sobel' as const }, { output: 'magnitude' as const, edgeOrder: 2 as const }]) {
      const before = ctx.stats().transfer.jobs;
      const got = await ctx.imageGradient(t, options);
      expect(ctx.stats().transfer.jobs - before).toBeGreaterThan(4);
      expectImage(got, cpuImageGradient(image, options), options, `streamed ${JSON.stringify(options)}`);
    }
    // Concurrent calls on one texture, and `out`.
    const out = [new Float32Array(64 * 90), new Float32Array(64 * 90)];
    const [a, b] = await Promise.all([ctx.imageGradient(t, { channel: 'r' }), ctx.imageGradient(t, { out })]);
    expectImage(a, cpuImageGradient(image, { channel: 'r' }), {}, 'concurrent r');
    expect(b[0]).toBe(out[0]);
    expectImage(b, cpuImageGradient(image), {}, 'concurrent out');
    t.destroy();
    ctx.destroy();
  });

  gpuIt('refuses bad sources and options before any GPU work', async ({ device }) => {
    const image = pixels(8, 8, 3);
    const good = texture(device, image);
    const noBinding = texture(device, image, 'rgba8unorm', TextureUsage.COPY_SRC);
    const r8 = device.createTexture({ size: [8, 8], format: 'r8unorm', usage: TextureUsage.TEXTURE_BINDING });
    const cases: [unknown, unknown, string, RegExp][] = [
      [null, undefined, 'invalid-data', /source: null is not an image/],
      [{ width: 0, height: 4 }, undefined, 'invalid-data', /has no pixels/],
      [r8, undefined, 'invalid-data', /a r8unorm texture/],
      [noBinding, undefined, 'invalid-data', /lacks TEXTURE_BINDING/],
      [good, { channel: 'hue' }, 'invalid-option', /channel: "hue"/],
      [good, { output: 'curl' }, 'invalid-option', /output: "curl"/],
      [good, { shape: [8, 8] }, 'invalid-option', /shape: .* is given by the image/],
      [good, { edge_order: 2 }, 'invalid-option', /options.edge_order/],
      [good, { operator: 'sobel', spacing: 2 }, 'invalid-option', /spacing: 2 does not apply/],
    ];
    const jobs = suite.ctx.stats().transfer.jobs;
    for (const [source, options, code, message] of cases) {
      const e = await suite.ctx.imageGradient(source as GPUTexture, options as ImageGradientOptions).catch((err) => err);
      expect(e, String(message)).toBeInstanceOf(GradientError);
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
    }
    expect(suite.ctx.stats().transfer.jobs).toBe(jobs);
    for (const t of [good, noBinding, r8]) t.destroy();
  });
});

describe('cpuImageGradient', () => {
  it("reads luminance with the BT.601 weights, or one channel, from ImageData's layout", () => {
    // One row: luminance 0.299·R + 0.587·G + 0.114·B per pixel, then numpy's gradient along the row.
    const data = [10, 20, 30, 255, 40, 80, 120, 0, 200, 100, 50, 128];
    const lum = [0, 4, 8].map((p) => 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]);
    const [, dx] = cpuImageGradient({ width: 3, height: 2, data: [...data, ...data] });
    expect(Array.from(dx.subarray(0, 3))).toEqual([lum[1] - lum[0], (lum[2] - lum[0]) / 2, lum[2] - lum[1]]);
    const [, alpha] = cpuImageGradient({ width: 3, height: 2, data: [...data, ...data] }, { channel: 'a' });
    expect(Array.from(alpha.subarray(0, 3))).toEqual([-255, (128 - 255) / 2, 128]);
    expect(() => cpuImageGradient({ width: 3, height: 2, data: data })).toThrow(/4 numbers \(RGBA\) per pixel, 24/);
  });
});
