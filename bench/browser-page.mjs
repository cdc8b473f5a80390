// Runs a benchmark module in headless Chromium or Firefox: a page on http://127.0.0.1 (WebGPU needs a
// secure context) whose module script `body` sets window.__out, with the repository's `dist`-like folder
// and bench/ served as files. Resolves to window.__out.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';

export async function runInBrowser(name, { body, dist = 'dist', env = process.env, timeout = 1_800_000 }) {
  const { default: puppeteer } = await import('puppeteer'); // not on GPU machines, which run only the runtimes
  const root = resolve('.');
  const server = createServer((req, res) => {
    const url = req.url.split('?')[0];
    if (url === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><link rel="icon" href="data:,"><script type="module">${body}</script>`);
      return;
    }
    const path = join(root, url.replace(/\.\.+/g, ''));
    if (!(url.startsWith(`/${dist}/`) || url.startsWith('/bench/')) || !existsSync(path)) {
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
          protocolTimeout: timeout,
          env,
          // The compositor on Vulkan, as the tests run Chromium (its default flags on SwiftShader can neither
          // present a WebGPU canvas nor import a video frame).
          args: [
            '--enable-unsafe-webgpu',
            '--no-sandbox',
            '--disable-background-networking',
            '--disable-component-update',
            '--enable-features=Vulkan',
            '--use-angle=vulkan',
          ],
        })
      : await puppeteer.launch({
          browser: 'firefox',
          executablePath: '/usr/bin/firefox-esr',
          headless: true,
          env,
          protocolTimeout: timeout,
          extraPrefsFirefox: { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true },
        });
  try {
    const page = await b.newPage();
    page.on('pageerror', (e) => console.error(`${name} page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction('window.__out !== undefined', { timeout });
    return await page.evaluate('window.__out');
  } finally {
    await b.close();
    server.close();
  }
}
