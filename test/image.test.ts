import { describe, expect, it } from 'vitest';
import { BufferUsage, TextureUsage } from '../src/gpu/flags';
import { PipelineCache } from '../src/gpu/pipelines';
import { cpuGradient, cpuImageGradient, createGradient, GradientError, type ImageGradientOptions } from '../src/index';
import { f32Violation } from './helpers/bounds';
import { counted } from './helpers/counted-device';
import { readFloats } from './helpers/gpu';
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

/** The texture, its createView counted by `count`. */
function viewsCounted(texture: GPUTexture, count: () => void): GPUTexture {
  const createView = texture.createView.bind(texture);
  texture.createView = (v?: GPUTextureViewDescriptor) => {
    count();
    return createView(v);
  };
  return texture;
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
      ['rgba8unorm', { boundary: ['edge', 'periodic'], edgeOrder: 2, output: 'magnitude' }],
      // Ghost boundary modes: an image's borders as scipy.ndimage extends them.
      ['rgba8unorm', { boundary: [['mirror', 'constant'], 'reflect'], cval: [[0, 1], 0], output: 'magnitude' }],
      ['rgba8unorm', { boundary: 'nearest', accuracy: 4 }],
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
    // ImageData larger than chunkBytes goes to a texture and streams from it, as a texture does.
    const before = ctx.stats().transfer.jobs;
    expectImage(await ctx.imageGradient(image, { channel: 'b' }), cpuImageGradient(image, { channel: 'b' }), {}, 'streamed ImageData');
    expect(ctx.stats().transfer.jobs - before).toBeGreaterThan(4);
    // Concurrent calls on one texture, and `out`.
    const out = [new Float32Array(64 * 90), new Float32Array(64 * 90)];
    const [a, b] = await Promise.all([ctx.imageGradient(t, { channel: 'r' }), ctx.imageGradient(t, { out })]);
    expectImage(a, cpuImageGradient(image, { channel: 'r' }), {}, 'concurrent r');
    expect(b[0]).toBe(out[0]);
    expectImage(b, cpuImageGradient(image), {}, 'concurrent out');
    t.destroy();
    ctx.destroy();
  });

  gpuIt(
    "repeated calls (a video's frames), one by one or in bursts, write no uniforms and create no bind group, buffer, texture or view; every frame is its own",
    async ({ device }) => {
      const { device: wrapped, counts } = counted(device);
      let views = 0;
      let textures = 0;
      const createTexture = wrapped.createTexture.bind(wrapped);
      (wrapped as { createTexture: GPUDevice['createTexture'] }).createTexture = (d: GPUTextureDescriptor) => {
        textures++;
        return viewsCounted(createTexture(d), () => views++);
      };
      const ctx = await createGradient({ device: wrapped });
      try {
        const out = [new Float32Array(48 * 40), new Float32Array(48 * 40)];
        for (const options of [{}, { output: 'magnitude' as const }] as ImageGradientOptions[]) {
          for (let frame = 0; frame < 8; frame++) {
            const image = pixels(48, 40, 10 + frame); // new pixels each frame, one size
            const before = { ...counts, views, textures };
            const got = await ctx.imageGradient(image, { ...options, out: options.output ? [out[0]] : out });
            expectImage(got, cpuImageGradient(image, options), options, `frame ${frame} ${JSON.stringify(options)}`);
            if (frame >= 2) {
              // From the third frame on: the pixels go up with one writeBuffer into the input arena, nothing
              // else is written or made.
              expect([counts.writes - before.writes, counts.bindGroups - before.bindGroups, counts.buffers - before.buffers]).toEqual([
                1, 0, 0,
              ]);
              expect(counts.writeBytes - before.writeBytes).toBe(4 * 48 * 40);
              expect([views - before.views, textures - before.textures]).toEqual([0, 0]);
            }
          }
        }
        // Bursts of concurrent frames, each its own pixels, more at once than the pool keeps idle buffers
        // (64): once a burst has been seen, the next creates nothing either (a texture a call did).
        const burst = Array.from({ length: 90 }, (_, j) => pixels(48, 40, 100 + j));
        const outs = burst.map(() => [new Float32Array(48 * 40), new Float32Array(48 * 40)]);
        for (let round = 0; round < 4; round++) {
          const before = { ...counts, views, textures };
          const got = await Promise.all(burst.map((image, j) => ctx.imageGradient(image, { out: outs[j] })));
          got.forEach((g, j) => expectImage(g, cpuImageGradient(burst[j]), {}, `burst ${round} frame ${j}`));
          if (round >= 2)
            expect([
              counts.bindGroups - before.bindGroups,
              counts.buffers - before.buffers,
              views - before.views,
              textures - before.textures,
            ]).toEqual([0, 0, 0, 0]);
        }
        // Another size in between, then the first again: each still right.
        for (const [w, h] of [
          [30, 20],
          [48, 40],
        ]) {
          const image = pixels(w, h, 40 + w);
          expectImage(await ctx.imageGradient(image), cpuImageGradient(image), {}, `${w}x${h}`);
        }
      } finally {
        ctx.destroy();
      }
    },
  );

  gpuIt(
    'ImageData frames once their conversion is built: pixels taken at the call, every frame its own, none once destroyed',
    async ({ device }) => {
      const ctx = await createGradient({ device });
      const first = pixels(20, 12, 60);
      expectImage(await ctx.imageGradient(first), cpuImageGradient(first), {}, 'first frame'); // builds the conversion
      for (const channel of ['luminance', 'g'] as const) {
        // Concurrent frames, each refilled as soon as its call returns: what went up is what was given.
        const frames = Array.from({ length: 5 }, (_, j) => pixels(20, 12, 61 + j));
        const refs = frames.map((f) => cpuImageGradient(f, { channel }));
        const calls = frames.map((f) => {
          const call = ctx.imageGradient(f, { channel });
          f.data.fill(0);
          return call;
        });
        (await Promise.all(calls)).forEach((got, j) => expectImage(got, refs[j], {}, `${channel} frame ${j}`));
      }
      // As many pixels in another width: the conversion's uniforms are its own (bytes are read in order
      // whatever the width; a texture is read by row and column).
      const tall = pixels(12, 20, 71);
      expectImage(await ctx.imageGradient(tall), cpuImageGradient(tall), {}, '12x20 after 20x12');
      const wide = pixels(20, 12, 72);
      for (const image of [wide, tall]) {
        const t = texture(device, image);
        expectImage(await ctx.imageGradient(t), cpuImageGradient(image), {}, `${image.width}x${image.height} texture`);
        t.destroy();
      }
      const shared = pixels(20, 12, 70);
      const sharedData = new Uint8ClampedArray(new SharedArrayBuffer(shared.data.length));
      sharedData.set(shared.data);
      expectImage(await ctx.imageGradient({ width: 20, height: 12, data: sharedData }), cpuImageGradient(shared), {}, 'shared memory');
      ctx.destroy();
      const e = await ctx.imageGradient(first).catch((error) => error);
      expect(e).toBeInstanceOf(GradientError);
      expect(e.message).toMatch(/destroyed/);
    },
  );

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
      [good, { invalid: 'skip' }, 'invalid-option', /invalid: "skip" does not apply to images/],
      [good, { mask: new Uint8Array(4) }, 'invalid-option', /mask: .* does not apply to images/],
      [good, { sphere: { latitude: [0], longitude: [0] } }, 'invalid-option', /sphere: does not apply to images/],
      [good, { coordinates: [[0], [0]] }, 'invalid-option', /coordinates: does not apply to images/],
      // Coefficients float32 cannot hold, refused at every call: a plan that failed its checks is not
      // remembered for the next frame, which skips them.
      [good, { spacing: [1e-40, 1] }, 'invalid-spacing', /outside float32's normal range/],
      [good, { spacing: [1e-40, 1] }, 'invalid-spacing', /outside float32's normal range/],
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

/** RGBA bytes of an rgba8unorm texture, row by row. */
async function readTexture(device: GPUDevice, texture: GPUTexture): Promise<Uint8Array> {
  const row = Math.ceil((texture.width * 4) / 256) * 256;
  const staging = device.createBuffer({ size: row * texture.height, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyTextureToBuffer({ texture }, { buffer: staging, bytesPerRow: row }, [texture.width, texture.height]);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(1);
  const padded = new Uint8Array(staging.getMappedRange());
  const out = new Uint8Array(texture.width * texture.height * 4);
  for (let y = 0; y < texture.height; y++) out.set(padded.subarray(y * row, y * row + texture.width * 4), y * texture.width * 4);
  staging.destroy();
  return out;
}

/** The drawing shader's colours, in float64: HSV with h = the angle in turns. */
function expectedColour(dy: number, dx: number, scale: number, style: 'magnitude' | 'direction'): number[] {
  const v = Math.min(1, Math.hypot(dx, dy) / scale);
  if (style === 'magnitude') return [v, v, v].map((c) => c * 255);
  const turns = Math.atan2(-dy, dx) / (2 * Math.PI) + 1;
  const h = turns - Math.floor(turns);
  return [5, 3, 1].map((n) => {
    const k = (n + h * 6) % 6;
    return (v - v * Math.max(0, Math.min(k, 4 - k, 1))) * 255;
  });
}

describe('prepared image kernels: per-frame encode and draw, nothing read back', () => {
  gpuIt('encode writes the gradient or magnitude of a texture frame into an encoder or an open pass', async ({ device }) => {
    const image = pixels(37, 23, 5);
    const t = texture(device, image);
    const storage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    for (const options of [{}, { operator: 'sobel' as const }, { output: 'magnitude' as const, channel: 'g' as const }]) {
      const k = await suite.ctx.prepareImage({ width: 37, height: 23, ...options });
      const stacked = device.createBuffer({ size: k.outputLayout.totalBytes, usage: storage });
      const encoder = device.createCommandEncoder();
      k.encode(encoder, { source: t, output: stacked });
      device.queue.submit([encoder.finish()]);
      const ref = cpuImageGradient(image, options);
      const got = await Promise.all(ref.map((_, a) => readFloats(device, stacked, a * k.outputLayout.slabBytes, 37 * 23)));
      expectImage(got, ref, options, `encode ${JSON.stringify(options)}`);
      // Into an open pass, with one buffer per output.
      const separate = ref.map(() => device.createBuffer({ size: Math.ceil((37 * 23 * 4) / 16) * 16, usage: storage }));
      if (ref.length === 2) {
        const e2 = device.createCommandEncoder();
        const pass = e2.beginComputePass();
        k.encode(pass, { source: t, outputs: separate });
        pass.end();
        device.queue.submit([e2.finish()]);
        expectImage(await Promise.all(separate.map((b) => readFloats(device, b, 0, 37 * 23))), ref, options, 'encode in a pass');
      }
      for (const b of [stacked, ...separate]) b.destroy();
      k.destroy();
    }
    // RGBA bytes (ImageData's layout) are copied into the kernel's own texture when recorded.
    const k = await suite.ctx.prepareImage({ width: 37, height: 23 });
    const stacked = device.createBuffer({ size: k.outputLayout.totalBytes, usage: storage });
    const encoder = device.createCommandEncoder();
    k.encode(encoder, { source: image, output: stacked });
    device.queue.submit([encoder.finish()]);
    const ref = cpuImageGradient(image);
    expectImage(await Promise.all(ref.map((_, a) => readFloats(device, stacked, a * k.outputLayout.slabBytes, 37 * 23))), ref, {}, 'bytes');
    stacked.destroy();
    k.destroy();
    t.destroy();
  });

  gpuIt('draw paints magnitude or direction into a storage texture, scaled as given or by the previous draw', async ({ device }) => {
    const image = pixels(37, 23, 6);
    const source = texture(device, image);
    const storageTarget = () =>
      device.createTexture({
        size: [37, 23],
        format: 'rgba8unorm',
        usage: TextureUsage.STORAGE_BINDING | TextureUsage.COPY_SRC,
      });
    const target = storageTarget();
    const k = await suite.ctx.prepareImage({ width: 37, height: 23, operator: 'scharr' });
    const [dy, dx] = cpuImageGradient(image, { operator: 'scharr' });
    const largest = Math.max(...dy.map((y, i) => Math.hypot(y, dx[i])));
    const check = async (style: 'magnitude' | 'direction', scale: number, label: string, into = target) => {
      const got = await readTexture(device, into);
      let worst = 0;
      for (let i = 0; i < 37 * 23; i++) {
        const want = expectedColour(dy[i], dx[i], scale, style);
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[4 * i + c] - want[c]));
        expect(got[4 * i + 3], label).toBe(255);
      }
      expect(worst, label).toBeLessThanOrEqual(1.5); // unorm rounding of a float32 colour
    };
    for (const [style, scale] of [
      ['magnitude', 900],
      ['direction', 2500],
    ] as const) {
      const encoder = device.createCommandEncoder();
      k.draw(encoder, { source, target, style, scale });
      device.queue.submit([encoder.finish()]);
      await check(style, scale, `${style} scale ${scale}`);
    }
    // Scale 0: the previous draw's largest magnitude (here the direction draw just above).
    let encoder = device.createCommandEncoder();
    k.draw(encoder, { source, target });
    device.queue.submit([encoder.finish()]);
    await check('magnitude', largest, 'running maximum');
    // Three draws recorded into one encoder before its submit, each with its own scale (the last by the
    // running maximum), then the first two scales again in the opposite order: each draws with its own.
    const targets = [storageTarget(), storageTarget(), storageTarget()];
    for (const scales of [
      [300, 1200],
      [1200, 300],
    ]) {
      encoder = device.createCommandEncoder();
      k.draw(encoder, { source, target: targets[0], scale: scales[0] });
      k.draw(encoder, { source, target: targets[1], scale: scales[1], style: 'direction' });
      k.draw(encoder, { source, target: targets[2] });
      device.queue.submit([encoder.finish()]);
      await check('magnitude', scales[0], `first of three draws in one encoder, scale ${scales[0]}`, targets[0]);
      await check('direction', scales[1], `second of three draws in one encoder, scale ${scales[1]}`, targets[1]);
      await check('magnitude', largest, 'third of three draws in one encoder, by the running maximum', targets[2]);
    }
    k.destroy();
    for (const t of [source, target, ...targets]) t.destroy();
  });

  gpuIt(
    'repeated encodes and draws of the same buffers and textures write nothing and create no bind group, buffer or view',
    async ({ device }) => {
      const { device: wrapped, counts } = counted(device);
      let views = 0;
      const ctx = await createGradient({ device: wrapped });
      const image = pixels(20, 12, 9);
      const source = viewsCounted(texture(device, image), () => views++);
      const target = viewsCounted(
        device.createTexture({ size: [20, 12], format: 'rgba8unorm', usage: TextureUsage.STORAGE_BINDING | TextureUsage.COPY_SRC }),
        () => views++,
      );
      const kernel = await ctx.prepare({ shape: [12, 20] });
      const k = await ctx.prepareImage({ width: 20, height: 12 });
      const storage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
      const input = device.createBuffer({ size: 20 * 12 * 4, usage: storage });
      const values = Float32Array.from({ length: 20 * 12 }, (_, i) => Math.sin(i));
      device.queue.writeBuffer(input, 0, values);
      const outputs = [
        device.createBuffer({ size: kernel.outputLayout.totalBytes, usage: storage }),
        device.createBuffer({ size: k.outputLayout.totalBytes, usage: storage }),
      ];
      for (let frame = 0; frame < 6; frame++) {
        const before = { ...counts, views };
        const encoder = wrapped.createCommandEncoder();
        kernel.encode(encoder, { input, output: outputs[0] });
        k.encode(encoder, { source, output: outputs[1] });
        k.draw(encoder, { source, target, scale: 500 });
        k.draw(encoder, { source, target });
        device.queue.submit([encoder.finish()]);
        if (frame >= 1) {
          expect(
            [counts.writes - before.writes, counts.bindGroups - before.bindGroups, counts.buffers - before.buffers, views - before.views],
            `frame ${frame}`,
          ).toEqual([0, 0, 0, 0]);
        }
      }
      // The kept bind groups still bind what they were made with: the results are the CPU reference's.
      const ref = cpuGradient(Float64Array.from(values), { shape: [12, 20] });
      const got = await Promise.all(ref.map((_, a) => readFloats(device, outputs[0], a * kernel.outputLayout.slabBytes, 20 * 12)));
      got.forEach((g, a) => expect(f32Violation(g, ref[a], 1, 1), `axis ${a}`).toBeNull());
      const imageRef = cpuImageGradient(image);
      expectImage(
        await Promise.all(imageRef.map((_, a) => readFloats(device, outputs[1], a * k.outputLayout.slabBytes, 20 * 12))),
        imageRef,
        {},
        'image',
      );
      kernel.destroy();
      k.destroy();
      for (const r of [source, target, input, ...outputs]) r.destroy();
      ctx.destroy();
    },
  );

  gpuIt('the conversion from an external texture (video frames) compiles here, though no engine here imports one', async ({ device }) => {
    const pipelines = new PipelineCache(device, suite.ctx.limits);
    for (const channel of [0, 4]) await expect(pipelines.imagePipeline(channel, true, 'external')).resolves.toBeDefined();
    expect(typeof device.importExternalTexture).toBe('function');
  });

  gpuIt('refuses frames and targets that do not fit, and records nothing once destroyed', async ({ device }) => {
    const k = await suite.ctx.prepareImage({ width: 8, height: 8 });
    const small = texture(device, pixels(4, 4, 7));
    const good = texture(device, pixels(8, 8, 8));
    const noStorage = device.createTexture({ size: [8, 8], format: 'rgba8unorm', usage: TextureUsage.TEXTURE_BINDING });
    const output = device.createBuffer({ size: k.outputLayout.totalBytes, usage: BufferUsage.STORAGE });
    const attempt = (f: () => void) => {
      try {
        f();
        return null;
      } catch (e) {
        return e as GradientError;
      }
    };
    const encoder = device.createCommandEncoder();
    expect(attempt(() => k.encode(encoder, { source: small, output }))?.message).toMatch(/4×4 pixels, but the kernel was prepared for 8×8/);
    expect(attempt(() => k.encode(encoder, { source: {} as GPUTexture, output }))?.code).toBe('invalid-data');
    expect(attempt(() => k.draw(encoder, { source: good, target: noStorage }))?.message).toMatch(/STORAGE_BINDING/);
    expect(attempt(() => k.draw(encoder, { source: good, target: good }))?.code).toBe('invalid-option');
    const pass = encoder.beginComputePass();
    expect(attempt(() => k.encode(pass, { source: good, output, timestampWrites: {} as never }))?.message).toMatch(
      /timestampWrites: only for a command encoder/,
    );
    pass.end();
    encoder.finish();
    await expect(suite.ctx.prepareImage({ width: 0, height: 8 })).rejects.toThrow(/width 0/);
    k.destroy();
    expect(attempt(() => k.encode(device.createCommandEncoder(), { source: good, output }))?.code).toBe('destroyed');
    for (const r of [small, good, noStorage, output]) r.destroy();
  });
});
