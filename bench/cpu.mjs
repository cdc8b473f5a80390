// cpuGradient vs numpy.gradient and scijs ndarray-gradient on the CPU, side by side in one run.
// Usage: npm run bench:cpu [-- --threads N]
// - ours: cpuGradient with fresh outputs, and into outputs reused through `out`;
// - alloc: the bare allocation of the same outputs and a write to each of their 4 KiB pages (the page
//   faults fresh outputs cost), so that fresh ÷ (out + alloc) says what a fresh call adds beyond both;
// - copy: a plain JavaScript loop copying the data into each output (o[i] = f[i]), no compute at all:
//   what a straightforward loop costs to write d result arrays. Not a floor: V8 re-checks arrays passed
//   as arguments at every iteration, which cpuGradient's unrolled loops share among eight points, so
//   out/copy can be below 1 (0.77–0.96 in three runs, bench/NOTES.md, nineteenth session);
// - pool: cpuWorkers (N threads, default the machine's cores) on data and `out` in shared memory;
// - numpy through python3 when it is importable (with its huge pages, and with 4 KiB pages);
// - ndarray-gradient (a devDependency) into a preallocated [...shape, d] output with its 'clamp'
//   boundary, its own interior stencil being numpy's central difference negated.
// Every timing interleaves the JavaScript variants call by call, after WARMUP calls of each (workers
// are slow until their loops are optimised), and reports medians of REPEATS.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { cpuGradient, cpuWorkers } from '../dist/index.js';

const require = createRequire(import.meta.url);
const CASES = [
  { name: 'float64 2048x2048, both axes', shape: [2048, 2048] },
  { name: 'float64 128^3, all axes', shape: [128, 128, 128] },
  { name: 'float64 256^3, all axes', shape: [256, 256, 256] },
];
const REPEATS = 11;
const WARMUP = 5;
const threadsArg = process.argv.indexOf('--threads');
const THREADS = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : os.availableParallelism();

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function fill(data) {
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) * 3 + (i % 7);
  return data;
}

function copyLoop(f, o) {
  for (let i = 0; i < f.length; i++) o[i] = f[i];
}

function ndarrayGradient(shape, data) {
  let ndarray, gradient;
  try {
    ndarray = require('ndarray');
    gradient = require('ndarray-gradient');
  } catch {
    return null;
  }
  const size = data.length;
  const src = ndarray(data, shape);
  const dst = ndarray(new Float64Array(size * shape.length), [...shape, shape.length]);
  return () => gradient(dst, src, 'clamp');
}

/** Medians (ms) of every JavaScript variant, interleaved call by call. */
async function timeJs(shape, pool) {
  const size = shape.reduce((p, n) => p * n, 1);
  const data = fill(new Float64Array(size));
  const sharedData = fill(new Float64Array(new SharedArrayBuffer(size * 8)));
  const out = shape.map(() => new Float64Array(size));
  const sharedOut = shape.map(() => new Float64Array(new SharedArrayBuffer(size * 8)));
  const variants = {
    fresh: () => cpuGradient(data, { shape }),
    out: () => cpuGradient(data, { shape, out }),
    alloc: () =>
      shape.map(() => {
        const a = new Float64Array(size);
        for (let i = 0; i < size; i += 512) a[i] = 1; // one write per 4 KiB page
        return a;
      }),
    copy: () => {
      for (const o of out) copyLoop(data, o);
    },
    pool: () => pool.gradient(sharedData, { shape, out: sharedOut }),
    ndgrad: ndarrayGradient(shape, data),
  };
  const times = {};
  for (const [k, f] of Object.entries(variants)) {
    if (f === null) continue;
    times[k] = [];
    for (let i = 0; i < WARMUP; i++) await f();
  }
  for (let r = 0; r < REPEATS; r++) {
    for (const k of Object.keys(times)) {
      const t0 = performance.now();
      await variants[k]();
      times[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, ts]) => [k, median(ts)]));
}

function timeNumpy(shape, hugePages = true) {
  const py = `
import time, numpy as np
np._core.multiarray._set_madvise_hugepage(${hugePages ? 'True' : 'False'})
f = np.sin(np.arange(${shape.reduce((p, n) => p * n, 1)}) * 0.001) * 3 + (np.arange(${shape.reduce((p, n) => p * n, 1)}) % 7)
f = f.reshape(${JSON.stringify(shape)})
np.gradient(f)
ts = []
for _ in range(${REPEATS}):
    t0 = time.perf_counter(); np.gradient(f); ts.append(time.perf_counter() - t0)
ts.sort(); print(ts[len(ts) // 2] * 1e3, np.__version__)
`;
  try {
    const [ms, version] = execFileSync('python3', ['-c', py], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(' ');
    return { ms: Number(ms), version };
  } catch {
    return null;
  }
}

const pool = await cpuWorkers({ threads: THREADS, minLength: 0 });
console.log(
  `cpuGradient vs numpy.gradient and ndarray-gradient, medians of ${REPEATS} (node ${process.version}, ` +
    `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, pool of ${THREADS} threads)`,
);
console.log('numpy asks the kernel for transparent huge pages (madvise) for large arrays; Node cannot, so fresh');
console.log('output memory costs cpuGradient one page fault per 4 KiB. "np 4K" turns that off in numpy too.');
const cols = [
  ['case', 30],
  ['fresh', 8],
  ['out', 8],
  ['alloc', 8],
  ['fresh/(out+alloc)', 19],
  ['numpy', 8],
  ['np 4K', 8],
  ['ndgrad', 8],
  ['copy', 8],
  ['out/copy', 10],
  ['out/numpy', 11],
  ['out/ndgrad', 12],
  ['pool', 8],
  ['pool/ndgrad', 13],
  ['pool/out', 10],
];
console.log(cols.map(([c, w], i) => (i === 0 ? c.padEnd(w) : c.padStart(w))).join(''));
let version = null;
for (const c of CASES) {
  const js = await timeJs(c.shape, pool);
  const np = timeNumpy(c.shape);
  const np4k = timeNumpy(c.shape, false);
  version ??= np?.version;
  const ms = (x) => (x == null ? 'n/a' : x.toFixed(1));
  const ratio = (x, y) => (x == null || y == null ? 'n/a' : (x / y).toFixed(2));
  const cells = [
    c.name,
    ms(js.fresh),
    ms(js.out),
    ms(js.alloc),
    ratio(js.fresh, js.out + js.alloc),
    ms(np?.ms),
    ms(np4k?.ms),
    ms(js.ndgrad),
    ms(js.copy),
    ratio(js.out, js.copy),
    ratio(js.out, np?.ms),
    ratio(js.out, js.ndgrad),
    ms(js.pool),
    ratio(js.pool, js.ndgrad),
    ratio(js.pool, js.out),
  ];
  console.log(cells.map((v, i) => (i === 0 ? v.padEnd(cols[i][1]) : v.padStart(cols[i][1]))).join(''));
}
if (version) console.log(`numpy ${version}`);
await pool.destroy();
