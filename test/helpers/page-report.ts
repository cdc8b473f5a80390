import { resolve } from 'node:path';
import type { Browser } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import { launchBrowser } from './browsers';

/**
 * Serves the repository with vite's dev server, opens `page` (a path under it) in headless Chromium and
 * waits for the page to set `window[global]`: the report a test then checks. Page errors are appended to
 * the report's `errors`. `close()` stops the browser and the server.
 */
export async function pageReport<R extends { errors: string[] }>(
  page: string,
  global: string,
): Promise<{ report: R; close(): Promise<void> }> {
  const vite: ViteDevServer = await createServer({
    configFile: resolve('vite.config.ts'),
    server: { host: '127.0.0.1', port: 0 },
    logLevel: 'error',
  });
  let browser: Browser | undefined;
  try {
    await vite.listen();
    const { port } = vite.httpServer!.address() as { port: number };
    browser = await launchBrowser('chromium');
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
    await tab.goto(`http://127.0.0.1:${port}/${page}`);
    await tab.waitForFunction(`window.${global} !== undefined`, { timeout: 240_000 });
    const report = (await tab.evaluate(`window.${global}`)) as R;
    report.errors.push(...errors);
    const opened = browser;
    return {
      report,
      async close() {
        await opened.close();
        await vite.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await vite.close();
    throw error;
  }
}
