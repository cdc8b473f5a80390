// Per-call latency of a small gpuGradient (and gpuHessian) in every engine, side by side with a bare round trip of the
// same bytes in the same engine (bench/latency-core.js): Node (Dawn), Bun (Dawn), Deno (wgpu), headless
// Chromium (Dawn) and headless Firefox (wgpu). Needs dist/ (npm run build), Debian's chromium and
// firefox-esr, and the deno/bun devDependencies. Without a GPU every engine runs on SwiftShader.
//
//   node bench/latency.mjs [--engines node,bun,deno,chromium,firefox] [--batch 1000] [--json FILE] [--dist DIR]
//
// --dist DIR measures another build of the library (DIR/index.js, e.g. an older commit's dist).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { value } from './args.mjs';
import { runInBrowser } from './browser-page.mjs';

const engines = value('--engines', 'node,bun,deno,chromium,firefox').split(',');
const batch = Number(value('--batch', 1000));
const dist = value('--dist', 'dist');
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const hasGpu = existsSync('/dev/nvidia0') || (existsSync('/dev/dri') && execFileSync('ls', ['/dev/dri']).toString().includes('renderD'));
const env = {
  ...process.env,
  ...(!process.env.VK_ICD_FILENAMES && !hasGpu && existsSync(SWIFTSHADER) ? { VK_ICD_FILENAMES: SWIFTSHADER } : {}),
};

// One script for the runtimes, on the library's default device.
const runtimeScript = `
  const lib = await import(${JSON.stringify(new URL(`../${dist}/index.js`, import.meta.url).href)});
  const { measureLatency } = await import(${JSON.stringify(new URL('./latency-core.js', import.meta.url).href)});
  const { defaultContextOf } = await import(${JSON.stringify(new URL('./record-kernel.js', import.meta.url).href)});
  const result = await measureLatency(lib, { batch: ${batch} });
  // Deno (wgpu) names its adapter through navigator.gpu; Dawn in Node and Bun through device.adapterInfo.
  const adapter = (await globalThis.navigator?.gpu?.requestAdapter()) ?? { info: (await defaultContextOf(lib).get()).device.adapterInfo ?? {} };
  console.log('LATENCY ' + JSON.stringify({ ...result, adapter: lib.describeAdapter(adapter) }));
  await defaultContextOf(lib).destroy();
  process.exit(0);`;

function runtime(name) {
  mkdirSync('scratch', { recursive: true });
  const file = resolve('scratch/latency-runtime.mjs');
  writeFileSync(file, runtimeScript);
  const [bin, pre] = {
    node: [process.execPath, []],
    bun: [resolve('node_modules/.bin/bun'), []],
    deno: [resolve('node_modules/.bin/deno'), ['run', '-A']],
  }[name];
  // Bun 1.4.5 aborts in Dawn's teardown at exit (after printing): the printed line is what counts.
  const run = spawnSync(bin, [...pre, file], { env, encoding: 'utf8', timeout: 600_000 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('LATENCY '));
  if (!line) throw new Error(`${name} printed no result:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line.slice(8));
}

function browser(name) {
  return runInBrowser(name, {
    dist,
    env,
    body: `
      import * as lib from '/${dist}/index.js';
      import { measureLatency } from '/bench/latency-core.js';
      const adapter = await navigator.gpu.requestAdapter();
      window.__out = { ...(await measureLatency(lib, { batch: ${batch} })), adapter: lib.describeAdapter(adapter) };`,
  });
}

const results = {};
for (const name of engines) {
  results[name] = ['chromium', 'firefox'].includes(name) ? await browser(name) : runtime(name);
  const r = results[name];
  const p = r.phases
    ? ` [upload ${r.phases.uploadMs.toFixed(3)}, record ${r.phases.recordMs.toFixed(3)}, wait ${r.phases.waitMs.toFixed(3)}, download ${r.phases.downloadMs.toFixed(3)}]`
    : '';
  console.log(
    `${name.padEnd(9)} ${r.adapter}: bare round trip ${r.bareMs.toFixed(3)} ms (poked ${r.pokedBareMs.toFixed(3)}, with our kernel ${r.kernelTripMs?.toFixed(3)}), ` +
      `64² gpuGradient ${r.callMs.toFixed(3)} ms = ${r.callOverBare.toFixed(2)}× bare` +
      // Issue 26's target 3 is this second ratio: the call against the same round trip with our kernel in it.
      `${r.kernelTripMs ? ` = ${(r.callMs / r.kernelTripMs).toFixed(2)}× with our kernel` : ''}${p}; ${r.batch} calls sequential ${r.sequentialMs.toFixed(0)} ms, ` +
      `concurrent ${r.concurrentMs.toFixed(0)} ms = ${r.concurrentSpeedup.toFixed(1)}× throughput`,
  );
  const h = r.hessian;
  console.log(
    `${''.padEnd(9)} 64² gpuHessian ${h.callMs.toFixed(3)} ms = ${h.callOverKernelTrip.toFixed(2)}× the round trip with its kernel (${h.kernelTripMs.toFixed(3)}); ` +
      `${r.batch} calls sequential ${h.sequentialMs.toFixed(0)} ms, concurrent ${h.concurrentMs.toFixed(0)} ms = ${h.concurrentSpeedup.toFixed(1)}× throughput`,
  );
}
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), batch, results }, null, 2));
