// Per-frame image work against a plain copy of the same frame (bench/frame-core.js), in headless Chromium
// (a video frame, imported as an external texture), Firefox (an ImageBitmap frame: it imports no video) and
// Node through Dawn (a texture frame): `npm run build` first.
//   node bench/frame.mjs [--engines chromium,firefox,node] [--size 640x480] [--json FILE]
import { existsSync, writeFileSync } from 'node:fs';
import { value } from './args.mjs';
import { runInBrowser } from './browser-page.mjs';

const engines = value('--engines', 'chromium,firefox,node').split(',');
const [width, height] = value('--size', '640x480').split('x').map(Number);
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !existsSync('/dev/nvidia0') && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;

function browser(name) {
  return runInBrowser(name, {
    timeout: 600_000,
    body: `
      import * as lib from '/dist/index.js';
      import { measureFrames } from '/bench/frame-core.js';
      const adapter = await navigator.gpu.requestAdapter();
      window.__out = { ...(await measureFrames(lib, { width: ${width}, height: ${height}, source: '${name === 'chromium' ? 'video' : 'bitmap'}' })), adapter: lib.describeAdapter(adapter) };`,
  });
}

async function node() {
  const lib = await import(new URL('../dist/index.js', import.meta.url).href);
  const { measureFrames } = await import(new URL('./frame-core.js', import.meta.url).href);
  const result = await measureFrames(lib, { width, height, source: 'texture' });
  const adapter = { info: (await lib.defaultGradient()).device.adapterInfo ?? {} };
  await lib.destroyDefaultGradient();
  return { ...result, adapter: lib.describeAdapter(adapter) };
}

const results = {};
for (const name of engines) {
  const r = name === 'node' ? await node() : await browser(name);
  results[name] = r;
  console.log(
    `${name.padEnd(9)} ${r.adapter}: ${r.width}×${r.height} ${r.source} frame: draw (frame in, convert, Sobel, draw) ${r.drawMs.toFixed(2)} ms, ` +
      `plain copy ${r.copyMs.toFixed(2)} ms = ${r.ratio.toFixed(2)}× the copy`,
  );
}
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
