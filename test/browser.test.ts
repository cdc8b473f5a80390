import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import type { Browser } from 'puppeteer';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageReport } from './browser/image';
import type { CoreReport } from './engines/core';
import { BOUNDARY_SAMPLE, GRID_SAMPLE, RANDOM_CASES } from './engines/core';
import { BROWSERS, launchBrowser } from './helpers/browsers';

// Headless Chromium and Firefox with WebGPU (SwiftShader without a GPU), pages served from http://127.0.0.1.
let vite: ViteDevServer;
let viteUrl: string;

beforeAll(async () => {
  vite = await createServer({
    configFile: resolve('vite.config.ts'),
    server: { host: '127.0.0.1', port: 0 },
    logLevel: 'error',
    plugins: [crossOriginIsolatedCore()],
  });
  await vite.listen();
  const address = vite.httpServer!.address() as { port: number };
  viteUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await vite?.close();
});

/**
 * Serves the engines' core page cross-origin isolated (COOP same-origin, COEP require-corp), as pages that
 * use SharedArrayBuffer or WebAssembly threads are: only there do browsers expose SharedArrayBuffer. Its
 * scripts are same-origin, so require-corp lets them through.
 */
function crossOriginIsolatedCore(): Plugin {
  return {
    name: 'cross-origin-isolated-core',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        // The page, and the worker module cpuWorkers starts from it (a worker keeps its own headers' isolation).
        if (req.url?.startsWith('/test/browser/index.html') || req.url?.startsWith('/src/cpu-worker.ts')) {
          res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        }
        next();
      });
    },
  };
}

async function openPage(browser: Browser, url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  await page.goto(url);
  return { page, errors };
}

describe.each(BROWSERS)('gpuGradient in headless %s', (name) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(name);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('matches cpuGradient and the numpy fixtures inside the page, with no page errors', async () => {
    const { page, errors } = await openPage(browser, `${viteUrl}/test/browser/index.html`);
    await page.waitForFunction('window.__report !== undefined', { timeout: 300_000 });
    const report = (await page.evaluate('window.__report')) as CoreReport;
    console.log(
      `${name}: adapter "${report.adapter}", ${report.fixtures} fixtures, ${report.extensions} extension fixtures, ` +
        `${report.cases} random cases, ${report.float16} float16 checks, ${report.badInputs} bad inputs in ${(report.ms / 1000).toFixed(1)} s; ms by section: ${JSON.stringify(report.sections)}`,
    );
    expect(report.failures).toEqual([]);
    expect(report.adapter).not.toBe('');
    expect(report.adapter).not.toMatch(/unnamed/);
    expect(report.fixtures).toBeGreaterThan(60);
    expect(report.extensions).toBeGreaterThan(25);
    expect(report.cases).toBe(RANDOM_CASES);
    expect(report.prepared).toBe(3);
    // Both browsers have Float16Array: float16 data in and results out, 59 checks.
    expect(report.hasFloat16).toBe(true);
    expect(report.float16).toBe(59);
    expect(report.laplacian).toBe(28);
    expect(report.perAxis).toBe(16);
    // The page is cross-origin isolated (served with COOP and COEP): SharedArrayBuffer inputs run too.
    expect(report.sharedMemory).toBe(5);
    expect(report.reliability).toBe(3);
    expect(report.realms).toBe(1);
    expect(report.boundaries).toBe(BOUNDARY_SAMPLE.length);
    expect(report.grids).toBe(GRID_SAMPLE.length);
    expect(report.derivatives).toBe(4);
    expect(report.runs).toBe(report.hasFloat16 ? 11 : 10);
    // cpuWorkers: module workers on shared memory, split and bitwise equal to cpuGradient, the cpu fields and cpuHessian.
    expect(report.workers).toBe(6);
    expect(report.views).toBe(2);
    // The real scijs ndarray package's views (transposed, flipped, 4-D) against numpy.
    expect(report.packageViews).toBe(7);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('gpuImageGradient reads every image source the page has, matching cpuImageGradient', async () => {
    const { page, errors } = await openPage(browser, `${viteUrl}/test/browser/image.html`);
    await page.waitForFunction('window.__image !== undefined', { timeout: 120_000 });
    const report = (await page.evaluate('window.__image')) as ImageReport;
    console.log(
      `${name}: image sources checked: ${[...new Set(report.checked)].join(', ')}; missing: ${report.missing.join(', ') || 'none'}`,
    );
    console.log(
      `${name}: a prepared image kernel recording a video's frame: ${report.perFrame}; a VideoFrame: ${report.perFrameVideoFrame}; imports external textures: ${report.imports}`,
    );
    if (name === 'chromium') {
      // Chromium imports frames as external textures: the kernel's texture_external path, checked.
      expect(report.imports).toBe(true);
      expect([report.perFrame, report.perFrameVideoFrame]).toEqual(['ok', 'ok']);
    } else {
      // Firefox 153 neither imports nor copies a video synchronously: the kernel says what to pass instead.
      for (const outcome of [report.perFrame, report.perFrameVideoFrame])
        expect(outcome).toMatch(/^refused \(invalid-data\): .*createImageBitmap/);
    }
    expect(report.failures).toEqual([]);
    expect(new Set(report.checked)).toEqual(
      new Set(['ImageData', 'HTMLCanvasElement', 'ImageBitmap', 'OffscreenCanvas', 'HTMLImageElement', 'VideoFrame', 'HTMLVideoElement']),
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('imports the built dist/index.js without a bundler', async () => {
    const { page, errors, close } = await openDistPage(
      browser,
      `
      import { gpuGradient, cpuGradient } from '/index.js';
      const f = [1, 4, 9, 16, 25];
      window.__out = { gpu: Array.from((await gpuGradient(f, { edgeOrder: 2 }))[0]), cpu: Array.from(cpuGradient(f, { edgeOrder: 2 })[0]) };`,
    );
    await page.waitForFunction('window.__out !== undefined', { timeout: 60_000 });
    const out = (await page.evaluate('window.__out')) as { gpu: number[]; cpu: number[] };
    expect(out.cpu).toEqual([2, 4, 6, 8, 10]); // x² at 1..5, edge order 2: exactly 2x
    expect(out.gpu).toEqual(out.cpu);
    expect(errors).toEqual([]);
    await close();
  }, 120_000);

  // Firefox by default has no navigator.gpu on Linux; with WebGPU enabled but its blocklist kept, no adapter.
  const without = name === 'firefox' ? ([false, 'blocklisted'] as const) : ([false] as const);
  it.each(without)(
    'without WebGPU (%s): gpuGradient rejects with no-webgpu and says what to do in this browser',
    async (webgpu) => {
      const plain = await launchBrowser(name, { webgpu });
      try {
        const { page, close } = await openDistPage(
          plain,
          `
        import { gpuGradient } from '/index.js';
        window.__out = await gpuGradient([1, 2, 3]).then(() => ({ code: 'none' }), (e) => ({ code: e.code, message: e.message }));`,
        );
        await page.waitForFunction('window.__out !== undefined', { timeout: 60_000 });
        const out = (await page.evaluate('window.__out')) as { code: string; message: string };
        expect(out.code).toBe('no-webgpu');
        expect(out.message).toMatch(
          name === 'chromium' ? /chrome:\/\/gpu/ : webgpu === false ? /dom\.webgpu\.enabled/ : /gfx\.webgpu\.ignore-blocklist/,
        );
        console.log(`${name} without WebGPU (${webgpu}): ${out.message}`);
        await close();
      } finally {
        await plain.close();
      }
    },
    120_000,
  );
});

/** A page whose module script is `script`, served beside the built dist/ (no bundler in between). */
async function openDistPage(browser: Browser, script: string) {
  const root = resolve('dist');
  const html = `<!doctype html><link rel="icon" href="data:,"><script type="module">${script}</script>`;
  const server: Server = createHttpServer(async (req, res) => {
    if (req.url === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(html);
      return;
    }
    try {
      const body = await readFile(join(root, req.url!.replace(/\.\.+/g, '')));
      res.setHeader('content-type', 'text/javascript');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  const { page, errors } = await openPage(browser, `http://127.0.0.1:${port}/`);
  return {
    page,
    errors,
    close: async () => {
      await page.close();
      server.close();
    },
  };
}
