// Per-call latency of small host-to-host calls, in any engine (Node, Deno, Bun, a browser page): a 64²
// float32 gpuGradient against a bare round trip of the same bytes (queue.writeBuffer of the input, a copy
// of the two outputs' bytes into a MAP_READ buffer, mapAsync, a copy into a warm array), the same round
// trip with the library's kernel recorded in it (the GPU work a call cannot avoid; on SwiftShader the
// kernel, run on the CPU, costs more than the copies), and 1,000 concurrent calls against 1,000
// sequential ones. Medians of repeated trials; measured side by side. The same for a 64² gpuHessian
// (the banded-operator kernel: one array up, three down), against the round trip with its prepared kernel.
import { defaultContextOf, kernelRecorder } from './record-kernel.js';

const MAP_READ = 0x01,
  COPY_SRC = 0x04,
  COPY_DST = 0x08,
  STORAGE = 0x80;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

/** A bare round trip of `inBytes` in and `outBytes` out on `device`, reusing its buffers between trips. */
function bareRoundTrip(device, inBytes, outBytes, kernel) {
  const src = device.createBuffer({ size: inBytes, usage: STORAGE | COPY_DST | COPY_SRC });
  const out = device.createBuffer({ size: outBytes + 256, usage: STORAGE | COPY_SRC | COPY_DST });
  const read = device.createBuffer({ size: outBytes, usage: MAP_READ | COPY_DST });
  const input = new Float32Array(inBytes / 4).fill(1),
    result = new Float32Array(outBytes / 4);
  return {
    async run() {
      device.queue.writeBuffer(src, 0, input);
      const e = device.createCommandEncoder();
      const release = kernel ? await kernel(e, src, out) : null;
      if (!kernel) e.copyBufferToBuffer(src, 0, out, 0, inBytes);
      e.copyBufferToBuffer(out, 0, read, 0, outBytes);
      device.queue.submit([e.finish()]);
      await read.mapAsync(1);
      result.set(new Float32Array(read.getMappedRange()));
      read.unmap();
      release?.();
    },
    destroy() {
      for (const b of [src, out, read]) b.destroy();
    },
  };
}

/** lib: the library module; the bare round trip runs on the device of its default context. Milliseconds. */
export async function measureLatency(lib, { side = 64, calls = 40, batch = 1000, trials = 3 } = {}) {
  const ctx = await defaultContextOf(lib).get();
  const device = ctx.device;
  const n = side * side;
  const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01));
  const options = { shape: [side, side] };
  const bare = bareRoundTrip(device, n * 4, 2 * n * 4);
  // The same round trip with the library's kernel recorded between the copies: the GPU work of a call.
  const record = await kernelRecorder(ctx, options);
  const withKernel = bareRoundTrip(device, n * 4, 2 * n * 4, (encoder, src, out) => record(encoder, { input: src, output: out }));
  for (let i = 0; i < 5; i++) {
    await bare.run();
    await withKernel.run();
    await lib.gpuGradient(data, options);
  } // warm-up
  const bareMs = [],
    kernelTripMs = [],
    callMs = [];
  const before = ctx.stats().transfer;
  for (let i = 0; i < calls; i++) {
    let t = performance.now();
    await bare.run();
    bareMs.push(performance.now() - t);
    t = performance.now();
    await withKernel.run();
    kernelTripMs.push(performance.now() - t);
    t = performance.now();
    await lib.gpuGradient(data, options);
    callMs.push(performance.now() - t);
  }
  const after = ctx.stats().transfer;
  const phases = after
    ? Object.fromEntries(['uploadMs', 'recordMs', 'waitMs', 'downloadMs'].map((k) => [k, (after[k] - before[k]) / calls]))
    : null;
  withKernel.destroy();
  // The same round trip while an empty command buffer is submitted every millisecond: engines whose
  // mapAsync waits for a poll (Firefox) resolve it at the next submit instead.
  const pokedMs = [];
  for (let i = 0; i < Math.min(calls, 20); i++) {
    const timer = setInterval(() => device.queue.submit([device.createCommandEncoder().finish()]), 1);
    const t = performance.now();
    await bare.run();
    pokedMs.push(performance.now() - t);
    clearInterval(timer);
  }
  bare.destroy();
  const gradientThroughput = await throughput(() => lib.gpuGradient(data, options), batch, trials);
  const hessian = await hessianLatency(lib, ctx, data, options, { calls, batch, trials });
  return {
    side,
    hessian,
    bareMs: median(bareMs),
    pokedBareMs: median(pokedMs),
    kernelTripMs: median(kernelTripMs),
    phases,
    callMs: median(callMs),
    callOverBare: median(callMs) / median(bareMs),
    ...gradientThroughput,
    batch,
  };
}

/** `batch` calls one after another against `batch` at once, medians of `trials`: milliseconds and their ratio. */
async function throughput(call, batch, trials) {
  const seq = [],
    conc = [];
  for (let t = 0; t < trials; t++) {
    let t0 = performance.now();
    for (let i = 0; i < batch; i++) await call();
    seq.push(performance.now() - t0);
    t0 = performance.now();
    await Promise.all(Array.from({ length: batch }, call));
    conc.push(performance.now() - t0);
  }
  return { sequentialMs: median(seq), concurrentMs: median(conc), concurrentSpeedup: median(seq) / median(conc) };
}

/** A 64² gpuHessian against the round trip with its prepared kernel in it, and concurrent calls against sequential ones. */
async function hessianLatency(lib, ctx, data, options, { calls, batch, trials }) {
  const kernel = await ctx.prepareDerivatives({ ...options, hessian: true });
  const { inputBytes, outputBytes } = kernel.layout;
  const trip = bareRoundTrip(ctx.device, inputBytes, outputBytes, (encoder, src, out) =>
    kernel.encode(encoder, { input: src, output: out }),
  );
  for (let i = 0; i < 5; i++) {
    await trip.run();
    await lib.gpuHessian(data, options);
  }
  const tripMs = [],
    callMs = [];
  for (let i = 0; i < calls; i++) {
    let t = performance.now();
    await trip.run();
    tripMs.push(performance.now() - t);
    t = performance.now();
    await lib.gpuHessian(data, options);
    callMs.push(performance.now() - t);
  }
  trip.destroy();
  kernel.destroy();
  return {
    kernelTripMs: median(tripMs),
    callMs: median(callMs),
    callOverKernelTrip: median(callMs) / median(tripMs),
    ...(await throughput(() => lib.gpuHessian(data, options), batch, trials)),
  };
}
