import { afterAll, beforeAll, it } from 'vitest';
import { createGradient, destroyDefaultGradient, type GradientContext } from '../../src/index';
import { inValidationScope, type TestDevice, testDevice } from './gpu';

/**
 * A file's GPU fixture: one device and one context for its tests, destroyed afterwards, and `gpuIt`,
 * which runs a test inside a validation error scope (skipped without an adapter, which testDevice()
 * turns into a failure under CI=true).
 */
export function gpuSuite() {
  let t: TestDevice | null = null;
  let ctx: GradientContext;
  beforeAll(async () => {
    t = await testDevice();
    if (t) ctx = await createGradient({ device: t.device });
  });
  afterAll(async () => {
    ctx?.destroy();
    t?.device.destroy();
    await destroyDefaultGradient();
  });
  return {
    get t(): TestDevice | null {
      return t;
    },
    get ctx(): GradientContext {
      return ctx;
    },
    gpuIt(name: string, body: (device: TestDevice) => Promise<void>, timeout?: number): void {
      it(
        name,
        async (c) => {
          if (!t) return c.skip();
          await inValidationScope(t.device, () => body(t!));
        },
        timeout,
      );
    },
  };
}
