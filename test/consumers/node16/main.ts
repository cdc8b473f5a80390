// A Node project compiled with `moduleResolution: node16` against the packed library (test/package.test.ts).
import { cpuGradient, createGradient, destroyDefaultGradient, type GradientContext, gpuGradient } from 'webgpu-gradient';

const cpu: Float64Array[] = cpuGradient([1, 2, 4, 8]);
const gpu: Float32Array[] = await gpuGradient([1, 2, 4, 8]);
const ctx: GradientContext = await createGradient();
const device: GPUDevice = ctx.device; // the WebGPU types reach this project without listing them
const layout = ctx.outputLayout({ shape: [4, 8] });
// @ts-expect-error: a string is not numeric data (fails to compile if the types resolved to `any`)
await gpuGradient('not data').catch(() => null);
console.log(JSON.stringify({ cpu: Array.from(cpu[0]), gpu: Array.from(gpu[0]), limits: device.limits.maxBufferSize > 0, layout }));
ctx.destroy();
await destroyDefaultGradient();
