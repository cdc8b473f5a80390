// cpuGradient on Float64Array data before and after the same process has differentiated arrays of other
// element types: a loop that has read more than four array types is left slow by V8 (megamorphic loads).
// 64² (µs a call) and 2048² (ms a call), float64, with `out`; each build in processes of its own (the state
// measured is the process's), this build beside --dist when given, processes alternating.
//
//   node bench/cpu-kinds.mjs [--dist DIR] [--processes P] [--kinds Float32Array,Int16Array,Uint8Array,Int32Array]
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { value } from './args.mjs';

const KINDS = value('--kinds', 'Float32Array,Int16Array,Uint8Array,Int32Array').split(',');
const PROCESSES = Number(value('--processes', 3));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.env.CPU_KINDS_CHILD) {
  const lib = await import(pathToFileURL(resolve(process.env.CPU_KINDS_CHILD, 'index.js')).href);
  const small = new Float64Array(4096).map((_, i) => Math.sin(i));
  const smallOptions = { shape: [64, 64], out: [new Float64Array(4096), new Float64Array(4096)] };
  const big = new Float64Array(2048 * 2048).map((_, i) => Math.sin(i * 0.001));
  const bigOptions = { shape: [2048, 2048], out: [new Float64Array(big.length), new Float64Array(big.length)] };
  const time = () => {
    for (let i = 0; i < 2000; i++) lib.cpuGradient(small, smallOptions);
    let t = performance.now();
    for (let i = 0; i < 3000; i++) lib.cpuGradient(small, smallOptions);
    const us = ((performance.now() - t) / 3000) * 1000;
    lib.cpuGradient(big, bigOptions);
    const ms = [];
    for (let r = 0; r < 5; r++) {
      t = performance.now();
      lib.cpuGradient(big, bigOptions);
      ms.push(performance.now() - t);
    }
    return { us, ms: median(ms) };
  };
  const fresh = time();
  for (const kind of KINDS) {
    const data = globalThis[kind].from(small, (x) => Math.round(50 + x * 40));
    for (let i = 0; i < 200; i++) lib.cpuGradient(data, { shape: [64, 64] });
  }
  console.log(JSON.stringify({ fresh, after: time() }));
  process.exit(0);
}

const builds = [['this build', 'dist'], ...(value('--dist') ? [['--dist', value('--dist')]] : [])];
const runs = builds.map(() => []);
for (let p = 0; p < PROCESSES; p++)
  builds.forEach(([, dir], b) => {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      env: { ...process.env, CPU_KINDS_CHILD: dir },
      encoding: 'utf8',
    });
    runs[b].push(JSON.parse(out.trim().split('\n').pop()));
  });
console.log(
  `cpuGradient on Float64Array data with out, Node ${process.version}: fresh, and after 200 64² calls on each of ${KINDS.join(', ')}; medians of ${PROCESSES} processes`,
);
console.log('build        64² fresh µs  after   2048² fresh ms  after   after ÷ fresh (64², 2048²)');
builds.forEach(([label], b) => {
  const m = (f) => median(runs[b].map(f));
  const [uf, ua, mf, ma] = [m((r) => r.fresh.us), m((r) => r.after.us), m((r) => r.fresh.ms), m((r) => r.after.ms)];
  console.log(
    `${label.padEnd(12)} ${uf.toFixed(1).padStart(12)} ${ua.toFixed(1).padStart(6)} ${mf.toFixed(1).padStart(15)} ${ma.toFixed(1).padStart(6)}   ${(ua / uf).toFixed(2)}, ${(ma / mf).toFixed(2)}`,
  );
});
