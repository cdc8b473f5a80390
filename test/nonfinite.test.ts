import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuGradient } from '../src/index';
import { close64, f16Violation, f32Violation, maxAbs } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { halfValue } from './helpers/half';

// NaN and ±∞ through every stencil, element by element against numpy, on the CPU and the GPU.
const suite = gpuSuite();
const { gpuIt } = suite;

describe('NaN and infinities propagate as in numpy, element by element', () => {
  type Enc = number | 'NaN' | 'Infinity' | '-Infinity';
  const dec = (v: Enc) => (typeof v === 'number' ? v : Number(v));
  const cases = JSON.parse(readFileSync(new URL('./fixtures/numpy_nonfinite.json', import.meta.url), 'utf8')).cases as {
    name: string;
    shape: number[];
    data: Enc[];
    spacing?: (number | number[])[];
    edgeOrder: 1 | 2;
    expected: Enc[][];
  }[];

  const check = (got: ArrayLike<number>[], c: (typeof cases)[number], f32: boolean, f16 = false) => {
    const data = c.data.map(dec);
    const finite = data.filter(Number.isFinite);
    got.forEach((g, k) => {
      const ref = c.expected[k].map(dec);
      for (let i = 0; i < ref.length; i++) {
        const what = `${c.name} axis ${k} [${i}]: got ${g[i]}, numpy ${ref[i]}`;
        if (!Number.isFinite(ref[i])) expect(Object.is(g[i], ref[i]) || (Number.isNaN(ref[i]) && Number.isNaN(g[i])), what).toBe(true);
        else if (f16) expect(f16Violation([g[i]], [ref[i]], maxAbs(finite), 0.2), what).toBeNull();
        else if (f32) expect(f32Violation([g[i]], [ref[i]], maxAbs(finite), 0.2), what).toBeNull();
        else expect(close64(g[i], ref[i], 0), what).toBe(true);
      }
    });
  };

  it(`cpuGradient on ${cases.length} numpy cases`, () => {
    for (const c of cases) check(cpuGradient(c.data.map(dec), { shape: c.shape, spacing: c.spacing, edgeOrder: c.edgeOrder }), c, false);
  });

  gpuIt('gpuGradient on the same cases', async () => {
    for (const c of cases)
      check(await suite.ctx.gradient(c.data.map(dec), { shape: c.shape, spacing: c.spacing, edgeOrder: c.edgeOrder }), c, true);
  });

  gpuIt('float16 results of the same cases: NaN stays NaN and infinities keep their sign (prepared kernel)', async () => {
    const device = suite.t!.device;
    for (const c of cases) {
      const n = c.data.length;
      const kernel = await suite.ctx.prepare({ shape: c.shape, spacing: c.spacing, edgeOrder: c.edgeOrder, outputType: 'float16' });
      const input = device.createBuffer({ size: Math.ceil(n / 4) * 16, usage: 0x80 | 0x08 });
      const padded = new Float32Array(Math.ceil(n / 4) * 4);
      padded.set(c.data.map(dec));
      device.queue.writeBuffer(input, 0, padded);
      const total = kernel.outputLayout.totalBytes;
      const output = device.createBuffer({ size: total, usage: 0x80 | 0x04 });
      const read = device.createBuffer({ size: total, usage: 0x01 | 0x08 });
      const encoder = device.createCommandEncoder();
      kernel.encode(encoder, { input, output });
      encoder.copyBufferToBuffer(output, 0, read, 0, total);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(0x01);
      const bytes = read.getMappedRange().slice(0);
      read.unmap();
      const got = c.expected.map((_, k) => Array.from(new Uint16Array(bytes, k * kernel.outputLayout.slabBytes, n), halfValue));
      check(got, c, true, true);
      kernel.destroy();
      for (const b of [input, output, read]) b.destroy();
    }
  });
});
