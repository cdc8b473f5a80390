import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSERS, launchBrowser } from './helpers/browsers';

// The demo page end to end: vite's dev server in demo mode, headless Chromium and Firefox, each with and
// without WebGPU.
// Screenshots go to test-output/ (git-ignored).
let vite: ViteDevServer;
let url: string;
const shots = resolve('test-output');

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  vite = await createServer({
    configFile: resolve('vite.config.ts'),
    mode: 'demo',
    server: { host: '127.0.0.1', port: 0 },
    logLevel: 'error',
  });
  await vite.listen();
  url = `http://127.0.0.1:${(vite.httpServer!.address() as { port: number }).port}/`;
});
afterAll(async () => {
  await vite?.close();
});

async function openDemo(browser: Browser, width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const errors: string[] = [];
  // Count maps (readbacks) the page makes, except the live panel's GPU-time reading (every 30 frames,
  // labelled 'demo GPU time'): the frames themselves must make none.
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { __maps: number; __mapStacks: string[] };
    w.__maps = 0;
    w.__mapStacks = [];
    if (typeof GPUBuffer === 'undefined') return;
    const mapAsync = GPUBuffer.prototype.mapAsync;
    GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
      if (this.label === 'demo GPU time') return mapAsync.apply(this, args);
      w.__maps++;
      w.__mapStacks.push(`${performance.now().toFixed(0)} ms: ${new Error().stack?.split('\n').slice(2, 7).join(' < ')}`);
      return mapAsync.apply(this, args);
    };
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 300_000 });
  return { page, errors };
}

const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? '');

/** Fraction of the canvas's pixels that differ from its first pixel: 0 means blank. */
const nonBlank = (page: Page, selector: string) =>
  page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let differ = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) differ++;
    return differ / (d.length / 4);
  });

/**
 * The live panel's frame count, and a summary of its output as it appears on screen (a screenshot of the
 * canvas, decoded by the page: Chromium gave a WebGPU canvas back as black through drawImage): the
 * fraction of non-black pixels and a checksum.
 */
async function liveFrame(page: Page): Promise<{ frames: number; lit: number; sum: number; mode: string }> {
  const shot = await (await page.$('#live canvas'))!.screenshot({ encoding: 'base64' });
  return page.evaluate(async (png) => {
    const live = (window as unknown as { __live: { frames: number; mode: string } }).__live;
    const image = new Image();
    image.src = `data:image/png;base64,${png}`;
    await image.decode();
    const copy = document.createElement('canvas');
    copy.width = image.width;
    copy.height = image.height;
    const g = copy.getContext('2d')!;
    g.drawImage(image, 0, 0);
    const d = g.getImageData(0, 0, copy.width, copy.height).data;
    let lit = 0,
      sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] + d[i + 1] + d[i + 2] > 30) lit++;
      sum = (sum * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1_000_000_007;
    }
    return { frames: live.frames, lit: lit / (d.length / 4), sum, mode: live.mode };
  }, shot as string);
}

/** Frames advance, the output is drawn and changes, and (`maps`) no map happens while they do. */
async function checkLive(page: Page, label: string, minLit = 0.01) {
  const maps = () => page.evaluate(() => (window as unknown as { __maps?: number }).__maps ?? 0);
  const first = await liveFrame(page);
  const mapsBefore = await maps();
  await page.waitForFunction(
    (n) => (window as unknown as { __live: { frames: number } }).__live.frames >= n,
    { timeout: 120_000 },
    first.frames + 10,
  );
  const later = await liveFrame(page);
  const stacks = await page.evaluate(() => (window as unknown as { __mapStacks: string[] }).__mapStacks);
  expect(
    await maps(),
    `${label}: maps while ${later.frames - first.frames} frames were drawn: ${stacks.slice(mapsBefore).join('\n')}`,
  ).toBe(mapsBefore);
  expect(later.lit, `${label}: lit fraction of the output`).toBeGreaterThan(minLit);
  expect(later.sum, `${label}: the output changes between frames`).not.toBe(first.sum);
  return later;
}

async function checkPanels(page: Page) {
  const states = await page.$$eval('section.panel', (s) => s.map((e) => `${e.id}:${(e as HTMLElement).dataset.state}`));
  expect(states).toEqual(['tutorial:done', 'field:done', 'image:done', 'sphere:done', 'denoise:done', 'speed:done', 'live:done']);
  const tutorial = await text(page, '#tutorial tbody');
  expect(tutorial).toContain('5, 6, 8, 10, 11');
  expect(tutorial).toContain('4, 6, 8, 10, 12');
  expect(await nonBlank(page, '#image figure:nth-child(2) canvas')).toBeGreaterThan(0.02);
  expect(await nonBlank(page, '#image figure:nth-child(3) canvas')).toBeGreaterThan(0.02);
  expect(await nonBlank(page, '#field canvas')).toBeGreaterThan(0.2);
  expect(await text(page, '#field .message')).toMatch(/max \|∇f\| = /);
  // The globe: both maps drawn, and the results within 1 % of the closed-form vorticity and divergence.
  for (const k of [1, 2]) expect(await nonBlank(page, `#sphere figure:nth-child(${k}) canvas`)).toBeGreaterThan(0.2);
  const sphere = await text(page, '#sphere .message');
  expect(sphere).toMatch(/of a 721 × 1440 wind field on the sphere/);
  const [, errV, errD] = /vorticity (\S+), divergence (\S+) \(/.exec(sphere) ?? [];
  expect(Number(errV), sphere).toBeLessThan(0.01);
  expect(Number(errD), sphere).toBeLessThan(0.01);
  // Denoising: the loss falls and the image gets closer to the clean one by at least 3 dB.
  const denoise = await text(page, '#denoise .message');
  const [, before, after] = /PSNR against the clean image (\S+) dB → (\S+) dB/.exec(denoise) ?? [];
  expect(Number(after) - Number(before), denoise).toBeGreaterThan(3);
  for (const k of [1, 2]) expect(await nonBlank(page, `#denoise figure:nth-child(${k}) canvas`)).toBeGreaterThan(0.2);
  // Every timing is a real number (Firefox's coarse clock once gave 0.0 ms and Infinity GB/s).
  expect(await text(page, '#speed tbody')).toMatch(/\d+\.\d+ ms/);
  expect(await text(page, '#speed tbody')).not.toMatch(/Infinity|NaN| 0\.00 ms/);
}

describe.each(BROWSERS)('demo page in %s', (name) => {
  it("works with WebGPU: every panel finishes, the tutorial shows numpy's real output, pictures are drawn", async () => {
    const browser = await launchBrowser(name);
    try {
      const { page, errors } = await openDemo(browser, 1280, 800);
      await checkPanels(page);
      // The live panel: frames drawn on the GPU with no map (readback) per frame, the picture moving.
      const live = await checkLive(page, `${name} live`);
      console.log(`${name}: live panel: ${live.mode}`);
      // Chromium imports each frame as an external texture; Firefox has no importExternalTexture and copies
      // no video, so the panel detects that and draws an ImageBitmap of each frame.
      expect(live.mode).toMatch(name === 'chromium' ? /the video element, recorded directly/ : /ImageBitmap of each frame/);
      // Both adapters here have timestamp queries: the panel shows the GPU time of a frame's passes.
      await page.waitForFunction(() => Number.isFinite((window as unknown as { __live: { gpuMs: number } }).__live.gpuMs), {
        timeout: 60_000,
      });
      expect(await text(page, '#live .message')).toMatch(/GPU time of a frame's passes \d+\.\d+ ms \(timestamp queries\)/);
      expect(await page.$eval('body', (b) => b.dataset.backend)).toBe('gpu');
      expect(await text(page, '#speed .adapter')).toMatch(/^WebGPU adapter: \S+/);
      expect(await text(page, '#speed .adapter')).not.toMatch(/unnamed/);
      expect(await text(page, '#tutorial tbody')).toContain('gpuGradient, edge order 1');
      // Typing another expression redraws the field.
      await page.$eval('#field input[name=expr]', (el) => {
        (el as HTMLInputElement).value = 'sin(x) * cos(y)';
        el.dispatchEvent(new Event('input'));
      });
      await page.waitForFunction(() => document.querySelector('#field .message')?.textContent?.includes('max'), { timeout: 60_000 });
      // The image panel's operator switch: Sobel through gpuImageGradient, spacing and edge order disabled.
      await page.select('#image select[name=operator]', 'sobel');
      await page.waitForFunction(() => document.querySelector('#image .message')?.textContent?.includes('Sobel'), { timeout: 60_000 });
      expect(await text(page, '#image .message')).toMatch(/gpuImageGradient \(magnitude\)/);
      expect(await page.$eval('#image input[name=step]', (el) => (el as HTMLInputElement).disabled)).toBe(true);
      expect(await nonBlank(page, '#image figure:nth-child(2) canvas')).toBeGreaterThan(0.02);
      await page.screenshot({ path: `${shots}/demo-${name}-webgpu.png`, fullPage: true });
      await page.setViewport({ width: 390, height: 844 });
      await page.screenshot({ path: `${shots}/demo-${name}-phone.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 600_000);

  it('without WebGPU: a banner says why and every panel still works through cpuGradient', async () => {
    const browser = await launchBrowser(name, { webgpu: false });
    try {
      const { page, errors } = await openDemo(browser, 1280, 800);
      expect(await page.$eval('body', (b) => b.dataset.backend)).toBe('cpu');
      await checkLive(page, `${name} live without WebGPU`);
      expect(await page.$eval('#banner', (b) => b.className)).toContain('warn');
      expect(await text(page, '#banner')).toMatch(/WebGPU is not available.*Why: /);
      await checkPanels(page);
      expect(await text(page, '#speed .adapter')).toMatch(/^No WebGPU: /);
      await page.screenshot({ path: `${shots}/demo-${name}-no-webgpu.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 600_000);
});

describe.each(BROWSERS)('live panel with a fake camera in %s', (name) => {
  it("the camera's frames are drawn, on the GPU where the browser presents WebGPU canvases, with no map per frame", async () => {
    const browser = await launchBrowser(name, {
      chromiumArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
      firefoxPrefs: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true },
    });
    try {
      const { page, errors } = await openDemo(browser, 1280, 800);
      await page.click('#live button[name=camera]');
      await page.waitForFunction(() => document.querySelector('#live .source')?.textContent === 'your camera', { timeout: 60_000 });
      // Fake cameras show mostly flat colour (Firefox's a green field): few edges, but some.
      const live = await checkLive(page, `${name} fake camera`, 0.001);
      console.log(`${name}: fake camera: ${live.mode}`);
      await page.screenshot({ path: `${shots}/demo-${name}-camera.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
