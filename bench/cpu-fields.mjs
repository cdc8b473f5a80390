// The fused fields on the CPU — cpuGradientMagnitude, cpuDivergence, cpuLaplacian, cpuCurl — and cpuHessian beside
// cpuGradient, numpy's composition of the same field from numpy.gradient, and this build beside --dist
// when given. Float64, every axis, fresh results and into `out` arrays reused from call to call (a --dist
// build whose fields take no `out` shows n/a there); the JavaScript variants interleaved call by call,
// medians.
// numpy's Laplacian composition is the sum of np.gradient applied twice (a wider stencil, the same work
// order of magnitude); there is no numpy function for the compact one. Its Hessian is np.gradient of each
// component of np.gradient (i ≤ j), the wide stencils too.
//
// --boundary periodic (or another mode) and --accuracy 4 pass on as options (the Laplacian is timed with
// accuracy 2: it has no other); numpy has neither, so its columns show n/a then.
// The pool columns: this build's cpuWorkers (--threads, default the machine's cores) on data and `out` in
// shared memory, beside the same field into `out` on one thread.
//
//   node bench/cpu-fields.mjs [--dist DIR] [--sizes 2048x2048,128x128x128] [--repeats R] [--boundary B] [--accuracy 4] [--threads N]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { value } from './args.mjs';

const SIZES = value('--sizes', '2048x2048,128x128x128,256x256x256')
  .split(',')
  .map((s) => s.split('x').map(Number));
const REPEATS = Number(value('--repeats', 9));
const EXTRA = {
  ...(value('--boundary') ? { boundary: value('--boundary') } : {}),
  ...(value('--accuracy') ? { accuracy: Number(value('--accuracy')) } : {}),
};
const NUMPY = Object.keys(EXTRA).length === 0;
const THREADS = Number(value('--threads', os.availableParallelism()));
const WARMUP = 2;
const OPS = ['gradient', 'magnitude', 'divergence', 'laplacian', 'curl', 'hessian'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const builds = [['this build', 'dist'], ...(value('--dist') ? [['--dist', value('--dist')]] : [])];
const libs = await Promise.all(builds.map(([, dir]) => import(pathToFileURL(resolve(dir, 'index.js')).href)));
const pool = await libs[0].cpuWorkers({ threads: THREADS, minLength: 0 });

function fill(size, k) {
  const a = new Float64Array(size);
  for (let i = 0; i < size; i++) a[i] = Math.sin(i * 0.001 + k) * 3 + (i % 7);
  return a;
}

/** The same values in shared memory. */
function shared(a) {
  const s = new Float64Array(new SharedArrayBuffer(a.length * 8));
  s.set(a);
  return s;
}

/** ms of each op and build, fresh and with `out` (null where a build refuses `out`), and the pool's, interleaved call by call. */
async function timeJs(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const f = fill(size, 0);
  const components = shape.map((_, k) => fill(size, k + 1));
  const sf = shared(f);
  const sc = components.map(shared);
  const outs = (n, make = () => new Float64Array(size)) => Array.from({ length: n }, make);
  const sharedOut = () => new Float64Array(new SharedArrayBuffer(size * 8));
  const pooled = {
    gradient: outs(shape.length, sharedOut),
    magnitude: outs(1, sharedOut),
    divergence: outs(1, sharedOut),
    laplacian: outs(1, sharedOut),
    hessian: outs((shape.length * (shape.length + 1)) / 2, sharedOut),
    curl: outs(shape.length === 2 ? 1 : 3, sharedOut),
  };
  const kept = {
    gradient: outs(shape.length),
    magnitude: outs(1),
    divergence: outs(1),
    laplacian: outs(1),
    hessian: outs((shape.length * (shape.length + 1)) / 2),
    curl: outs(shape.length === 2 ? 1 : 3),
  };
  // Fresh calls pass no `out` key (a build whose fields take no `out` refuses the key).
  // The Laplacian has no fourth order, and the Hessian no edge order; periodic boundaries pass to both.
  const opts = (out, op) => ({ shape, ...EXTRA, ...(op === 'laplacian' ? { accuracy: 2 } : {}), ...(out ? { out } : {}) });
  const run = {
    gradient: (L, out) => L.cpuGradient(f, opts(out, 'gradient')),
    magnitude: (L, out) => L.cpuGradientMagnitude(f, opts(out, 'magnitude')),
    divergence: (L, out) => L.cpuDivergence(components, opts(out, 'divergence')),
    laplacian: (L, out) => L.cpuLaplacian(f, opts(out, 'laplacian')),
    hessian: (L, out) => L.cpuHessian(f, opts(out, 'hessian')),
    curl: (L, out) => L.cpuCurl(components, opts(out, 'curl')),
  };
  const onPool = {
    gradient: () => pool.gradient(sf, opts(pooled.gradient, 'gradient')),
    magnitude: () => pool.magnitude(sf, opts(pooled.magnitude, 'magnitude')),
    divergence: () => pool.divergence(sc, opts(pooled.divergence, 'divergence')),
    laplacian: () => pool.laplacian(sf, opts(pooled.laplacian, 'laplacian')),
    hessian: () => pool.hessian(sf, opts(pooled.hessian, 'hessian')),
    curl: () => pool.curl(sc, opts(pooled.curl, 'curl')),
  };
  const variants = OPS.map((op) => ({ b: 0, op, pool: true, call: onPool[op], times: [] }));
  libs.forEach((L, b) =>
    OPS.forEach((op) => {
      variants.push({ b, op, out: false, call: () => run[op](L, undefined), times: [] });
      try {
        run[op](L, kept[op]);
        variants.push({ b, op, out: true, call: () => run[op](L, kept[op]), times: [] });
      } catch {
        // this build's op takes no `out`
      }
    }),
  );
  for (let r = 0; r < WARMUP + REPEATS; r++)
    for (const v of variants) {
      const t0 = performance.now();
      await v.call();
      if (r >= WARMUP) v.times.push(performance.now() - t0);
    }
  return libs.map((_, b) =>
    Object.fromEntries(
      OPS.map((op) => {
        const of = (out) => variants.find((v) => v.b === b && v.op === op && !v.pool && v.out === out);
        const onThreads = variants.find((v) => v.b === b && v.op === op && v.pool);
        return [
          op,
          {
            fresh: median(of(false).times),
            out: of(true) ? median(of(true).times) : null,
            pool: onThreads ? median(onThreads.times) : null,
          },
        ];
      }),
    ),
  );
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
    'hessian': lambda: [np.gradient(g, axis=j) for i, g in enumerate(np.gradient(f)) for j in range(i, d)],
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
  `The fused fields on the CPU, float64${NUMPY ? '' : `, ${JSON.stringify(EXTRA)}`}, ms (medians of ${REPEATS}); node ${process.version}, ` +
    `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}`,
);
console.log('out ÷ gradient: the field into `out` over cpuGradient into `out` (all axes) in this build');
console.log(
  `pool: this build's cpuWorkers of ${THREADS} threads, shared data into shared \`out\`; pool ÷ out: over one thread into \`out\``,
);
const head = [
  'case',
  'op',
  ...builds.map(([l]) => `${l === 'this build' ? 'fresh' : `${l} fresh`}`),
  ...(builds.length > 1 ? ['÷ --dist'] : []),
  'out',
  ...(builds.length > 1 ? ['--dist out'] : []),
  'out ÷ gradient',
  'pool',
  'pool ÷ out',
  'numpy',
  'fresh ÷ np',
  'out ÷ np',
];
const widths = [14, 12, ...builds.map(() => 14), ...(builds.length > 1 ? [10, 8, 12] : [8]), 16, 8, 12, 9, 12, 10];
const row = (cells) => console.log(cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(''));
row(head);
let version = null;
const ms = (x) => (x == null ? 'n/a' : x.toFixed(1));
const ratio = (x, y) => (x == null || y == null ? 'n/a' : (x / y).toFixed(2));
for (const shape of SIZES) {
  const js = await timeJs(shape);
  const np = NUMPY ? timeNumpy(shape) : null;
  version ??= np?.version;
  for (const op of OPS) {
    const ours = js[0][op];
    const cells = [shape.join('x'), op, ...js.map((t) => ms(t[op].fresh))];
    if (builds.length > 1) cells.push(ratio(ours.fresh, js[1][op].fresh));
    cells.push(ms(ours.out));
    if (builds.length > 1) cells.push(ms(js[1][op].out));
    cells.push(ratio(ours.out, js[0].gradient.out));
    cells.push(ms(ours.pool), ratio(ours.pool, ours.out));
    cells.push(ms(np?.ms[op]), ratio(ours.fresh, np?.ms[op]), ratio(ours.out, np?.ms[op]));
    row(cells);
  }
}
if (version) console.log(`numpy ${version}`);
await pool.destroy();
