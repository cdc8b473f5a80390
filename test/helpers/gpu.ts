import { existsSync, readdirSync } from 'node:fs';

/**
 * A WebGPU device for Node tests, through Dawn. Without a hardware Vulkan driver it uses Chromium's
 * SwiftShader. Under CI=true a missing adapter fails the run instead of skipping.
 */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** A GPU the kernel exposes (DRM render node or NVIDIA device); Mesa's ICDs alone do not count. */
function hasHardwareGpu(): boolean {
  return existsSync('/dev/nvidia0') || (existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD')));
}

let gpu: GPU | null = null; // Dawn crashes if this is collected while devices live

/** The environment for a Vulkan WebGPU engine (Dawn, Firefox, Deno): SwiftShader's ICD when no driver is chosen and there is no GPU. */
export function vulkanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && !hasHardwareGpu() && existsSync(SWIFTSHADER_ICD)) {
    return { ...env, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
  }
  return env;
}

export async function nodeGpu(): Promise<GPU | null> {
  if (gpu) return gpu;
  const icd = vulkanEnv().VK_ICD_FILENAMES;
  if (icd) process.env.VK_ICD_FILENAMES = icd;
  const { create } = (await import('webgpu')) as unknown as { create: (flags: string[]) => GPU };
  gpu = create([]);
  return gpu;
}

export interface TestDevice {
  device: GPUDevice;
  adapterName: string;
}

/** Requests a device with the adapter's limits; null (skip) without an adapter, unless CI=true. */
export async function testDevice(): Promise<TestDevice | null> {
  const g = await nodeGpu();
  const adapter = await g?.requestAdapter();
  if (!adapter) {
    if (process.env.CI === 'true')
      throw new Error("CI=true but no WebGPU adapter was found (is SwiftShader from Debian's chromium installed, and libvulkan1?)");
    return null;
  }
  const limits: Record<string, number> = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension'] as const)
    limits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits: limits });
  const info = adapter.info;
  return { device, adapterName: `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim() };
}

/** Runs `body` inside a validation error scope and fails on any validation error. */
export async function inValidationScope<T>(device: GPUDevice, body: () => Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  const outcome = await body().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const validation = await device.popErrorScope();
  if (validation) throw new Error(`GPU validation error: ${validation.message}`);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** `count` floats of `buffer` from byte `byteOffset`, copied through a MAP_READ buffer. */
export async function readFloats(device: GPUDevice, buffer: GPUBuffer, byteOffset: number, count: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: count * 4, usage: 0x0001 | 0x0008 }); // MAP_READ | COPY_DST
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, count * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(0x0001);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return out;
}
