// Per-frame image work against a plain copy of the same frame (bench/frame-core.js), in headless Chromium
// and Firefox (an ImageBitmap frame) and in Node through Dawn (a texture frame): `npm run build` first.
//   node bench/frame.mjs [--engines chromium,firefox,node] [--size 640x480] [--json FILE]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const engines = value('--engines', 'chromium,firefox,node').split(',');
const [width, height] = value('--size', '640x480').split('x').map(Number);
const root = resolve('.');
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !existsSync('/dev/nvidia0') && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;

async function browser(name) {
  const { default: puppeteer } = await import('puppeteer');
  const server = createServer((req, res) => {
    const url = req.url.split('?')[0];
    if (url === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><link rel="icon" href="data:,"><script type="module">
        import * as lib from '/dist/index.js';
        import { measureFrames } from '/bench/frame-core.js';
        const adapter = await navigator.gpu.requestAdapter();
        window.__out = { ...(await measureFrames(lib, { width: ${width}, height: ${height} })), adapter: lib.describeAdapter(adapter) };
      </script>`);
      return;
    }
    const path = join(root, url.replace(/\.\.+/g, ''));
    if (!(url.startsWith('/dist/') || url.startsWith('/bench/')) || !existsSync(path)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', extname(path) === '.js' ? 'text/javascript' : 'application/octet-stream');
    res.end(readFileSync(path));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const b =
    name === 'chromium'
      ? await puppeteer.launch({
          executablePath: '/usr/bin/chromium',
          headless: true,
          args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update'],
        })
      : await puppeteer.launch({
          browser: 'firefox',
          executablePath: '/usr/bin/firefox-esr',
          headless: true,
          env: process.env,
          extraPrefsFirefox: { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true },
        });
  try {
    const page = await b.newPage();
    page.on('pageerror', (e) => console.error(`${name} page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction('window.__out !== undefined', { timeout: 600_000 });
    return await page.evaluate('window.__out');
  } finally {
    await b.close();
    server.close();
  }
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
    `${name.padEnd(9)} ${r.adapter}: ${r.width}×${r.height} ${r.source} frame: draw (copy in, convert, Sobel, draw) ${r.drawMs.toFixed(2)} ms, ` +
      `plain copy ${r.copyMs.toFixed(2)} ms = ${r.ratio.toFixed(2)}× the copy`,
  );
}
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
