// The fused fields on the CPU — cpuGradientMagnitude, cpuDivergence, cpuLaplacian, cpuCurl — against
// cpuGradient's fresh results (the same bytes read, d arrays written), numpy's composition of the same
// field from numpy.gradient, and this build beside --dist when given. Float64, fresh results (these
// functions have no `out`), every axis; the JavaScript variants interleaved call by call, medians.
// numpy's Laplacian composition is the sum of np.gradient applied twice (a wider stencil, the same work
// order of magnitude); there is no numpy function for the compact one.
//
//   node bench/cpu-fields.mjs [--dist DIR] [--sizes 2048x2048,128x128x128] [--repeats R]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { value } from './args.mjs';

const SIZES = value('--sizes', '2048x2048,128x128x128,256x256x256')
  .split(',')
  .map((s) => s.split('x').map(Number));
const REPEATS = Number(value('--repeats', 9));
const WARMUP = 2;
const OPS = ['gradient', 'magnitude', 'divergence', 'laplacian', 'curl'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const builds = [['this build', 'dist'], ...(value('--dist') ? [['--dist', value('--dist')]] : [])];
const libs = await Promise.all(builds.map(([, dir]) => import(pathToFileURL(resolve(dir, 'index.js')).href)));

function fill(size, k) {
  const a = new Float64Array(size);
  for (let i = 0; i < size; i++) a[i] = Math.sin(i * 0.001 + k) * 3 + (i % 7);
  return a;
}

/** ms of each op and build, interleaved call by call. */
function timeJs(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const f = fill(size, 0);
  const components = shape.map((_, k) => fill(size, k + 1));
  const run = {
    gradient: (L) => L.cpuGradient(f, { shape }),
    magnitude: (L) => L.cpuGradientMagnitude(f, { shape }),
    divergence: (L) => L.cpuDivergence(components, { shape }),
    laplacian: (L) => L.cpuLaplacian(f, { shape }),
    curl: (L) => (shape.length <= 3 ? L.cpuCurl(components, { shape }) : null),
  };
  const times = libs.map(() => Object.fromEntries(OPS.map((op) => [op, []])));
  for (let r = 0; r < WARMUP + REPEATS; r++)
    for (const op of OPS)
      libs.forEach((L, b) => {
        const t0 = performance.now();
        run[op](L);
        if (r >= WARMUP) times[b][op].push(performance.now() - t0);
      });
  return times.map((t) => Object.fromEntries(OPS.map((op) => [op, median(t[op])])));
}

function timeNumpy(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const py = `
import time, numpy as np
np._core.multiarray._set_madvise_hugepage(True)
shape = ${JSON.stringify(shape)}
def fill(k):
    i = np.arange(${size})
    return (np.sin(i * 0.001 + k) * 3 + (i % 7)).reshape(shape)
f = fill(0)
v = [fill(k + 1) for k in range(len(shape))]
d = len(shape)
def curl():
    g = [np.gradient(c) for c in v]
    if d == 2: return [g[1][0] - g[0][1]]
    return [g[2][1] - g[1][2], g[0][2] - g[2][0], g[1][0] - g[0][1]]
ops = {
    'gradient': lambda: np.gradient(f),
    'magnitude': lambda: np.sqrt(sum(g * g for g in np.gradient(f))),
    'divergence': lambda: sum(np.gradient(v[k], axis=k) for k in range(d)),
    'laplacian': lambda: sum(np.gradient(np.gradient(f, axis=k), axis=k) for k in range(d)),
    'curl': curl,
}
out = []
for name, op in ops.items():
    op()
    ts = []
    for _ in range(${REPEATS}):
        t0 = time.perf_counter(); op(); ts.append(time.perf_counter() - t0)
    ts.sort(); out.append(f"{name}={ts[len(ts) // 2] * 1e3}")
print(" ".join(out), np.__version__)
`;
  try {
    const words = execFileSync('python3', ['-c', py], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(' ');
    const version = words.pop();
    return { ms: Object.fromEntries(words.map((w) => w.split('=')).map(([k, v]) => [k, Number(v)])), version };
  } catch {
    return null;
  }
}

console.log(
  `The fused fields on the CPU, float64, fresh results, ms (medians of ${REPEATS}); node ${process.version}, ` +
    `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}`,
);
console.log('÷ gradient: the field\u2019s time over cpuGradient\u2019s fresh one (all axes) in the same build');
const head = ['case', 'op', ...builds.map(([l]) => l), ...(builds.length > 1 ? ['÷ --dist'] : []), '÷ gradient', 'numpy', '÷ numpy'];
const widths = [14, 12, ...builds.map(() => 12), ...(builds.length > 1 ? [10] : []), 12, 9, 9];
const row = (cells) => console.log(cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(''));
row(head);
let version = null;
for (const shape of SIZES) {
  const js = timeJs(shape);
  const np = timeNumpy(shape);
  version ??= np?.version;
  for (const op of OPS) {
    const ours = js[0][op];
    const cells = [shape.join('x'), op, ...js.map((t) => t[op].toFixed(1))];
    if (builds.length > 1) cells.push((ours / js[1][op]).toFixed(2));
    cells.push((ours / js[0].gradient).toFixed(2));
    cells.push(np ? np.ms[op].toFixed(1) : 'n/a', np ? (ours / np.ms[op]).toFixed(2) : 'n/a');
    row(cells);
  }
}
if (version) console.log(`numpy ${version}`);
