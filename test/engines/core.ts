// The GPU suites' core, written once and run in every engine: headless Chromium and Firefox (imported by
// test/browser/page.ts through vite), Deno and Bun (bundled by test/engines.test.ts and run by
// test/engines/run.mjs against the built dist/). numpy fixtures, extension fixtures, random cases against
// cpuGradient and bad inputs, each GPU result checked against the float32 bound.
import type * as Library from '../../src/index';
import type { GradientOptions } from '../../src/index';
import boundaryFixtures from '../fixtures/boundaries.json';
import gridFixtures from '../fixtures/grids.json';
import extensions from '../fixtures/numpy_extensions.json';
import fixtures from '../fixtures/numpy_gradient.json';
import laplacianFixtures from '../fixtures/numpy_laplacian.json';
import operators from '../fixtures/scipy_operators.json';
import { BAD_INPUTS } from '../helpers/bad-inputs';
import { type BoundaryCase, boundaryOptions, values } from '../helpers/boundary-cases';
import { f16Violation, f32Violation, maxAbs, minStep } from '../helpers/bounds';
import { type GridCase, gridOptions, smallestDistance } from '../helpers/grid-cases';
import { randomCase, rng } from '../helpers/random';

/**
 * Random gradient cases each engine runs against cpuGradient: a sample (Node's gpu-node suite runs 300).
 * 120 until the eighth session of 2026-12-06, when the fresh-clone CI reached 883 s of its 900.
 */
export const RANDOM_CASES = 80;

export interface CoreReport {
  adapter: string;
  fixtures: number;
  extensions: number;
  cases: number;
  badInputs: number;
  /** Prepared kernels recorded into an encoder and into an open pass, read back and checked. */
  prepared: number;
  /** Whether the runtime has Float16Array, and the float16 checks run (data in, results out, or the refusal). */
  hasFloat16: boolean;
  float16: number;
  /** Laplacian fixtures and random cases, GPU and CPU. */
  laplacian: number;
  /** Random gradients with a boundary per axis against cpuGradient (the fixtures run with the extensions). */
  perAxis: number;
  /** Reliability checks: inputs taken when a call is made, a detached `out` failing its own call alone, arrays of another realm. */
  reliability: number;
  /** SharedArrayBuffer inputs checked (0 where the engine has no SharedArrayBuffer: a page that is not cross-origin isolated). */
  sharedMemory: number;
  /** Typed arrays of another realm (an iframe's) checked; 0 where there is no DOM. */
  realms: number;
  /** A sample of the ghost-mode and gap fixtures (fixtures/boundaries.json): gradient, and magnitude where it has one. */
  boundaries: number;
  /** Strided ndarray views (plain objects) and out views against cpuGradient. */
  views: number;
  /** A sample of the curvilinear and sphere fixtures (fixtures/grids.json): gradient, divergence and curl. */
  grids: number;
  /** Derivatives of higher order and accuracy, the Hessian and adjoints against their CPU references. */
  derivatives: number;
  /** Calls in a context whose invocations take runs of items (the option `runs`), against the CPU reference. */
  runs: number;
  /** cpuWorkers calls split across worker threads, checked bit for bit against cpuGradient (0 without SharedArrayBuffer). */
  workers: number;
  /** Views made with the scijs `ndarray` package against numpy (the browser page only: test/browser/page.ts). */
  packageViews: number;
  failures: string[];
  /** Milliseconds each section of the core took, in order (where a slow engine spends its time). */
  sections: Record<string, number>;
  /** Wall time of the whole run, ms. */
  ms: number;
}

export interface CoreOptions {
  /** The adapter's name as describeAdapter gives it ('' when there is none: the run fails). */
  adapter: string;
  /** Where cpuWorkers finds its worker module (default: beside the built library, dist/cpu-worker.js). */
  workerUrl?: string | URL;
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
    hasFloat16: typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'function',
    float16: 0,
    laplacian: 0,
    perAxis: 0,
    reliability: 0,
    sharedMemory: 0,
    realms: 0,
    boundaries: 0,
    views: 0,
    grids: 0,
    derivatives: 0,
    runs: 0,
    workers: 0,
    packageViews: 0,
    failures: [],
    sections: {},
    ms: 0,
  };
  let mark = t0;
  const lap = (name: string) => {
    const now = performance.now();
    report.sections[name] = Math.round(now - mark);
    mark = now;
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
    // The 'fused' cases check the CPU reference's one-pass loops (src/cpu/fused.ts); gpu-node.test.ts runs
    // them on Dawn, and they would add seconds to each engine here (Firefox waits for a poll per call).
    if (c.name.startsWith('fused')) continue;
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
  lap('fixtures');

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
  lap('extensions');

  const r = rng(99);
  for (let i = 0; i < RANDOM_CASES; i++) {
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
  lap('random cases');

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
  lap('prepared');

  await float16Checks(lib, report);
  lap('float16');
  await laplacianChecks(lib, report);
  lap('laplacian');
  await perAxisChecks(lib, report);
  lap('per axis');
  await reliabilityChecks(lib, report);
  lap('reliability');
  await boundaryChecks(lib, report);
  lap('boundaries');
  await viewChecks(lib, report);
  lap('views');
  await gridChecks(lib, report);
  lap('grids');
  await derivativeChecks(lib, report);
  lap('derivatives');
  await runChecks(lib, report);
  lap('runs');
  await workerChecks(lib, report, options.workerUrl);
  lap('workers');

  for (const [what, data, opts, code] of BAD_INPUTS) {
    const e = await gpuGradient(data as never, opts as never).then(
      () => null,
      (err) => err,
    );
    if (!(e instanceof GradientError) || e.code !== code) report.failures.push(`bad input "${what}": got ${e}`);
    report.badInputs++;
  }
  lap('bad inputs');
  return { ...report, ms: performance.now() - t0 };
}

/**
 * float16 storage: Float16Array data (uploaded as halves) and `outputType: 'float16'` results (written as
 * halves), on random cases, fused fields, `out`, a streamed call and concurrent calls that share a
 * dispatch, each against cpuGradient of the same halves. Where the runtime has no Float16Array, the
 * refusal of float16 results.
 */
async function float16Checks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuGradient, gpuGradientMagnitude, gpuCurl, cpuGradient, cpuGradientMagnitude, cpuCurl, GradientError, createGradient } = lib;
  const fail = (what: string, v: unknown) => report.failures.push(`float16 ${what}: ${JSON.stringify(v)}`);
  if (!report.hasFloat16) {
    const e = await gpuGradient(new Float32Array(16), { outputType: 'float16' }).then(
      () => null,
      (err) => err,
    );
    if (!(e instanceof GradientError) || e.code !== 'invalid-option') fail('refusal without Float16Array', String(e));
    report.float16++;
    return;
  }
  const F16 = (globalThis as unknown as { Float16Array: Float16ArrayConstructor }).Float16Array;
  const check = (what: string, got: ArrayLike<number>[], ref: ArrayLike<number>[], maxF: number, h: number, half: boolean, k = 8) => {
    if (got.length !== ref.length) fail(what, `${got.length} outputs, expected ${ref.length}`);
    got.forEach((g, j) => {
      if (half !== g instanceof F16) fail(what, `output ${j} is a ${g.constructor.name}`);
      const v = (half ? f16Violation : f32Violation)(g, ref[j], maxF, h, k);
      if (v) fail(`${what} [${j}]`, v);
    });
    report.float16++;
  };
  const r = rng(1616);
  for (let i = 0; i < 40; i++) {
    const c = randomCase(r, i, 2000);
    const data = F16.from(c.data as ArrayLike<number>);
    const outputType = i % 2 === 0 ? 'float16' : 'float32';
    const got = await gpuGradient(data, { ...c.options, outputType });
    check(`${c.label} ${outputType}`, got, cpuGradient(data, c.options), maxAbs(data), c.hMin, outputType === 'float16');
  }
  // Fused fields, both layouts (last dimension a multiple of 4 or not).
  for (const shape of [
    [24, 32],
    [13, 7],
  ]) {
    const n = shape[0] * shape[1];
    const f = F16.from({ length: n }, (_, i) => Math.sin(i * 0.05) * 40);
    const g = F16.from({ length: n }, (_, i) => Math.cos(i * 0.03) * 40);
    const o = { shape, spacing: 0.5 };
    check(
      `magnitude ${shape}`,
      [await gpuGradientMagnitude(f, { ...o, outputType: 'float16' })],
      [cpuGradientMagnitude(f, o)],
      40,
      0.5,
      true,
    );
    check(`curl ${shape}`, await gpuCurl([f, g], { ...o, outputType: 'float16' }), cpuCurl([f, g], o), 40, 0.5, true);
  }
  // `out`: the caller's Float16Arrays are filled and returned; Float32Arrays are refused for float16 results.
  const data = F16.from({ length: 40 * 24 }, (_, i) => Math.sin(i * 0.1) * 3);
  const out = [new F16(data.length), new F16(data.length)];
  const got = await gpuGradient(data, { shape: [40, 24], outputType: 'float16', out });
  if (got[0] !== out[0] || got[1] !== out[1]) fail('out', 'the out arrays were not returned');
  check('out', got, cpuGradient(data, { shape: [40, 24] }), 3, 1, true);
  const refused = await gpuGradient(data, {
    shape: [40, 24],
    outputType: 'float16',
    out: [new Float32Array(960), new Float32Array(960)],
  }).then(
    () => null,
    (err) => err,
  );
  if (!(refused instanceof GradientError) || refused.code !== 'invalid-option') fail('out of Float32Arrays', String(refused));
  // Streamed in pieces of at most 4 KiB each way, halos included.
  const ctx = await createGradient({ chunkBytes: 4096 });
  const big = F16.from({ length: 96 * 40 }, (_, i) => Math.sin(i * 0.013) * 10);
  for (const opts of [{ edgeOrder: 2 as const }, { accuracy: 4 as const }]) {
    const before = ctx.stats().transfer.jobs;
    const streamed = await ctx.gradient(big, { ...opts, shape: [96, 40], outputType: 'float16' });
    if (ctx.stats().transfer.jobs - before < 4) fail('streamed', `${ctx.stats().transfer.jobs - before} pieces`);
    check(
      `streamed ${JSON.stringify(opts)}`,
      streamed,
      cpuGradient(big, { ...opts, shape: [96, 40] }),
      10,
      1,
      true,
      opts.accuracy ? 24 : 8,
    );
  }
  ctx.destroy();
  // Concurrent calls of the same work share one dispatch over their stacked arrays.
  const arrays = Array.from({ length: 12 }, (_, j) => F16.from({ length: 16 * 16 }, (_, i) => Math.sin(i * 0.2 + j)));
  const results = await Promise.all(arrays.map((a) => gpuGradient(a, { shape: [16, 16], outputType: 'float16' })));
  results.forEach((res, j) => check(`concurrent ${j}`, res, cpuGradient(arrays[j], { shape: [16, 16] }), 1, 1, true));
}

/** The fused Laplacian: the numpy fixtures (GPU and CPU), then random shapes and boundaries against cpuLaplacian. */
async function laplacianChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuLaplacian, cpuLaplacian } = lib;
  const h2 = (o: GradientOptions) => {
    const s = o.spacing;
    const h = s === undefined ? 1 : typeof s === 'number' ? s : Math.min(...s.map((x) => (typeof x === 'number' ? x : x[1] - x[0])));
    return h * h;
  };
  for (const c of laplacianFixtures.cases as {
    name: string;
    shape: number[];
    options: GradientOptions;
    data: number[];
    expected: number[];
  }[]) {
    const o = { ...c.options, shape: c.shape };
    const v = f32Violation(await gpuLaplacian(Float32Array.from(c.data), o), c.expected, 12 * maxAbs(c.data), h2(o));
    if (v) report.failures.push(`laplacian ${c.name} gpu: ${JSON.stringify(v)}`);
    const w = f32Violation(cpuLaplacian(c.data, o), c.expected, 12 * maxAbs(c.data), h2(o), 1e-6);
    if (w) report.failures.push(`laplacian ${c.name} cpu: ${JSON.stringify(w)}`);
    report.laplacian++;
  }
  const r = rng(2024);
  for (let i = 0; i < 12; i++) {
    const shape = Array.from({ length: 1 + (i % 3) }, () => 4 + Math.floor(r() * 9));
    const n = shape.reduce((p, x) => p * x, 1);
    const data = Float32Array.from({ length: n }, () => r() * 8 - 4);
    const o: GradientOptions = { shape, boundary: i % 2 ? 'periodic' : 'edge', spacing: shape.map(() => 0.25 + r()) };
    const v = f32Violation(await gpuLaplacian(data, o), cpuLaplacian(data, o), 12 * maxAbs(data), h2(o));
    if (v) report.failures.push(`laplacian random ${JSON.stringify(o)}: ${JSON.stringify(v)}`);
    report.laplacian++;
  }
}

/** Boundaries chosen per axis on random shapes, edge orders and accuracies: gradient and magnitude against the CPU. */
async function perAxisChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuGradient, gpuGradientMagnitude, cpuGradient, cpuGradientMagnitude } = lib;
  const r = rng(4242);
  for (let i = 0; i < 16; i++) {
    const shape = Array.from({ length: 2 + (i % 2) }, () => 5 + Math.floor(r() * 8));
    if (i % 4 === 0) shape[shape.length - 1] = 8; // the vec4 layout
    const n = shape.reduce((p, x) => p * x, 1);
    const data = Float32Array.from({ length: n }, () => r() * 8 - 4);
    const o: GradientOptions = {
      shape,
      boundary: shape.map(() => (r() < 0.5 ? 'periodic' : 'edge')),
      edgeOrder: r() < 0.5 ? 1 : 2,
      accuracy: r() < 0.3 ? 4 : 2,
      spacing: 0.5,
    };
    const k = o.accuracy === 4 ? 24 : 8;
    const got = await gpuGradient(data, o);
    cpuGradient(data, o).forEach((ref, a) => {
      const v = f32Violation(got[a], ref, 4, 0.5, k);
      if (v) report.failures.push(`per-axis ${JSON.stringify(o)} axis ${a}: ${JSON.stringify(v)}`);
    });
    const v = f32Violation(await gpuGradientMagnitude(data, o), cpuGradientMagnitude(data, o), 4, 0.5, k * shape.length);
    if (v) report.failures.push(`per-axis magnitude ${JSON.stringify(o)}: ${JSON.stringify(v)}`);
    report.perAxis++;
  }
}

/**
 * The reliability families of test/reliability.test.ts that every engine can show: shared memory (where
 * the engine has SharedArrayBuffer: Deno, Bun, cross-origin isolated pages), inputs taken when the call
 * is made, a detached `out` failing its own call alone, and an iframe's typed arrays.
 */
async function reliabilityChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuGradient, cpuGradient, GradientError } = lib;
  const fail = (what: string, v: unknown) => report.failures.push(`reliability ${what}: ${JSON.stringify(v)}`);
  const check = (what: string, got: ArrayLike<number>[], data: ArrayLike<number>, shape: number[]) => {
    const ref = cpuGradient(data as Float64Array, { shape });
    if (got.length !== ref.length) fail(what, `${got.length} outputs`);
    got.forEach((g, k) => {
      const v = f32Violation(g, ref[k], maxAbs(data), 1);
      if (v) fail(`${what} axis ${k}`, v);
    });
  };
  const pattern = (i: number) => Math.round(50 + 40 * Math.sin(i * 0.013));
  if (typeof SharedArrayBuffer === 'function') {
    // Small inputs go up with writeBuffer, 1100x1024 float32 (4.3 MiB) through a staging slot (Firefox: writeBuffer).
    for (const [Type, shape] of [
      [Float32Array, [6, 8]],
      [Float64Array, [16, 16]],
      [Int16Array, [9, 7]],
      [Uint8Array, [12, 20]],
      [Float32Array, [1100, 1024]],
    ] as [Float32ArrayConstructor, number[]][]) {
      const n = shape[0] * shape[1];
      const data = new Type(new SharedArrayBuffer(n * Type.BYTES_PER_ELEMENT));
      for (let i = 0; i < n; i++) data[i] = pattern(i);
      check(`shared ${Type.name} [${shape}]`, await gpuGradient(data, { shape }), data, shape);
      report.sharedMemory++;
    }
  }
  // Inputs taken when the call is made: refilled right after it returns, alone and batched.
  const shape = [16, 16];
  const arrays = Array.from({ length: 6 }, (_, j) => Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.1 + j)));
  const copies = arrays.map((a) => Float32Array.from(a));
  const calls = arrays.map((a) => gpuGradient(a, { shape }));
  for (const a of arrays) a.fill(0);
  (await Promise.all(calls)).forEach((got, j) => check(`refilled call ${j}`, got, copies[j], shape));
  report.reliability++;
  // Concurrent calls that share no dispatch (two components; a transposed view, gathered on the GPU; image
  // frames): their jobs hand output buffers and inputs made on the GPU on within their group
  // (src/gpu/handed-on.ts).
  const { gpuDivergence, cpuDivergence } = lib;
  const fields = copies.map((a) => [a, a.map((x) => 1 - x)]);
  const transposed = (a: Float32Array) => ({ data: a, shape: [16, 16], stride: [1, 16], offset: 0 });
  const mixed = await Promise.all([
    ...fields.map((v) => gpuDivergence(v, { shape }).then((d) => [d])),
    ...copies.map((a) => gpuGradient(transposed(a))),
  ]);
  fields.forEach((v, j) => {
    const e = f32Violation(mixed[j][0], cpuDivergence(v, { shape }), 2, 1);
    if (e) fail(`concurrent divergence ${j}`, e);
  });
  copies.forEach((a, j) => {
    const ref = cpuGradient(transposed(a));
    mixed[fields.length + j].forEach((g, k) => {
      const e = f32Violation(g, ref[k], 2, 1);
      if (e) fail(`concurrent transposed view ${j} axis ${k}`, e);
    });
  });
  // Concurrent ImageData frames: their bytes share the turn's input buffer and each conversion binds its
  // own where they lie (a dynamic offset, src/gpu/span.ts).
  const { gpuImageGradient, cpuImageGradient } = lib;
  const frames = copies.map((_, j) => ({
    width: 12,
    height: 10,
    data: Uint8ClampedArray.from({ length: 480 }, (_, i) => (i * 37 + j * 101) % 256),
  }));
  (await Promise.all(frames.map((f) => gpuImageGradient(f)))).forEach((got, j) => {
    const ref = cpuImageGradient(frames[j]);
    got.forEach((g, k) => {
      const e = f32Violation(g, ref[k], 255, 1);
      if (e) fail(`concurrent ImageData ${j} axis ${k}`, e);
    });
  });
  report.reliability++;
  // A detached `out` fails its own call alone.
  const outs = copies.map(() => [new Float32Array(256), new Float32Array(256)]);
  const withOut = copies.map((a, j) => gpuGradient(a, { shape, out: outs[j] }));
  structuredClone(outs[1][0].buffer, { transfer: [outs[1][0].buffer] });
  const settled = await Promise.allSettled(withOut);
  settled.forEach((s, j) => {
    if (j === 1) {
      const e = s.status === 'rejected' ? s.reason : null;
      if (!(e instanceof GradientError) || e.code !== 'invalid-option') fail('detached out', `${s.status} ${e}`);
    } else if (s.status !== 'fulfilled') fail(`neighbour ${j} of a detached out`, String(s.reason));
    else check(`neighbour ${j} of a detached out`, s.value, copies[j], shape);
  });
  report.reliability++;
  // An iframe's typed arrays are data and `out` like the page's own.
  const doc = (globalThis as { document?: Document }).document;
  if (doc) {
    const frame = doc.createElement('iframe');
    doc.body.appendChild(frame);
    const other = frame.contentWindow as unknown as { Float32Array: Float32ArrayConstructor; Float64Array: Float64ArrayConstructor };
    const data = other.Float64Array.from({ length: 48 }, (_, i) => pattern(i));
    const out = [new other.Float32Array(48), new other.Float32Array(48)];
    if (data instanceof Float64Array) fail('iframe', 'the iframe shares our Float64Array');
    const got = await gpuGradient(data, { shape: [6, 8], out });
    if (got[0] !== out[0]) fail('iframe out', 'not returned');
    check('iframe arrays', got, data, [6, 8]);
    frame.remove();
    report.realms++;
  }
}

/** Names of the boundaries.json cases every engine runs: ghost sides of each kind, accuracy 4, coordinates, gaps and masks. */
export const BOUNDARY_SAMPLE = [
  '1d constant/edge eo2',
  '1d mirror/reflect accuracy 4',
  '1d coordinates nearest/mirror',
  '2d mirror',
  'skip 1d nan mirror/constant eo2',
  'skip 1d mask eo1',
  'skip periodic eo2',
  'skip 2d eo1',
];

/** The sampled ghost-mode and gap fixtures on the GPU, against scipy's and numpy's values. */
async function boundaryChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuGradient, gpuGradientMagnitude } = lib;
  for (const name of BOUNDARY_SAMPLE) {
    const c = (boundaryFixtures.cases as unknown as BoundaryCase[]).find((x) => x.name === name);
    if (!c) {
      report.failures.push(`boundaries: no fixture "${name}"`);
      continue;
    }
    const data = values(c.data);
    const o = boundaryOptions(c);
    const h = minStep(o.spacing, c.shape.length);
    const got = await gpuGradient(data, o);
    c.gradient.forEach((ref, k) => {
      const v = f32Violation(got[k], values(ref), maxAbs(data), h, 16);
      if (v) report.failures.push(`boundaries ${name} axis ${k}: ${JSON.stringify(v)}`);
    });
    if (c.magnitude) {
      const v = f32Violation(await gpuGradientMagnitude(data, o), values(c.magnitude), maxAbs(data), h, 48);
      if (v) report.failures.push(`boundaries ${name} magnitude: ${JSON.stringify(v)}`);
    }
    report.boundaries++;
  }
}

/** Names of the grids.json cases every engine runs: curvilinear 2-D, 3-D and periodic, the sphere with poles and regional. */
export const GRID_SAMPLE = [
  'warped 2-D eo2',
  'warped 3-D eo1',
  'polar annulus periodic',
  'sphere global 10deg with poles',
  'sphere regional eo1',
];

/** The sampled grid fixtures on the GPU (gradient, divergence, curl), against numpy's values. */
async function gridChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuGradient, gpuDivergence, gpuCurl } = lib;
  for (const name of GRID_SAMPLE) {
    const c = (gridFixtures.cases as unknown as GridCase[]).find((x) => x.name === name);
    if (!c) {
      report.failures.push(`grids: no fixture "${name}"`);
      continue;
    }
    const data = values(c.data);
    const comps = c.components!.map(values);
    const o = gridOptions(c);
    const scale = Math.max(maxAbs(data), ...comps.map(maxAbs));
    const h = smallestDistance(c);
    const results: [string, ArrayLike<number>, (number | null)[]][] = [];
    (await gpuGradient(data, o)).forEach((g, k) => results.push([`gradient ${k}`, g, c.gradient[k]]));
    results.push(['divergence', await gpuDivergence(comps, o), c.divergence!]);
    (await gpuCurl(comps, o)).forEach((g, k) => results.push([`curl ${k}`, g, c.curl![k]]));
    for (const [what, got, ref] of results) {
      const v = f32Violation(got, values(ref), scale, h, 24);
      if (v) report.failures.push(`grids ${name} ${what}: ${JSON.stringify(v)}`);
    }
    report.grids++;
  }
}

/**
 * Runs of items per invocation (the context option `runs`: the shader's RUN above 1, which only Node's
 * suite exercises in depth, test/runs.test.ts), so that every engine compiles and runs those variants:
 * random cases of both layouts, magnitude and curl in each, and float16 results where the engine has
 * Float16Array. 10 checks, 11 with float16.
 */
async function runChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { createGradient, cpuGradient, cpuGradientMagnitude, cpuCurl } = lib;
  const ctx = await createGradient({ runs: { scalar: 4, vec4: 2, vec4Float16: 2 } });
  const check = (what: string, got: ArrayLike<number>[], want: ArrayLike<number>[], scale: number, h: number, half = false) => {
    got.forEach((g, k) => {
      const v = (half ? f16Violation : f32Violation)(g, want[k], scale, h, 16);
      if (v) report.failures.push(`runs ${what} [${k}]: ${JSON.stringify(v)}`);
    });
    if (got.length !== want.length) report.failures.push(`runs ${what}: ${got.length} outputs`);
    report.runs++;
  };
  try {
    const r = rng(44);
    for (let i = 0; i < 6; i++) {
      const c = randomCase(r, i, 2000);
      check(`case ${i} ${c.label}`, await ctx.gradient(c.data, c.options), cpuGradient(c.data, c.options), maxAbs(c.data), c.hMin);
    }
    for (const shape of [
      [7, 9],
      [5, 12],
    ]) {
      const n = shape[0] * shape[1];
      const f = Float32Array.from({ length: n }, () => r() * 4 - 2);
      const g = Float32Array.from({ length: n }, () => r() * 4 - 2);
      const o = { shape, edgeOrder: 2 as const };
      check(`magnitude [${shape}]`, [await ctx.magnitude(f, o)], [cpuGradientMagnitude(f, o)], 8, 1);
      check(`curl [${shape}]`, await ctx.curl([f, g], o), cpuCurl([f, g], o), 8, 1);
      if (report.hasFloat16 && shape[1] % 4 === 0) {
        const half = { ...o, outputType: 'float16' as const };
        check(`float16 results [${shape}]`, await ctx.gradient(f, half), cpuGradient(f, o), 4, 1, true);
      }
    }
  } finally {
    ctx.destroy();
  }
}

/** Derivatives (order 3 at accuracy 6 with coordinates, a mixed partial), the Hessian and two adjoints, GPU against CPU. */
async function derivativeChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuDerivatives, cpuDerivatives, gpuHessian, cpuHessian, gpuGradientAdjoint, cpuGradientAdjoint } = lib;
  const r = rng(31);
  const shape = [24, 21];
  const size = 24 * 21;
  const f = Float32Array.from({ length: size }, () => r() * 2 - 1);
  const x = Array.from({ length: 24 }, (_, i) => 0.5 * i + 0.1 * Math.sin(i));
  const cases: [string, ArrayLike<number>[], Float64Array[], number][] = [];
  const o = {
    shape,
    spacing: [x, 0.5],
    accuracy: 6 as const,
    derivatives: [
      [3, 0],
      [1, 1],
    ],
  };
  cases.push(['derivatives', await gpuDerivatives(f, o), cpuDerivatives(f, o), 4096]);
  const h = { shape, spacing: [0.5, 0.5], accuracy: 4 as const, boundary: ['mirror', 'periodic'] as const };
  cases.push(['Hessian', await gpuHessian(f, h), cpuHessian(f, h), 1024]);
  const v = [0, 1].map(() => Float32Array.from({ length: size }, () => r() - 0.5));
  for (const a of [
    { shape, edgeOrder: 2 as const, spacing: [x, 1] },
    { shape, boundary: ['periodic', ['reflect', 'constant']] as const, accuracy: 4 as const },
  ]) {
    cases.push([`adjoint ${JSON.stringify(a.boundary ?? a.edgeOrder)}`, [await gpuGradientAdjoint(v, a)], [cpuGradientAdjoint(v, a)], 64]);
  }
  for (const [what, got, want, k] of cases) {
    want.forEach((w, j) => {
      const bad = f32Violation(got[j], w, 1, 0.4, k);
      if (bad) report.failures.push(`derivatives ${what} ${j}: ${JSON.stringify(bad)}`);
    });
    report.derivatives++;
  }
}

/** Strided views as plain objects (scijs's `stride`, @stdlib's `strides`), and an out view, against cpuGradient of the same view. */
async function viewChecks(lib: typeof Library, report: CoreReport): Promise<void> {
  const { gpuGradient, cpuGradient } = lib;
  const r = rng(77);
  const base = Float32Array.from({ length: 12 * 10 }, () => r() * 4 - 2);
  const views = [
    { data: base, shape: [10, 12], stride: [1, 10], offset: 0 }, // transposed
    { data: base, shape: [5, 4], strides: [-20, 3], offset: 81 }, // flipped rows, stepped columns, offset
  ];
  for (const [j, view] of views.entries()) {
    const ref = cpuGradient(view, { edgeOrder: 2 });
    const size = view.shape[0] * view.shape[1];
    // The second view's results go through transposed out views.
    const outs = j === 1 ? ref.map(() => ({ data: new Float32Array(size), shape: view.shape, stride: [1, view.shape[0]] })) : undefined;
    const got = await gpuGradient(view, { edgeOrder: 2, ...(outs ? { out: outs } : {}) });
    ref.forEach((want, k) => {
      const inOrder = outs
        ? Float32Array.from({ length: size }, (_, e) => got[k][(e % view.shape[1]) * view.shape[0] + Math.floor(e / view.shape[1])])
        : got[k];
      const v = f32Violation(inOrder, want, 2, 1);
      if (v) report.failures.push(`view ${j} axis ${k}: ${JSON.stringify(v)}`);
    });
    report.views++;
  }
}

/** cpuWorkers on data in shared memory: each call split across the threads and equal to the cpu… function's bits. */
async function workerChecks(lib: typeof Library, report: CoreReport, workerUrl: string | URL | undefined): Promise<void> {
  if (typeof SharedArrayBuffer !== 'function') return;
  const pool = await lib.cpuWorkers({ threads: 3, minLength: 0, workerUrl });
  try {
    const cases: [number[], GradientOptions][] = [
      [[40, 30], { edgeOrder: 2, spacing: [0.5, Array.from({ length: 30 }, (_, i) => i * i * 0.01 + i)] }],
      [[12, 10, 9], { accuracy: 4, spacing: [1, 2, 0.5] }],
      [[33, 17], { boundary: ['periodic', 'edge'], axis: [1, 0] }],
    ];
    for (const [shape, options] of cases) {
      const size = shape.reduce((p, n) => p * n, 1);
      const data = new Float64Array(new SharedArrayBuffer(size * 8));
      for (let i = 0; i < size; i++) data[i] = Math.sin(i * 0.23) * 4 + (i % 5);
      const got = await pool.gradient(data, { ...options, shape });
      const want = lib.cpuGradient(data, { ...options, shape });
      const bad = want.findIndex((w, k) => !w.every((v, i) => Object.is(v, got[k]?.[i])));
      if (got.length !== want.length || bad >= 0)
        report.failures.push(`cpuWorkers [${shape}] ${JSON.stringify(options)}: axis ${bad} differs`);
      report.workers++;
    }
    // The fields: a 3-D curl in one pass (lines of 40) and a divergence slab by slab (lines of 9).
    const fields: [number[], string][] = [
      [[12, 10, 40], 'curl'],
      [[30, 12, 9], 'divergence'],
    ];
    for (const [shape, field] of fields) {
      const size = shape.reduce((p, n) => p * n, 1);
      const v = shape.map((_, k) => {
        const c = new Float64Array(new SharedArrayBuffer(size * 8));
        for (let i = 0; i < size; i++) c[i] = Math.cos(i * 0.19 + k) * 3 + (i % (k + 3));
        return c;
      });
      const got = field === 'curl' ? await pool.curl(v, { shape }) : [await pool.divergence(v, { shape })];
      const want = field === 'curl' ? lib.cpuCurl(v, { shape }) : [lib.cpuDivergence(v, { shape })];
      const bad = want.findIndex((w, k) => !w.every((x, i) => Object.is(x, got[k]?.[i])));
      if (got.length !== want.length || bad >= 0) report.failures.push(`cpuWorkers ${field} [${shape}]: result ${bad} differs`);
      report.workers++;
    }
    // A 3-D Hessian (mixed partials through scratch, in parts of the first dimension).
    {
      const shape = [14, 9, 8];
      const data = new Float64Array(new SharedArrayBuffer(14 * 72 * 8));
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.31) * 2 + (i % 3);
      const got = await pool.hessian(data, { shape, accuracy: 4 });
      const want = lib.cpuHessian(data, { shape, accuracy: 4 });
      const bad = want.findIndex((w, k) => !w.every((x, i) => Object.is(x, got[k]?.[i])));
      if (got.length !== want.length || bad >= 0) report.failures.push(`cpuWorkers hessian [${shape}]: result ${bad} differs`);
      report.workers++;
    }
    const calls = cases.length + fields.length + 1;
    if (pool.stats.split !== calls) report.failures.push(`cpuWorkers split ${pool.stats.split} of ${calls} calls`);
  } finally {
    await pool.destroy();
  }
}
