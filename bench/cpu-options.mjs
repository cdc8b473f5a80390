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
// With --processes P each build runs in processes of its own, P of them alternating with the other build's
// (bench/child-runs.mjs); a row is then the median of the processes' medians, and "÷ --dist" the median of
// the P ratios of paired processes with their range: decide between builds by these.
//
//   node bench/cpu-options.mjs [--dist DIR] [--rank 2|3] [--size N] [--repeats 9] [--processes P] [--only REGEX]
//
// --rank 3: an N³ array (N = 128 unless given), the families that have a 3-D form. --only: the rows whose
// name matches REGEX (the plain gradient's row is always run: the "÷ plain" column is over it).
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { args, value } from './args.mjs';
import { comparedBuilds, printResult, runAlternating } from './child-runs.mjs';

const RANK = Number(value('--rank', 2));
if (RANK !== 2 && RANK !== 3) throw new Error(`--rank: expected 2 or 3, got ${value('--rank')}`);
const N = Number(value('--size', RANK === 2 ? 1024 : 128));
const REPEATS = Number(value('--repeats', 9));
const PROCESSES = Number(value('--processes', 0));
const ONLY = value('--only') ? new RegExp(value('--only')) : null;
const CHILD = value('--child');
const builds = CHILD ? [['child', CHILD]] : comparedBuilds();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const shape = Array.from({ length: RANK }, () => N);
const size = N ** RANK;
const f = Float64Array.from({ length: size }, (_, i) => Math.sin(i * 0.001) + (i % 7));
const withNaN = f.slice();
for (let i = 0; i < size; i += 97) withNaN[i] = Number.NaN;
// A masked disc (land in a sea): a third of the rows cross it (a cylinder through a 3-D array).
const disc = Uint8Array.from({ length: size }, (_, i) =>
  ((i % N) - 0.6 * N) ** 2 + ((Math.floor(i / N) % N) - 0.5 * N) ** 2 < (0.15 * N) ** 2 ? 0 : 1,
);
const outs = (k) => Array.from({ length: k }, () => new Float64Array(size));
const one = outs(1);
const gradients = outs(RANK);
const second = outs((RANK * (RANK + 1)) / 2);
const components = Array.from({ length: RANK }, (_, k) =>
  Float64Array.from({ length: size }, (_, i) => Math.cos(i * 0.002 * (k + 1)) + (i % 5)),
);
// The first axis reflected at its start and held at 0 beyond its end, the others nearest.
const sides = shape.map((_, k) => (k === 0 ? ['reflect', 'constant'] : 'nearest'));
const uneven = shape.map((n) => Float64Array.from({ length: n }, (_, i) => i + 0.3 * Math.sin(i)));
const transposed = { data: f, shape, stride: RANK === 2 ? [1, N] : [1, N, N * N] };
const unit = (k, order) => shape.map((_, j) => (j === k ? order : 0));
const mixed = shape.map((_, j) => (j < 2 ? 1 : 0));
// The 2-D grids: a curvilinear one and the sphere.
const X = new Float64Array(RANK === 2 ? size : 0);
const Y = new Float64Array(RANK === 2 ? size : 0);
if (RANK === 2)
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      X[i * N + j] = i + 0.1 * Math.sin(j * 0.01);
      Y[i * N + j] = j + 0.1 * Math.sin(i * 0.01);
    }
const sphere = {
  latitude: Float64Array.from({ length: N }, (_, i) => -80 + (160 * i) / (N - 1)),
  longitude: Float64Array.from({ length: N }, (_, i) => (360 * i) / N),
};
/** Each build's prepareCoordinates([X, Y]), made on its first call. */
const prepared = new Map();
const preparedGrid = (L) => prepared.get(L) ?? prepared.set(L, L.prepareCoordinates([X, Y])).get(L);

// [name, call, ranks it runs at]
const cases = [
  ['gradient (plain)', (L) => L.cpuGradient(f, { shape, out: gradients })],
  ["boundary 'reflect'", (L) => L.cpuGradient(f, { shape, out: gradients, boundary: 'reflect' })],
  ["['constant', 'edge'], 'nearest'", (L) => L.cpuGradient(f, { shape, out: gradients, boundary: [['constant', 'edge'], 'nearest'] }), [2]],
  ["boundary 'periodic'", (L) => L.cpuGradient(f, { shape, out: gradients, boundary: 'periodic' })],
  ['accuracy 4', (L) => L.cpuGradient(f, { shape, out: gradients, accuracy: 4 })],
  ['skip, no gaps', (L) => L.cpuGradient(f, { shape, out: gradients, invalid: 'skip' })],
  ['skip, NaN every 97', (L) => L.cpuGradient(withNaN, { shape, out: gradients, invalid: 'skip' })],
  ['skip, a masked disc', (L) => L.cpuGradient(f, { shape, out: gradients, invalid: 'skip', mask: disc })],
  ['sobel', (L) => L.cpuGradient(f, { shape, out: gradients, operator: 'sobel' }), [2]],
  ['a transposed view', (L) => L.cpuGradient(transposed, { out: gradients })],
  ['uneven coordinates', (L) => L.cpuGradient(f, { shape, out: gradients, spacing: uneven })],
  ['curvilinear coordinates', (L) => L.cpuGradient(f, { shape, out: gradients, coordinates: [X, Y] }), [2]],
  ['prepared coordinates', (L) => L.cpuGradient(f, { shape, out: gradients, coordinates: preparedGrid(L) }), [2]],
  ['divergence, coordinates', (L) => L.cpuDivergence([f, X], { shape, out: one, coordinates: [X, Y] }), [2]],
  ['the sphere', (L) => L.cpuGradient(f, { shape, out: gradients, sphere }), [2]],
  ['the sphere, periodic longitude', (L) => L.cpuGradient(f, { shape, out: gradients, sphere, boundary: ['edge', 'periodic'] }), [2]],
  ['divergence, the sphere', (L) => L.cpuDivergence(components, { shape, out: one, sphere }), [2]],
  ['magnitude, the sphere', (L) => L.cpuGradientMagnitude(f, { shape, out: one, sphere }), [2]],
  ['magnitude', (L) => L.cpuGradientMagnitude(f, { shape, out: one })],
  ['magnitude, reflect', (L) => L.cpuGradientMagnitude(f, { shape, out: one, boundary: 'reflect' })],
  ['magnitude, accuracy 4', (L) => L.cpuGradientMagnitude(f, { shape, out: one, accuracy: 4 })],
  ['magnitude, skip', (L) => L.cpuGradientMagnitude(withNaN, { shape, out: one, invalid: 'skip' })],
  ['divergence', (L) => L.cpuDivergence(components, { shape, out: one })],
  ['divergence, accuracy 4', (L) => L.cpuDivergence(components, { shape, out: one, accuracy: 4 })],
  ['divergence, ghost sides', (L) => L.cpuDivergence(components, { shape, out: one, boundary: sides })],
  ['curl, mirror', (L) => L.cpuCurl(components, { shape, out: RANK === 2 ? one : gradients, boundary: 'mirror' })],
  ['Laplacian, reflect', (L) => L.cpuLaplacian(f, { shape, out: one, boundary: 'reflect' })],
  ['second derivative, first axis', (L) => L.cpuDerivatives(f, { shape, out: one, derivatives: [unit(0, 2)] })],
  ['second derivative, last axis', (L) => L.cpuDerivatives(f, { shape, out: one, derivatives: [unit(RANK - 1, 2)] })],
  ['mixed derivative, first two axes', (L) => L.cpuDerivatives(f, { shape, out: one, derivatives: [mixed] })],
  ['Hessian', (L) => L.cpuHessian(f, { shape, out: second })],
  ['Hessian, accuracy 4', (L) => L.cpuHessian(f, { shape, out: second, accuracy: 4 })],
  ['Hessian, accuracy 8', (L) => L.cpuHessian(f, { shape, out: second, accuracy: 8 })],
  ['Hessian, uneven coordinates', (L) => L.cpuHessian(f, { shape, out: second, spacing: uneven })],
  ['adjoint', (L) => [L.cpuGradientAdjoint(components, { shape, out: one })]],
  ['adjoint, accuracy 4', (L) => [L.cpuGradientAdjoint(components, { shape, out: one, accuracy: 4 })]],
].filter(([name, , ranks], c) => (ranks ?? [2, 3]).includes(RANK) && (c === 0 || !ONLY || ONLY.test(name)));

/** Each case's times in each build of this process, [case][build]: null where the build refuses the call. */
function timed(libs) {
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
  return times.map((row) => row.map((xs) => (xs?.length ? median(xs) : null)));
}

const load = (dir) => import(pathToFileURL(resolve(dir, 'index.js')).href);
if (CHILD) printResult(timed([await load(CHILD)]).map(([ms]) => ms));

/** [case][build] medians, and with --processes the paired ratios [case] of this build over --dist. */
let ms;
let ratios = null;
if (PROCESSES > 0) {
  const passed = args.filter((a, i) => a !== '--dist' && args[i - 1] !== '--dist');
  const runs = runAlternating(
    fileURLToPath(import.meta.url),
    passed,
    builds.map(([, dir]) => dir),
    PROCESSES,
  );
  ms = cases.map((_, c) => runs.map((perProcess) => (perProcess.some((r) => r[c] === null) ? null : median(perProcess.map((r) => r[c])))));
  if (builds.length > 1)
    ratios = cases.map((_, c) => (ms[c].includes(null) ? null : runs[0].map((r, p) => r[c] / runs[1][p][c]).sort((a, b) => a - b)));
} else ms = timed(await Promise.all(builds.map(([, dir]) => load(dir))));

const plain = ms[0][0];
const two = builds.length > 1;
console.log(
  `The CPU reference by option family, ${shape.join('×')}, float64 into out, ms (medians of ${REPEATS}` +
    `${PROCESSES > 0 ? `, then of ${PROCESSES} processes a build, alternating` : ', builds interleaved in one process'}; node ${process.version})`,
);
console.log(`÷ plain: over this build's plain gradient of the same array${two ? '; ÷ --dist: over the same call in --dist' : ''}`);
const head = [
  'case'.padEnd(34),
  'ms'.padStart(8),
  '÷ plain'.padStart(9),
  ...(two ? ['--dist ms'.padStart(10), '÷ --dist'.padStart(9)] : []),
];
if (ratios) head.push('  (range)');
console.log(head.join(''));
cases.forEach(([name], c) => {
  const [a, b] = ms[c];
  const row = [
    name.padEnd(34),
    a === null ? 'n/a'.padStart(8) : a.toFixed(2).padStart(8),
    a === null ? ''.padStart(9) : (a / plain).toFixed(2).padStart(9),
  ];
  if (two) {
    const ratio = ratios ? ratios[c] && median(ratios[c]) : a !== null && b !== null ? a / b : null;
    row.push(b === null ? 'n/a'.padStart(10) : b.toFixed(2).padStart(10), ratio === null ? ''.padStart(9) : ratio.toFixed(2).padStart(9));
    if (ratios?.[c]) row.push(`  (${ratios[c][0].toFixed(2)}–${ratios[c].at(-1).toFixed(2)})`);
  }
  console.log(row.join(''));
});
