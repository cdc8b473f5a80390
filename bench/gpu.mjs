// Roofline benchmark of webgpu-gradient in Node through Dawn. Needs only dist/ and the `webgpu` package,
// so it runs on a GPU machine without a Node toolchain (see README, "Performance").
//
//   node bench/gpu.mjs [--sizes full|small|1d:16777216,2d:4096x4096,3d:256x256x256] [--json FILE]
//                      [--repeat R] [--huge] [--no-cpu] [--compare DIR[,DIR…]] [--runs 1,2,4,8]
//
// For each shape and edge order: kernel time (wall time of R back-to-back encodes in one submit, and the
// median GPU time of one pass from its own timestamp queries), effective bandwidth 4·n·(1+axes)/t, the copy floor (copyBufferToBuffer
// moving the same bytes, timed the same way in the same run), the per-axis variant, end-to-end
// gpuGradient time (upload + kernel + readback) and cpuGradient's time. A sampled check against a
// float64 reference guards every figure. `--compare DIR` also times the one-pass kernel of another build
// of the library (DIR/index.js, e.g. an older commit's dist) on the same device in the same run, so two
// kernels are compared on one warm GPU; several builds, comma-separated, are each timed the same way.
// Every shape's one-pass kernel is also timed with runs of 1, 2, 4 and 8 items per invocation (`--runs`; context
// option `runs`: elements in the scalar layout, groups of four in the vec4 layout; issue 26, target 1),
// each checked like the rest.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from 'webgpu';
import { cpuGradient, createGradient } from '../dist/index.js';
import { flag, value } from './args.mjs';
import { gpuTiming } from './gpu-timing.js';
import { kernelRecorder } from './record-kernel.js';

const STORAGE = 0x80,
  COPY_SRC = 0x04,
  COPY_DST = 0x08,
  MAP_READ = 0x01,
  MAP_WRITE = 0x02;

const gpu = create(['disable-dawn-features=timestamp_quantization']);
// Dawn crashes (segfault, or a futex/mutex abort) if this object is collected while its device lives, and V8
// collects a module constant that is never read again: measured on SwiftShader, the bench died at 256² once
// the CPU was busy for 10 ms (computing a grid's metric terms). Held on globalThis for the whole run.
globalThis.__webgpuGradientDawn = gpu;
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  console.error('no WebGPU adapter');
  process.exit(1);
}
const info = adapter.info;
const adapterName = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.replace(/\s+/g, ' ').trim();
const cpuAdapter = /swiftshader|llvmpipe|lavapipe|cpu/i.test(adapterName);
const hasTimestamps = adapter.features.has('timestamp-query');
const limitNames = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
];
const requiredLimits = Object.fromEntries(limitNames.map((n) => [n, adapter.limits[n]]));
const device = await adapter.requestDevice({ requiredFeatures: hasTimestamps ? ['timestamp-query'] : [], requiredLimits });
device.addEventListener?.('uncapturederror', (e) => {
  console.error('uncaptured GPU error:', e.error?.message);
  process.exitCode = 1;
});
const g = await createGradient({ device });
// Other kernels timed side by side with this build's default one.
const others = [];
for (const compareDir of (value('--compare') ?? '').split(',').filter(Boolean)) {
  const lib = await import(pathToFileURL(resolve(compareDir, 'index.js')).href);
  others.push({ label: `--compare ${compareDir}`, g: await lib.createGradient({ device }) });
}

const FULL = [[2 ** 24], [2 ** 26], [4096, 4096], [8192, 8192], [256, 256, 256], [512, 512, 512]];
const SMALL = [[2 ** 18], [512, 512], [64, 64, 64]];
function parseSizes(spec) {
  if (!spec) return cpuAdapter ? SMALL : FULL;
  if (spec === 'full') return FULL;
  if (spec === 'small') return SMALL;
  return spec.split(',').map((s) => s.replace(/^\dd:/, '').split('x').map(Number));
}
const shapes = parseSizes(value('--sizes'));
// Runs of items per invocation (--runs, default 1,2,4,8), each timed in a context of its own.
const RUNS = (value('--runs') ?? '1,2,4,8').split(',').filter(Boolean).map(Number);
const runContexts = await Promise.all(RUNS.map((run) => createGradient({ device, runs: { scalar: run, vec4: run } })));
const R = Number(value('--repeat', cpuAdapter ? 3 : 50));
const TRIALS = cpuAdapter ? 2 : 5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
const sizeOf = (shape) => shape.reduce((p, n) => p * n, 1);

const { timeQueued, timePasses, vec4Pass, benchPipeline, copyKernel } = gpuTiming(device, { cpuAdapter, hasTimestamps, R, TRIALS });

// gradient-then-hypot's second pass: √(Σ_k g_k²) from the stacked gradient (D slabs) into `out`.
function hypotKernel(stacked, out, n, slab, D) {
  return vec4Pass(
    benchPipeline(`
    @group(0) @binding(0) var<storage, read> g: array<vec4<f32>>;
    @group(0) @binding(1) var<storage, read_write> o: array<vec4<f32>>;
    @compute @workgroup_size(256) fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
      let i = id.x + id.y * nw.x * 256u;
      if (i >= ${Math.ceil(n / 4)}u) { return; } // the last group may hold up to 3 elements of padding
      var s = vec4<f32>(0.0);
      for (var k = 0u; k < ${D}u; k++) { let v = g[i + k * ${slab / 4}u]; s += v * v; }
      o[i] = sqrt(s);
    }`),
    stacked,
    out,
    n,
  );
}

function randomData(n, seed = 1) {
  const data = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32) * 8 - 4 + Math.sin(i * 1e-3);
  }
  return data;
}

function uploadBuffer(data) {
  const buffer = device.createBuffer({ size: Math.ceil(data.byteLength / 16) * 16, usage: STORAGE | COPY_DST | COPY_SRC });
  for (let at = 0; at < data.byteLength; at += 64 * 2 ** 20) {
    device.queue.writeBuffer(buffer, at, data.buffer, data.byteOffset + at, Math.min(64 * 2 ** 20, data.byteLength - at));
  }
  return buffer;
}

async function readFloats(buffer, byteOffset, count) {
  const staging = device.createBuffer({ size: count * 4, usage: MAP_READ | COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, byteOffset, staging, 0, count * 4);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(1);
  const out = new Float32Array(staging.getMappedRange()).slice();
  staging.destroy();
  return out;
}

/** numpy's formula at one element (uniform unit steps), float64. */
function referenceAt(data, shape, axis, edgeOrder, e) {
  const strides = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
  const s = strides[axis],
    n = shape[axis],
    i = Math.floor(e / s) % n;
  const f = (j) => data[e + (j - i) * s];
  if (i > 0 && i < n - 1) return (f(i + 1) - f(i - 1)) / 2;
  if (edgeOrder === 1) return i === 0 ? f(1) - f(0) : f(n - 1) - f(n - 2);
  return i === 0 ? -1.5 * f(0) + 2 * f(1) - 0.5 * f(2) : 0.5 * f(n - 3) - 2 * f(n - 2) + 1.5 * f(n - 1);
}

/** Largest error over sampled points (edges included) relative to the f32 bound ε·(|ref| + max|f|·2). */
function sampledError(data, shape, edgeOrder, outputs) {
  const n = data.length;
  let worst = 0,
    s = 12345;
  const points = [0, 1, 2, n - 1, n - 2, n - 3];
  for (let t = 0; t < 20000; t++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    points.push(s % n);
  }
  for (let k = 0; k < shape.length; k++) {
    for (const e of points) {
      const ref = referenceAt(data, shape, k, edgeOrder, e);
      const err = Math.abs(outputs[k][e] - ref) / (2 ** -23 * (Math.abs(ref) + 5 * 2));
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

/**
 * Correctness before timing: poison the output, run `ctx`'s kernel once, and return the largest sampled
 * error against the float64 reference (in units of the f32 bound).
 */
async function checkedError(ctx, options, stacked, data) {
  const poison = device.createCommandEncoder();
  poison.clearBuffer(stacked);
  device.queue.submit([poison.finish()]);
  const { input, ...rest } = options;
  const record = await kernelRecorder(ctx, rest);
  const enc = device.createCommandEncoder();
  const release = await record(enc, { input, output: stacked });
  device.queue.submit([enc.finish()]);
  release?.();
  const slabBytes = ctx.outputLayout(rest).slabBytes;
  const outs = [];
  for (let k = 0; k < options.shape.length; k++) outs.push(await readFloats(stacked, k * slabBytes, data.length));
  return sampledError(data, options.shape, options.edgeOrder, outs);
}

const rows = [];
const uploadFigures = {};
const sweep = [];
let huge = null;

// The JSON report is rewritten after every shape, so a run cut short by a time limit on a lent GPU
// machine still leaves the figures it got (`complete: false`).
const jsonPath = value('--json');
const { writeFileSync } = await import('node:fs');
function writeReport(complete) {
  if (!jsonPath) return;
  writeFileSync(
    jsonPath,
    JSON.stringify(
      {
        adapter: adapterName,
        timestamps: hasTimestamps,
        limits: requiredLimits,
        node: process.version,
        repeats: R,
        complete,
        rows,
        upload: uploadFigures,
        workgroupSweep: sweep,
        huge,
        others: others.map((o) => o.label),
      },
      null,
      2,
    ),
  );
}

for (const shape of shapes) {
  const n = sizeOf(shape),
    D = shape.length;
  const data = randomData(n);
  const input = uploadBuffer(data);
  const layout = g.outputLayout({ shape });
  const stacked = device.createBuffer({ size: layout.totalBytes, usage: STORAGE | COPY_SRC | COPY_DST });
  const separate = shape.map(() => device.createBuffer({ size: Math.ceil((n * 4) / 16) * 16, usage: STORAGE | COPY_SRC }));
  const bytes = 4 * n * (1 + D);
  const copyBytes = Math.ceil(bytes / 2 / 16) * 16;
  let copySrc = null,
    copyDst = null;
  try {
    copySrc = device.createBuffer({ size: copyBytes, usage: COPY_SRC | COPY_DST | STORAGE });
    copyDst = device.createBuffer({ size: copyBytes, usage: COPY_SRC | COPY_DST | STORAGE });
  } catch {
    /* too large for one buffer: no copy floor */
  }
  const copySeconds = copySrc
    ? await timeQueued((enc) => {
        enc.copyBufferToBuffer(copySrc, 0, copyDst, 0, copyBytes);
      })
    : NaN;
  const fitsBinding = copyBytes <= adapter.limits.maxStorageBufferBindingSize;
  const copyKernelRun = copySrc && fitsBinding ? copyKernel(copySrc, copyDst, copyBytes) : null;
  const copyKernelSeconds = copyKernelRun
    ? await timeQueued((enc) => {
        copyKernelRun(enc);
      })
    : NaN;
  const copyKernelTs = copyKernelRun
    ? await timePasses((enc, ts) => {
        copyKernelRun(enc, ts);
      })
    : NaN;

  for (const edgeOrder of [1, 2]) {
    const options = { input, shape, edgeOrder };
    const error = await checkedError(g, options, stacked, data);
    const gradient = await kernelRecorder(g, { shape, edgeOrder });
    const onePass = await timeQueued((e) => gradient(e, { input, output: stacked }));
    const onePassTs = await timePasses((e, timestampWrites) => gradient(e, { input, output: stacked }, timestampWrites));
    const otherTs = {};
    for (const { label, g: other } of others) {
      if (!((await checkedError(other, options, stacked, data)) < 8)) throw new Error(`${label} gives wrong results on ${shape}`);
      const otherGradient = await kernelRecorder(other, { shape, edgeOrder });
      otherTs[label] = 1e3 * (await timePasses((e, timestampWrites) => otherGradient(e, { input, output: stacked }, timestampWrites)));
    }
    // Runs of items per invocation, each checked before it is timed.
    const runTimestampMs = {};
    for (const ctx of runContexts) {
      const run = ctx.limits.runs.scalar;
      if (!((await checkedError(ctx, options, stacked, data)) < 4)) throw new Error(`runs of ${run} give wrong results on ${shape}`);
      const kernel = await kernelRecorder(ctx, { shape, edgeOrder });
      runTimestampMs[run] = 1e3 * (await timePasses((e, timestampWrites) => kernel(e, { input, output: stacked }, timestampWrites)));
    }
    const perAxis = D > 1 ? await timeQueued((e) => gradient(e, { input, outputs: separate })) : onePass;
    // Fused magnitude (reads n, writes n) against gradient then hypot (writes D·n, reads it back, writes n).
    const fused = await kernelRecorder(g, { shape, edgeOrder, derived: 'magnitude' });
    const magnitude = await timeQueued((e) => fused(e, { input, output: stacked }));
    // The Laplacian (reads n, writes n, the compact stencil per axis), and the gradient with per-axis
    // boundaries (periodic on the even axes, numpy's edges on the others), on the same buffers.
    const laplacianKernel = await kernelRecorder(g, { shape, derived: 'laplacian' });
    const laplacian = await timeQueued((e) => laplacianKernel(e, { input, output: stacked }));
    const mixedKernel = await kernelRecorder(g, { shape, edgeOrder, boundary: shape.map((_, d) => (d % 2 === 0 ? 'periodic' : 'edge')) });
    const mixedBoundaries = await timeQueued((e) => mixedKernel(e, { input, output: stacked }));
    // Ghost boundary modes (mirror on every axis; constant before and numpy's edge after) and gaps
    // skipped (the data has none: the kernel's cost, not the data's), on the same buffers.
    const ghostKernel = await kernelRecorder(g, { shape, edgeOrder, boundary: 'mirror' });
    const ghost = await timeQueued((e) => ghostKernel(e, { input, output: stacked }));
    const constantKernel = await kernelRecorder(g, { shape, edgeOrder, boundary: shape.map(() => ['constant', 'edge']), cval: 1 });
    const constantEdge = await timeQueued((e) => constantKernel(e, { input, output: stacked }));
    const skipKernel = await kernelRecorder(g, { shape, edgeOrder, invalid: 'skip' });
    const skip = await timeQueued((e) => skipKernel(e, { input, output: stacked }));
    // A 2-D curvilinear grid, metric terms prepared (f 4 + metrics 16 + outputs 8 bytes a point, against
    // the gradient's 12): its ratio is to the copy floor of those bytes. Builds without grids skip it.
    let curvilinear = NaN;
    if (D === 2 && n <= 2 ** 24 && !flag('--no-grids')) {
      const cols0 = shape[1];
      const X = new Float64Array(n),
        Y = new Float64Array(n);
      for (let p = 0; p < n; p++) {
        const i = Math.floor(p / cols0),
          j = p % cols0;
        X[p] = i + 0.1 * Math.sin(j * 0.01);
        Y[p] = j + 0.1 * Math.sin(i * 0.01);
      }
      const curvilinearKernel = await kernelRecorder(g, { shape, edgeOrder, coordinates: [X, Y] }).catch(() => null);
      if (curvilinearKernel) curvilinear = await timeQueued((e) => curvilinearKernel(e, { input, output: stacked }));
    }
    const hypotRun = hypotKernel(stacked, separate[0], n, layout.slabBytes / 4, D);
    const gradientThenHypot = await timeQueued(async (e) => {
      const release = await gradient(e, { input, output: stacked });
      hypotRun(e);
      return release;
    });

    const e2e = [];
    for (let t = 0; t < (cpuAdapter ? 2 : 3); t++) {
      const t0 = performance.now();
      await g.gradient(data, { shape, edgeOrder });
      e2e.push((performance.now() - t0) / 1e3);
    }
    let cpuSeconds = NaN;
    if (!flag('--no-cpu') && (n <= 2 ** 26 || flag('--cpu-all'))) {
      const t0 = performance.now();
      cpuGradient(data, { shape, edgeOrder });
      cpuSeconds = (performance.now() - t0) / 1e3;
    }
    const row = {
      shape: shape.join('x'),
      n,
      axes: D,
      edgeOrder,
      bytes,
      kernelMs: onePass * 1e3,
      kernelTimestampMs: onePassTs * 1e3,
      perAxisMs: perAxis * 1e3,
      copyMs: copySeconds * 1e3,
      gbps: bytes / onePass / 1e9,
      copyGbps: bytes / copySeconds / 1e9,
      ratioToCopy: onePass / copySeconds,
      copyKernelMs: copyKernelSeconds * 1e3,
      copyKernelTimestampMs: copyKernelTs * 1e3,
      ratioToCopyKernel: onePassTs / copyKernelTs,
      endToEndMs: median(e2e) * 1e3,
      cpuMs: cpuSeconds * 1e3,
      sampledErrorInEps: error,
      magnitudeMs: magnitude * 1e3,
      laplacianMs: laplacian * 1e3,
      mixedBoundariesMs: mixedBoundaries * 1e3,
      ghostMirrorMs: ghost * 1e3,
      ghostConstantEdgeMs: constantEdge * 1e3,
      skipMs: skip * 1e3,
      ghostRatio: ghost / onePass,
      skipRatio: skip / onePass,
      curvilinearMs: curvilinear * 1e3,
      curvilinearToCopyFloor: curvilinear / (copySeconds * (28 / 12)),
      gradientThenHypotMs: gradientThenHypot * 1e3,
      othersTimestampMs: otherTs,
      runTimestampMs,
    };
    rows.push(row);
    console.error(
      `done ${row.shape} e${edgeOrder}: ${row.kernelMs.toFixed(3)} ms (copy ${row.copyMs.toFixed(3)} ms; ` +
        `mirror ${row.ghostRatio.toFixed(2)}x, constant/edge ${(constantEdge / onePass).toFixed(2)}x, skip ${row.skipRatio.toFixed(2)}x` +
        `${Number.isFinite(curvilinear) ? `; curvilinear ${row.curvilinearMs.toFixed(3)} ms, ${row.curvilinearToCopyFloor.toFixed(2)}x its copy floor` : ''})`,
    );
  }
  for (const b of [input, stacked, ...separate, copySrc, copyDst]) b?.destroy();
  writeReport(false);
}

// Upload paths, on the largest 2-D shape: writeBuffer, a new mappedAtCreation buffer, a pooled MAP_WRITE staging buffer.
{
  const shape = shapes.filter((s) => s.length === 2).pop() ?? shapes[0];
  const data = randomData(sizeOf(shape));
  const size = Math.ceil(data.byteLength / 16) * 16;
  const target = device.createBuffer({ size, usage: STORAGE | COPY_DST });
  const staging = device.createBuffer({ size, usage: MAP_WRITE | COPY_SRC });
  const timeIt = async (fn) => {
    const ts = [];
    for (let t = 0; t < 4; t++) {
      const t0 = performance.now();
      await fn();
      ts.push(performance.now() - t0);
    }
    return median(ts.slice(1));
  };
  uploadFigures.shape = shape.join('x');
  uploadFigures.bytes = data.byteLength;
  uploadFigures.writeBufferMs = await timeIt(async () => {
    device.queue.writeBuffer(target, 0, data);
    await device.queue.onSubmittedWorkDone();
  });
  uploadFigures.mappedAtCreationMs = await timeIt(async () => {
    const b = device.createBuffer({ size, usage: STORAGE, mappedAtCreation: true });
    new Float32Array(b.getMappedRange(), 0, data.length).set(data);
    b.unmap();
    await device.queue.onSubmittedWorkDone();
    b.destroy();
  });
  uploadFigures.pooledStagingMs = await timeIt(async () => {
    await staging.mapAsync(MAP_WRITE);
    new Float32Array(staging.getMappedRange(), 0, data.length).set(data);
    staging.unmap();
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(staging, 0, target, 0, size);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  });
  target.destroy();
  staging.destroy();
}

// Workgroup size sweep, per rank: the largest shape of each rank, edge order 1, every power of two from
// 64 up to the device's limit (the library uses 256; GradientContextOptions.workgroupSize overrides it).
const maxWorkgroup = Math.min(device.limits.maxComputeInvocationsPerWorkgroup, device.limits.maxComputeWorkgroupSizeX);
for (const rank of [...new Set(shapes.map((s) => s.length))].sort()) {
  const shape = shapes.filter((s) => s.length === rank).pop();
  const n = sizeOf(shape);
  const input = uploadBuffer(randomData(n));
  for (let wg = 64; wg <= maxWorkgroup; wg *= 2) {
    const ctx = await createGradient({ device, workgroupSize: wg });
    const out = device.createBuffer({ size: ctx.outputLayout({ shape }).totalBytes, usage: STORAGE | COPY_SRC });
    const record = await kernelRecorder(ctx, { shape });
    const t = await timeQueued((e) => record(e, { input, output: out }));
    const ts = await timePasses((e, timestampWrites) => record(e, { input, output: out }, timestampWrites));
    sweep.push({ workgroupSize: wg, shape: shape.join('x'), kernelMs: t * 1e3, kernelTimestampMs: ts * 1e3 });
    out.destroy();
    ctx.destroy();
  }
  input.destroy();
}

// Beyond one binding: an array larger than 2 GiB, checked at sampled points.
if (flag('--huge')) {
  const shape = [24576, 24576];
  const n = sizeOf(shape);
  try {
    const data = randomData(n, 7);
    const t0 = performance.now();
    const outs = await g.gradient(data, { shape });
    const seconds = (performance.now() - t0) / 1e3;
    huge = { shape: shape.join('x'), inputBytes: n * 4, endToEndS: seconds, sampledErrorInEps: sampledError(data, shape, 1, outs) };
  } catch (e) {
    huge = { shape: shape.join('x'), error: String(e?.message ?? e) };
  }
}

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
console.log(
  `adapter: ${adapterName}; timestamps: ${hasTimestamps}; repeats: ${R}; maxStorageBufferBindingSize ${adapter.limits.maxStorageBufferBindingSize}, maxBufferSize ${adapter.limits.maxBufferSize}`,
);
console.log(
  [
    'shape',
    'eo',
    'kernel ms',
    'pass ts ms',
    'per-axis ms',
    'GB/s',
    'copyB2B ms',
    'B2B GB/s',
    'kernel/B2B',
    'copy-kern ms',
    'kernel/ck',
    'e2e ms',
    'cpu ms',
    'err/eps',
  ]
    .map((h, i) => (i < 2 ? h.padEnd(i ? 3 : 14) : h.padStart(12)))
    .join(''),
);
for (const r of rows) {
  console.log(
    [
      r.shape.padEnd(14),
      String(r.edgeOrder).padEnd(3),
      fmt(r.kernelMs),
      fmt(r.kernelTimestampMs),
      fmt(r.perAxisMs),
      fmt(r.gbps, 0),
      fmt(r.copyMs),
      fmt(r.copyGbps, 0),
      fmt(r.ratioToCopy, 2),
      fmt(r.copyKernelTimestampMs),
      fmt(r.ratioToCopyKernel, 2),
      fmt(r.endToEndMs, 1),
      fmt(r.cpuMs, 0),
      fmt(r.sampledErrorInEps, 2),
    ]
      .map((c, i) => (i < 2 ? c : c.padStart(12)))
      .join(''),
  );
}
console.log(
  `upload ${uploadFigures.shape} (${(uploadFigures.bytes / 2 ** 20).toFixed(0)} MiB): writeBuffer ${fmt(uploadFigures.writeBufferMs, 1)} ms, mappedAtCreation ${fmt(uploadFigures.mappedAtCreationMs, 1)} ms, pooled staging ${fmt(uploadFigures.pooledStagingMs, 1)} ms`,
);
for (const shape of new Set(sweep.map((s) => s.shape))) {
  const these = sweep.filter((s) => s.shape === shape);
  console.log(
    `workgroup sweep ${shape} (queued / pass ms): ${these.map((s) => `${s.workgroupSize}: ${fmt(s.kernelMs)} / ${fmt(s.kernelTimestampMs)}`).join(', ')}`,
  );
}
console.log('fused magnitude vs gradient then hypot (edge order 1):');
for (const r of rows.filter((row) => row.edgeOrder === 1)) {
  console.log(
    `  ${r.shape.padEnd(14)} magnitude ${fmt(r.magnitudeMs)} ms, gradient ${fmt(r.kernelMs)} ms, gradient+hypot ${fmt(r.gradientThenHypotMs)} ms; bytes fused/gradient ${(2 / (1 + r.axes)).toFixed(2)}`,
  );
}
console.log('Laplacian (one pass, bytes as magnitude) and the gradient with per-axis boundaries (periodic on even axes), queued ms:');
for (const r of rows) {
  console.log(
    `  ${r.shape.padEnd(14)} e${r.edgeOrder}: laplacian ${fmt(r.laplacianMs)}, magnitude ${fmt(r.magnitudeMs)}; gradient all edges ${fmt(r.kernelMs)}, per-axis boundaries ${fmt(r.mixedBoundariesMs)}`,
  );
}
for (const { label } of others) {
  console.log(`one-pass kernel, this build vs ${label} (pass timestamps):`);
  for (const r of rows) {
    const that = r.othersTimestampMs[label];
    console.log(
      `  ${r.shape.padEnd(14)} e${r.edgeOrder} ${fmt(r.kernelTimestampMs)} ms vs ${fmt(that)} ms (this ÷ that ${fmt(r.kernelTimestampMs / that, 2)})`,
    );
  }
}
console.log(
  'items per invocation (runs; elements in the scalar layout, groups of four in vec4): pass ms (÷ the WGSL copy kernel of its bytes)',
);
for (const r of rows) {
  const cells = Object.entries(r.runTimestampMs).map(([run, ms]) => `${run}: ${fmt(ms)} (${fmt(ms / r.copyKernelTimestampMs, 2)})`);
  console.log(`  ${r.shape.padEnd(14)} e${r.edgeOrder} ${cells.join(', ')}`);
}
if (huge) console.log(`huge: ${JSON.stringify(huge)}`);

writeReport(true);
for (const ctx of runContexts) ctx.destroy();
g.destroy();
device.destroy();
