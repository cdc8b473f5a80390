import { createServer as createHttpServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROME_ARGS, findChromium } from './helpers/chrome';
import type { PageReport } from './browser/page';

// Headless Chromium with WebGPU (SwiftShader without a GPU), pages served from http://127.0.0.1.
let browser: Browser;
let vite: ViteDevServer;
let viteUrl: string;

beforeAll(async () => {
  browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROME_ARGS });
  vite = await createServer({ configFile: resolve('vite.config.ts'), server: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
  await vite.listen();
  const address = vite.httpServer!.address() as { port: number };
  viteUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await browser?.close();
  await vite?.close();
});

async function openPage(url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
  await page.goto(url);
  return { page, errors };
}

describe('gpuGradient in headless Chromium', () => {
  it('matches cpuGradient and the numpy fixtures inside the page, with no page errors', async () => {
    const { page, errors } = await openPage(`${viteUrl}/test/browser/index.html`);
    await page.waitForFunction('window.__report !== undefined', { timeout: 300_000 });
    const report = (await page.evaluate('window.__report')) as PageReport;
    console.log(`browser: adapter "${report.adapter}", ${report.fixtures} fixtures, ${report.extensions} extension fixtures, ${report.cases} random cases, ${report.badInputs} bad inputs`);
    if (!report.adapter && process.env.CI !== 'true') console.warn('no WebGPU adapter in Chromium');
    expect(report.failures).toEqual([]);
    expect(report.adapter).not.toBe('');
    expect(report.fixtures).toBeGreaterThan(60);
    expect(report.extensions).toBeGreaterThan(25);
    expect(report.cases).toBe(120);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('imports the built dist/index.js without a bundler', async () => {
    const root = resolve('dist');
    const html = `<!doctype html><link rel="icon" href="data:,"><script type="module">
      import { gpuGradient, cpuGradient } from '/index.js';
      const f = [1, 4, 9, 16, 25];
      window.__out = { gpu: Array.from((await gpuGradient(f, { edgeOrder: 2 }))[0]), cpu: Array.from(cpuGradient(f, { edgeOrder: 2 })[0]) };
    </script>`;
    const server: Server = createHttpServer(async (req, res) => {
      if (req.url === '/') { res.setHeader('content-type', 'text/html'); res.end(html); return; }
      try {
        const body = await readFile(join(root, req.url!.replace(/\.\.+/g, '')));
        res.setHeader('content-type', 'text/javascript');
        res.end(body);
      } catch { res.statusCode = 404; res.end(); }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    const { page, errors } = await openPage(`http://127.0.0.1:${port}/`);
    await page.waitForFunction('window.__out !== undefined', { timeout: 60_000 });
    const out = (await page.evaluate('window.__out')) as { gpu: number[]; cpu: number[] };
    expect(out.cpu).toEqual([2, 4, 6, 8, 10]); // x² at 1..5, edge order 2: exactly 2x
    expect(out.gpu).toEqual(out.cpu);
    expect(errors).toEqual([]);
    await page.close();
    server.close();
  }, 120_000);
});
