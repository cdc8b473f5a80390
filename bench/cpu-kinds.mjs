// cpuGradient on Float64Array data before and after the same process has differentiated arrays of other
// element types: a loop that has read more than four array types is left slow by V8 (megamorphic loads).
// 64² (µs a call) and 2048² (ms a call), float64, with `out`; each build in processes of its own (the state
// measured is the process's), this build beside --dist when given, processes alternating. With --pool, the
// same through cpuWorkers (two threads, minLength 0) on data and `out` in shared memory, the other types'
// calls split across the threads too.
//
//   node bench/cpu-kinds.mjs [--dist DIR] [--processes P] [--pool] [--kinds Float32Array,Int16Array,Uint8Array,Int32Array]
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { flag, value } from './args.mjs';

const KINDS = value('--kinds', 'Float32Array,Int16Array,Uint8Array,Int32Array').split(',');
const PROCESSES = Number(value('--processes', 3));
const POOL = flag('--pool');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.env.CPU_KINDS_CHILD) {
  const lib = await import(pathToFileURL(resolve(process.env.CPU_KINDS_CHILD, 'index.js')).href);
  // Arrays in shared memory for --pool (the pool splits only those), ordinary ones otherwise.
  const array = (Ctor, n) => new Ctor(POOL ? new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT) : n);
  const filled = (Ctor, n, f) => {
    const a = array(Ctor, n);
    for (let i = 0; i < n; i++) a[i] = f(i);
    return a;
  };
  const pool = POOL ? await lib.cpuWorkers({ threads: 2, minLength: 0 }) : null;
  // The pool's calls are awaited; cpuGradient's are not, so that its figures stay those of synchronous calls.
  const gradient = POOL ? (data, options) => pool.gradient(data, options) : (data, options) => lib.cpuGradient(data, options);
  const calls = async (count, data, options) => {
    for (let i = 0; i < count; i++) {
      const done = gradient(data, options);
      if (POOL) await done;
    }
  };
  const small = filled(Float64Array, 4096, Math.sin);
  const smallOptions = { shape: [64, 64], out: [array(Float64Array, 4096), array(Float64Array, 4096)] };
  const big = filled(Float64Array, 2048 * 2048, (i) => Math.sin(i * 0.001));
  const bigOptions = { shape: [2048, 2048], out: [array(Float64Array, big.length), array(Float64Array, big.length)] };
  const time = async () => {
    await calls(2000, small, smallOptions);
    let t = performance.now();
    await calls(3000, small, smallOptions);
    const us = ((performance.now() - t) / 3000) * 1000;
    await calls(1, big, bigOptions);
    const ms = [];
    for (let r = 0; r < 5; r++) {
      t = performance.now();
      await calls(1, big, bigOptions);
      ms.push(performance.now() - t);
    }
    return { us, ms: median(ms) };
  };
  const fresh = await time();
  for (const kind of KINDS)
    await calls(
      200,
      filled(globalThis[kind], 4096, (i) => Math.round(50 + Math.sin(i) * 40)),
      { shape: [64, 64] },
    );
  console.log(JSON.stringify({ fresh, after: await time() }));
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
  `${POOL ? 'cpuWorkers (2 threads, shared memory)' : 'cpuGradient'} on Float64Array data with out, Node ${process.version}: fresh, and after 200 64² calls on each of ${KINDS.join(', ')}; medians of ${PROCESSES} processes`,
);
console.log('build        64² fresh µs  after   2048² fresh ms  after   after ÷ fresh (64², 2048²)');
builds.forEach(([label], b) => {
  const m = (f) => median(runs[b].map(f));
  const [uf, ua, mf, ma] = [m((r) => r.fresh.us), m((r) => r.after.us), m((r) => r.fresh.ms), m((r) => r.after.ms)];
  console.log(
    `${label.padEnd(12)} ${uf.toFixed(1).padStart(12)} ${ua.toFixed(1).padStart(6)} ${mf.toFixed(1).padStart(15)} ${ma.toFixed(1).padStart(6)}   ${(ua / uf).toFixed(2)}, ${(ma / mf).toFixed(2)}`,
  );
});
