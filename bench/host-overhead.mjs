// What the library's own JavaScript adds to a small host call, without a GPU's time in it: gpuGradient
// runs on a null device (bench/null-device.mjs: every device call a no-op, maps resolved at once) beside
// a bare round trip on the same device (write, one dispatch, copy, submit, map, copy out), so what is
// left is the host CPU time a call spends in the library, in microseconds, and the device calls it
// makes. On a GPU a call costs its round trip plus about this. 64² float32, both axes; sequential calls
// with `out` and with fresh results, and a batch of concurrent calls.
//
//   node bench/host-overhead.mjs [--dist DIR] [--processes P] [--rounds R] [--calls N] [--batch B]
//
// --dist DIR measures another build (DIR/index.js) the same way, its processes alternating with this build's.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { args, value } from './args.mjs';
import { comparedBuilds, printResult, runAlternating } from './child-runs.mjs';
import { nodeDevice } from './node-device.mjs';
import { countDeviceCalls, limitsOf, nullDevice } from './null-device.mjs';

const ROUNDS = Number(value('--rounds', 5));
const CALLS = Number(value('--calls', 5000));
const BATCH = Number(value('--batch', 1000));
const N = 64 * 64;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// A real device's limits (Dawn; SwiftShader without a GPU), so the library plans as it would there.
const { adapter, device: real } = await nodeDevice();
const limits = limitsOf(real);
real.destroy();

/** A null device whose buffer creations, error scopes, writes and copies are counted. */
function countedNullDevice() {
  const device = nullDevice(limits);
  const counts = countDeviceCalls(device, { buffers: 0, scopes: 0, writes: 0, copies: 0, bindGroups: 0 });
  const { createCommandEncoder } = device;
  device.pushErrorScope = () => counts.scopes++;
  device.createCommandEncoder = () => {
    const encoder = createCommandEncoder();
    return { ...encoder, copyBufferToBuffer: () => counts.copies++ };
  };
  return { device, counts };
}

const data = Float32Array.from({ length: N }, (_, i) => Math.sin(i));
const out = [new Float32Array(N), new Float32Array(N)];

/** The bare round trip on a null device: what any JavaScript caller of WebGPU pays for this call. */
function bareCall() {
  const { device } = countedNullDevice();
  const U = { STORAGE: 0x80, COPY_DST: 0x8, COPY_SRC: 0x4, MAP_READ: 0x1 };
  const input = device.createBuffer({ size: N * 4, usage: U.STORAGE | U.COPY_DST });
  const output = device.createBuffer({ size: 2 * N * 4, usage: U.STORAGE | U.COPY_SRC });
  const readback = device.createBuffer({ size: 2 * N * 4, usage: U.MAP_READ | U.COPY_DST });
  const pipeline = device.createComputePipeline({});
  const group = device.createBindGroup({});
  return async (results) => {
    device.queue.writeBuffer(input, 0, data);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(N / 64);
    pass.end();
    encoder.copyBufferToBuffer(output, 0, readback, 0, 2 * N * 4);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(1, 0, 2 * N * 4);
    const mapped = new Float32Array(readback.getMappedRange(0, 2 * N * 4));
    const r = results ?? [new Float32Array(N), new Float32Array(N)];
    r[0].set(mapped.subarray(0, N));
    r[1].set(mapped.subarray(N));
    readback.unmap();
    return r;
  };
}

async function libraryCall(dir) {
  const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const { device, counts } = countedNullDevice();
  const ctx = await lib.createGradient({ device });
  return { call: (results) => ctx.gradient(data, results ? { shape: [64, 64], out: results } : { shape: [64, 64] }), counts };
}

/** µs per call: sequential with `out`, sequential fresh, a concurrent batch with `out`, a concurrent batch fresh. */
async function round(call) {
  const t = [];
  let t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await call(out);
  t.push(((performance.now() - t0) / CALLS) * 1e3);
  t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  t.push(((performance.now() - t0) / CALLS) * 1e3);
  const outs = Array.from({ length: BATCH }, () => [new Float32Array(N), new Float32Array(N)]);
  t0 = performance.now();
  await Promise.all(outs.map((o) => call(o)));
  t.push(((performance.now() - t0) / BATCH) * 1e3);
  t0 = performance.now();
  await Promise.all(outs.map(() => call()));
  t.push(((performance.now() - t0) / BATCH) * 1e3);
  return t;
}

// Each build runs in processes of its own, alternating (--child), so that one build's garbage is not
// collected in the other's rounds: concurrent calls spend much of their time in the collector.
// Device calls per call, counted over one more round of each kind.
async function perCall(s, run, calls) {
  const before = { ...s.counts };
  await run();
  return Object.fromEntries(Object.keys(before).map((k) => [k, (s.counts[k] - before[k]) / calls]));
}

if (value('--child')) {
  const subject = value('--child') === 'bare' ? { call: bareCall(), counts: null } : await libraryCall(value('--child'));
  for (let i = 0; i < 3; i++) await round(subject.call); // warm-up: the JIT and the pools
  const times = [];
  for (let r = 0; r < ROUNDS; r++) times.push(await round(subject.call));
  let calls = null;
  if (subject.counts) {
    const seq = await perCall(
      subject,
      async () => {
        for (let i = 0; i < 1000; i++) await subject.call(out);
      },
      1000,
    );
    const outs = Array.from({ length: BATCH }, () => [new Float32Array(N), new Float32Array(N)]);
    const conc = await perCall(subject, () => Promise.all(outs.map((o) => subject.call(o))), BATCH);
    calls = { seq, conc };
  }
  printResult({ times, calls });
}

const subjects = [['bare round trip', 'bare'], ...comparedBuilds()];
const PROCESSES = Number(value('--processes', 3));
const runs = runAlternating(
  fileURLToPath(import.meta.url),
  args,
  subjects.map(([, arg]) => arg),
  PROCESSES,
);
const results = runs.map((r) => ({ times: r.flatMap((x) => x.times), calls: r.at(-1).calls }));

const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ') || 'adapter';
console.log(
  `host CPU per 64² float32 call on a null device (limits of ${name}), Node ${process.version}, medians of ${PROCESSES} processes × ${ROUNDS} rounds, builds alternating; µs per call`,
);
console.log(
  `${''.padEnd(24)}${'seq out'.padStart(9)}${'seq fresh'.padStart(11)}${`${BATCH} conc out`.padStart(15)}${`${BATCH} conc fresh`.padStart(17)}`,
);
subjects.forEach(([label], k) => {
  const m = [0, 1, 2, 3].map((j) => median(results[k].times.map((t) => t[j])));
  console.log(`${label.padEnd(24)}${m.map((x, j) => x.toFixed(2).padStart([9, 11, 15, 17][j])).join('')}`);
});
console.log(
  'device calls per call (sequential with out / concurrent with out): buffers created, error scopes pushed, writes, copies, bind groups',
);
subjects.slice(1).forEach(([label], k) => {
  const { seq, conc } = results[k + 1].calls;
  const fmt = (c) =>
    Object.values(c)
      .map((x) => x.toFixed(2))
      .join(' / ');
  console.log(`${label.padEnd(24)}${fmt(seq)}   ${fmt(conc)}`);
});
