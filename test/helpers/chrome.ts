import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function hasVulkanLoader(): boolean {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1');
  }
}

function chromiumPath(): string | null {
  for (const p of [process.env.CHROME_PATH, '/usr/bin/chromium']) if (p && existsSync(p)) return p;
  return null;
}

/**
 * Makes sure the GPU tests can run: Chromium (CHROME_PATH, then Debian's /usr/bin/chromium, whose
 * package also ships SwiftShader) and the Vulkan loader that Dawn needs in Node. Missing ones are
 * installed from Debian's packages when we run as root with apt-get; otherwise this stops with
 * instructions.
 */
export function ensureSystemPackages(): void {
  const missing = [...(chromiumPath() ? [] : ['chromium', 'fonts-liberation']), ...(hasVulkanLoader() ? [] : ['libvulkan1'])];
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log(`installing Debian packages for the GPU tests: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
    return;
  }
  throw new Error(`Missing ${missing.join(' and ')}. Install them (Debian/Ubuntu: sudo apt-get install ${missing.join(' ')}), `
    + 'or set CHROME_PATH to a Chrome/Chromium binary.');
}

export function findChromium(): string {
  ensureSystemPackages();
  return chromiumPath()!;
}

/** Flags for headless Chromium with WebGPU (SwiftShader when there is no GPU) on a closed network. */
export const CHROME_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
