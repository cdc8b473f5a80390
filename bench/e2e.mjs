// End to end in Node (Dawn), from host arrays to host arrays: gpuGradient with fresh outputs and with
// `out` (warm arrays reused), streamed in pieces (default chunkBytes) and in one piece, with its phases
// (stats().transfer); the floor measured in the same run — a bare round trip of the same bytes (the
// faster of queue.writeBuffer and mapped staging in; a copy into a MAP_READ buffer, the map and a copy
// into warm arrays out) and a host memcpy of the same bytes — and cpuGradient, side by side.
//
//   node bench/e2e.mjs [--sizes small|full|2d:4096x4096,3d:256x256x256] [--trials T] [--json FILE]
//                      [--compare DIR] [--no-cpu] [--chunks 4,16,64]
//
// --chunks times the `out` call with each chunkBytes (MiB) listed: the sweep that picks the default.
//
// Fresh host memory costs page faults (about 2.7 ms per MiB on the 2-core CI VM); starting Node with
// GLIBC_TUNABLES=glibc.malloc.hugetlb=1 gives it transparent huge pages as numpy has. The report says
// which was in effect.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuGradient, createGradient, describeAdapter } from '../dist/index.js';
import { flag, value } from './args.mjs';

const STORAGE = 0x80,
  COPY_SRC = 0x04,
  COPY_DST = 0x08,
  MAP_READ = 0x01,
  MAP_WRITE = 0x02;

const g = await createGradient();
const device = g.device;
const adapterName = describeAdapter({ info: device.adapterInfo ?? {} });
const cpuAdapter = /swiftshader|llvmpipe|lavapipe/i.test(adapterName);
const oneShot = await createGradient({ device, chunkBytes: 2 ** 52 }); // never streamed
const chunkSweep = await Promise.all(
  (value('--chunks', '4') ?? '')
    .split(',')
    .filter(Boolean)
    .map(async (mib) => ({ mib: Number(mib), ctx: await createGradient({ device, chunkBytes: Math.round(Number(mib) * 2 ** 20) }) })),
);
const compareDir = value('--compare');
const other = compareDir ? await (await import(pathToFileURL(resolve(compareDir, 'index.js')).href)).createGradient({ device }) : null;

const FULL = [
  [4096, 4096],
  [8192, 8192],
  [256, 256, 256],
  [512, 512, 512],
];
const SMALL = [
  [1024, 1024],
  [2048, 2048],
  [128, 128, 128],
];
const spec = value('--sizes');
const shapes = !spec
  ? cpuAdapter
    ? SMALL
    : FULL
  : spec === 'full'
    ? FULL
    : spec === 'small'
      ? SMALL
      : spec.split(',').map((s) => s.replace(/^\dd:/, '').split('x').map(Number));
const TRIALS = Number(value('--trials', cpuAdapter ? 3 : 5));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
const ms = async (fn) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};
const timed = async (fn) => {
  await fn();
  const ts = [];
  for (let t = 0; t < TRIALS; t++) ts.push(await ms(fn));
  return median(ts);
};

/** The bare round trip of `inBytes` up and `outBytes` down on warm buffers and arrays: { writeBuffer, staging } ms. */
async function floor(input, outBytes, warmOut) {
  const bytes = Math.ceil(input.byteLength / 16) * 16;
  const gpuIn = device.createBuffer({ size: bytes, usage: STORAGE | COPY_DST | COPY_SRC });
  const stage = device.createBuffer({ size: bytes, usage: MAP_WRITE | COPY_SRC });
  const gpuOut = device.createBuffer({ size: outBytes, usage: STORAGE | COPY_SRC | COPY_DST });
  const read = device.createBuffer({ size: outBytes, usage: MAP_READ | COPY_DST });
  const down = async (encoder) => {
    encoder.copyBufferToBuffer(gpuOut, 0, read, 0, outBytes);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(MAP_READ);
    const n = warmOut[0].length;
    warmOut.forEach((w, k) => {
      for (let at = 0; at < n; at += 2 ** 26)
        w.set(new Float32Array(read.getMappedRange((k * n + at) * 4, Math.min(2 ** 26, n - at) * 4)), at);
    });
    read.unmap();
  };
  const viaWriteBuffer = await timed(async () => {
    for (let at = 0; at < input.byteLength; at += 2 ** 28)
      device.queue.writeBuffer(gpuIn, at, input.buffer, input.byteOffset + at, Math.min(2 ** 28, input.byteLength - at));
    await down(device.createCommandEncoder());
  });
  await stage.mapAsync(MAP_WRITE);
  const viaStaging = await timed(async () => {
    if (stage.mapState !== 'mapped') await stage.mapAsync(MAP_WRITE);
    for (let at = 0; at < input.byteLength; at += 2 ** 28) {
      const n = Math.min(2 ** 28, input.byteLength - at);
      new Uint8Array(stage.getMappedRange(at, Math.ceil(n / 8) * 8)).set(new Uint8Array(input.buffer, input.byteOffset + at, n));
    }
    stage.unmap();
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(stage, 0, gpuIn, 0, bytes);
    await down(encoder);
    await stage.mapAsync(MAP_WRITE); // mapped again, as the library keeps its staging slots
  });
  for (const b of [gpuIn, stage, gpuOut, read]) b.destroy();
  return { writeBufferMs: viaWriteBuffer, stagingMs: viaStaging };
}

const phasesOf = (ctx, before) => {
  const t = ctx.stats().transfer;
  return {
    uploadMs: t.uploadMs - before.uploadMs,
    recordMs: t.recordMs - before.recordMs,
    waitMs: t.waitMs - before.waitMs,
    downloadMs: t.downloadMs - before.downloadMs,
    groups: t.groups - before.groups,
    jobs: t.jobs - before.jobs,
  };
};

const rows = [];
const jsonPath = value('--json');
const report = (complete) =>
  jsonPath &&
  writeFileSync(
    jsonPath,
    JSON.stringify(
      {
        adapter: adapterName,
        node: process.version,
        glibcTunables: process.env.GLIBC_TUNABLES ?? null,
        trials: TRIALS,
        complete,
        rows,
      },
      null,
      2,
    ),
  );

for (const shape of shapes) {
  const n = shape.reduce((p, x) => p * x, 1),
    D = shape.length;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.001) * ((i % 7) - 3);
  const options = { shape };
  const warm = shape.map(() => new Float32Array(n));
  const row = { shape: shape.join('x'), inputBytes: 4 * n, outputBytes: 4 * n * D };

  row.freshMs = await timed(() => g.gradient(data, options));
  const before = { ...g.stats().transfer };
  row.outMs = await timed(() => g.gradient(data, { ...options, out: warm }));
  const phases = phasesOf(g, before);
  row.phasesPerCall = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, v / (TRIALS + 1)]));
  row.oneShotOutMs = await timed(() => oneShot.gradient(data, { ...options, out: warm }));
  row.chunkOutMs = {};
  for (const { mib, ctx } of chunkSweep) row.chunkOutMs[mib] = await timed(() => ctx.gradient(data, { ...options, out: warm }));
  if (other) row.compareFreshMs = await timed(() => other.gradient(data, options));
  // The results checked against numpy's formula in float64 at sampled points (edges included), in
  // units of the float32 bound ε32·(|ref| + max|f|/h) with max|f| = 3 and h = 1.
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, x) => p * x, 1));
  let worst = 0;
  for (let t = 0, x = 7; t < 20000; t++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    const e = t < 4 ? [0, 1, n - 2, n - 1][t] : x % n;
    shape.forEach((len, k) => {
      const s = strides[k],
        i = Math.floor(e / s) % len;
      const ref = i === 0 ? data[e + s] - data[e] : i === len - 1 ? data[e] - data[e - s] : (data[e + s] - data[e - s]) / 2;
      worst = Math.max(worst, Math.abs(warm[k][e] - ref) / (2 ** -23 * (Math.abs(ref) + 3)));
    });
  }
  row.sampledErrorInEps = worst;
  const fl = await floor(data, 4 * n * D, warm);
  row.floorWriteBufferMs = fl.writeBufferMs;
  row.floorStagingMs = fl.stagingMs;
  row.floorMs = Math.min(fl.writeBufferMs, fl.stagingMs);
  const copyIn = new Float32Array(n),
    outSrc = shape.map(() => new Float32Array(n).fill(1));
  row.memcpyMs = await timed(() => {
    copyIn.set(data);
    warm.forEach((w, k) => w.set(outSrc[k]));
  });
  if (!flag('--no-cpu')) {
    row.cpuFreshMs = await timed(() => cpuGradient(data, options));
    const out64 = shape.map(() => new Float64Array(n));
    row.cpuOutMs = await timed(() => cpuGradient(data, { ...options, out: out64 }));
  }
  rows.push(row);
  report(false);
  console.error(`done ${row.shape}`);
}
report(true);

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
console.log(
  `adapter: ${adapterName}; node ${process.version}; GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? '(unset)'}; median of ${TRIALS} after a warm-up; ms`,
);
console.log(
  [
    'shape',
    'fresh',
    'out',
    'one piece',
    other ? 'compare' : '',
    'floor',
    '(wb/stage)',
    'memcpy',
    'out/floor',
    'cpu fresh',
    'cpu out',
    'fresh/cpu',
    'err/eps',
  ]
    .filter(Boolean)
    .map((h, i) => (i ? h.padStart(11) : h.padEnd(14)))
    .join(''),
);
for (const r of rows) {
  console.log(
    [
      r.shape.padEnd(14),
      f(r.freshMs),
      f(r.outMs),
      f(r.oneShotOutMs),
      ...(other ? [f(r.compareFreshMs)] : []),
      f(r.floorMs),
      `${f(r.floorWriteBufferMs, 0)}/${f(r.floorStagingMs, 0)}`,
      f(r.memcpyMs),
      f(r.outMs / r.floorMs, 2),
      f(r.cpuFreshMs),
      f(r.cpuOutMs),
      f(r.freshMs / r.cpuFreshMs, 2),
      f(r.sampledErrorInEps, 2),
    ]
      .map((c, i) => (i ? String(c).padStart(11) : c))
      .join(''),
  );
}
if (chunkSweep.length > 0) {
  console.log(`streamed with out, by chunkBytes (MiB ${chunkSweep.map((c) => c.mib).join(', ')}; default 64): ms`);
  for (const r of rows) console.log(`  ${r.shape.padEnd(14)} ${chunkSweep.map((c) => f(r.chunkOutMs[c.mib])).join(', ')}`);
}
console.log(
  'phases per call with out (ms): shape: upload (host → GPU), record + submit, wait (GPU and map), download (→ host); pieces / submits',
);
for (const r of rows) {
  const p = r.phasesPerCall;
  console.log(
    `  ${r.shape.padEnd(14)} ${f(p.uploadMs, 2)}, ${f(p.recordMs, 2)}, ${f(p.waitMs, 2)}, ${f(p.downloadMs, 2)}; ${f(p.jobs, 0)} / ${f(p.groups, 0)}`,
  );
}
g.destroy();
oneShot.destroy();
for (const { ctx } of chunkSweep) ctx.destroy();
process.exit(0);
