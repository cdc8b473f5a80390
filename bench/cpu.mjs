// cpuGradient vs numpy.gradient on the CPU, side by side in one run.
// Usage: npm run bench:cpu   (numpy is timed through python3 when it is importable)
import { execFileSync } from 'node:child_process';
import { cpuGradient } from '../dist/index.js';

const CASES = [
  { name: 'float64 2048x2048, both axes', shape: [2048, 2048] },
  { name: 'float64 256^3, all axes', shape: [256, 256, 256] },
];
const REPEATS = 7;

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; }

function timeOurs(shape) {
  const size = shape.reduce((p, n) => p * n, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.sin(i * 0.001) * 3 + (i % 7);
  cpuGradient(data, { shape }); // warm-up: let V8 optimise the loops
  const times = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    cpuGradient(data, { shape });
    times.push(performance.now() - t0);
  }
  return median(times);
}

function timeNumpy(shape) {
  const py = `
import time, numpy as np
f = np.sin(np.arange(${shape.reduce((p, n) => p * n, 1)}) * 0.001) * 3 + (np.arange(${shape.reduce((p, n) => p * n, 1)}) % 7)
f = f.reshape(${JSON.stringify(shape)})
np.gradient(f)
ts = []
for _ in range(${REPEATS}):
    t0 = time.perf_counter(); np.gradient(f); ts.append(time.perf_counter() - t0)
ts.sort(); print(ts[len(ts) // 2] * 1e3, np.__version__)
`;
  try {
    const [ms, version] = execFileSync('python3', ['-c', py], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(' ');
    return { ms: Number(ms), version };
  } catch {
    return null;
  }
}

console.log(`cpuGradient vs numpy.gradient, median of ${REPEATS} (node ${process.version})`);
console.log('case'.padEnd(34) + 'cpuGradient ms'.padStart(16) + 'numpy ms'.padStart(12) + 'ours/numpy'.padStart(12));
for (const c of CASES) {
  const ours = timeOurs(c.shape);
  const np = timeNumpy(c.shape);
  console.log(c.name.padEnd(34) + ours.toFixed(1).padStart(16) + (np ? np.ms.toFixed(1) : 'n/a').padStart(12)
    + (np ? (ours / np.ms).toFixed(2) : 'n/a').padStart(12) + (np ? `   (numpy ${np.version})` : ''));
}
