import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect } from 'vitest';
import { BufferUsage } from '../src/gpu/flags';
import { cpuGradient, createGradient, GradientError, gpuGradient } from '../src/index';
import { f32Violation, maxAbs } from './helpers/bounds';
import { testDevice } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { randomCase, rng } from './helpers/random';

// Wrong devices and data, many concurrent calls, and long sessions without leaks.
const suite = gpuSuite();
const { gpuIt } = suite;

describe('wrong things passed as data or device', () => {
  gpuIt('a GPUBuffer as data, a destroyed device, a non-device', async ({ device }) => {
    const buffer = device.createBuffer({ size: 64, usage: BufferUsage.STORAGE });
    const e1 = await gpuGradient(buffer as never, { device }).catch((e) => e);
    expect(e1).toBeInstanceOf(GradientError);
    expect(e1.code).toBe('invalid-data');
    buffer.destroy();
    const e2 = await gpuGradient([1, 2, 3], { device: {} as never }).catch((e) => e);
    expect(e2.code).toBe('invalid-option');
    expect(e2.message).toContain('options.device');
    const other = (await testDevice())!.device;
    other.destroy();
    await new Promise((r) => setTimeout(r, 20));
    const e3 = await gpuGradient([1, 2, 3], { device: other }).catch((e) => e);
    expect(e3).toBeInstanceOf(GradientError);
    expect(e3.code).toBe('device-lost');
    expect(e3.message).toMatch(/pass a new device/);
  });
});

describe('concurrency', () => {
  gpuIt(
    '200 concurrent calls of mixed shapes and options all return the right answers',
    async () => {
      const r = rng(4242);
      const cases = Array.from({ length: 200 }, (_, i) => randomCase(r, i, 2000));
      const results = await Promise.all(cases.map((c) => suite.ctx.gradient(c.data, c.options)));
      results.forEach((got, i) => {
        const c = cases[i];
        const ref = cpuGradient(c.data, c.options);
        expect(got.length, c.label).toBe(ref.length);
        got.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(c.data), c.hMin), `${c.label} axis ${k}`).toBeNull());
      });
    },
    300_000,
  );
});

describe('leaks and long sessions', () => {
  gpuIt(
    '10,000 sequential calls keep GPU buffers, pooled bytes and the heap bounded',
    async ({ device }) => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const own = await createGradient({ device: device, maxPooledBytes: 4 * 2 ** 20, maxPooledBuffers: 16 });
      const r = rng(99);
      const shapes = Array.from({ length: 40 }, (_, i) => randomCase(r, i, 4000));
      let maxLive = 0,
        heapAt1000 = 0;
      for (let call = 0; call < 10_000; call++) {
        const c = shapes[call % shapes.length];
        await own.gradient(c.data, c.options);
        const s = own.stats();
        maxLive = Math.max(maxLive, s.liveBuffers - s.keptWork.buffers);
        expect(s.pooledBytes).toBeLessThanOrEqual(4 * 2 ** 20);
        expect(s.pooledBuffers).toBeLessThanOrEqual(16);
        if (call === 999) {
          gc();
          heapAt1000 = process.memoryUsage().heapUsed;
        }
      }
      gc();
      const heapEnd = process.memoryUsage().heapUsed;
      const s = own.stats();
      console.log(
        `leak test: 10000 calls, max live buffers beyond kept work ${maxLive}, at end ${s.liveBuffers} live / ${s.pooledBuffers} pooled / ${s.keptWork.buffers} held by ${s.keptWork.entries} kept plans, ` +
          `${s.pooledBytes} pooled bytes, created ${s.created}, reused ${s.reused}, heap ${(heapAt1000 / 2 ** 20).toFixed(1)} MiB at call 1000 → ${(heapEnd / 2 ** 20).toFixed(1)} MiB at 10000`,
      );
      // Between calls nothing is in flight: every live buffer is an idle pooled one or held by the work kept
      // for the 40 plans (uniforms, and weights where steps are uneven), and none leaked.
      expect(s.keptWork.entries).toBe(40);
      expect(s.keptWork.buffers).toBeLessThanOrEqual(80);
      expect(s.liveBuffers).toBe(s.pooledBuffers + s.keptWork.buffers);
      // Beyond kept work, one call holds at most 7 buffers (input, upload, output, staging, uniforms, weights); the pool 16.
      expect(maxLive).toBeLessThanOrEqual(16 + 7);
      expect(heapEnd - heapAt1000).toBeLessThan(16 * 2 ** 20);
      own.destroy();
      expect(own.stats().liveBuffers).toBe(0);
    },
    900_000,
  );
});
