// GPU timing shared by the kernel benchmarks (bench/gpu.mjs, bench/half.mjs): warm-up, wall time of queued
// repetitions, per-pass timestamps, and a vec4 copy kernel as the floor.

const COPY_SRC = 0x04,
  COPY_DST = 0x08,
  MAP_READ = 0x01,
  QUERY_RESOLVE = 0x200;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

/**
 * device; cpuAdapter: fewer warm-up copies; hasTimestamps: whether the device has timestamp-query;
 * R: repetitions per measurement; TRIALS: trials of timeQueued.
 */
export function gpuTiming(device, { cpuAdapter, hasTimestamps, R, TRIALS }) {
  // A GPU left idle drops its clocks (an H100 idles at 345 MHz), and anything measured right after a pause
  // runs several times slower. So every measurement is submitted right behind a warm-up command buffer
  // of about 0.1 s of copies, with no idle gap, and all commands are recorded before the warm-up starts.
  let warmSrc = null,
    warmDst = null;
  function warmup() {
    const bytes = 64 * 2 ** 20;
    warmSrc ??= device.createBuffer({ size: bytes, usage: COPY_SRC | COPY_DST });
    warmDst ??= device.createBuffer({ size: bytes, usage: COPY_SRC | COPY_DST });
    const encoder = device.createCommandEncoder();
    for (let i = 0; i < (cpuAdapter ? 2 : 2000); i++) encoder.copyBufferToBuffer(warmSrc, 0, warmDst, 0, bytes);
    return encoder.finish();
  }

  /**
   * Seconds per repetition of `record(encoder)`: the wall time of R repetitions recorded back to back in one
   * command buffer, submitted right after a warm-up (median over trials). Kernels and copies are timed this
   * same way, so their ratio is like for like.
   */
  async function timeQueued(record, reps = R) {
    const buffers = [],
      releases = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const encoder = device.createCommandEncoder();
      for (let r = 0; r < reps; r++) releases.push(await record(encoder));
      buffers.push(encoder.finish());
    }
    const results = [];
    for (const commands of buffers) {
      device.queue.submit([warmup()]);
      await device.queue.onSubmittedWorkDone();
      const t0 = performance.now();
      device.queue.submit([commands]);
      await device.queue.onSubmittedWorkDone();
      results.push((performance.now() - t0) / 1e3 / reps);
    }
    for (const release of releases) release?.();
    return median(results);
  }

  /** Median GPU time of one compute pass, from its own timestamp pair (NaN without timestamp queries). */
  async function timePasses(record, reps = R) {
    if (!hasTimestamps) return NaN;
    const qs = device.createQuerySet({ type: 'timestamp', count: 2 * reps });
    const resolve = device.createBuffer({ size: 16 * reps, usage: QUERY_RESOLVE | COPY_SRC });
    const read = device.createBuffer({ size: 16 * reps, usage: MAP_READ | COPY_DST });
    const encoder = device.createCommandEncoder();
    const releases = [];
    for (let r = 0; r < reps; r++) {
      releases.push(await record(encoder, { querySet: qs, beginningOfPassWriteIndex: 2 * r, endOfPassWriteIndex: 2 * r + 1 }));
    }
    encoder.resolveQuerySet(qs, 0, 2 * reps, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, read, 0, 16 * reps);
    const commands = encoder.finish();
    device.queue.submit([warmup(), commands]);
    await read.mapAsync(1);
    const t = new BigUint64Array(read.getMappedRange());
    const times = [];
    for (let r = 0; r < reps; r++) times.push(Number(t[2 * r + 1] - t[2 * r]) / 1e9);
    read.unmap();
    read.destroy();
    resolve.destroy();
    qs.destroy();
    for (const release of releases) release?.();
    return median(times);
  }

  /** A one-dispatch pass of a bench-only kernel over n/4 vec4s: binding 0 read, binding 1 written. */
  function vec4Pass(pipeline, src, dst, n, sizes = {}) {
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: src, ...sizes } },
        { binding: 1, resource: { buffer: dst, ...sizes } },
      ],
    });
    const groups = Math.ceil(n / 4 / 256),
      x = Math.min(groups, 65535),
      y = Math.ceil(groups / x);
    return (encoder, timestampWrites) => {
      const pass = encoder.beginComputePass({ timestampWrites });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y);
      pass.end();
    };
  }

  /** Pipelines of the bench-only kernels, cached by their WGSL (which bakes in sizes where it has any). */
  const benchPipelines = new Map();
  function benchPipeline(code) {
    if (!benchPipelines.has(code)) {
      benchPipelines.set(
        code,
        device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } }),
      );
    }
    return benchPipelines.get(code);
  }

  // The best a WebGPU kernel can do: a vec4 copy moving the same bytes, timed like the gradient kernel.
  function copyKernel(src, dst, bytes) {
    return vec4Pass(
      benchPipeline(`
      @group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
      @group(0) @binding(1) var<storage, read_write> b: array<vec4<f32>>;
      @compute @workgroup_size(256) fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
        let i = id.x + id.y * n.x * 256u;
        if (i < arrayLength(&b)) { b[i] = a[i]; }
      }`),
      src,
      dst,
      bytes / 4,
      { size: bytes },
    );
  }

  return { warmup, timeQueued, timePasses, vec4Pass, benchPipeline, copyKernel };
}
