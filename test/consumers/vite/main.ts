// A browser project bundled by vite against the packed library (test/package.test.ts).
import { cpuGradient, describeAdapter, gpuGradient } from 'webgpu-gradient';

const adapter: GPUAdapter | null = await navigator.gpu.requestAdapter();
const f = [1, 4, 9, 16, 25];
const gpu: Float32Array[] = await gpuGradient(f, { edgeOrder: 2 });
// @ts-expect-error: edgeOrder is 1 or 2 (fails to compile if the types resolved to `any`)
await gpuGradient(f, { edgeOrder: 3 }).catch(() => null);
(window as unknown as { __out: unknown }).__out = {
  adapter: adapter ? describeAdapter(adapter) : '',
  gpu: Array.from(gpu[0]),
  cpu: Array.from(cpuGradient(f, { edgeOrder: 2 })[0]),
};
