// Bursts of concurrent small calls, of the kinds that can share a dispatch (the gradient, the Hessian) and
// of those that cannot (two components: divergence, curl, the adjoint; a grid's coordinates; a view
// gathered on the GPU; an image): ms a burst
// through Dawn, and the buffers and bind groups created a call once the burst has been seen, two builds
// alternating burst by burst on one device. A call of a burst that creates buffers pays for them in every
// burst (a buffer costs about 13 µs to create through Dawn on SwiftShader; bench/NOTES.md).
//
//   node bench/bursts.mjs [--dist DIR] [--burst B] [--rounds R] [--size N] [--ops a,b]
//
// --dist DIR: another build (DIR/index.js) beside this one, its contexts on the same device; without it,
// this build alone. Medians over R timed bursts (after two untimed), fresh results, N² float32 (64).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { value } from './args.mjs';
import { nodeDevice } from './node-device.mjs';
import { countDeviceCalls } from './null-device.mjs';

const BURST = Number(value('--burst', 1000));
const ROUNDS = Number(value('--rounds', 10));
const N = Number(value('--size', 64));
const dirs = [['this build', 'dist'], ...(value('--dist') ? [['--dist', value('--dist')]] : [])];

const { adapter, device } = await nodeDevice();
const counts = countDeviceCalls(device, { buffers: 0, bindGroups: 0, writes: 0 });
const builds = [];
for (const [label, dir] of dirs) {
  const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  builds.push({ label, ctx: await lib.createGradient({ device }) });
}
const shape = [N, N];
const f = Float32Array.from({ length: N * N }, (_, i) => Math.sin(i * 0.01));
const g = f.map((x) => 2 * x - 1);
const x = Array.from({ length: N }, (_, i) => i + 0.3 * Math.sin(i));
const frame = { width: N, height: N, data: Uint8ClampedArray.from({ length: 4 * N * N }, (_, i) => 128 + 100 * f[i >> 2]) };
const OPS = {
  gradient: (c) => c.gradient(f, { shape }),
  hessian: (c) => c.hessian(f, { shape }),
  divergence: (c) => c.divergence([f, g], { shape }),
  curl: (c) => c.curl([f, g], { shape }),
  adjoint: (c) => c.gradientAdjoint([f, g], { shape }),
  coordinates: (c) => c.gradient(f, { shape, spacing: [x, x] }),
  // A transposed view (gathered on the GPU from its span) and an ImageData frame (its own texture a call).
  view: (c) => c.gradient({ data: f, shape, stride: [1, N], offset: 0 }),
  image: (c) => c.imageGradient(frame),
};
const ops = value('--ops', Object.keys(OPS).join(',')).split(',');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `bursts of ${BURST} concurrent ${N}² float32 calls, fresh results, through Dawn on ${adapter.info?.description || adapter.info?.vendor || 'an adapter'} (Node ${process.version}); medians of ${ROUNDS}`,
);
console.log(`call         ${builds.map((b) => `${b.label} ms a burst`.padStart(22)).join('')}   buffers / bind groups created a call`);
for (const op of ops) {
  const call = OPS[op];
  const times = builds.map(() => []);
  const created = builds.map(() => ({ buffers: 0, bindGroups: 0 }));
  for (let round = 0; round < ROUNDS + 2; round++) {
    for (let b = 0; b < builds.length; b++) {
      const before = { ...counts };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: BURST }, () => call(builds[b].ctx)));
      const ms = performance.now() - t0;
      if (round < 2) continue; // the first bursts compile pipelines and fill the pool and arenas
      times[b].push(ms);
      created[b].buffers += counts.buffers - before.buffers;
      created[b].bindGroups += counts.bindGroups - before.bindGroups;
    }
  }
  const per = (n) => (n / (ROUNDS * BURST)).toFixed(2);
  const ratio = builds.length > 1 ? `  (${(median(times[0]) / median(times[1])).toFixed(2)}×)` : '';
  console.log(
    `${op.padEnd(12)} ${times.map((t) => median(t).toFixed(1).padStart(22)).join('')}${ratio}   ${created.map((c) => `${per(c.buffers)} / ${per(c.bindGroups)}`).join('  |  ')}`,
  );
}
for (const b of builds) b.ctx.destroy();
process.exit(0);
