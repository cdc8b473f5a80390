// Calls with fresh results (no `out`) on a null device (bench/null-device.mjs): the host CPU a call spends
// making its result arrays and copying the results into them, without a GPU's time. Sequential calls and
// bursts of concurrent calls, float32 gradients of n² arrays; each build in processes of its own,
// alternating (a burst's garbage must not be collected in the other build's rounds).
//
//   node bench/fresh-results.mjs [--dist DIR] [--processes P] [--rounds R]
//
// --dist DIR measures another build (DIR/index.js) the same way; ratios are this build ÷ that one.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { args, value } from './args.mjs';
import { comparedBuilds, printResult, runAlternating } from './child-runs.mjs';
import { nodeDevice } from './node-device.mjs';
import { limitsOf, nullDevice } from './null-device.mjs';

const ROUNDS = Number(value('--rounds', 9));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// [n, calls in a burst]: about 32 MiB of results a burst; sequential rows of about 8 MiB of results a round.
const CASES = [
  [32, 1000],
  [64, 1000],
  [128, 250],
  [256, 64],
  [512, 16],
];

if (value('--child')) {
  const { device: real } = await nodeDevice();
  const limits = limitsOf(real);
  real.destroy();
  const lib = await import(pathToFileURL(resolve(value('--child'), 'index.js')).href);
  const ctx = await lib.createGradient({ device: nullDevice(limits) });
  const times = {};
  for (const [n, burst] of CASES) {
    const data = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
    const options = { shape: [n, n] };
    const sequential = async () => {
      const calls = Math.max(4, Math.round(2 ** 20 / (n * n)));
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await ctx.gradient(data, options);
      return ((performance.now() - t0) / calls) * 1e3;
    };
    const concurrent = async () => {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: burst }, () => ctx.gradient(data, options)));
      return ((performance.now() - t0) / burst) * 1e3;
    };
    // Warm-up: the JIT and the pools.
    for (let i = 0; i < 3; i++) {
      await sequential();
      await concurrent();
    }
    const seq = [];
    const conc = [];
    for (let r = 0; r < ROUNDS; r++) {
      seq.push(await sequential());
      conc.push(await concurrent());
    }
    times[n] = { seq: median(seq), conc: median(conc) };
  }
  ctx.destroy();
  printResult(times);
}

const subjects = comparedBuilds();
const PROCESSES = Number(value('--processes', 5));
const results = runAlternating(
  fileURLToPath(import.meta.url),
  args,
  subjects.map(([, dir]) => dir),
  PROCESSES,
);

console.log(
  `fresh-result float32 gradients of n² on a null device, Node ${process.version}: µs per call, medians of ${PROCESSES} processes × ${ROUNDS} rounds, builds alternating`,
);
// Columns wide enough for the longest label and a space (a --dist label ran into its neighbour at 22).
const W = Math.max(22, ...subjects.map(([label]) => label.length + 8));
console.log(
  `${'n² (burst)'.padEnd(14)}${subjects.map(([label]) => `${`${label} seq`.padStart(W)}${`${label} burst`.padStart(W)}`).join('')}${subjects.length > 1 ? '   seq ratio  burst ratio' : ''}`,
);
for (const [n, burst] of CASES) {
  const m = subjects.map((_, k) => ({ seq: median(results[k].map((r) => r[n].seq)), conc: median(results[k].map((r) => r[n].conc)) }));
  const ratios = m.length > 1 ? `${(m[0].seq / m[1].seq).toFixed(2).padStart(12)}${(m[0].conc / m[1].conc).toFixed(2).padStart(13)}` : '';
  console.log(
    `${`${n}² (${burst})`.padEnd(14)}${m.map((x) => `${x.seq.toFixed(1).padStart(W)}${x.conc.toFixed(1).padStart(W)}`).join('')}${ratios}`,
  );
}
