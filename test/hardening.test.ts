import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuGradient } from '../src/cpu';
import { GradientError } from '../src/errors';
import { GradientContext } from '../src/gpu/context';
import { gpuGradient } from '../src/gpu/api';
import { BufferUsage } from '../src/gpu/flags';
import { problemArb } from './helpers/arbitraries';
import { f32Violation, maxAbs } from './helpers/bounds';
import { testDevice } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { naiveGradient } from './helpers/oracle';
import { randomCase, rng } from './helpers/random';

// Fuzzing against the reference, non-finite values, wrong devices, concurrency and leaks.
const suite = gpuSuite();
const { gpuIt } = suite;

/** Same value, NaN included, or both within the float64 reference's tolerance. */
function close64(got: number, ref: number, scale: number): boolean {
  if (Number.isNaN(ref) || Number.isNaN(got)) return Number.isNaN(ref) && Number.isNaN(got);
  if (!Number.isFinite(ref) || !Number.isFinite(got)) return got === ref;
  return Math.abs(got - ref) <= 1e-12 * (Math.abs(ref) + scale);
}

const counts = { cpuProperty: 0, gpuProperty: 0 };

describe('property tests (fast-check)', () => {
  it('cpuGradient equals a naive per-element implementation on 10,000 random problems', () => {
    fc.assert(fc.property(problemArb({ gpuSafe: false, maxSize: 240 }), (p) => {
      counts.cpuProperty++;
      const got = cpuGradient(p.data, p.options);
      const ref = naiveGradient(p.data, p.options.shape, p.axes, p.spacing, p.edgeOrder);
      if (got.length !== ref.length) return false;
      const scale = maxAbs(p.data) / p.hMin;
      return got.every((g, k) => g.every((v, i) => close64(v, ref[k][i], scale)));
    }), { numRuns: 10_000, seed: 20261126 });
    console.log(`cpu property cases: ${counts.cpuProperty}`);
  }, 300_000);

  gpuIt('gpuGradient stays within the float32 bound of cpuGradient on 600 random problems', async () => {
    await fc.assert(fc.asyncProperty(problemArb({ gpuSafe: true, maxSize: 600 }), async (p) => {
      counts.gpuProperty++;
      const got = await suite.ctx.gradient(p.data, p.options);
      const ref = cpuGradient(p.data, p.options);
      expect(got.length).toBe(ref.length);
      got.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(p.data), p.hMin), `axis ${k}`).toBeNull());
    }), { numRuns: 600, seed: 7 });
    console.log(`gpu property cases: ${counts.gpuProperty}`);
  }, 600_000);
});

describe('NaN and infinities propagate as in numpy, element by element', () => {
  type Enc = number | 'NaN' | 'Infinity' | '-Infinity';
  const dec = (v: Enc) => (typeof v === 'number' ? v : Number(v));
  const cases = (JSON.parse(readFileSync(new URL('./fixtures/numpy_nonfinite.json', import.meta.url), 'utf8')).cases as
    { name: string; shape: number[]; data: Enc[]; spacing?: (number | number[])[]; edgeOrder: 1 | 2; expected: Enc[][] }[]);

  const check = (got: ArrayLike<number>[], c: (typeof cases)[number], f32: boolean) => {
    const data = c.data.map(dec);
    const finite = data.filter(Number.isFinite);
    got.forEach((g, k) => {
      const ref = c.expected[k].map(dec);
      for (let i = 0; i < ref.length; i++) {
        const what = `${c.name} axis ${k} [${i}]: got ${g[i]}, numpy ${ref[i]}`;
        if (!Number.isFinite(ref[i])) expect(Object.is(g[i], ref[i]) || (Number.isNaN(ref[i]) && Number.isNaN(g[i])), what).toBe(true);
        else if (f32) expect(f32Violation([g[i]], [ref[i]], maxAbs(finite), 0.2), what).toBeNull();
        else expect(close64(g[i], ref[i], 0), what).toBe(true);
      }
    });
  };

  it(`cpuGradient on ${cases.length} numpy cases`, () => {
    for (const c of cases) check(cpuGradient(c.data.map(dec), { shape: c.shape, spacing: c.spacing, edgeOrder: c.edgeOrder }), c, false);
  });

  gpuIt('gpuGradient on the same cases', async () => {
    for (const c of cases) check(await suite.ctx.gradient(c.data.map(dec), { shape: c.shape, spacing: c.spacing, edgeOrder: c.edgeOrder }), c, true);
  });
});

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
  gpuIt('200 concurrent calls of mixed shapes and options all return the right answers', async () => {
    const r = rng(4242);
    const cases = Array.from({ length: 200 }, (_, i) => randomCase(r, i, 2000));
    const results = await Promise.all(cases.map((c) => suite.ctx.gradient(c.data, c.options)));
    results.forEach((got, i) => {
      const c = cases[i];
      const ref = cpuGradient(c.data, c.options);
      expect(got.length, c.label).toBe(ref.length);
      got.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(c.data), c.hMin), `${c.label} axis ${k}`).toBeNull());
    });
  }, 300_000);
});

describe('leaks and long sessions', () => {
  gpuIt('10,000 sequential calls keep GPU buffers, pooled bytes and the heap bounded', async ({ device }) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const own = new GradientContext(device, { maxPooledBytes: 4 * 2 ** 20, maxPooledBuffers: 16 }, false);
    const r = rng(99);
    const shapes = Array.from({ length: 40 }, (_, i) => randomCase(r, i, 4000));
    let maxLive = 0, heapAt1000 = 0;
    for (let call = 0; call < 10_000; call++) {
      const c = shapes[call % shapes.length];
      await own.gradient(c.data, c.options);
      const s = own.stats();
      maxLive = Math.max(maxLive, s.liveBuffers);
      expect(s.pooledBytes).toBeLessThanOrEqual(4 * 2 ** 20);
      expect(s.pooledBuffers).toBeLessThanOrEqual(16);
      if (call === 999) { gc(); heapAt1000 = process.memoryUsage().heapUsed; }
    }
    gc();
    const heapEnd = process.memoryUsage().heapUsed;
    const s = own.stats();
    console.log(`leak test: 10000 calls, max live buffers ${maxLive}, at end ${s.liveBuffers} live / ${s.pooledBuffers} pooled, `
      + `${s.pooledBytes} pooled bytes, created ${s.created}, reused ${s.reused}, heap ${(heapAt1000 / 2 ** 20).toFixed(1)} MiB at call 1000 → ${(heapEnd / 2 ** 20).toFixed(1)} MiB at 10000`);
    // Between calls nothing is in flight: every live buffer is an idle pooled one (plus none leaked).
    expect(s.liveBuffers).toBe(s.pooledBuffers);
    // One call holds at most 7 buffers (input, upload, output, staging, uniforms, weights); the pool 16.
    expect(maxLive).toBeLessThanOrEqual(16 + 7);
    expect(heapEnd - heapAt1000).toBeLessThan(16 * 2 ** 20);
    own.destroy();
    expect(own.stats().liveBuffers).toBe(0);
  }, 900_000);
});
