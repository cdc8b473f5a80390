import { isShared } from '../typed.js';
import type { StridedView } from '../view.js';
import { BufferUsage } from './flags.js';
import type { HostRuntime } from './parts.js';
import type { HostRequest } from './request.js';
import { ceilTo, foldGrid, workgroupSize } from './steps.js';
import { GATHER_MAX_RANK, gatherParams } from './uniforms.js';
import type { GpuJobInput } from './upload.js';

/**
 * A float32 view gathered on the GPU: its memory span goes up as it lies (queue.writeBuffer, when the call
 * is made), and each piece's elements are gathered into the piece's input by shaders/gather.wgsl. Taken
 * for views whose span is at most twice their size and fits `chunkBytes` — a transpose, a flip, a
 * sub-block — where a JavaScript gather would cost several times the copy (bench/NOTES.md, views); a
 * stepped view with a wide span, other element types, masks and shared memory are gathered on the host.
 */
export interface GpuGather {
  /** The request without host arrays: its input comes from `produce`. */
  readonly request: HostRequest;
  readonly pipeline: Promise<GPUComputePipeline>;
  /** Elements [start, end) of the view, as a job's input made on the GPU. */
  produce(pipeline: GPUComputePipeline, start: number, end: number): GpuJobInput;
  /** Frees the span (once the call has settled). */
  release(): void;
}

/** The span of a view's memory: its first and last word. */
function spanOf(view: StridedView): { first: number; last: number } {
  let first = view.offset,
    last = view.offset;
  view.shape.forEach((n, d) => {
    const reach = (n - 1) * view.strides[d];
    if (reach < 0) first += reach;
    else last += reach;
  });
  return { first, last };
}

/** The GPU gather of a request's view, or null where the host gathers it (see GpuGather). Writes the span now. */
export function gpuGather(rt: HostRuntime, request: HostRequest): GpuGather | null {
  const view = request.gpuView;
  if (!view || view.size === 0 || view.shape.length > GATHER_MAX_RANK) return null;
  const data = view.data as Float32Array;
  if (isShared(data)) return null;
  const { first, last } = spanOf(view);
  const words = last - first + 1;
  const bytes = ceilTo(words * 4, 16);
  if (words > 2 * view.size || bytes > rt.chunkBytes || bytes > rt.limits.maxStorageBufferBindingSize) return null;
  const t0 = performance.now();
  const span = rt.pool.acquire(bytes, BufferUsage.STORAGE | BufferUsage.COPY_DST, 'webgpu-gradient view span');
  // writeBuffer copies at once: the caller may reuse its array as soon as the call returns.
  rt.device.queue.writeBuffer(span, 0, data.buffer, data.byteOffset + first * 4, ceilTo(words * 4, 4));
  rt.transfer.stats.uploadMs += performance.now() - t0;
  rt.transfer.stats.gpuGathers++;
  const base = view.offset - first;
  const wg = workgroupSize(rt.limits);
  let released = false;
  return {
    request: { ...request, arrays: null, gpuView: null },
    pipeline: rt.pipelines.gatherPipeline(),
    produce: (pipeline, start, end) => ({
      bytes: (end - start) * 4,
      record(encoder, input) {
        // Kept per piece and layout (KeptBindings): a repeated call writes its span and nothing else.
        const uniforms = rt.kept.gather.get(`${start},${end},${base},${view.shape},${view.strides}`, () =>
          gatherParams(start, end - start, base, view.shape, view.strides),
        );
        const inputBytes = ceilTo((end - start) * 4, 16);
        const layout = rt.pipelines.gatherLayout();
        const groups = rt.kept.groups;
        const group =
          groups.find(span, input, uniforms, layout, layout, bytes, inputBytes, 0, 0) ??
          groups.keep(
            rt.device.createBindGroup({
              layout,
              entries: [
                { binding: 0, resource: { buffer: span, offset: 0, size: bytes } },
                { binding: 1, resource: { buffer: input, offset: 0, size: inputBytes } },
                { binding: 2, resource: { buffer: uniforms } },
              ],
            }),
          );
        const pass = encoder.beginComputePass(GATHER_PASS);
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        // Four elements per invocation (gather.wgsl).
        pass.dispatchWorkgroups(...foldGrid(Math.ceil((end - start) / (4 * wg)), rt.limits.maxComputeWorkgroupsPerDimension));
        pass.end();
        return NO_BUFFERS;
      },
    }),
    release() {
      if (released) return;
      released = true;
      rt.pool.release(span);
    },
  };
}

const GATHER_PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient gather' };
const NO_BUFFERS: readonly GPUBuffer[] = Object.freeze([]);
