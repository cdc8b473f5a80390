// What recording prepared kernels into a command encoder costs the host CPU, frame after frame with the
// same buffers and textures (a render or simulation loop): a 64² gradient kernel's encode, a 64² image
// kernel's encode and draw, a prepared Hessian's encode, and a bare encoder for scale. Each record goes
// into an encoder of its own, finished and never submitted, so only the recording is timed. Through Dawn
// by default (its createBindGroup and pass calls are real), or on a null device (`--null`: the library's
// JavaScript alone). Device calls are counted per record. Builds run in processes of their own, alternating.
//
//   node bench/record-calls.mjs [--null] [--dist DIR] [--processes P] [--rounds R] [--records N] [--size S]
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { args, flag, value } from './args.mjs';
import { comparedBuilds, printResult, runAlternating } from './child-runs.mjs';
import { nodeDevice } from './node-device.mjs';
import { countDeviceCalls, limitsOf, nullDevice } from './null-device.mjs';

const NULL = flag('--null');
const ROUNDS = Number(value('--rounds', 5));
const RECORDS = Number(value('--records', NULL ? 20000 : 2000));
const S = Number(value('--size', 64));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const CASES = ['bare encoder', 'kernel encode', 'image encode', 'image draw', 'hessian encode'];
const STORAGE = 0x80 | 0x8 | 0x4; // STORAGE | COPY_DST | COPY_SRC

const { adapter, device: real } = await nodeDevice();

async function child(dir) {
  const lib = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const device = NULL ? nullDevice(limitsOf(real)) : real;
  const counts = countDeviceCalls(device, { writes: 0, bindGroups: 0, buffers: 0 });
  const ctx = await lib.createGradient({ device });
  const buffer = (size) => device.createBuffer({ size, usage: STORAGE });
  const kernel = await ctx.prepare({ shape: [S, S] });
  const image = await ctx.prepareImage({ width: S, height: S });
  const hessian = await ctx.prepareDerivatives({ shape: [S, S], hessian: true });
  const input = buffer(S * S * 4);
  const outputs = [buffer(kernel.outputLayout.totalBytes), buffer(image.outputLayout.totalBytes), buffer(hessian.layout.outputBytes)];
  const texture = (usage) => device.createTexture({ size: [S, S], format: 'rgba8unorm', usage });
  const source = texture(0x4 | 0x2); // TEXTURE_BINDING | COPY_DST
  const target = texture(0x8 | 0x1); // STORAGE_BINDING | COPY_SRC
  const record = {
    'bare encoder': () => {},
    'kernel encode': (e) => kernel.encode(e, { input, output: outputs[0] }),
    'image encode': (e) => image.encode(e, { source, output: outputs[1] }),
    'image draw': (e) => image.draw(e, { source, target, scale: 3 }),
    'hessian encode': (e) => hessian.encode(e, { input, output: outputs[2] }),
  };
  const rows = {};
  for (const name of CASES) {
    const once = () => {
      const e = device.createCommandEncoder();
      record[name](e);
      e.finish();
    };
    for (let i = 0; i < Math.min(RECORDS, 500); i++) once(); // warm-up
    const times = [];
    let perRecord = null;
    for (let r = 0; r < ROUNDS; r++) {
      const before = { ...counts };
      const t0 = performance.now();
      for (let i = 0; i < RECORDS; i++) once();
      times.push(((performance.now() - t0) / RECORDS) * 1e3);
      perRecord = Object.fromEntries(Object.keys(counts).map((k) => [k, (counts[k] - before[k]) / RECORDS]));
    }
    rows[name] = { times, perRecord };
  }
  printResult(rows);
}

if (value('--child')) await child(value('--child'));

const builds = comparedBuilds();
const PROCESSES = Number(value('--processes', 3));
real.destroy();
const runs = runAlternating(
  fileURLToPath(import.meta.url),
  args,
  builds.map(([, dir]) => dir),
  PROCESSES,
);
const name = [adapter.info?.vendor, adapter.info?.architecture, adapter.info?.description].filter(Boolean).join(' ') || 'adapter';
console.log(
  `host CPU per record of a ${S}² prepared kernel, ${NULL ? `null device (limits of ${name})` : `Dawn on ${name}`}, Node ${process.version}, medians of ${PROCESSES} processes × ${ROUNDS} rounds, builds alternating`,
);
console.log(
  `${'record'.padEnd(16)}${builds.map(([label]) => ` ${label} µs`.padStart(22)).join('')}${builds.length > 1 ? '   ratio' : ''}   writes / bind groups / buffers a record`,
);
for (const key of CASES) {
  const m = runs.map((r) => median(r.flatMap((x) => x[key].times)));
  const ratio = m.length > 1 ? `${(m[0] / m[1]).toFixed(2)}`.padStart(8) : '';
  const calls = runs.map((r) => {
    const c = r.at(-1)[key].perRecord;
    return `${c.writes.toFixed(2)} / ${c.bindGroups.toFixed(2)} / ${c.buffers.toFixed(2)}`;
  });
  console.log(`${key.padEnd(16)}${m.map((x) => x.toFixed(2).padStart(22)).join('')}${ratio}   ${calls.join('  |  ')}`);
}
