// Repeated calls on one curvilinear grid: `coordinates: [X, Y]` (the metric terms computed every call)
// against `coordinates: prepareCoordinates([X, Y])` (computed on the first call and kept), and the same
// call without a grid, side by side in one process: host calls on the library's GPU context (Dawn in Node;
// SwiftShader without a GPU) and cpuGradient. A polar grid, the 2-D gradient; medians of --repeat runs.
// Also checks that the prepared grid's GPU results are bitwise the arrays'.
//
//   node bench/grid-calls.mjs [--sizes 256,1024] [--repeat 5] [--dist DIR]
//
// --dist DIR measures another build of the library (DIR/index.js, relative to the repository).

import { value } from './args.mjs';
import { nodeDevice } from './node-device.mjs';

const sizes = value('--sizes', '256,1024').split(',').map(Number);
const repeat = Number(value('--repeat', 5));
const lib = await import(new URL(`../${value('--dist', 'dist')}/index.js`, import.meta.url).href);
const { adapter, device } = await nodeDevice();
const ctx = await lib.createGradient({ device });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`repeated 2-D gradients on a polar grid (Node ${process.version}, ${lib.describeAdapter(adapter)}), ms, medians of ${repeat}`);
for (const n of sizes) {
  const N = n * n;
  const X = new Float64Array(N);
  const Y = new Float64Array(N);
  const f = new Float32Array(N);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = 1 + i / n;
      const t = j / n;
      X[i * n + j] = r * Math.cos(t);
      Y[i * n + j] = r * Math.sin(t);
      f[i * n + j] = Math.sin(3 * r) * Math.cos(2 * t);
    }
  }
  const out = [new Float32Array(N), new Float32Array(N)];
  const grid = lib.prepareCoordinates([X, Y]);
  const shape = [n, n];
  const variants = [
    ['host, arrays', () => ctx.gradient(f, { shape, coordinates: [X, Y], out })],
    ['host, prepared', () => ctx.gradient(f, { shape, coordinates: grid, out })],
    ['host, no grid', () => ctx.gradient(f, { shape, out })],
    ['cpu, arrays', async () => lib.cpuGradient(f, { shape, coordinates: [X, Y] })],
    ['cpu, prepared', async () => lib.cpuGradient(f, { shape, coordinates: grid })],
    ['cpu, no grid', async () => lib.cpuGradient(f, { shape })],
  ];
  const times = new Map(variants.map(([name]) => [name, []]));
  for (let r = 0; r < repeat; r++) {
    for (const [name, call] of variants) {
      await call(); // warm: the prepared grid's terms are kept from here
      const t = performance.now();
      await call();
      times.get(name).push(performance.now() - t);
    }
  }
  const a = await ctx.gradient(f, { shape, coordinates: [X, Y] });
  const b = await ctx.gradient(f, { shape, coordinates: grid });
  const same = a.every((r, k) => r.every((v, i) => Object.is(v, b[k][i])));
  const m = Object.fromEntries([...times].map(([k, v]) => [k, median(v)]));
  console.log(
    `${`${n}²`.padEnd(7)} ${[...times.keys()].map((k) => `${k} ${m[k].toFixed(1)}`).join(', ')}; ` +
      `prepared ÷ arrays: host ${(m['host, prepared'] / m['host, arrays']).toFixed(2)}, cpu ${(m['cpu, prepared'] / m['cpu, arrays']).toFixed(2)}; ` +
      `GPU results bitwise equal: ${same}`,
  );
}
ctx.destroy();
device.destroy();
process.exit(0);
