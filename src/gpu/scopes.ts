import { GradientError } from '../errors.js';
import { dawnTask } from './device.js';

/**
 * GPU error scopes: every allocation and recording the library does runs inside a validation and an
 * out-of-memory scope, so that a failure rejects the call that caused it (as `gpu-error`) instead of
 * escaping as an uncaptured device error.
 */

/** `body` inside the error scopes, without waiting for them: `errors` resolves to the first error, or null. */
export function scoped<T>(device: GPUDevice, body: () => T): { value: T; errors: Promise<GradientError | null> } {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let thrown: unknown = null,
    threw = false,
    value: T | undefined;
  try {
    value = body();
  } catch (e) {
    thrown = e;
    threw = true;
  }
  const oom = dawnTask(device.popErrorScope());
  const validation = dawnTask(device.popErrorScope());
  // Chained, not Promise.all (its array, element functions and second promise): fewer objects on every
  // group (bench/NOTES.md, garbage per call). A pop that rejects is handled by
  // dawnTask's reaction; out of memory is reported first.
  const errors = oom.then((memoryError) =>
    memoryError ? outOfMemory(memoryError) : validation.then((validationError) => validationError && invalid(validationError)),
  );
  if (threw) {
    errors.catch(() => undefined);
    throw thrown;
  }
  return { value: value as T, errors };
}

export function outOfMemory(error: GPUError): GradientError {
  return new GradientError('gpu-error', `GPU out of memory: ${error.message}`);
}

export function invalid(error: GPUError): GradientError {
  return new GradientError('gpu-error', `GPU validation error (a bug in webgpu-gradient, please report): ${error.message}`);
}

/** Runs `body` inside the error scopes; resolves to what it returned once neither scope caught an error. */
export async function guarded<T>(device: GPUDevice, body: () => T): Promise<T> {
  const { value, errors } = scoped(device, body);
  const error = await errors;
  if (error) throw error;
  return value;
}
