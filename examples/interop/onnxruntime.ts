// ONNX Runtime Web (WebGPU execution provider) → webgpu-gradient → ONNX Runtime Web, on one device, with no
// host round trip.
//
// A model's output kept on the GPU (`preferredOutputLocation: 'gpu-buffer'`) is the input of a prepared
// kernel; the derivative is handed back to a session as `Tensor.fromGpuBuffer`. Nothing is read back
// until the caller asks for values (`getData()`).
import * as ort from 'onnxruntime-web/webgpu';
import { createGradient } from 'webgpu-gradient';

/**
 * `model`: an ONNX model mapping a float32 vector X to Y of the same length (examples/interop/sin.onnx:
 * Y = sin X). Runs it on `x` (an h×w grid, flattened), differentiates Y along both axes on the GPU, and
 * runs the model again on ∂Y/∂x.
 */
export async function onnxGradient(model: Uint8Array, x: Float32Array, h: number, w: number) {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' });
  const { Y: field } = await session.run({ X: new ort.Tensor('float32', x, [h * w]) });

  // The session's device, once it has run: a context on it, and a kernel prepared for the shape.
  const device = await ort.env.webgpu.device;
  const gradient = await createGradient({ device });
  const kernel = await gradient.prepare({ shape: [h, w] });
  const [dy, dx] = [0, 1].map(() =>
    device.createBuffer({
      size: Math.ceil((h * w * 4) / 16) * 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    }),
  );
  const encoder = device.createCommandEncoder();
  kernel.encode(encoder, { input: field.gpuBuffer, outputs: [dy, dx] });
  device.queue.submit([encoder.finish()]);

  // The derivatives as ONNX tensors (getData() reads them back on demand), and ∂Y/∂x through the model again.
  const [dyTensor, dxTensor] = [dy, dx].map((buffer) =>
    ort.Tensor.fromGpuBuffer(buffer, {
      dataType: 'float32',
      dims: [h * w],
      download: () => readFloats(device, buffer, h * w),
    }),
  );
  const { Y: sinDx } = await session.run({ X: dxTensor });
  return {
    field,
    dy: dyTensor,
    dx: dxTensor,
    sinDx,
    async dispose() {
      for (const t of [field, sinDx]) t.dispose();
      for (const b of [dy, dx]) b.destroy();
      kernel.destroy();
      gradient.destroy();
      await session.release();
    },
  };
}

/** `count` floats of `buffer`, through a staging buffer: what getData() calls for a tensor we made. */
async function readFloats(device: GPUDevice, buffer: GPUBuffer, count: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: Math.ceil((count * 4) / 16) * 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, staging.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const values = new Float32Array(staging.getMappedRange().slice(0, count * 4));
  staging.destroy();
  return values;
}
