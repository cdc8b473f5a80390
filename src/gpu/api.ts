import { GradientError } from '../errors';
import type { GradientOptions, NumericArray } from '../types';
import { GradientContext, type GradientContextOptions } from './context';
import { releaseDawn } from './device';

export type GpuGradientOptions = GradientOptions & { device?: GPUDevice };

/** A context with its own pipeline cache and buffer pool on one device (see GradientContext). */
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
    if (!ctx || ctx.isLost) byDevice.set(device, (ctx = new GradientContext(device, {}, false)));
    return ctx;
  }
  if (shared) {
    const ctx = await shared.catch(() => null);
    if (ctx && !ctx.isLost) return ctx;
    shared = null;
  }
  const created = GradientContext.create();
  shared = created;
  created.catch(() => { if (shared === created) shared = null; });
  return created;
}

/**
 * The shared context behind gpuGradient (acquiring its device on first use): for `encode` and `stats` on
 * the default device. After a device loss it is replaced by a new one.
 */
export function defaultGradientContext(): Promise<GradientContext> {
  return contextFor(undefined);
}

/**
 * numpy.gradient on the GPU: one Float32Array per selected axis, computed in float32. Without
 * `options.device`, a device is acquired once and reused (navigator.gpu, or Dawn's `webgpu` in Node).
 */
export async function gpuGradient(data: NumericArray, options?: GpuGradientOptions): Promise<Float32Array[]> {
  const ctx = await contextFor(options?.device);
  return ctx.gradient(data, options);
}

/** Destroys the shared default context and its device (Node: lets the process exit). */
export async function releaseDefaultDevice(): Promise<void> {
  const pending = shared;
  shared = null;
  const ctx = await pending?.catch(() => null);
  ctx?.destroy();
  releaseDawn();
}
