// Where a small call's host time goes in Dawn: every WebGPU method a sequential 64² float32 gpuGradient (with
// `out`) makes, timed around the method itself on the prototypes of Dawn's objects (the objects stay
// Dawn's own, so nothing else changes), beside the call's wall time and the library's own host CPU on a
// null device. A method's promise is not awaited here: mapAsync and popErrorScope count only what the call
// to them costs; the wait for the GPU and the map is in bench/latency.mjs.
//
//   node bench/dawn-calls.mjs [--calls N] [--warm W] [--null-calls M] [--shape 64x64] [--dist DIR]
//
// --null-calls: calls of warm-up, then of timing, on the null device (5,000 each by default).
//
// Clock reads around each method add about 0.1 µs to it (two performance.now() calls).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { value } from './args.mjs';
import { nodeDevice } from './node-device.mjs';
import { limitsOf, nullDevice } from './null-device.mjs';

const CALLS = Number(value('--calls', 2000));
const WARM = Number(value('--warm', 500));
const NULL_CALLS = Number(value('--null-calls', 5000));
const shape = value('--shape', '64x64').split('x').map(Number);
const lib = await import(pathToFileURL(resolve(value('--dist', 'dist'), 'index.js')).href);
const { adapter, device } = await nodeDevice();

const n = shape.reduce((p, x) => p * x, 1);
const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01));
const out = shape.map(() => new Float32Array(n));

/** µs a sequential call takes, through `ctx`. */
async function perCall(ctx, calls) {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await ctx.gradient(data, { shape, out });
  return ((performance.now() - t0) / calls) * 1000;
}

// The library's own host CPU: the same calls on a null device.
const nullCtx = await lib.createGradient({ device: nullDevice(limitsOf(device)) });
// (5,000 calls of warm-up first: after 500 the library is not yet optimised, and took 20 µs here, not 4.)
await perCall(nullCtx, NULL_CALLS);
const libraryUs = await perCall(nullCtx, NULL_CALLS);
nullCtx.destroy();

const ctx = await lib.createGradient({ device });
await perCall(ctx, WARM);
const plainUs = await perCall(ctx, CALLS);

// Every method of the objects a call touches, timed on their prototypes.
const encoder = device.createCommandEncoder();
const pass = encoder.beginComputePass();
pass.end();
encoder.finish();
const buffer = device.createBuffer({ size: 16, usage: 0x01 | 0x08 });
const objects = { device, queue: device.queue, encoder, pass, buffer };
const times = new Map();
const restore = [];
for (const [name, object] of Object.entries(objects)) {
  const proto = Object.getPrototypeOf(object);
  for (const key of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, key);
    if (key === 'constructor' || typeof d.value !== 'function') continue;
    const method = d.value;
    const label = `${name}.${key}`;
    const entry = { ms: 0, count: 0 };
    times.set(label, entry);
    proto[key] = function (...a) {
      const t0 = performance.now();
      try {
        return method.apply(this, a);
      } finally {
        entry.ms += performance.now() - t0;
        entry.count++;
      }
    };
    restore.push(() => {
      proto[key] = method;
    });
  }
}
await perCall(ctx, 50);
for (const e of times.values()) {
  e.ms = 0;
  e.count = 0;
}
const timedUs = await perCall(ctx, CALLS);
for (const r of restore) r();
const againUs = await perCall(ctx, CALLS);
ctx.destroy();
buffer.destroy();

const info = adapter.info;
console.log(
  `${`${info.vendor} ${info.architecture} ${info.device} ${info.description}`.replace(/\s+/g, ' ').trim()}, Node ${process.version}: ` +
    `sequential ${shape.join('×')} float32 calls with out, ${CALLS} timed after ${WARM}; µs per call`,
);
console.log(
  `call, untimed: ${plainUs.toFixed(1)} (again after the timed run: ${againUs.toFixed(1)}); with every Dawn method timed: ${timedUs.toFixed(1)}`,
);
console.log(`the library's own host CPU (null device): ${libraryUs.toFixed(1)}`);
let total = 0;
const rows = [...times].filter(([, e]) => e.count > 0).sort((a, b) => b[1].ms - a[1].ms);
for (const [label, e] of rows) {
  total += e.ms;
  console.log(`${((e.ms / CALLS) * 1000).toFixed(1).padStart(8)}  ${(e.count / CALLS).toFixed(2).padStart(5)}×  ${label}`);
}
console.log(`${((total / CALLS) * 1000).toFixed(1).padStart(8)}         Dawn methods in all`);
device.destroy();
