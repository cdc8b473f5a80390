// What a host call of derivatives, the Hessian and the adjoint (and the magnitude and the divergence, one
// result each, and the gradient of a transposed view, gathered on the GPU) costs the host CPU beside the
// gradient's:
// each runs on a null device (bench/null-device.mjs: every device call a no-op, maps resolved at once),
// so the time is the library's JavaScript and the copies into and out of mapped memory, and the device
// calls are counted. Fresh results. Each build runs in processes of its own,
// alternating (bench/child-runs.mjs); medians over processes × rounds.
//
//   node bench/program-calls.mjs [--dist DIR] [--processes P] [--rounds R] [--sizes 64,1024] [--calls N]
//
// --sizes: square 2-D arrays; calls per round are --calls (2000) at 64² and fewer as the size grows
// (at least 3). --dist DIR measures another build (DIR/index.js) the same way.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { args, value } from './args.mjs';
import { comparedBuilds, printResult, runAlternating } from './child-runs.mjs';
import { nodeDevice } from './node-device.mjs';
import { countDeviceCalls, limitsOf, nullDevice } from './null-device.mjs';
import { programCalls } from './program-ops.mjs';

const ROUNDS = Number(value('--rounds', 3));
const CALLS = Number(value('--calls', 2000));
const SIZES = value('--sizes', '64,1024').split(',').map(Number);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const OPS = ['gradient', 'derivatives', 'hessian', 'adjoint', 'magnitude', 'divergence', 'view'];

const { adapter, device: real } = await nodeDevice();
const limits = limitsOf(real);
real.destroy();

async function child(dir) {
  const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const device = nullDevice(limits);
  const counts = countDeviceCalls(device, { writes: 0, bindGroups: 0, buffers: 0 });
  const ctx = await lib.createGradient({ device });
  const rows = {};
  for (const n of SIZES) {
    const shape = [n, n];
    const f = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 0.01));
    const v = [f, f.map((x) => -x)];
    const call = programCalls(ctx, f, shape, v);
    const calls = Math.max(3, Math.round((CALLS * 64 * 64) / (n * n)));
    for (const op of OPS) {
      for (let i = 0; i < Math.min(calls, 300); i++) await call[op](); // warm-up
      const times = [];
      let perCall = null;
      for (let r = 0; r < ROUNDS; r++) {
        const before = { ...counts };
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) await call[op]();
        times.push(((performance.now() - t0) / calls) * 1e3);
        perCall = Object.fromEntries(Object.keys(counts).map((k) => [k, (counts[k] - before[k]) / calls]));
      }
      rows[`${op} ${n}`] = { times, perCall };
    }
  }
  printResult(rows);
}

if (value('--child')) await child(value('--child'));

const builds = comparedBuilds();
const PROCESSES = Number(value('--processes', 3));
const runs = runAlternating(
  fileURLToPath(import.meta.url),
  args,
  builds.map(([, dir]) => dir),
  PROCESSES,
);
const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ') || 'adapter';
console.log(
  `host CPU per call on a null device (limits of ${name}), Node ${process.version}, fresh results, medians of ${PROCESSES} processes × ${ROUNDS} rounds, builds alternating`,
);
console.log(
  `${'call'.padEnd(18)}${builds.map(([label]) => `${label} µs`.padStart(22)).join('')}${builds.length > 1 ? '   ratio' : ''}   writes / bind groups / buffers a call`,
);
for (const n of SIZES) {
  for (const op of OPS) {
    const key = `${op} ${n}`;
    const m = runs.map((r) => median(r.flatMap((x) => x[key].times)));
    const ratio = m.length > 1 ? `${(m[0] / m[1]).toFixed(2)}`.padStart(8) : '';
    const calls = runs.map((r) => {
      const c = r.at(-1)[key].perCall;
      return `${c.writes.toFixed(2)} / ${c.bindGroups.toFixed(2)} / ${c.buffers.toFixed(2)}`;
    });
    console.log(`${`${op} ${n}²`.padEnd(18)}${m.map((x) => x.toFixed(1).padStart(22)).join('')}${ratio}   ${calls.join('  |  ')}`);
  }
}
