// float16 storage against float32 on the same GPU in one run: the gradient kernel reading halves and
// writing halves (`dtype: 'float16'`, `outputType: 'float16'`), the mixed variants, and the float32 kernel,
// each next to a WGSL vec4 copy kernel moving the same bytes (its floor). Per-pass GPU timestamps, every
// pass submitted right behind a warm-up (bench/gpu-timing.js). The halves' results are checked against
// the float32 kernel's on the same values: within float16 rounding (2^-11 relative) plus the float32 bound.
//
//   node bench/half.mjs [--sizes 2d:8192x8192,2d:4096x4096] [--json FILE] [--repeat R] [--compare DIR,DIR]
//                       [--runs 2,4]
//
// --compare also times the float16 variants of other builds (DIR/index.js) on the same buffers; --runs
// times them in this build with runs of that many groups of four per invocation (context option `runs`,
// vec4 and vec4Float16; issue 26, target 2), default 2 and 4 ('' for none).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from 'webgpu';
import { createGradient } from '../dist/index.js';
import { value } from './args.mjs';
import { gpuTiming } from './gpu-timing.js';

const STORAGE = 0x80,
  COPY_SRC = 0x04,
  COPY_DST = 0x08,
  MAP_READ = 0x01;

const gpu = create(['disable-dawn-features=timestamp_quantization']);
// Dawn crashes (segfault, or a futex/mutex abort) if this object is collected while its device lives, and V8
// collects a module constant that is never read again: measured on SwiftShader, the bench died at 256² once
// the CPU was busy for 10 ms (computing a grid's metric terms). Held on globalThis for the whole run.
globalThis.__webgpuGradientDawn = gpu;
globalThis.dawn = gpu; // Dawn's instance must outlive every call
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const info = adapter.info;
const adapterName = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.replace(/\s+/g, ' ').trim();
const cpuAdapter = /swiftshader|llvmpipe|lavapipe|cpu/i.test(adapterName);
const hasTimestamps = adapter.features.has('timestamp-query');
const requiredLimits = Object.fromEntries(['maxStorageBufferBindingSize', 'maxBufferSize'].map((n) => [n, adapter.limits[n]]));
const device = await adapter.requestDevice({ requiredFeatures: hasTimestamps ? ['timestamp-query'] : [], requiredLimits });
const builds = [{ label: 'this build', g: await createGradient({ device }) }];
for (const run of (value('--runs') ?? '2,4').split(',').filter(Boolean).map(Number)) {
  builds.push({ label: `runs of ${run}`, g: await createGradient({ device, runs: { vec4: run, vec4Float16: run } }) });
}
for (const dir of (value('--compare') ?? '').split(',').filter(Boolean)) {
  const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  builds.push({ label: dir, g: await lib.createGradient({ device }) });
}
const R = Number(value('--repeat', cpuAdapter ? 3 : 50));
const { timePasses, copyKernel } = gpuTiming(device, { cpuAdapter, hasTimestamps, R, TRIALS: cpuAdapter ? 2 : 5 });
const shapes = (value('--sizes') ?? (cpuAdapter ? '2d:512x512' : '2d:8192x8192,2d:4096x4096'))
  .split(',')
  .map((s) => s.replace(/^\dd:/, '').split('x').map(Number));

/** Value of float16 bits (IEEE 754 binary16). */
const halfValue = (h) => {
  const e = (h >> 10) & 31,
    f = h & 1023,
    s = h & 0x8000 ? -1 : 1;
  return e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? Number.NaN : s * Number.POSITIVE_INFINITY) : s * (1 + f / 1024) * 2 ** (e - 15);
};

const buffer = (bytes, usage = STORAGE | COPY_SRC | COPY_DST) => device.createBuffer({ size: Math.ceil(bytes / 16) * 16, usage });
async function readBack(src, bytes) {
  const read = buffer(bytes, MAP_READ | COPY_DST);
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(src, 0, read, 0, read.size);
  device.queue.submit([encoder.finish()]);
  await read.mapAsync(MAP_READ);
  const copy = read.getMappedRange().slice(0);
  read.unmap();
  read.destroy();
  return copy;
}

// Each shape's rows are printed, and the JSON report rewritten, as soon as they are measured, so that a
// run cut short by a time limit on a lent GPU keeps what it got (`complete: false`).
const json = value('--json');
function writeReport(complete) {
  if (json) writeFileSync(json, JSON.stringify({ adapter: adapterName, repeat: R, complete, rows }, null, 2));
}
function printRow(r) {
  const base = r.variants['f32 → f32'].passMs;
  for (const [name, v] of Object.entries(r.variants)) {
    console.log(
      `${r.shape.padEnd(11)} ${name}: ${v.passMs.toFixed(3)} ms (${(v.bytes / 2 ** 20).toFixed(0)} MiB, ${v.gbps.toFixed(0)} GB/s), ` +
        `copy ${v.copyMs.toFixed(3)} ms, ÷ copy ${v.ratioToCopy.toFixed(2)}, ÷ f32 kernel ${(v.passMs / base).toFixed(2)}`,
    );
  }
  const errors = Object.entries(r.worstHalfError).map(([name, e]) => `${name} ${e.toFixed(2)}`);
  console.log(`${r.shape.padEnd(11)} worst float16 error, of the bound (2^-11 relative and the float32 bound): ${errors.join('; ')}`);
}

console.log(`adapter: ${adapterName}; per-pass GPU time, median of ${R}; copy: a WGSL vec4 copy kernel moving the same bytes`);
const rows = [];
for (const shape of shapes) {
  const n = shape.reduce((p, x) => p * x, 1);
  const D = shape.length;
  // Random halves between 1/4 and 4 in magnitude (exponents 13..16), and the same values as float32.
  const bits = new Uint16Array(n);
  const values = new Float32Array(n);
  for (let i = 0, s = 7; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    bits[i] = ((s >>> 31) << 15) | ((13 + ((s >>> 10) & 3)) << 10) | (s & 1023);
    values[i] = halfValue(bits[i]);
  }
  const in16 = buffer(2 * n),
    in32 = buffer(4 * n);
  device.queue.writeBuffer(in16, 0, bits);
  for (let at = 0; at < n; at += 2 ** 24) device.queue.writeBuffer(in32, at * 4, values, at, Math.min(2 ** 24, n - at));
  const row = { shape: shape.join('x'), variants: {} };
  const outputs = {};
  const variants = [
    ['f32 → f32', 'float32', 'float32', builds[0]],
    ['f16 → f16', 'float16', 'float16', builds[0]],
    ['f16 → f32', 'float16', 'float32', builds[0]],
    ['f32 → f16', 'float32', 'float16', builds[0]],
    ...builds.slice(1).flatMap((b) => [
      [`f16 → f16 (${b.label})`, 'float16', 'float16', b],
      [`f16 → f32 (${b.label})`, 'float16', 'float32', b],
      [`f32 → f16 (${b.label})`, 'float32', 'float16', b],
    ]),
  ];
  for (const [name, dtype, outputType, build] of variants) {
    const kernel = await build.g.prepare({ shape, dtype, outputType });
    const out = buffer(kernel.outputLayout.totalBytes);
    const input = dtype === 'float16' ? in16 : in32;
    const passMs = 1e3 * (await timePasses((encoder, timestampWrites) => kernel.encode(encoder, { input, output: out, timestampWrites })));
    // The floor: a vec4 copy moving as many bytes as the kernel reads and writes.
    const bytes = n * ((dtype === 'float16' ? 2 : 4) + D * (outputType === 'float16' ? 2 : 4));
    const copySrc = buffer(bytes / 2),
      copyDst = buffer(bytes / 2);
    const copyMs = 1e3 * (await timePasses(copyKernel(copySrc, copyDst, Math.ceil(bytes / 2 / 16) * 16)));
    outputs[name] = { data: await readBack(out, kernel.outputLayout.totalBytes), slab: kernel.outputLayout.slabBytes, outputType };
    row.variants[name] = { passMs, copyMs, bytes, ratioToCopy: passMs / copyMs, gbps: bytes / passMs / 1e6 };
    for (const b of [out, copySrc, copyDst]) b.destroy();
    kernel.destroy();
  }
  // Halves against the float32 kernel on the same values, at sampled points.
  const f32 = outputs['f32 → f32'];
  row.worstHalfError = {};
  for (const [name, o] of Object.entries(outputs)) {
    if (o.outputType !== 'float16') continue;
    let worst = 0;
    for (let k = 0; k < D; k++) {
      const ref = new Float32Array(f32.data, k * f32.slab, n);
      const got = new Uint16Array(o.data, k * o.slab, n);
      for (let t = 0, x = 3; t < 20000; t++) {
        x = (x * 1664525 + 1013904223) >>> 0;
        const e = t < 2 ? [0, n - 1][t] : x % n;
        const err = Math.abs(halfValue(got[e]) - ref[e]) / (2 ** -11 * Math.abs(ref[e]) + 8 * 2 ** -23 * (Math.abs(ref[e]) + 4) + 2 ** -25);
        worst = Math.max(worst, Number.isNaN(err) ? Number.POSITIVE_INFINITY : err);
      }
    }
    row.worstHalfError[name] = worst;
  }
  rows.push(row);
  printRow(row);
  writeReport(false);
  in16.destroy();
  in32.destroy();
}

writeReport(true);
for (const b of builds) b.g.destroy();
process.exit(0);
