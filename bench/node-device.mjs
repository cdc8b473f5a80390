// A WebGPU device in Node through Dawn, for the benches: the adapter's buffer and binding limits requested.
// Dawn crashes (segfault, or a futex/mutex abort) if create()'s object is collected while its device lives,
// and V8 collects a module constant that is never read again: the benches died at 256² once the CPU was busy
// for 10 ms (bench/NOTES.md, 2026-12-06). It is held on globalThis for the whole run.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);

/** { gpu, adapter, device }, or exits with a message when there is no adapter. */
export async function nodeDevice(flags = []) {
  const gpu = create(flags);
  globalThis.__webgpuGradientDawn = gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    console.error('no WebGPU adapter');
    process.exit(1);
  }
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    },
  });
  return { gpu, adapter, device };
}
