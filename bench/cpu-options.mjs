// The CPU reference across its option families — ghost sides, gaps and masks, Sobel, views, curvilinear
// grids and the sphere, higher orders and uneven coordinates for derivatives, the Hessian and adjoints —
// each beside the plain gradient of the same array in this build, and beside the same call in a --dist
// build when given, interleaved call by call, float64 into `out` arrays reused from call to call, medians.
// What it shows: how far each family is from the plain gradient's loops (the copy floor's neighbour), and
// what a change bought. Interleaving puts one call's garbage in a later call's time (a start whose Sobel
// made a closure per element slowed the calls after it); a collection before each call (--expose-gc) was
// tried and is worse: it frees the kept scratch (weak references), so every call page-faults it anew.
// Two builds in one process can also differ by up to ±30 % for identical code (nineteenth session, bench/NOTES.md):
// read "÷ --dist" as a first look, and decide between builds by runs in separate processes.
//
//   node bench/cpu-options.mjs [--dist DIR] [--size 1024] [--repeats 9]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { value } from './args.mjs';

const N = Number(value('--size', 1024));
const REPEATS = Number(value('--repeats', 9));
const builds = [['this build', 'dist'], ...(value('--dist') ? [['--dist', value('--dist')]] : [])];
const libs = await Promise.all(builds.map(([, dir]) => import(pathToFileURL(resolve(dir, 'index.js')).href)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const shape = [N, N];
const size = N * N;
const f = Float64Array.from({ length: size }, (_, i) => Math.sin(i * 0.001) + (i % 7));
const withNaN = f.slice();
for (let i = 0; i < size; i += 97) withNaN[i] = Number.NaN;
// A masked disc (land in a sea): a third of the rows cross it.
const disc = Uint8Array.from({ length: size }, (_, i) =>
  ((i % N) - 0.6 * N) ** 2 + (Math.floor(i / N) - 0.5 * N) ** 2 < (0.15 * N) ** 2 ? 0 : 1,
);
const X = new Float64Array(size);
const Y = new Float64Array(size);
for (let i = 0; i < N; i++)
  for (let j = 0; j < N; j++) {
    X[i * N + j] = i + 0.1 * Math.sin(j * 0.01);
    Y[i * N + j] = j + 0.1 * Math.sin(i * 0.01);
  }
const sphere = {
  latitude: Float64Array.from({ length: N }, (_, i) => -80 + (160 * i) / (N - 1)),
  longitude: Float64Array.from({ length: N }, (_, i) => (360 * i) / N),
};
const uneven = shape.map((n) => Float64Array.from({ length: n }, (_, i) => i + 0.3 * Math.sin(i)));
const transposed = { data: f, shape, stride: [1, N] };
const outs = (k) => Array.from({ length: k }, () => new Float64Array(size));
const two = outs(2);
const three = outs(3);
const one = outs(1);
/** Each build's prepareCoordinates([X, Y]), made on its first call. */
const prepared = new Map();
const preparedGrid = (L) => prepared.get(L) ?? prepared.set(L, L.prepareCoordinates([X, Y])).get(L);

const cases = [
  ['gradient (plain)', (L) => L.cpuGradient(f, { shape, out: two })],
  ["boundary 'reflect'", (L) => L.cpuGradient(f, { shape, out: two, boundary: 'reflect' })],
  ["['constant', 'edge'], 'nearest'", (L) => L.cpuGradient(f, { shape, out: two, boundary: [['constant', 'edge'], 'nearest'] })],
  ["boundary 'periodic'", (L) => L.cpuGradient(f, { shape, out: two, boundary: 'periodic' })],
  ['accuracy 4', (L) => L.cpuGradient(f, { shape, out: two, accuracy: 4 })],
  ['skip, no gaps', (L) => L.cpuGradient(f, { shape, out: two, invalid: 'skip' })],
  ['skip, NaN every 97', (L) => L.cpuGradient(withNaN, { shape, out: two, invalid: 'skip' })],
  ['skip, a masked disc', (L) => L.cpuGradient(f, { shape, out: two, invalid: 'skip', mask: disc })],
  ['sobel', (L) => L.cpuGradient(f, { shape, out: two, operator: 'sobel' })],
  ['a transposed view', (L) => L.cpuGradient(transposed, { out: two })],
  ['curvilinear coordinates', (L) => L.cpuGradient(f, { shape, out: two, coordinates: [X, Y] })],
  ['prepared coordinates', (L) => L.cpuGradient(f, { shape, out: two, coordinates: preparedGrid(L) })],
  ['divergence, coordinates', (L) => L.cpuDivergence([f, X], { shape, out: one, coordinates: [X, Y] })],
  ['the sphere', (L) => L.cpuGradient(f, { shape, out: two, sphere })],
  ['the sphere, periodic longitude', (L) => L.cpuGradient(f, { shape, out: two, sphere, boundary: ['edge', 'periodic'] })],
  ['magnitude, reflect', (L) => L.cpuGradientMagnitude(f, { shape, out: one, boundary: 'reflect' })],
  ['magnitude, skip', (L) => L.cpuGradientMagnitude(withNaN, { shape, out: one, invalid: 'skip' })],
  ['Laplacian, reflect', (L) => L.cpuLaplacian(f, { shape, out: one, boundary: 'reflect' })],
  ['Hessian', (L) => L.cpuHessian(f, { shape, out: three })],
  ['Hessian, accuracy 4', (L) => L.cpuHessian(f, { shape, out: three, accuracy: 4 })],
  ['Hessian, accuracy 8', (L) => L.cpuHessian(f, { shape, out: three, accuracy: 8 })],
  ['Hessian, uneven coordinates', (L) => L.cpuHessian(f, { shape, out: three, spacing: uneven })],
  ['adjoint, accuracy 4', (L) => [L.cpuGradientAdjoint([f, f], { shape, out: one, accuracy: 4 })]],
];

const times = cases.map(() => libs.map(() => []));
for (let r = 0; r < REPEATS + 2; r++)
  cases.forEach(([, call], c) =>
    libs.forEach((L, b) => {
      const t0 = performance.now();
      try {
        call(L);
      } catch {
        times[c][b] = null; // this build refuses the call
        return;
      }
      if (r >= 2 && times[c][b]) times[c][b].push(performance.now() - t0);
    }),
  );

const ms = (xs) => (xs?.length ? median(xs) : null);
const plain = ms(times[0][0]);
console.log(`The CPU reference by option family, ${N}², float64 into out, ms (medians of ${REPEATS}; node ${process.version})`);
console.log(
  `÷ plain: over this build's plain gradient of the same array${libs.length > 1 ? '; ÷ --dist: over the same call in --dist' : ''}`,
);
const head = [
  'case'.padEnd(34),
  'ms'.padStart(8),
  '÷ plain'.padStart(9),
  ...(libs.length > 1 ? ['--dist ms'.padStart(10), '÷ --dist'.padStart(9)] : []),
];
console.log(head.join(''));
cases.forEach(([name], c) => {
  const a = ms(times[c][0]);
  const row = [
    name.padEnd(34),
    a === null ? 'n/a'.padStart(8) : a.toFixed(2).padStart(8),
    a === null ? ''.padStart(9) : (a / plain).toFixed(2).padStart(9),
  ];
  if (libs.length > 1) {
    const b = ms(times[c][1]);
    row.push(
      b === null ? 'n/a'.padStart(10) : b.toFixed(2).padStart(10),
      a === null || b === null ? ''.padStart(9) : (a / b).toFixed(2).padStart(9),
    );
  }
  console.log(row.join(''));
});
