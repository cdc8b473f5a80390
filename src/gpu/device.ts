import { GradientError } from '../errors';

/**
 * Finding a WebGPU device: `navigator.gpu` in browsers (and in runtimes that provide it); in Node, the
 * optional peer dependency `webgpu` (Dawn), imported only when needed so the library loads without it.
 */

// Dawn crashes if the object `create()` returned is collected while its devices live: keep it here.
let dawnGpu: GPU | null = null;

const isNode = !!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;

async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (dawnGpu) return dawnGpu;
  if (isNode) {
    let mod: { create: (flags: string[]) => GPU };
    try {
      const name = 'webgpu';
      mod = await import(/* @vite-ignore */ name);
    } catch (e) {
      throw new GradientError('no-webgpu',
        `WebGPU is not available: in Node install the optional peer dependency "webgpu" (npm install webgpu); import failed: ${(e as Error).message}`);
    }
    dawnGpu = mod.create([]);
    return dawnGpu;
  }
  const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
  throw new GradientError('no-webgpu', secure === false
    ? 'WebGPU is not available: navigator.gpu exists only in secure contexts (https:// or http://localhost); serve the page from one'
    : 'WebGPU is not available in this browser: use a current Chrome, Edge or Safari 26+, or Firefox 141+ (enable WebGPU if your browser needs a flag), or fall back to cpuGradient');
}

const WANTED_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
] as const;

/** A new device with the adapter's highest limits for what this library uses. */
export async function requestGradientDevice(): Promise<GPUDevice> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GradientError('no-webgpu', 'WebGPU is present but no GPU adapter was found (no supported GPU or driver; in Node without a GPU, point VK_ICD_FILENAMES at a software Vulkan driver such as SwiftShader)');
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredLimits, label: 'webgpu-gradient' });
  return device;
}

/** Drops the Dawn instance (Node only) so the process can exit once its devices are destroyed. */
export function releaseDawn(): void {
  dawnGpu = null;
}
