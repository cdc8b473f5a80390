// The copy out of mapped memory (Dawn in Node) against a memcpy of the same bytes, by run size: where the
// library's readback copy (src/gpu/mapped.ts, 256 MiB runs) falls short of a memcpy, is it the mapping's
// memory or the copy? (bench/NOTES.md, 2026-12-06.)   node bench/mapped-copy.mjs [--mib 256]
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create([]);
// Dawn crashes (segfault, or a futex/mutex abort) if this object is collected while its device lives, and V8
// collects a module constant that is never read again: measured on SwiftShader, the bench died at 256² once
// the CPU was busy for 10 ms (computing a grid's metric terms). Held on globalThis for the whole run.
globalThis.__webgpuGradientDawn = gpu;
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice({ requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize } });
const MB = 2 ** 20;
const mibArg = process.argv.indexOf('--mib');
const bytes = (mibArg >= 0 ? Number(process.argv[mibArg + 1]) : 256) * MB;
const src = device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const enc = device.createCommandEncoder();
enc.copyBufferToBuffer(src, 0, read, 0, bytes);
device.queue.submit([enc.finish()]);
await device.queue.onSubmittedWorkDone();
const host = new Float32Array(bytes / 4);
const plain = new Float32Array(bytes / 4);
host.fill(1);
plain.fill(2); // touch the pages first: fresh pages are what the VM is slow at
const med = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
// Each trial maps afresh (a range may be got once per mapping); only the copy is timed.
async function time(fn) {
  const t = [];
  for (let r = 0; r < 5; r++) {
    await read.mapAsync(GPUMapMode.READ);
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
    read.unmap();
  }
  return med(t);
}
const memcpyT = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  host.set(plain);
  memcpyT.push(performance.now() - t0);
}
const memcpy = med(memcpyT);
console.log(`adapter: ${adapter.info.vendor} ${adapter.info.description}`.trim());
console.log(`memcpy (TypedArray.set) ${bytes / MB} MiB: ${memcpy.toFixed(1)} ms = ${(bytes / memcpy / 1e6).toFixed(1)} GB/s`);
for (const run of [256, 64, 16, 4, 1].filter((r) => r * MB <= bytes)) {
  const ms = await time(() => {
    for (let at = 0; at < bytes; at += run * MB) host.set(new Float32Array(read.getMappedRange(at, run * MB)), at / 4);
  });
  console.log(
    `from the mapping in ${run} MiB runs: ${ms.toFixed(1)} ms = ${(bytes / ms / 1e6).toFixed(1)} GB/s (${(ms / memcpy).toFixed(2)}x memcpy)`,
  );
}
const fresh = await time(() => new Float32Array(bytes / 4).set(new Float32Array(read.getMappedRange(0, bytes))));
console.log(`into a fresh Float32Array (page faults included): ${fresh.toFixed(1)} ms (${(fresh / memcpy).toFixed(2)}x memcpy)`);
