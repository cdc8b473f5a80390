import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer';
import { vulkanEnv } from './gpu';

/**
 * The browsers the suites run in, from Debian's packages: Chromium (Dawn, which ships SwiftShader) and
 * Firefox ESR (wgpu), both headless, both on SwiftShader's Vulkan when there is no GPU, driven by the
 * project's puppeteer (CDP for Chromium, WebDriver BiDi for Firefox; it never downloads a browser).
 */
export type BrowserName = 'chromium' | 'firefox';
export const BROWSERS: readonly BrowserName[] = ['chromium', 'firefox'];

function hasVulkanLoader(): boolean {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1');
  }
}

const firstExisting = (...paths: (string | undefined)[]) => paths.find((p) => p && existsSync(p)) ?? null;
const chromiumPath = () => firstExisting(process.env.CHROME_PATH, '/usr/bin/chromium');
const firefoxPath = () => firstExisting(process.env.FIREFOX_PATH, '/usr/bin/firefox-esr');

/**
 * Makes sure the GPU tests can run: Chromium (CHROME_PATH, then Debian's /usr/bin/chromium, whose
 * package also ships SwiftShader), Firefox ESR (FIREFOX_PATH, then /usr/bin/firefox-esr) and the Vulkan
 * loader that Dawn needs in Node. Missing ones are installed from Debian's packages when we run as root
 * with apt-get; otherwise this stops with instructions.
 */
export function ensureSystemPackages(): void {
  const missing = [
    ...(chromiumPath() ? [] : ['chromium', 'fonts-liberation']),
    ...(firefoxPath() ? [] : ['firefox-esr']),
    ...(hasVulkanLoader() ? [] : ['libvulkan1']),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log(`installing Debian packages for the GPU tests: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
    return;
  }
  throw new Error(
    `Missing ${missing.join(' and ')}. Install them (Debian/Ubuntu: sudo apt-get install ${missing.join(' ')}), ` +
      "or set CHROME_PATH / FIREFOX_PATH to the browsers' binaries.",
  );
}

/** Flags for headless Chromium with WebGPU (SwiftShader when there is no GPU) on a closed network. */
export const CHROME_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Chromium's compositor on Vulkan (ANGLE on Vulkan): without it, presenting any WebGPU canvas lost the
  // device on SwiftShader (a bare clear-and-present loop; scratch probe, 2026-11-27).
  '--enable-features=Vulkan',
  '--use-angle=vulkan',
];

/** Firefox's WebGPU switches: off by default on Linux, and SwiftShader is blocklisted without the second. */
const FIREFOX_WEBGPU_PREFS = { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true };

/**
 * A headless browser. `webgpu: false` starts it the way a user without WebGPU has it: Chromium with the
 * feature disabled, Firefox with its default prefs (no navigator.gpu on Linux). 'blocklisted' is
 * Firefox with WebGPU enabled but the blocklist kept: navigator.gpu exists, requestAdapter() gives null
 * and the console says "WebGPU is disabled by blocklist".
 */
export async function launchBrowser(
  name: BrowserName,
  { webgpu = true as boolean | 'blocklisted', chromiumArgs = [] as string[], firefoxPrefs = {} as Record<string, unknown> } = {},
): Promise<Browser> {
  ensureSystemPackages();
  if (name === 'chromium') {
    const args =
      webgpu === true ? CHROME_ARGS : CHROME_ARGS.filter((a) => a !== '--enable-unsafe-webgpu').concat('--disable-features=WebGPU');
    // The compositor on Vulkan needs a Vulkan driver too: SwiftShader's, where the machine has no GPU.
    return puppeteer.launch({ executablePath: chromiumPath()!, headless: true, args: [...args, ...chromiumArgs], env: vulkanEnv() });
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath()!,
    headless: true,
    extraPrefsFirefox: {
      ...(webgpu === true ? FIREFOX_WEBGPU_PREFS : webgpu === 'blocklisted' ? { 'dom.webgpu.enabled': true } : {}),
      ...firefoxPrefs,
    },
    env: vulkanEnv(), // Firefox finds no Vulkan driver on a machine without a GPU unless pointed at SwiftShader's
  });
}
