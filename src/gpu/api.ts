import { GradientError } from '../errors.js';
import type { ImageGradientOptions } from '../image.js';
import type { NumericArray } from '../types.js';
import { GradientContext, type HostCallOptions, type ResultOf } from './context.js';
import { releaseDawn, requestGradientDevice } from './device.js';
import type { ImageSource } from './image.js';
import type { GradientContextOptions } from './options.js';

/**
 * Options of the one-call functions: the plan's options, `out` (caller-supplied result arrays) and
 * `device`.
 */
export interface GpuGradientOptions extends HostCallOptions {
  /**
   * Run on this device instead of the default one. The library keeps a hidden context per device (its
   * pipelines, a buffer pool of up to 256 MiB of idle buffers, and staging slots), reused by later calls
   * on the same device and freed when the device is destroyed or collected; for control over that
   * memory, use `createGradient({ device })` and `destroy()`.
   */
  device?: GPUDevice;
}

/**
 * A context with its own pipeline cache, buffer pool and staging on one device: `options.device`, or a
 * device it requests and destroys with itself. Call `destroy()` (or `using`) when done.
 */
export function createGradient(options: GradientContextOptions = {}): Promise<GradientContext> {
  return GradientContext.create(options);
}

let shared: Promise<GradientContext> | null = null;
const byDevice = new WeakMap<GPUDevice, GradientContext>();

async function contextFor(device: GPUDevice | undefined): Promise<GradientContext> {
  if (device !== undefined) {
    if (!device || typeof device !== 'object' || typeof (device as GPUDevice).createBuffer !== 'function') {
      throw new GradientError('invalid-option', 'options.device: not a GPUDevice');
    }
    let ctx = byDevice.get(device);
    if (!ctx || ctx.isLost) {
      ctx = GradientContext.open(device, {}, 'caller');
      byDevice.set(device, ctx);
    }
    return ctx;
  }
  while (shared) {
    const pending = shared;
    const ctx = await pending.catch(() => null);
    if (ctx && !ctx.isLost) return ctx;
    // Replace a lost context once, even when several calls notice at the same time.
    if (shared === pending) shared = null;
  }
  const created = requestGradientDevice().then((device) => GradientContext.open(device, {}, 'default'));
  shared = created;
  created.catch(() => {
    if (shared === created) shared = null;
  });
  return created;
}

/**
 * The shared context behind gpuGradient (acquiring its device on first use): for `prepare` and `stats`
 * on the default device. After a device loss it is replaced by a new one; `destroyDefaultGradient()`
 * frees it.
 */
export function defaultGradient(): Promise<GradientContext> {
  return contextFor(undefined);
}

/**
 * numpy.gradient on the GPU: one Float32Array per selected axis (Float16Array with `outputType: 'float16'`), computed in float32. Without
 * `options.device`, a device is acquired once and reused (navigator.gpu, or Dawn's `webgpu` in Node).
 */
export async function gpuGradient<O extends GpuGradientOptions>(data: NumericArray, options?: O): Promise<ResultOf<O>[]> {
  const ctx = await contextFor(options?.device);
  return ctx.gradient(data, options);
}

/**
 * Destroys the shared default context and its device (in Node this lets the process exit); the next
 * one-call function acquires a new one.
 */
export async function destroyDefaultGradient(): Promise<void> {
  const pending = shared;
  shared = null;
  const ctx = await pending?.catch(() => null);
  ctx?.destroy();
  releaseDawn();
}

/** √(Σ_k (∂f/∂x_k)²) over the selected axes, on the GPU in one pass (no intermediate gradient arrays). */
export async function gpuGradientMagnitude<O extends GpuGradientOptions>(data: NumericArray, options?: O): Promise<ResultOf<O>> {
  return (await contextFor(options?.device)).magnitude(data, options);
}

/** Σ_k ∂v_k/∂x_k on the GPU in one pass: components[k] pairs with the k-th selected axis. */
export async function gpuDivergence<O extends GpuGradientOptions>(components: readonly NumericArray[], options?: O): Promise<ResultOf<O>> {
  return (await contextFor(options?.device)).divergence(components, options);
}

/**
 * The gradient of an image on the GPU: its luminance (0.299 R + 0.587 G + 0.114 B of the 0–255 values) or
 * one channel, as an array of shape [height, width]; [d/drow, d/dcol], or one array with
 * `output: 'magnitude'`. `source`: an ImageBitmap, ImageData, image, canvas, OffscreenCanvas, video,
 * VideoFrame or GPUTexture; pixels go to the GPU with copyExternalImageToTexture, never through a CPU
 * typed array. cpuImageGradient is its float64 reference.
 */
export async function gpuImageGradient(
  source: ImageSource,
  options?: ImageGradientOptions & { device?: GPUDevice; out?: Float32Array[] },
): Promise<Float32Array[]> {
  return (await contextFor(options?.device)).imageGradient(source, options);
}

/**
 * The Laplacian Σ_k ∂²f/∂x_k² over the selected axes on the GPU in one pass: the compact second difference
 * (f[i+1] − 2f[i] + f[i−1]) / h², second-order one-sided at an 'edge' boundary, wrapped when periodic.
 * Uniform steps only; cpuLaplacian is its float64 reference.
 */
export async function gpuLaplacian<O extends GpuGradientOptions>(data: NumericArray, options?: O): Promise<ResultOf<O>> {
  return (await contextFor(options?.device)).laplacian(data, options);
}

/** Curl of a 2-D (→ [one array]) or 3-D (→ three arrays) field on the GPU in one pass; see cpuCurl for the convention. */
export async function gpuCurl<O extends GpuGradientOptions>(components: readonly NumericArray[], options?: O): Promise<ResultOf<O>[]> {
  return (await contextFor(options?.device)).curl(components, options);
}
