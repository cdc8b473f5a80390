// The GPU suites' core, written once and run in every engine: headless Chromium and Firefox (imported by
// test/browser/page.ts through vite), Deno and Bun (bundled by test/engines.test.ts and run by
// test/engines/run.mjs against the built dist/). numpy fixtures, extension fixtures, random cases against
// cpuGradient and bad inputs, each GPU result checked against the float32 bound.
import type * as Library from '../../src/index';
import type { GradientOptions } from '../../src/index';
import extensions from '../fixtures/numpy_extensions.json';
import fixtures from '../fixtures/numpy_gradient.json';
import operators from '../fixtures/scipy_operators.json';
import { BAD_INPUTS } from '../helpers/bad-inputs';
import { f32Violation, maxAbs, minStep } from '../helpers/bounds';
import { randomCase, rng } from '../helpers/random';

export interface CoreReport {
  adapter: string;
  fixtures: number;
  extensions: number;
  cases: number;
  badInputs: number;
  /** Prepared kernels recorded into an encoder and into an open pass, read back and checked. */
  prepared: number;
  failures: string[];
  /** Wall time of the whole run, ms. */
  ms: number;
}

export interface CoreOptions {
  /** The adapter's name as describeAdapter gives it ('' when there is none: the run fails). */
  adapter: string;
}

export async function runCore(lib: typeof Library, options: CoreOptions): Promise<CoreReport> {
  const t0 = performance.now();
  const report: CoreReport = {
    adapter: options.adapter,
    fixtures: 0,
    extensions: 0,
    cases: 0,
    badInputs: 0,
    prepared: 0,
    failures: [],
    ms: 0,
  };
  if (!options.adapter) {
    report.failures.push('no WebGPU adapter');
    return report;
  }
  const {
    gpuGradient,
    gpuGradientMagnitude,
    gpuDivergence,
    gpuCurl,
    cpuGradient,
    cpuGradientMagnitude,
    cpuDivergence,
    cpuCurl,
    GradientError,
  } = lib;

  for (const c of fixtures.cases as {
    name: string;
    dtype: string;
    shape: number[];
    data: number[];
    spacing?: never;
    axis?: never;
    edgeOrder: 1 | 2;
    expected: number[][];
    expected64?: number[][];
  }[]) {
    const Ctor = { float64: Float64Array, float32: Float32Array, int32: Int32Array, uint8: Uint8Array }[c.dtype]!;
    const got = await gpuGradient(Ctor.from(c.data), { shape: c.shape, spacing: c.spacing, axis: c.axis, edgeOrder: c.edgeOrder });
    const ref = c.expected64 ?? c.expected;
    got.forEach((g, k) => {
      const v = f32Violation(g, ref[k], maxAbs(c.data), minStep(c.spacing, ref.length));
      if (v) report.failures.push(`fixture ${c.name} axis ${k}: ${JSON.stringify(v)}`);
    });
    if (got.length !== ref.length) report.failures.push(`fixture ${c.name}: ${got.length} outputs`);
    report.fixtures++;
  }

  // Periodic boundaries, fourth order and fused fields (numpy fixtures), Sobel and Scharr (scipy), GPU and CPU.
  for (const c of [...extensions.cases, ...operators.cases] as {
    name: string;
    op: string;
    shape: number[];
    options: GradientOptions;
    components: number[][];
    expected: number[][];
  }[]) {
    const o = { ...c.options, shape: c.shape };
    const [f] = c.components;
    const gpu =
      c.op === 'gradient'
        ? await gpuGradient(f, o)
        : c.op === 'magnitude'
          ? [await gpuGradientMagnitude(f, o)]
          : c.op === 'divergence'
            ? [await gpuDivergence(c.components, o)]
            : await gpuCurl(c.components, o);
    const cpu =
      c.op === 'gradient'
        ? cpuGradient(f, o)
        : c.op === 'magnitude'
          ? [cpuGradientMagnitude(f, o)]
          : c.op === 'divergence'
            ? [cpuDivergence(c.components, o)]
            : cpuCurl(c.components, o);
    const h = typeof o.spacing === 'number' ? o.spacing : 0.2;
    const k = o.operator === 'scharr' ? 256 : o.operator === 'sobel' ? 64 : o.accuracy === 4 ? 24 : 8;
    c.expected.forEach((ref, j) => {
      const v = f32Violation(gpu[j] ?? [], ref, maxAbs(c.components.flat()), h, k * 3);
      if (v) report.failures.push(`extension ${c.name} [${j}] gpu: ${JSON.stringify(v)}`);
      const w = f32Violation(cpu[j] ?? [], ref, maxAbs(c.components.flat()), h, 1e-6);
      if (w) report.failures.push(`extension ${c.name} [${j}] cpu: ${JSON.stringify(w)}`);
    });
    report.extensions++;
  }

  const r = rng(99);
  for (let i = 0; i < 120; i++) {
    const c = randomCase(r, i, 3000);
    const got = await gpuGradient(c.data, c.options);
    const ref = cpuGradient(c.data, c.options);
    if (got.length !== ref.length) report.failures.push(`${c.label}: ${got.length} outputs, expected ${ref.length}`);
    got.forEach((g, k) => {
      const v = f32Violation(g, ref[k], maxAbs(c.data), c.hMin);
      if (v) report.failures.push(`${c.label} axis ${k}: ${JSON.stringify(v)}`);
    });
    report.cases++;
  }

  // Prepared kernels on the default context's device: synchronous encode into an encoder and into a pass.
  const ctx = await lib.defaultGradient();
  const device = ctx.device;
  for (const [shape, opts] of [
    [[24, 20], {}],
    [[17, 9], { edgeOrder: 2 }],
    [[12, 8, 6], { accuracy: 4 }],
  ] as [number[], GradientOptions][]) {
    const n = shape.reduce((p, x) => p * x, 1);
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.21));
    const kernel = await ctx.prepare({ ...opts, shape });
    const input = device.createBuffer({ size: Math.ceil(n / 4) * 16, usage: 0x80 | 0x08 });
    device.queue.writeBuffer(input, 0, data);
    const output = device.createBuffer({ size: kernel.outputLayout.totalBytes, usage: 0x80 | 0x04 });
    const outputs = shape.map(() => device.createBuffer({ size: Math.ceil(n / 4) * 16, usage: 0x80 | 0x04 }));
    const read = device.createBuffer({ size: 2 * kernel.outputLayout.totalBytes, usage: 0x01 | 0x08 });
    const encoder = device.createCommandEncoder();
    kernel.encode(encoder, { input, output });
    const pass = encoder.beginComputePass();
    kernel.encode(pass, { input, outputs });
    pass.end();
    encoder.copyBufferToBuffer(output, 0, read, 0, kernel.outputLayout.totalBytes);
    outputs.forEach((b, k) =>
      encoder.copyBufferToBuffer(b, 0, read, kernel.outputLayout.totalBytes + k * kernel.outputLayout.slabBytes, n * 4),
    );
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(0x01);
    const all = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    const ref = cpuGradient(data, { ...opts, shape });
    const slab = kernel.outputLayout.slabBytes / 4,
      second = kernel.outputLayout.totalBytes / 4;
    ref.forEach((r, k) => {
      for (const [where, at] of [
        ['encoder', k * slab],
        ['pass', second + k * slab],
      ] as const) {
        const v = f32Violation(all.subarray(at, at + n), r, 1, 1, opts.accuracy === 4 ? 24 : 8);
        if (v) report.failures.push(`prepared [${shape}] ${JSON.stringify(opts)} axis ${k} (${where}): ${JSON.stringify(v)}`);
      }
    });
    kernel.destroy();
    for (const b of [input, output, read, ...outputs]) b.destroy();
    report.prepared++;
  }

  for (const [what, data, opts, code] of BAD_INPUTS) {
    const e = await gpuGradient(data as never, opts as never).then(
      () => null,
      (err) => err,
    );
    if (!(e instanceof GradientError) || e.code !== code) report.failures.push(`bad input "${what}": got ${e}`);
    report.badInputs++;
  }
  return { ...report, ms: performance.now() - t0 };
}
