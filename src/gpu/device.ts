import { GradientError } from '../errors.js';

/**
 * Finding a WebGPU device: `navigator.gpu` in browsers (and in runtimes that provide it); in Node, the
 * optional peer dependency `webgpu` (Dawn), imported only when needed so the library loads without it.
 */

// Dawn crashes if the object `create()` returned is collected while its devices live, or while it still
// has events to deliver: destroyDefaultGradient() right after a first call let it go with a pipeline
// compile, error scopes and maps still pending, and the process died soon after (SIGSEGV in
// InstanceBase::ProcessEvents, or SIGABRT: every run of a destroy 1 ms after the call, webgpu 0.6.2;
// test/processes/destroy-timing.mjs).
// So it is kept here and dropped (releaseDawn) only once every device requested from it is destroyed or
// lost, every Dawn promise the library made (dawnTask) has settled, and one more macrotask has passed.
let dawnGpu: GPU | null = null;
const dawnDevices = new Set<GPUDevice>();
let releaseWanted = false;
let pendingTasks = 0;
let releaseTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Counts a promise of the engine's (a map, an error scope, a compile, an adapter or device request) until
 * it settles, so that Dawn's instance outlives it; returns the promise itself. Only Dawn needs this; in
 * other engines it only counts.
 */
export function dawnTask<T>(promise: Promise<T>): Promise<T> {
  pendingTasks++;
  promise.then(dawnTaskSettled, dawnTaskSettled);
  return promise;
}

/** dawnTask for a caller that reacts to the promise itself: counted now, and told once it settles (dawnTaskSettled). */
export function dawnTaskStarted(): void {
  pendingTasks++;
}

/** One function for every task, not a closure per task (every call waits on two or three). */
export function dawnTaskSettled(): void {
  pendingTasks--;
  maybeRelease();
}

function maybeRelease(): void {
  if (!releaseWanted || !dawnGpu || dawnDevices.size > 0 || pendingTasks > 0 || releaseTimer) return;
  // A macrotask later: the callback that settled the last task is still on Dawn's stack while its
  // promise handlers run.
  releaseTimer = setTimeout(() => {
    releaseTimer = null;
    if (releaseWanted && dawnDevices.size === 0 && pendingTasks === 0) dawnGpu = null;
  }, 0);
}

const isNode = !!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;

async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  releaseWanted = false; // a device is wanted again: keep Dawn
  if (dawnGpu) return dawnGpu;
  if (isNode) {
    let mod: { create: (flags: string[]) => GPU };
    try {
      const name = 'webgpu';
      mod = await import(/* @vite-ignore */ name);
    } catch (e) {
      throw new GradientError(
        'no-webgpu',
        `WebGPU is not available: in Node install the optional peer dependency "webgpu" (npm install webgpu); import failed: ${(e as Error).message}`,
      );
    }
    dawnGpu = mod.create([]);
    return dawnGpu;
  }
  const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
  throw new GradientError(
    'no-webgpu',
    secure === false
      ? 'WebGPU is not available: navigator.gpu exists only in secure contexts (https:// or http://localhost); serve the page from one'
      : engine() === 'firefox'
        ? 'WebGPU is not available in this Firefox (navigator.gpu is missing): it is on by default only on some platforms (Windows since Firefox 141); elsewhere set dom.webgpu.enabled to true in about:config, or fall back to cpuGradient'
        : 'WebGPU is not available in this browser: use a current Chrome, Edge or Safari 26+, or Firefox 141+ (enable WebGPU if your browser needs a flag), or fall back to cpuGradient',
  );
}

const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/** A new device with the adapter's highest limits for what this library uses. */
export async function requestGradientDevice(): Promise<GPUDevice> {
  const gpu = await findGpu();
  let adapter: GPUAdapter | null;
  try {
    adapter = await dawnTask(gpu.requestAdapter({ powerPreference: 'high-performance' }));
  } catch (error) {
    // Firefox 140 ESR has navigator.gpu, but its requestAdapter() rejects (NotSupportedError: "WebGPU is
    // not yet available in Release or late Beta builds."): a missing WebGPU, not a failed call.
    throw new GradientError('no-webgpu', refusedAdapterMessage(error));
  }
  if (!adapter) throw new GradientError('no-webgpu', noAdapterMessage());
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await dawnTask(adapter.requestDevice({ requiredLimits, label: 'webgpu-gradient' }));
  if (gpu === dawnGpu) {
    releaseWanted = false;
    dawnDevices.add(device);
    device.lost.then(() => {
      dawnDevices.delete(device);
      maybeRelease();
    });
  }
  return device;
}

/** What `requestAdapter()`'s rejection says, and what to do, for the engine we run in. */
function refusedAdapterMessage(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown } | null;
  const why = e && typeof e === 'object' ? `${e.name ?? 'Error'}: ${e.message ?? ''}` : String(error);
  const base = `WebGPU is present but requestAdapter() refused (${why})`;
  return engine() === 'firefox'
    ? `${base}: this Firefox build does not enable WebGPU on this platform; use a Firefox that does, or fall back to cpuGradient`
    : `${base}: fall back to cpuGradient`;
}

/** Why `requestAdapter()` gave nothing, and what to do, for the engine we run in. */
function noAdapterMessage(): string {
  const base = 'WebGPU is present but offered no GPU adapter';
  switch (engine()) {
    case 'firefox':
      return (
        `${base}: Firefox blocklists WebGPU on many GPUs and drivers (its console says "WebGPU is disabled by blocklist"); ` +
        'in about:config set gfx.webgpu.ignore-blocklist to true, or fall back to cpuGradient'
      );
    case 'chromium':
      return `${base}: the GPU may be blocklisted or WebGPU disabled (see chrome://gpu; start Chrome with --enable-unsafe-webgpu to override), or fall back to cpuGradient`;
    case 'deno':
    case 'node':
      return `${base} (no supported GPU or Vulkan driver; without a GPU, point VK_ICD_FILENAMES at a software Vulkan driver such as SwiftShader's vk_swiftshader_icd.json)`;
    default:
      return `${base} (no supported GPU or driver), or fall back to cpuGradient`;
  }
}

export type Engine = 'firefox' | 'chromium' | 'safari' | 'deno' | 'bun' | 'node' | 'unknown';

/** The JavaScript engine we run in, for messages and adapter labels, and for the one behaviour that needs it (map-wait.ts). */
export function engine(): Engine {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; navigator?: { userAgent?: string } };
  if (g.Deno) return 'deno';
  if (g.Bun) return 'bun';
  if (isNode) return 'node';
  const ua = g.navigator?.userAgent ?? '';
  if (/Firefox\//.test(ua)) return 'firefox';
  if (/Chrome\//.test(ua)) return 'chromium';
  if (/Safari\//.test(ua)) return 'safari';
  return 'unknown';
}

const ENGINE_NAMES: Record<Engine, string> = {
  firefox: 'Firefox',
  chromium: 'Chromium',
  safari: 'Safari',
  deno: 'Deno',
  bun: 'Bun',
  node: 'Node',
  unknown: "this engine's",
};

/**
 * A readable name for an adapter: its vendor, architecture, device and description, or, where the engine
 * exposes none of them (Firefox fills `adapter.info` with empty strings), the engine's name.
 */
export function describeAdapter(adapter: GPUAdapter): string {
  const i = adapter.info ?? ({} as GPUAdapterInfo);
  const named = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').trim();
  return named || `${ENGINE_NAMES[engine()]} WebGPU adapter (no adapter info exposed)`;
}

/**
 * Lets the Dawn instance go (Node only) once no device requested from it is alive (a createGradient()
 * context may still own one) and none of the library's Dawn promises is pending, a macrotask later.
 */
export function releaseDawn(): void {
  releaseWanted = true;
  maybeRelease();
}

/** Whether the Dawn instance is still held (tests). */
export function holdsDawn(): boolean {
  return dawnGpu !== null;
}
