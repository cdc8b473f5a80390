import { describe, expect, it } from 'vitest';
import { GradientError } from '../src/errors';
import { scoped } from '../src/gpu/scopes';

// The error scopes every recording runs in (src/gpu/scopes.ts), on a device whose pops are given: which
// error a call reports, and that a rejected pop escapes nowhere.

/** A device whose popErrorScope answers, innermost first, what `pops` says (an error, null, or a rejection). */
function popping(pops: { outOfMemory: GPUError | null | 'reject'; validation: GPUError | null | 'reject' }) {
  const pushed: string[] = [];
  const answers = [pops.outOfMemory, pops.validation];
  const device = {
    pushErrorScope: (filter: string) => pushed.push(filter),
    popErrorScope: () => {
      const a = answers.shift();
      return a === 'reject' ? Promise.reject(new Error('pop failed')) : Promise.resolve(a);
    },
  } as unknown as GPUDevice;
  return { device, pushed };
}

const gpuError = (message: string) => ({ message }) as GPUError;

async function unhandledDuring(run: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await run();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return seen;
}

describe('error scopes', () => {
  it('pushes validation then out-of-memory, and resolves null when neither caught an error', async () => {
    const { device, pushed } = popping({ outOfMemory: null, validation: null });
    const { value, errors } = scoped(device, () => 42);
    expect(value).toBe(42);
    expect(pushed).toEqual(['validation', 'out-of-memory']);
    expect(await errors).toBeNull();
  });

  it('reports out of memory before a validation error, and each as gpu-error with its message', async () => {
    for (const [pops, expected] of [
      [{ outOfMemory: gpuError('no room'), validation: null }, 'GPU out of memory: no room'],
      [
        { outOfMemory: null, validation: gpuError('bad binding') },
        'GPU validation error (a bug in webgpu-gradient, please report): bad binding',
      ],
      [{ outOfMemory: gpuError('no room'), validation: gpuError('bad binding') }, 'GPU out of memory: no room'],
    ] as const) {
      const error = await scoped(popping(pops).device, () => 0).errors;
      expect(error).toBeInstanceOf(GradientError);
      expect(error?.code).toBe('gpu-error');
      expect(error?.message).toBe(expected);
    }
  });

  it('a rejected pop rejects `errors` and escapes as no unhandled rejection, even where the other pop decided first', async () => {
    for (const pops of [
      { outOfMemory: 'reject', validation: null },
      { outOfMemory: null, validation: 'reject' },
      { outOfMemory: gpuError('no room'), validation: 'reject' },
      { outOfMemory: 'reject', validation: 'reject' },
    ] as const) {
      const unhandled = await unhandledDuring(async () => {
        const settled = await scoped(popping(pops).device, () => 0).errors.then(
          (e) => e?.message ?? null,
          (e: Error) => `rejected: ${e.message}`,
        );
        expect(settled).toBe(
          pops.outOfMemory === 'reject' || pops.outOfMemory === null ? 'rejected: pop failed' : 'GPU out of memory: no room',
        );
      });
      expect(unhandled, JSON.stringify(pops)).toEqual([]);
    }
  });

  it('a body that throws pops both scopes and rethrows, leaving no unhandled rejection', async () => {
    const { device } = popping({ outOfMemory: 'reject', validation: 'reject' });
    const unhandled = await unhandledDuring(async () => {
      expect(() =>
        scoped(device, () => {
          throw new Error('body failed');
        }),
      ).toThrow('body failed');
    });
    expect(unhandled).toEqual([]);
  });
});
