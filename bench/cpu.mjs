// cpuGradient vs numpy.gradient and scijs ndarray-gradient on the CPU, side by side in one run.
// Usage: npm run bench:cpu   (numpy is timed through python3 when it is importable; ndarray-gradient, a
// devDependency, writes into a preallocated [...shape, d] ndarray with its 'clamp' boundary, its own
// interior stencil being numpy's central difference negated)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpuGradient } from '../dist/index.js';

const require = createRequire(import.meta.url);
const CASES = [
  { name: 'float64 2048x2048, both axes', shape: [2048, 2048] },
  { name: 'float64 128^3, all axes', shape: [128, 128, 128] },
  { name: 'float64 256^3, all axes', shape: [256, 256, 256] },
];
const REPEATS = 7;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median ms of cpuGradient with fresh outputs, and with outputs reused through the `out` option. */
function timeOurs(shape) {
  const size = shape.reduce((p, n) => p * n, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.sin(i * 0.001) * 3 + (i % 7);
  const out = cpuGradient(data, { shape }); // warm-up: let V8 optimise the loops
  const fresh = [],
    reused = [];
  for (let r = 0; r < REPEATS; r++) {
    let t0 = performance.now();
    cpuGradient(data, { shape });
    fresh.push(performance.now() - t0);
    t0 = performance.now();
    cpuGradient(data, { shape, out });
    reused.push(performance.now() - t0);
  }
  return { fresh: median(fresh), reused: median(reused) };
}

/** Median ms of ndarray-gradient into a preallocated output (its only form), or null where it is not installed. */
function timeNdarrayGradient(shape) {
  let ndarray, gradient;
  try {
    ndarray = require('ndarray');
    gradient = require('ndarray-gradient');
  } catch {
    return null;
  }
  const size = shape.reduce((p, n) => p * n, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.sin(i * 0.001) * 3 + (i % 7);
  const src = ndarray(data, shape);
  const dst = ndarray(new Float64Array(size * shape.length), [...shape, shape.length]);
  gradient(dst, src, 'clamp');
  const ts = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    gradient(dst, src, 'clamp');
    ts.push(performance.now() - t0);
  }
  return median(ts);
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

console.log(`cpuGradient vs numpy.gradient, median of ${REPEATS} (node ${process.version})`);
console.log('numpy asks the kernel for transparent huge pages (madvise) for large arrays; Node cannot, so fresh');
console.log('output memory costs cpuGradient one page fault per 4 KiB. "numpy, 4K pages" turns that off in numpy too.');
console.log(
  'case'.padEnd(32) +
    'ours ms'.padStart(9) +
    'ours,out ms'.padStart(13) +
    'numpy ms'.padStart(10) +
    'numpy 4K ms'.padStart(13) +
    'ours/numpy'.padStart(12) +
    'out/numpy'.padStart(11) +
    'ours/np4K'.padStart(11) +
    'ndgrad ms'.padStart(11) +
    'out/ndgrad'.padStart(12),
);
for (const c of CASES) {
  const ours = timeOurs(c.shape);
  const np = timeNumpy(c.shape);
  const np4k = timeNumpy(c.shape, false);
  const nd = timeNdarrayGradient(c.shape);
  const ratio = (x, ref) => (ref ? (x / ref.ms).toFixed(2) : 'n/a');
  console.log(
    c.name.padEnd(32) +
      ours.fresh.toFixed(1).padStart(9) +
      ours.reused.toFixed(1).padStart(13) +
      (np ? np.ms.toFixed(1) : 'n/a').padStart(10) +
      (np4k ? np4k.ms.toFixed(1) : 'n/a').padStart(13) +
      ratio(ours.fresh, np).padStart(12) +
      ratio(ours.reused, np).padStart(11) +
      ratio(ours.fresh, np4k).padStart(11) +
      (nd === null ? 'n/a' : nd.toFixed(1)).padStart(11) +
      (nd === null ? 'n/a' : (ours.reused / nd).toFixed(2)).padStart(12) +
      (np ? `   (numpy ${np.version})` : ''),
  );
}
