// What a small host call allocates and asks of the device, per call, in Node (Dawn; SwiftShader without a
// GPU): heap bytes from V8's sampling heap profiler with collected objects kept (every allocation,
// sampled every 256 bytes), split into the library's own functions (dist/core.js) and the rest (Node's
// timers and promises, Dawn's binding, builtins); and bind groups, buffers, queue writes, buffer-to-buffer
// copies and mapped ranges viewed per call.
// Sequential 64² float32 calls after a warm-up, with `out` and with fresh results, and bursts of concurrent calls with `out`.
//
//   node bench/alloc.mjs [--dist DIR] [--calls N] [--burst B] [--warm W] [--null] [--op OP] [--one-call] [--sites N]
//
// --op hessian | derivatives | adjoint | magnitude | divergence | image | view: that call instead of the
// gradient (2-D Hessian; derivatives [[2, 0], [1, 1]]; the gradient's adjoint of two components; the
// divergence of two; the gradient of a 64² ImageData frame; of a transposed view, gathered on the GPU),
// without `out`: fresh results only, sequential and in a burst.
//
// --warm W: sequential calls before measuring (300 by default, as in every figure before 2026-12-06's fifth
// session). After 300 calls the library is not yet fully optimised: on a null device the same build
// allocated 4.70 KB a sequential call after 300 and 3.62 after 10,000 (bench/NOTES.md, fifth session).
//
// --one-call: the one-call functions (gpuGradient, gpuHessian, ...) with `device` in their options,
// instead of a context's methods.
//
// --op encode: prepared 64² kernels recorded into a new encoder per call (finished, not submitted), as a
// render or simulation loop records them: a gradient kernel's encode, an image kernel's encode and draw,
// a prepared Hessian's encode. What the library allocates a record.
//
// --sites N: also the N functions that allocate most (self bytes a call, by function and line).
//
// --dist DIR measures another build (e.g. an older commit's dist) the same way, in the same run.
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { args, value } from './args.mjs';
import { nodeDevice } from './node-device.mjs';
import { countDeviceCalls, limitsOf, nullDevice } from './null-device.mjs';
import { programCalls } from './program-ops.mjs';

const CALLS = Number(value('--calls', 1000));
const BURST = Number(value('--burst', 1000));
const WARM = Number(value('--warm', 300));
const OP = value('--op', 'gradient');
const SITES = Number(value('--sites', 0));
const ONE_CALL = args.includes('--one-call');
const builds = [['this build', 'dist'], ...(value('--dist') ? [['--dist', value('--dist')]] : [])];

/**
 * The device with createBindGroup, createBuffer and queue.writeBuffer counted, and (through the classes'
 * prototypes) copyBufferToBuffer and getMappedRange.
 */
function counted(device) {
  const counts = { bindGroups: 0, buffers: 0, writes: 0, copies: 0, ranges: 0 };
  for (const [Class, method, key] of [
    [globalThis.GPUCommandEncoder, 'copyBufferToBuffer', 'copies'],
    [globalThis.GPUBuffer, 'getMappedRange', 'ranges'],
  ]) {
    const original = Class.prototype[method];
    Class.prototype[method] = function (...a) {
      counts[key]++;
      return original.apply(this, a);
    };
  }
  countDeviceCalls(device, counts);
  return counts;
}

/** Bytes and device calls per call: `mode` 'out' and 'fresh' are sequential calls, 'burst' calls BURST at once with `out`. */
async function measure(lib, device, counts, mode) {
  const ctx = await lib.createGradient({ device });
  const data = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
  const out = [new Float32Array(4096), new Float32Array(4096)];
  const outs = Array.from({ length: BURST }, () => [new Float32Array(4096), new Float32Array(4096)]);
  const calls = mode === 'burst' ? BURST * Math.max(1, Math.round(CALLS / BURST)) : CALLS;
  const shape = [64, 64];
  // The gradient's own call runs below with `out`; the others take none (fresh results).
  const device_ = ONE_CALL ? device : undefined;
  const program = OP === 'gradient' || OP === 'encode' ? undefined : programCalls(ctx, data, shape, [data, data], lib, device_)[OP];
  const prepared = OP === 'encode' ? await preparedRecord(ctx, device, mode) : null;
  const run = async (n) => {
    if (prepared) {
      for (let i = 0; i < n; i++) prepared();
    } else if (program && mode === 'burst') {
      for (let done = 0; done < n; done += BURST) await Promise.all(outs.map(() => program()));
    } else if (program) {
      for (let i = 0; i < n; i++) await program();
    } else if (mode === 'burst') {
      for (let done = 0; done < n; done += BURST)
        await Promise.all(
          outs.map((o) =>
            device_ ? lib.gpuGradient(data, { shape: [64, 64], out: o, device: device_ }) : ctx.gradient(data, { shape: [64, 64], out: o }),
          ),
        );
    } else {
      const options = { shape: [64, 64], ...(mode === 'out' && { out }), ...(device_ && { device: device_ }) };
      if (device_) for (let i = 0; i < n; i++) await lib.gpuGradient(data, options);
      else for (let i = 0; i < n; i++) await ctx.gradient(data, options);
    }
  };
  await run(mode === 'burst' ? 3 * BURST : prepared ? Math.max(WARM, 5000) : WARM);
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  const before = { ...counts };
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await run(calls);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  let total = 0;
  let own = 0;
  const sites = new Map();
  (function walk(node) {
    total += node.selfSize;
    if (/\/core\.js$/.test(node.callFrame.url)) own += node.selfSize;
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  })(profile.head);
  if (SITES > 0) {
    console.log(`  ${mode}: the ${SITES} functions allocating most, bytes a call`);
    for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, SITES))
      console.log(`    ${(bytes / calls).toFixed(0).padStart(6)}  ${site}`);
  }
  ctx.destroy();
  const per = (k) => ((counts[k] - before[k]) / calls).toFixed(2);
  return {
    total: total / calls,
    own: own / calls,
    bindGroups: per('bindGroups'),
    buffers: per('buffers'),
    writes: per('writes'),
    copies: per('copies'),
    ranges: per('ranges'),
  };
}

/**
 * One record of a prepared 64² kernel (`which`: a gradient kernel's encode, an image kernel's encode or
 * draw, a prepared Hessian's encode) on buffers and textures made once, into an encoder of its own, finished.
 */
async function preparedRecord(ctx, device, which) {
  const STORAGE = 0x80 | 0x8 | 0x4; // STORAGE | COPY_DST | COPY_SRC
  const buffer = (size) => device.createBuffer({ size, usage: STORAGE });
  const texture = (usage) => device.createTexture({ size: [64, 64], format: 'rgba8unorm', usage });
  const input = buffer(64 * 64 * 4);
  let record;
  if (which === 'kernel') {
    const kernel = await ctx.prepare({ shape: [64, 64] });
    const args = { input, output: buffer(kernel.outputLayout.totalBytes) };
    record = (e) => kernel.encode(e, args);
  } else if (which === 'hessian') {
    const hessian = await ctx.prepareDerivatives({ shape: [64, 64], hessian: true });
    const args = { input, output: buffer(hessian.layout.outputBytes) };
    record = (e) => hessian.encode(e, args);
  } else {
    const image = await ctx.prepareImage({ width: 64, height: 64 });
    const source = texture(0x4 | 0x2); // TEXTURE_BINDING | COPY_DST
    const args =
      which === 'image' ? { source, output: buffer(image.outputLayout.totalBytes) } : { source, target: texture(0x8 | 0x1), scale: 3 }; // STORAGE_BINDING | COPY_SRC
    record = which === 'image' ? (e) => image.encode(e, args) : (e) => image.draw(e, args);
  }
  return () => {
    const encoder = device.createCommandEncoder();
    record(encoder);
    encoder.finish();
  };
}

const { adapter, device: real } = await nodeDevice();
// --null: a null device with the real one's limits (bench/null-device.mjs): only the JavaScript's own
// allocations, without Dawn's binding and Node's timers around it (copies and mapped ranges are not counted there).
const NULL = args.includes('--null');
const device = NULL ? nullDevice(limitsOf(real)) : real;
const adapterName = [adapter.info?.vendor, adapter.info?.architecture, adapter.info?.description].filter(Boolean).join(' ') || 'adapter';
const counts = counted(device);
console.log(
  `bytes and device calls per 64² float32 ${OP === 'gradient' ? 'gradient' : OP === 'encode' ? "prepared record (each into an encoder of its own: a gradient kernel, an image kernel's encode and draw, a Hessian)" : `${OP} call (fresh results; burst without out)`}, ${CALLS} sequential calls (Node ${process.version}, ${NULL ? `a null device with the limits of ${adapterName}; copies and ranges not counted` : adapterName})`,
);
console.log(
  `${'build'.padEnd(14)}${'results'.padEnd(9)}${'heap B/call'.padStart(13)}${'library B'.padStart(11)}${'bind groups'.padStart(13)}${'buffers'.padStart(9)}${'writes'.padStart(8)}${'copies'.padStart(8)}${'ranges'.padStart(8)}`,
);
for (const [name, dir] of builds) {
  const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  for (const label of OP === 'gradient'
    ? ['out', 'fresh', 'burst']
    : OP === 'encode'
      ? ['kernel', 'image', 'draw', 'hessian']
      : ['fresh', 'burst']) {
    const r = await measure(lib, device, counts, label);
    console.log(
      `${name.padEnd(14)}${label.padEnd(9)}${r.total.toFixed(0).padStart(13)}${r.own.toFixed(0).padStart(11)}${r.bindGroups.padStart(13)}${r.buffers.padStart(9)}${r.writes.padStart(8)}${r.copies.padStart(8)}${r.ranges.padStart(8)}`,
    );
  }
}
console.log(
  `fresh results are 32,768 bytes of Float32Array per call (outside the V8 heap, not counted above); burst: ${BURST} concurrent calls with out at a time, per call.`,
);
real.destroy();
