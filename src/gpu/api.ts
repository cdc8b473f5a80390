import { describe, GradientError } from '../errors.js';
import type { ImageGradientOptions } from '../image.js';
import type { NumericArray } from '../types.js';
import type { NdarrayLike } from '../view.js';
import { first, GradientContext, type HostCallOptions, type ResultOf } from './context.js';
import { releaseDawn, requestGradientDevice } from './device.js';
import { type ImageRequest, type ImageSource, imageRequest, withCopiedPixels } from './image.js';
import { DEFAULT_CHUNK_BYTES, type GradientContextOptions } from './options.js';
import { fitsOnePiece, type HostRequest, hostRequest, withCopiedInput } from './request.js';
import {
  adjointRequest,
  derivativesRequest,
  type GpuAdjointOptions,
  type GpuDerivativeOptions,
  hessianRequest,
  type ProgramRequest,
  withCopiedArrays,
} from './table.js';

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
/** The default context once its device is acquired: calls on it take their input before they return. */
let sharedReady: GradientContext | null = null;
const byDevice = new WeakMap<GPUDevice, GradientContext>();

/** The hidden context of a caller's device (made now, without waiting), refusing what is not a device. */
function deviceContext(device: GPUDevice): GradientContext {
  if (!device || typeof device !== 'object' || typeof (device as GPUDevice).createBuffer !== 'function') {
    throw new GradientError('invalid-option', `options.device: ${describe(device)} is not a GPUDevice`);
  }
  let ctx = byDevice.get(device);
  if (!ctx || ctx.isLost) {
    ctx = GradientContext.open(device, {}, 'caller');
    byDevice.set(device, ctx);
  }
  return ctx;
}

/** The context a call runs on if it can start now (a caller's device, or the default context once acquired), else null. */
function contextNow(device: GPUDevice | undefined): GradientContext | null {
  if (device !== undefined) return deviceContext(device);
  return sharedReady && !sharedReady.isLost && !sharedReady.isDestroyed ? sharedReady : null;
}

async function contextFor(device: GPUDevice | undefined): Promise<GradientContext> {
  const now = contextNow(device);
  if (now) return now;
  while (shared) {
    const pending = shared;
    const ctx = await pending.catch(() => null);
    if (ctx && !ctx.isLost) return ctx;
    // Replace a lost context once, even when several calls notice at the same time.
    if (shared === pending) shared = null;
  }
  const created = requestGradientDevice().then((device) => GradientContext.open(device, {}, 'default'));
  shared = created;
  created.then(
    (ctx) => {
      if (shared === created) sharedReady = ctx;
    },
    () => {
      if (shared === created) shared = null;
    },
  );
  return created;
}

/**
 * A call of a one-call function, its arguments checked already (each function checks them first, so bad
 * input is refused with its own code whether or not a device can be had). On a context that is ready,
 * `run` takes the input before this returns; a call that must first wait for the default device runs on
 * `copy` of its request, made before the wait, so the caller may refill its arrays at once either way.
 * `copy` and `run` are functions made once: closures made at every call took about 0.3 KB a gpuGradient
 * (bench/NOTES.md, twelfth session).
 */
function started<Q, R>(
  device: GPUDevice | undefined,
  request: Q,
  copy: (request: Q) => Q,
  run: (ctx: GradientContext, request: Q) => Promise<R>,
): Promise<R> {
  const ctx = contextNow(device);
  if (ctx) return run(ctx, request);
  const waiting = copy(request);
  return contextFor(undefined).then((c) => run(c, waiting));
}

/** A host request as it waits for the default device: an input that fits one piece copied (streamed inputs are read as they go up). */
function copyHost(request: HostRequest): HostRequest {
  return fitsOnePiece(request, DEFAULT_CHUNK_BYTES) ? withCopiedInput(request) : request;
}

function runHost<R>(ctx: GradientContext, request: HostRequest): Promise<R[]> {
  return ctx.run<R>(request);
}

function runProgram(ctx: GradientContext, request: ProgramRequest): Promise<Float32Array[]> {
  return ctx.runProgram(request);
}

function runImage(ctx: GradientContext, request: ImageRequest): Promise<Float32Array[]> {
  return ctx.runImage(request);
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
 * The arguments are checked before any device is acquired. A call whose input and results fit
 * `chunkBytes` (64 MiB by default) has read its input when it returns; a larger, streamed call reads it
 * until its promise settles.
 */
export function gpuGradient<O extends GpuGradientOptions>(data: NumericArray | NdarrayLike, options?: O): Promise<ResultOf<O>[]> {
  try {
    return started(options?.device, hostRequest('gradient', data, options), copyHost, runHost<ResultOf<O>>);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Destroys the shared default context and its device; the next one-call function acquires a new one.
 * In Node, Dawn's instance is let go once every device made from it is gone and the work it still had
 * pending (maps, error scopes, pipeline compiles) has settled.
 */
export async function destroyDefaultGradient(): Promise<void> {
  const pending = shared;
  shared = null;
  sharedReady = null;
  const ctx = await pending?.catch(() => null);
  ctx?.destroy();
  releaseDawn();
}

/** √(Σ_k (∂f/∂x_k)²) over the selected axes, on the GPU in one pass (no intermediate gradient arrays). */
export function gpuGradientMagnitude<O extends GpuGradientOptions>(data: NumericArray | NdarrayLike, options?: O): Promise<ResultOf<O>> {
  try {
    return started(options?.device, hostRequest('magnitude', data, options), copyHost, runHost<ResultOf<O>>).then(first);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Σ_k ∂v_k/∂x_k on the GPU in one pass: components[k] pairs with the k-th selected axis. */
export function gpuDivergence<O extends GpuGradientOptions>(
  components: readonly (NumericArray | NdarrayLike)[],
  options?: O,
): Promise<ResultOf<O>> {
  try {
    return started(options?.device, hostRequest('divergence', components, options), copyHost, runHost<ResultOf<O>>).then(first);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The gradient of an image on the GPU: its luminance (0.299 R + 0.587 G + 0.114 B of the 0–255 values) or
 * one channel, as an array of shape [height, width]; [d/drow, d/dcol], or one array with
 * `output: 'magnitude'`. `source`: an ImageBitmap, ImageData, image, canvas, OffscreenCanvas, video,
 * VideoFrame or GPUTexture; pixels go to the GPU with copyExternalImageToTexture, never through a CPU
 * typed array. cpuImageGradient is its float64 reference.
 */
export function gpuImageGradient(
  source: ImageSource,
  options?: ImageGradientOptions & { device?: GPUDevice; out?: Float32Array[] },
): Promise<Float32Array[]> {
  try {
    return started(options?.device, imageRequest(source, options), withCopiedPixels, runImage);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The Laplacian Σ_k ∂²f/∂x_k² over the selected axes on the GPU in one pass: the compact second difference
 * (f[i+1] − 2f[i] + f[i−1]) / h², second-order one-sided at an 'edge' boundary, wrapped when periodic.
 * Uniform steps only; cpuLaplacian is its float64 reference.
 */
export function gpuLaplacian<O extends GpuGradientOptions>(data: NumericArray | NdarrayLike, options?: O): Promise<ResultOf<O>> {
  try {
    return started(options?.device, hostRequest('laplacian', data, options), copyHost, runHost<ResultOf<O>>).then(first);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Curl of a 2-D (→ [one array]) or 3-D (→ three arrays) field on the GPU in one pass; see cpuCurl for the convention. */
export function gpuCurl<O extends GpuGradientOptions>(
  components: readonly (NumericArray | NdarrayLike)[],
  options?: O,
): Promise<ResultOf<O>[]> {
  try {
    return started(options?.device, hostRequest('curl', components, options), copyHost, runHost<ResultOf<O>>);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Derivatives of any order (0–4 per axis) and accuracy (2, 4, 6, 8) on the GPU: one Float32Array per
 * multi-index of `derivatives`, all in one pass. Central stencils of 2⌊(m+1)/2⌋ − 1 + p points inside,
 * one-sided ones of m + p points at 'edge' sides (findiff's convention), Fornberg's weights from the
 * coordinates; mixed partials are products of the 1-D operators. cpuDerivatives is its float64 reference.
 */
export function gpuDerivatives(
  data: NumericArray | NdarrayLike,
  options: GpuDerivativeOptions & { device?: GPUDevice },
): Promise<Float32Array[]> {
  try {
    return started(options?.device, derivativesRequest(data, options), withCopiedArrays, runProgram);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The d(d+1)/2 second partials ∂²f/∂x_i∂x_j (i ≤ j, row-major) on the GPU in one pass, reading the input once; cpuHessian is its reference. */
export function gpuHessian(
  data: NumericArray | NdarrayLike,
  options?: GpuDerivativeOptions & { device?: GPUDevice },
): Promise<Float32Array[]> {
  try {
    return started(options?.device, hessianRequest(data, options), withCopiedArrays, runProgram);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Σ_k A_kᵀ v_k, the transpose of gpuGradient's operator along each selected axis applied to component k,
 * on the GPU in one pass (or with `derivatives`, Σ_o D_oᵀ v_o): the backward pass of a loss that contains a
 * gradient. cpuGradientAdjoint is its reference.
 */
export function gpuGradientAdjoint(
  components: readonly (NumericArray | NdarrayLike)[],
  options?: GpuAdjointOptions & { device?: GPUDevice },
): Promise<Float32Array> {
  try {
    return started(options?.device, adjointRequest(components, options), withCopiedArrays, runProgram).then(first);
  } catch (error) {
    return Promise.reject(error);
  }
}
