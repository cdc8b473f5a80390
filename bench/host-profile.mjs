// Where the library's host CPU goes, call by call: V8's sampling CPU profile of 64² float32 gpuGradient calls
// with `out` on a null device (bench/null-device.mjs: every device call a no-op, maps resolved at once),
// sequential or in bursts, with the garbage collector's share. Self time per function, µs per call.
//
//   node bench/host-profile.mjs [--mode seq|burst] [--rounds R] [--calls N] [--warm W] [--top K] [--dist DIR]
//
// The profiler's own message handling (`dispatch`, about 0.4–1 µs a call here) is in the total; the
// collector's share is given of the total and of the total without it.
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { value } from './args.mjs';
import { nodeDevice } from './node-device.mjs';
import { limitsOf, nullDevice } from './null-device.mjs';

const MODE = value('--mode', 'seq');
const ROUNDS = Number(value('--rounds', 30));
const CALLS = Number(value('--calls', 1000));
const WARM = Number(value('--warm', 10));
const TOP = Number(value('--top', 15));
const lib = await import(pathToFileURL(resolve(value('--dist', 'dist'), 'index.js')).href);
const { device: real } = await nodeDevice();
const ctx = await lib.createGradient({ device: nullDevice(limitsOf(real)) });
const data = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i));
const out = [new Float32Array(4096), new Float32Array(4096)];
const outs = Array.from({ length: CALLS }, () => [new Float32Array(4096), new Float32Array(4096)]);
const round =
  MODE === 'burst'
    ? () => Promise.all(outs.map((o) => ctx.gradient(data, { shape: [64, 64], out: o })))
    : async () => {
        for (let i = 0; i < CALLS; i++) await ctx.gradient(data, { shape: [64, 64], out });
      };
for (let i = 0; i < WARM; i++) await round();

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
for (let i = 0; i < ROUNDS; i++) await round();
const { profile } = await session.post('Profiler.stop');
session.disconnect();

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
profile.samples.forEach((id, i) => {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
  selfUs.set(key, (selfUs.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const calls = ROUNDS * CALLS;
const total = [...selfUs.values()].reduce((a, b) => a + b, 0) / calls;
const of = (prefix) => [...selfUs].filter(([k]) => k.startsWith(prefix)).reduce((a, [, us]) => a + us, 0) / calls;
const gc = of('(garbage collector)');
const profiler = of('dispatch ');
console.log(
  `host CPU profile, ${MODE === 'burst' ? `bursts of ${CALLS}` : 'sequential'} 64² float32 calls with out on a null device, ${calls} calls after ${WARM * CALLS}, Node ${process.version}`,
);
console.log(
  `total ${total.toFixed(2)} µs a call (the profiler's own dispatch ${profiler.toFixed(2)}); garbage collector ${gc.toFixed(2)} µs = ${((100 * gc) / total).toFixed(1)} % of the total, ${((100 * gc) / (total - profiler)).toFixed(1)} % without the profiler's`,
);
for (const [key, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, TOP))
  console.log(`${(us / calls).toFixed(2).padStart(7)}  ${key}`);
ctx.destroy();
real.destroy();
