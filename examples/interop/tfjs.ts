// TensorFlow.js (WebGPU backend) → webgpu-gradient → TensorFlow.js, on one device, with no host round trip.
//
// A tensor's GPU buffer (`dataToGPU()`) is the input of a prepared kernel, whose two outputs are wrapped
// back into tensors (`tf.tensor({ buffer }, …)`); tfjs combines them on the GPU. Nothing is read back until
// the caller asks for values.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { createGradient } from 'webgpu-gradient';

/** ∂f/∂y, ∂f/∂x and |∇f| of f = sin(x·y/40) on an h×w grid, all as GPU-resident tensors. */
export async function tfjsGradient(h: number, w: number) {
  await tf.setBackend('webgpu');
  await tf.ready();
  const device = (tf.backend() as WebGPUBackend).device;

  // Some tfjs work producing the field to differentiate.
  const ys = tf.reshape(tf.range(0, h), [h, 1]);
  const xs = tf.reshape(tf.range(0, w), [1, w]);
  const field = tf.tidy(() => tf.sin(tf.div(tf.mul(ys, xs), 40)));

  // A context on tfjs's device; the kernel is prepared once per shape and options.
  const gradient = await createGradient({ device });
  const kernel = await gradient.prepare({ shape: [h, w] });

  // tfjs keeps the field's buffer alive until `gpu.tensorRef` is disposed.
  const gpu = field.dataToGPU();
  const outputs = [0, 1].map(() =>
    device.createBuffer({
      size: Math.ceil((h * w * 4) / 16) * 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    }),
  );
  const encoder = device.createCommandEncoder();
  kernel.encode(encoder, { input: gpu.buffer!, outputs });
  device.queue.submit([encoder.finish()]);
  gpu.tensorRef.dispose();

  // Back into tfjs: zeroCopy tensors read our buffers in place (we destroy them after the tensors).
  const [dy, dx] = outputs.map((buffer) => tf.tensor({ buffer, zeroCopy: true }, [h, w], 'float32'));
  const magnitude = tf.sqrt(tf.add(tf.square(dy), tf.square(dx)));
  return {
    field,
    dy,
    dx,
    magnitude,
    dispose() {
      for (const t of [ys, xs, field, dy, dx, magnitude]) t.dispose();
      for (const b of outputs) b.destroy();
      kernel.destroy();
      gradient.destroy();
    },
  };
}
