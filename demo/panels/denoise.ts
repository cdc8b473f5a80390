import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { tfGradient } from '../../src/tfjs';
import type { Backend } from '../backend';
import { paintPixels } from '../draw';

/**
 * Total-variation denoising by gradient descent, in TensorFlow.js: minimise ½‖u − f‖² + λ Σ √(|∇u|² + ε²)
 * with Adam, tf.grad going through `tfGradient` (webgpu-gradient/tfjs: its backward pass is the gradient's
 * adjoint). On tfjs's webgpu backend where this page has WebGPU, else its cpu backend.
 */
export async function denoisePanel(root: HTMLElement, backend: Backend): Promise<void> {
  const message = root.querySelector<HTMLElement>('.message')!;
  const [noisyCanvas, cleanCanvas] = root.querySelectorAll('canvas');
  const n = 128;
  const clean = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const inDisc = (r - 44) ** 2 + (c - 48) ** 2 < 26 ** 2;
      const inSquare = r > 70 && r < 112 && c > 62 && c < 110;
      clean[r * n + c] = 0.2 + 0.5 * (inDisc ? 1 : 0) + 0.3 * (inSquare ? 1 : 0) + 0.15 * (c / n);
    }
  }
  // Seeded Gaussian noise (Box–Muller), σ = 0.12.
  let s = 12345;
  const uniform = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const noisy = clean.map((v) => v + 0.12 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
  const wanted = backend.kind === 'gpu' ? 'webgpu' : 'cpu';
  let used = wanted;
  if (!(await tf.setBackend(wanted).catch(() => false))) {
    await tf.setBackend('cpu');
    used = 'cpu';
  }
  await tf.ready();
  const f = tf.tensor(noisy, [n, n]);
  const u = tf.variable(f.clone());
  const lambda = 0.08,
    eps2 = 1e-4;
  const loss = () =>
    tf.tidy(() => {
      const [gy, gx] = tfGradient(u, { boundary: 'nearest' });
      const tv = tf.sum(tf.sqrt(tf.add(tf.add(tf.square(gy), tf.square(gx)), eps2)));
      return tf.add(tf.mul(0.5, tf.sum(tf.square(tf.sub(u, f)))), tf.mul(lambda, tv)) as tf.Scalar;
    });
  const optimizer = tf.train.adam(0.02);
  const first = (await loss().data())[0];
  const t0 = performance.now();
  const steps = 60;
  for (let k = 0; k < steps; k++) optimizer.minimize(loss);
  const result = (await u.data()) as Float32Array;
  const ms = performance.now() - t0;
  const last = (await loss().data())[0];
  const psnr = (a: ArrayLike<number>) => {
    let mse = 0;
    for (let i = 0; i < n * n; i++) mse += (a[i] - clean[i]) ** 2;
    return 10 * Math.log10(1 / (mse / (n * n)));
  };
  const grey = (values: ArrayLike<number>) => (i: number) => {
    const v = Math.max(0, Math.min(255, values[i] * 255));
    return [v, v, v] as [number, number, number];
  };
  paintPixels(noisyCanvas, n, n, grey(noisy));
  paintPixels(cleanCanvas, n, n, grey(result));
  message.textContent =
    `${steps} Adam steps on tfjs's ${used} backend in ${ms.toFixed(0)} ms; loss ${first.toFixed(1)} → ${last.toFixed(1)}; ` +
    `PSNR against the clean image ${psnr(noisy).toFixed(1)} dB → ${psnr(result).toFixed(1)} dB.`;
  for (const t of [f, u]) t.dispose();
  optimizer.dispose();
}
