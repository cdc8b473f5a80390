import { describe, expect } from 'vitest';
import { holdsDawn } from '../src/gpu/device';
import { BufferUsage } from '../src/gpu/flags';
import {
  cpuGradient,
  createGradient,
  defaultGradient,
  destroyDefaultGradient,
  type GradientContext,
  GradientError,
  gpuGradient,
} from '../src/index';
import { testDevice } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';

// Contexts and devices over their whole life: loss, destroy, failed allocations, the Dawn instance.
const suite = gpuSuite();
const { gpuIt } = suite;

/** Every uncaptured GPU error of `device` from now on (an error that escaped every error scope). */
function uncaptured(device: GPUDevice): string[] {
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
  return errors;
}

/** The same device, with hooks on buffer creation and on queue submits. */
function hooked(
  device: GPUDevice,
  hooks: { createBuffer?: (d: GPUBufferDescriptor) => GPUBufferDescriptor; afterSubmit?: () => void },
): GPUDevice {
  const forward = <T extends object>(target: T, key: string | symbol) => {
    const value = Reflect.get(target, key, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const queue = new Proxy(device.queue, {
    get: (target, key) =>
      key === 'submit' && hooks.afterSubmit
        ? (buffers: GPUCommandBuffer[]) => {
            target.submit(buffers);
            hooks.afterSubmit!();
          }
        : forward(target, key),
  });
  return new Proxy(device, {
    get: (target, key) =>
      key === 'queue'
        ? queue
        : key === 'createBuffer' && hooks.createBuffer
          ? (d: GPUBufferDescriptor) => target.createBuffer(hooks.createBuffer!(d))
          : forward(target, key),
  });
}

/**
 * The same device, except that buffers of `failFrom` bytes or more fail to allocate: they are created
 * with usages WebGPU refuses, which raises the GPU error an allocation raises when memory runs out (in
 * whichever error scope is open, or as an uncaptured error when none is).
 */
function failingAllocations(device: GPUDevice, failFrom: number): GPUDevice {
  return hooked(device, {
    createBuffer: (d) => (d.size >= failFrom ? { ...d, usage: BufferUsage.MAP_READ | BufferUsage.MAP_WRITE | BufferUsage.STORAGE } : d),
  });
}

describe('failed allocations', () => {
  gpuIt('a call whose buffers fail to allocate rejects with gpu-error, raises no uncaptured error, and leaks nothing', async () => {
    const { device } = (await testDevice())!;
    const errors = uncaptured(device);
    const ctx = await createGradient({ device: failingAllocations(device, 2 ** 20) });
    expect((await ctx.gradient(new Float32Array(64 * 64), { shape: [64, 64] })).length).toBe(2); // small: fine
    const e = await ctx.gradient(new Float32Array(512 * 512), { shape: [512, 512] }).catch((err) => err);
    expect(e).toBeInstanceOf(GradientError);
    expect(e.code).toBe('gpu-error');
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
    const s = ctx.stats();
    // The failed call's buffers were destroyed, not kept; what stays live is idle in the pool or held by
    // the work kept for the two plans (work-cache.ts), which is sound and serves their next calls.
    expect(s.keptWork.entries).toBe(2);
    expect(s.liveBuffers).toBe(s.pooledBuffers + s.keptWork.buffers);
    ctx.destroy();
    device.destroy();
  });

  gpuIt("a prepared kernel's own buffers failing to allocate: prepare rejects with gpu-error and raises no uncaptured error", async () => {
    const { device } = (await testDevice())!;
    const errors = uncaptured(device);
    const ctx = await createGradient({ device: failingAllocations(device, 16384) });
    // Non-uniform coordinates along the first axis: the kernel's weight buffer holds 4096 rows (> 16 KiB).
    const e = await ctx.prepare({ shape: [4096, 8], spacing: [Array.from({ length: 4096 }, (_, i) => i * i), 1] }).catch((err) => err);
    expect(e).toBeInstanceOf(GradientError);
    expect(e.code).toBe('gpu-error');
    expect((await ctx.prepare({ shape: [4096, 8] })).outputLayout.totalBytes).toBeGreaterThan(0); // no weights: fine
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual([]);
    ctx.destroy();
    device.destroy();
  });
});

describe('destroy', () => {
  gpuIt('destroyed before a call records its work: the call rejects (destroyed), no buffer stays alive', async () => {
    const { device } = (await testDevice())!;
    let ctx: GradientContext | null = null;
    // Destroy right after the call creates its readback staging buffer, before it records anything.
    const watched = hooked(device, {
      createBuffer: (d) => {
        if (d.usage & BufferUsage.MAP_READ) queueMicrotask(() => ctx!.destroy());
        return d;
      },
    });
    ctx = await createGradient({ device: watched });
    const e = await ctx.gradient(new Float32Array(64 * 64), { shape: [64, 64] }).catch((err) => err);
    expect(e).toBeInstanceOf(GradientError);
    expect(e.message).toMatch(/destroyed/);
    expect(ctx.stats().liveBuffers).toBe(0);
    device.destroy();
  });

  gpuIt('destroyed after a call submitted its work: the call still returns the right answer, then frees its buffers', async () => {
    const { device } = (await testDevice())!;
    let ctx: GradientContext | null = null;
    ctx = await createGradient({ device: hooked(device, { afterSubmit: () => ctx!.destroy() }) });
    const data = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
    const got = await ctx.gradient(data, { shape: [64, 64] });
    cpuGradient(data, { shape: [64, 64] }).forEach((ref, k) => ref.forEach((r, i) => expect(Math.abs(got[k][i] - r)).toBeLessThan(1e-5)));
    expect(ctx.stats().liveBuffers).toBe(0); // before the fix, they went back into the emptied pool
    device.destroy();
  });

  gpuIt("destroying a context destroys every buffer it created, its prepared kernels' included", async () => {
    const { device } = (await testDevice())!;
    const live = new Set<GPUBuffer>();
    const tracked = new Proxy(device, {
      get: (target, key) =>
        key === 'createBuffer'
          ? (d: GPUBufferDescriptor) => {
              const buffer = target.createBuffer(d);
              live.add(buffer);
              const destroy = buffer.destroy.bind(buffer);
              buffer.destroy = () => {
                live.delete(buffer);
                destroy();
              };
              return buffer;
            }
          : (Reflect.get(target, key, target)?.bind?.(target) ?? Reflect.get(target, key, target)),
    });
    const ctx = await createGradient({ device: tracked });
    await ctx.gradient(new Float32Array(64 * 64), { shape: [64, 64], spacing: [Array.from({ length: 64 }, (_, i) => i * i), 1] });
    const spacing = [Array.from({ length: 64 }, (_, i) => i * i), 1];
    // The Hessian runs the table kernel, whose rows and uniforms are kept a device (kept-programs.ts).
    await ctx.hessian(new Float32Array(64 * 64), { shape: [64, 64] });
    const kernels = [await ctx.prepare({ shape: [64, 64], spacing }), await ctx.prepare({ shape: [64, 64], derived: 'magnitude' })];
    kernels[1].destroy();
    expect(live.size).toBeGreaterThan(0);
    ctx.destroy();
    await Promise.resolve(); // kept programs are destroyed after the task under way, which may still submit them
    expect([...live].map((b) => b.label)).toEqual([]);
    const input = device.createBuffer({ size: 64 * 64 * 4, usage: BufferUsage.STORAGE });
    const output = device.createBuffer({ size: kernels[0].outputLayout.totalBytes, usage: BufferUsage.STORAGE });
    for (const k of kernels) expect(() => k.encode(device.createCommandEncoder(), { input, output })).toThrow(/destroyed/);
    device.destroy();
  });
});

describe('steps float32 cannot hold', () => {
  gpuIt("a step whose reciprocal leaves float32's normal range: invalid-spacing on the GPU, computed on the CPU", async () => {
    for (const spacing of [1e-39, 1e39, [[0, 1e-39, 3e-39, 4e-39]]]) {
      const e = await suite.ctx.gradient([1, 2, 4, 7], { spacing } as never).catch((err) => err);
      expect(e, JSON.stringify(spacing)).toBeInstanceOf(GradientError);
      expect(e.code).toBe('invalid-spacing');
      expect(e.message).toMatch(/float32's normal range/);
      expect(cpuGradient([1, 2, 4, 7], { spacing } as never)[0].every(Number.isFinite)).toBe(true);
    }
    // The edges of the range that still work: 1e-37 and 1e37.
    for (const h of [1e-37, 1e37]) {
      const got = (await suite.ctx.gradient([1, 2, 4, 7], { spacing: h }))[0];
      cpuGradient([1, 2, 4, 7], { spacing: h })[0].forEach((r, i) => expect(Math.abs(got[i] - r)).toBeLessThanOrEqual(1e-6 * Math.abs(r)));
    }
  });
});

describe('the Dawn instance', () => {
  gpuIt('destroyDefaultGradient keeps Dawn while a createGradient() context owns a device, and drops it after', async () => {
    await gpuGradient([1, 2, 3]); // the default context exists
    const own = await createGradient();
    await destroyDefaultGradient();
    expect(holdsDawn()).toBe(true); // dropping it now would crash Dawn once collected
    expect(Array.from((await own.gradient([1, 4, 9]))[0])).toEqual([3, 4, 5]);
    own.destroy();
    await new Promise((r) => setTimeout(r, 100)); // device.lost resolves
    expect(holdsDawn()).toBe(false);
  });
});

describe('device loss', () => {
  gpuIt('a caller device destroyed between calls: the next call rejects with device-lost', async () => {
    const { device } = (await testDevice())!;
    const own = await createGradient({ device: device });
    expect((await own.gradient([1, 4, 9]))[0].length).toBe(3);
    device.destroy();
    const e = await own.gradient([1, 4, 9]).catch((err) => err);
    expect(e).toBeInstanceOf(GradientError);
    expect(e.code).toBe('device-lost');
    expect(e.message).toMatch(/pass a new device/);
    expect(own.stats().pipelines).toBe(0); // caches tied to the device are dropped
    expect(own.stats().pooledBuffers).toBe(0);
  });

  gpuIt('a device destroyed during a call: the pending call rejects with device-lost', async () => {
    const { device } = (await testDevice())!;
    const own = await createGradient({ device: device });
    await own.gradient([1, 2, 3]); // compile first, so the next call reaches the GPU work
    const pending = own.gradient(new Float32Array(512 * 512), { shape: [512, 512] });
    device.destroy();
    const e = await pending.catch((err) => err);
    expect(e).toBeInstanceOf(GradientError);
    expect(e.code).toBe('device-lost');
  });

  gpuIt('the library-acquired device lost between calls: the next call acquires a new device and succeeds', async () => {
    const first = await defaultGradient();
    expect(Array.from((await gpuGradient([1, 4, 9]))[0])).toEqual([3, 4, 5]);
    first.device.destroy();
    // The loss is known once device.lost resolves: a call made in the same turn as destroy() takes its
    // input on the old device and is in flight when the loss arrives (the next test).
    await first.device.lost;
    expect(Array.from((await gpuGradient([1, 4, 9]))[0])).toEqual([3, 4, 5]);
    const second = await defaultGradient();
    expect(second).not.toBe(first);
    expect(second.device).not.toBe(first.device);
  });

  gpuIt('the library-acquired device lost during a call: that call rejects, the next succeeds on a new device', async () => {
    const first = await defaultGradient();
    const pending = gpuGradient(new Float32Array(512 * 512), { shape: [512, 512] });
    await new Promise((r) => setTimeout(r, 0)); // let the call reach the GPU
    first.device.destroy();
    const e = await pending.catch((err) => err);
    expect(e).toBeInstanceOf(GradientError);
    expect(e.code).toBe('device-lost');
    expect(e.message).toMatch(/next call acquires a new one/);
    expect(Array.from((await gpuGradient([1, 4, 9]))[0])).toEqual([3, 4, 5]);
    expect((await defaultGradient()).device).not.toBe(first.device);
  });
  gpuIt('a createGradient() context whose own device is lost says to create a new context, not that one is coming', async () => {
    const own = await createGradient();
    own.device.destroy();
    const e = await own.gradient([1, 4, 9]).catch((err) => err);
    expect(e.code).toBe('device-lost');
    expect(e.message).toMatch(/create a new one with createGradient\(\)/);
    expect(e.message).not.toMatch(/next call/);
  });
});
