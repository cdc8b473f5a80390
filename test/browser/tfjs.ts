// webgpu-gradient/tfjs with the real TensorFlow.js packages in headless Chromium, on the webgpu backend (the
// data stays on tfjs's device) and the cpu backend: forward values, tf.grad of a linear loss (which must be
// the adjoint of its weights), and tf.grad of a non-linear loss against central finite differences.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; @tensorflow/tfjs registers them all, as this does.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { tfDerivatives, tfGradient, tfHessian } from '../../src/tfjs';
import { DERIVATIVES, OPTIONS, SHAPE, type TfjsReport, type TfjsRun } from './tfjs-cases';

let maps = 0;
const mapAsync = GPUBuffer.prototype.mapAsync;
GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
  maps++;
  return mapAsync.apply(this, args);
};

// Buffers webgpu-gradient/tfjs creates (its program rows and uniforms, labelled 'webgpu-gradient …'; tfjs's own are not counted).
let ours = 0;
const createBuffer = GPUDevice.prototype.createBuffer;
GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
  if (descriptor.label?.startsWith('webgpu-gradient')) ours++;
  return createBuffer.call(this, descriptor);
};

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

async function run(backend: string): Promise<TfjsRun> {
  await tf.setBackend(backend);
  await tf.ready();
  const r = random(7);
  const size = SHAPE[0] * SHAPE[1];
  const xs = Array.from({ length: size }, () => r());
  const x = tf.tensor(xs, SHAPE, 'float32');
  const w = [0, 1].map(() =>
    tf.tensor(
      Array.from({ length: size }, () => r()),
      SHAPE,
    ),
  );
  const before = maps;
  // Forward and tf.grad of Σ_k w_k·∂x/∂ξ_k: the adjoint applied to w, with no readback until values are read.
  const forward = tfGradient(x, OPTIONS);
  const linear = (t: tf.Tensor) => tf.addN(tfGradient(t, OPTIONS).map((g, k) => tf.sum(tf.mul(g, w[k])))) as tf.Scalar;
  const gradOfLinear = tf.grad(linear)(x);
  const dw = [0, 1].map(() =>
    tf.tensor(
      Array.from({ length: size }, () => r()),
      SHAPE,
    ),
  );
  const derivativeLoss = (t: tf.Tensor) => tf.addN(tfDerivatives(t, DERIVATIVES).map((g, k) => tf.sum(tf.mul(g, dw[k])))) as tf.Scalar;
  const gradOfDerivatives = tf.grad(derivativeLoss)(x);
  const hessian = tfHessian(x, { spacing: [0.5, 1] });
  const mapsDuring = maps - before;
  // The same ops again, forward and backward: their programs' buffers are kept from the calls above.
  const oursBefore = ours;
  for (let i = 0; i < 3; i++) tf.dispose([...tfGradient(x, OPTIONS), tf.grad(linear)(x)]);
  const buffersOnRepeat = ours - oursBefore;
  const buffersAtAll = ours;
  // Options changed in place between two calls (the programs of recent calls are kept by their options' values).
  const changing = { spacing: [0.5, 1] };
  tf.dispose(tfGradient(x, changing));
  changing.spacing[0] = 2;
  const afterChange = tfGradient(x, changing);
  // Total variation, smoothed: Σ √(g₀² + g₁² + 0.01), and central differences of it (step 1e-2, in float32).
  const tv = (t: tf.Tensor) => {
    const [g0, g1] = tfGradient(t, OPTIONS);
    return tf.sum(tf.sqrt(tf.add(tf.add(tf.square(g0), tf.square(g1)), 0.01))) as tf.Scalar;
  };
  const autodiff = (await tf.grad(tv)(x).data()) as Float32Array;
  const finiteDifference = [];
  for (const index of [0, 5, 13, 40, 77, size - 1]) {
    const h = 1e-2;
    const bump = (s: number) => {
      const v = xs.slice();
      v[index] += s * h;
      return tv(tf.tensor(v, SHAPE)).dataSync()[0];
    };
    finiteDifference.push({ index, autodiff: autodiff[index], numeric: (bump(1) - bump(-1)) / (2 * h) });
  }
  return {
    backend,
    x: xs,
    w: await Promise.all(w.map(async (t) => Array.from(await t.data()))),
    forward: await Promise.all(forward.map(async (t) => Array.from(await t.data()))),
    gradOfLinear: Array.from(await gradOfLinear.data()),
    derivativeWeights: await Promise.all(dw.map(async (t) => Array.from(await t.data()))),
    gradOfDerivatives: Array.from(await gradOfDerivatives.data()),
    hessianCount: hessian.length,
    finiteDifference,
    maps: mapsDuring,
    buffersOnRepeat,
    buffersAtAll,
    afterChange: await Promise.all(afterChange.map(async (t) => Array.from(await t.data()))),
  };
}

const report: TfjsReport = { runs: [], errors: [] };
for (const backend of ['webgpu', 'cpu']) {
  try {
    report.runs.push(await run(backend));
  } catch (e) {
    report.errors.push(`${backend}: ${(e as Error).stack ?? e}`);
  }
}
(window as unknown as { __tfjs: TfjsReport }).__tfjs = report;
document.getElementById('log')!.textContent = JSON.stringify(report.errors);
