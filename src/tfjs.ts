import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from './cpu/derivatives.js';
import type { DataInfo } from './data.js';
import { adjointOf, type DerivativeOptions, derivativesProgram, gradientProgram, hessianIndices, type Program } from './derivatives.js';
import { GradientError } from './errors.js';
import { programBuffers } from './gpu/kept-programs.js';
import { KERNEL_LAYOUT_ENTRIES } from './gpu/pipelines.js';
import { TABLE_SHADER } from './gpu/shaders.js';
import { foldGrid } from './gpu/steps.js';
import { dispatchTable, packProgram } from './gpu/table.js';
import { PlanMemo } from './plan-memo.js';
import type { GradientOptions } from './types.js';

/**
 * `webgpu-gradient/tfjs`: spatial derivatives as TensorFlow.js ops you can differentiate through. A tensor
 * in, tensors out; `tf.grad` and optimizers see them as ordinary ops (tf.customGrad), the backward pass being
 * the adjoint (the transpose of the same operator). On tfjs's `webgpu` backend the data stays on the GPU:
 * the tensor's buffer (`dataToGPU`) is read by this library's banded-operator kernel (shaders/table.wgsl) on
 * tfjs's own device, writing into a buffer tfjs owns; on other backends the float64 CPU reference runs on
 * the tensor's values.
 */

/** gpuGradient's options, less the shape (the tensor's) and what has no adjoint (gaps, grids, Sobel/Scharr). */
export type TfGradientOptions = Omit<GradientOptions, 'shape' | 'invalid' | 'mask' | 'coordinates' | 'sphere' | 'operator'>;
/** gpuDerivatives' options, less the shape. */
export type TfDerivativeOptions = Omit<DerivativeOptions, 'shape'>;

/** One tensor per selected axis: numpy.gradient of `x` (float32), differentiable. */
export function tfGradient(x: tf.Tensor, options?: TfGradientOptions): tf.Tensor[] {
  const info = infoOf(x);
  return tf.unstack(
    differentiable(
      x,
      programs('gradient', info, options, () => gradientProgram(info, options as GradientOptions)),
    ),
  );
}

/** One tensor per multi-index of `derivatives` (gpuDerivatives' contract), differentiable. */
export function tfDerivatives(x: tf.Tensor, options: TfDerivativeOptions): tf.Tensor[] {
  const info = infoOf(x);
  return tf.unstack(
    differentiable(
      x,
      programs('derivatives', info, options, () => derivativesProgram(info, options)),
    ),
  );
}

/** The d(d+1)/2 second partials (i ≤ j, row-major), differentiable. */
export function tfHessian(x: tf.Tensor, options?: Omit<TfDerivativeOptions, 'derivatives'>): tf.Tensor[] {
  const d = options?.axis === undefined ? x.rank : typeof options.axis === 'number' ? 1 : options.axis.length;
  return tfDerivatives(x, { ...options, derivatives: hessianIndices(d) });
}

function infoOf(x: tf.Tensor): DataInfo {
  if (!(x instanceof tf.Tensor)) throw new GradientError('invalid-data', 'x: must be a tf.Tensor');
  if (x.dtype !== 'float32') throw new GradientError('invalid-data', `x: a ${x.dtype} tensor; cast it to float32 first (tf.cast)`);
  return { length: x.size, kind: 'float32', shape: x.shape };
}

/**
 * An op's forward program and its adjoint (made the first time a gradient asks for it), each with its
 * packed table (made the first time the GPU runs it).
 */
class Programs {
  private backwardProgram: Programs | null = null;
  private packed: Uint32Array | null = null;
  constructor(readonly program: Program) {}
  get backward(): Programs {
    this.backwardProgram ??= new Programs(adjointOf(this.program));
    return this.backwardProgram;
  }
  get table(): Uint32Array {
    this.packed ??= packProgram(this.program);
    return this.packed;
  }
}

/**
 * The programs of recent calls, found again when a call repeats one's op, shape and options (plan-memo.ts):
 * a training loop applies the same ops every step. tfGradient at 128² on tfjs's cpu backend spent 19 % of
 * its samples building the gradient's operator and its transpose, every call (bench/NOTES.md, eighth session).
 */
const recent = new PlanMemo<Programs>([]);

function programs(method: string, info: DataInfo, options: unknown, build: () => Program): Programs {
  const found = recent.find(method, 1, info, options);
  if (found) return found;
  const made = new Programs(build());
  recent.remember(method, 1, info, options, made);
  return made;
}

/** The program's outputs stacked along a new first axis, with the adjoint as its gradient. */
function differentiable(x: tf.Tensor, forward: Programs): tf.Tensor {
  const op = tf.customGrad((input, _save) => ({
    value: apply(forward, input as tf.Tensor, [forward.program.outputs.length, ...x.shape]),
    gradFunc: (dy) => [apply(forward.backward, dy as tf.Tensor, x.shape)],
  }));
  return op(x) as tf.Tensor;
}

/** A program on a tensor holding its inputs stacked along the first axis (or one input), into a tensor of `shape`. */
function apply(programs: Programs, t: tf.Tensor, shape: number[]): tf.Tensor {
  const backend = tf.backend() as unknown as { device?: GPUDevice };
  if (tf.getBackend() === 'webgpu' && backend.device) return applyOnGpu(backend.device, programs, t, shape);
  const { program } = programs;
  const N = program.plan.size;
  const values = t.dataSync() as Float32Array;
  const inputs = Array.from({ length: program.inputs }, (_, c) => values.subarray(c * N, (c + 1) * N));
  const results = runProgram(program, inputs);
  const out = new Float32Array(results.length * N);
  results.forEach((r, k) => out.set(r, k * N));
  return tf.tensor(out, shape, 'float32');
}

/** The kernel of a device: one pipeline, compiled synchronously (tf.customGrad's functions are synchronous). */
const pipelines = new WeakMap<GPUDevice, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();

function pipelineOf(device: GPUDevice) {
  let entry = pipelines.get(device);
  if (!entry) {
    const layout = device.createBindGroupLayout({ label: 'webgpu-gradient tfjs', entries: KERNEL_LAYOUT_ENTRIES });
    const module = device.createShaderModule({ label: 'webgpu-gradient table', code: TABLE_SHADER });
    const pipeline = device.createComputePipeline({
      label: 'webgpu-gradient tfjs table',
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'table_main', constants: { WG: WORKGROUP } },
    });
    entry = { pipeline, layout };
    pipelines.set(device, entry);
  }
  return entry;
}

const WORKGROUP = 64;

/**
 * On tfjs's device: the input tensor's buffer (`dataToGPU`) and an output tensor's (tf.zeros, `dataToGPU`:
 * a buffer from tfjs's pool that tfjs owns and frees), the program's rows and uniforms in small buffers of
 * their own, kept for the next call of the program (programBuffers).
 * tfjs submits its pending work in `dataToGPU`, so the kernel runs after whatever made the input.
 */
function applyOnGpu(device: GPUDevice, programs: Programs, t: tf.Tensor, shape: number[]): tf.Tensor {
  const N = programs.program.plan.size;
  const { pipeline, layout } = pipelineOf(device);
  // dataToGPU needs the data on the GPU: a tensor made from host values is uploaded first (the backend's own
  // uploadToGPU, which every GPU kernel of it calls on its inputs).
  const upload = (tf.backend() as unknown as { uploadToGPU?: (dataId: unknown) => void }).uploadToGPU?.bind(tf.backend());
  upload?.(t.dataId);
  const input = t.dataToGPU();
  const zeros = tf.zeros(shape, 'float32');
  upload?.(zeros.dataId);
  const output = zeros.dataToGPU();
  zeros.dispose();
  const { rows, uniforms } = programBuffers(device, programs.table, { count: N, compStride: N, outStride: N });
  const encoder = device.createCommandEncoder({ label: 'webgpu-gradient tfjs' });
  const pass = encoder.beginComputePass();
  dispatchTable(pass, device, layout, pipeline, {
    input: { buffer: input.buffer!, bytes: input.buffer!.size },
    rows: { buffer: rows, bytes: rows.size },
    uniforms,
    output: { buffer: output.buffer!, bytes: output.buffer!.size },
    grid: foldGrid(Math.ceil(N / WORKGROUP), device.limits.maxComputeWorkgroupsPerDimension),
  });
  pass.end();
  device.queue.submit([encoder.finish()]);
  input.tensorRef.dispose();
  return output.tensorRef;
}
