// A transposed view against the same array contiguous, through ctx.gradient with `out`, side by side in
// one run: host phases (upload + record + download, from stats().transfer) and wall time, medians of
// alternating calls. float32 views with a compact span are gathered on the GPU (src/gpu/gather.ts);
// float64 ones on the host while the upload is written. A sampled check against cpuGradient guards each row.
//
//   node bench/views.mjs [--size 4096] [--trials 5] [--json FILE]
import { writeFileSync } from 'node:fs';
import { cpuGradient, createGradient, describeAdapter } from '../dist/index.js';
import { value } from './args.mjs';
import { nodeDevice } from './node-device.mjs';

const N = Number(value('--size', 4096));
const TRIALS = Number(value('--trials', 5));
const { adapter, device } = await nodeDevice();
const ctx = await createGradient({ device });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];
console.log(`adapter: ${describeAdapter(adapter)}; ${N}x${N}, ${TRIALS} trials, out given`);
for (const Type of [Float32Array, Float64Array]) {
  const data = Type.from({ length: N * N }, (_, i) => Math.sin(i * 1e-3) + (i % 7) * 0.25);
  const view = { data, shape: [N, N], stride: [1, N], offset: 0 }; // the transpose of data's [N, N]
  const out = [new Float32Array(N * N), new Float32Array(N * N)];
  const phases = { contiguous: [], view: [] };
  for (let t = 0; t < TRIALS + 1; t++) {
    for (const name of ['contiguous', 'view']) {
      const before = { ...ctx.stats().transfer };
      const t0 = performance.now();
      await ctx.gradient(name === 'view' ? view : data, { ...(name === 'view' ? {} : { shape: [N, N] }), out });
      const ms = performance.now() - t0;
      const after = ctx.stats().transfer;
      const d = (k) => after[k] - before[k];
      if (t > 0) phases[name].push({ ms, host: d('uploadMs') + d('recordMs') + d('downloadMs'), gathers: d('gpuGathers') });
      if (name === 'view' && t === 0) {
        // Sampled check: element (i, j) of the view is data[j·N + i].
        const ref = cpuGradient(data, { shape: [N, N] });
        for (let s = 0; s < 2000; s++) {
          const i = (s * 7919) % N,
            j = (s * 104729) % N;
          for (const [k, refAxis] of [
            [0, 1],
            [1, 0],
          ]) {
            const want = ref[refAxis][j * N + i];
            if (Math.abs(out[k][i * N + j] - want) > 1e-4 * (1 + Math.abs(want)))
              throw new Error(`view ${Type.name} (${i}, ${j}) axis ${k}`);
          }
        }
      }
    }
  }
  const m = (name, key) => median(phases[name].map((p) => p[key]));
  const row = {
    type: Type.name,
    contiguousHostMs: m('contiguous', 'host'),
    viewHostMs: m('view', 'host'),
    hostRatio: m('view', 'host') / m('contiguous', 'host'),
    contiguousMs: m('contiguous', 'ms'),
    viewMs: m('view', 'ms'),
    totalRatio: m('view', 'ms') / m('contiguous', 'ms'),
    gatheredOnGpu: phases.view.every((p) => p.gathers > 0),
  };
  rows.push(row);
  console.log(
    `${Type.name}: host phases ${row.viewHostMs.toFixed(1)} vs ${row.contiguousHostMs.toFixed(1)} ms (${row.hostRatio.toFixed(2)}x), ` +
      `call ${row.viewMs.toFixed(1)} vs ${row.contiguousMs.toFixed(1)} ms (${row.totalRatio.toFixed(2)}x), gathered on the ${row.gatheredOnGpu ? 'GPU' : 'host'}`,
  );
}
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify({ adapter: describeAdapter(adapter), size: N, trials: TRIALS, rows }, null, 2));
ctx.destroy();
device.destroy();
