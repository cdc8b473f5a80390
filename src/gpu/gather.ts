import { isShared } from '../typed.js';
import type { StridedView } from '../view.js';
import type { HostRuntime } from './parts.js';
import type { HostRequest } from './request.js';
import { SpanCall, spanFits, spanPass } from './span.js';
import { ceilTo, workgroupSize } from './steps.js';
import { GATHER_MAX_RANK, gatherParams } from './uniforms.js';
import type { TakenInput } from './upload.js';

/**
 * A float32 view gathered on the GPU: its memory span goes up as it lies (queue.writeBuffer into the
 * turn's input arena, when the call is made), and each piece's elements are gathered into the piece's
 * input by shaders/gather.wgsl. Taken for views whose span is at most twice their size and fits
 * `chunkBytes` — a transpose, a flip, a sub-block — where a JavaScript gather would cost several times the
 * copy (bench/NOTES.md, views); a stepped view with a wide span, other element types, masks and shared
 * memory are gathered on the host.
 *
 * The span is bound where it lies in its arena, through a dynamic offset, so that a bind group is kept per
 * arena, input buffer and uniforms rather than per span. With a pooled buffer of its own per call, a burst
 * of concurrent calls made a buffer for each call beyond the pool's 64 idle ones and a bind group for
 * every call: 0.44 buffers and 1.04 bind groups a call in bursts of 100 64² views (bench/alloc.mjs --op
 * view, Dawn on SwiftShader; bench/NOTES.md, seventeenth session).
 */

/** The GPU gather of a request's view, or null where the host gathers it (see GpuGather). Takes the span now. */
export function gpuGather(rt: HostRuntime, request: HostRequest): GpuGather | null {
  const view = request.gpuView;
  if (!view || view.size === 0 || view.shape.length > GATHER_MAX_RANK) return null;
  const data = view.data as Float32Array;
  if (isShared(data)) return null;
  // The span of the view's memory, its first and last word (a loop: no closure a call).
  let first = view.offset,
    last = view.offset;
  for (let d = 0; d < view.shape.length; d++) {
    const reach = (view.shape[d] - 1) * view.strides[d];
    if (reach < 0) first += reach;
    else last += reach;
  }
  const words = last - first + 1;
  const bytes = ceilTo(words * 4, 16);
  if (words > 2 * view.size || !spanFits(rt, bytes)) return null;
  // Written at once: the caller may reuse its array as soon as the call returns.
  const span = rt.transfer.takeSpan(data.buffer as ArrayBuffer, data.byteOffset + first * 4, words * 4, bytes);
  rt.transfer.stats.gpuGathers++;
  return new GpuGather(rt, request, span, view.offset - first);
}

/**
 * A view gathered on the GPU: the request without host arrays, whose input each piece's job makes from the
 * span (`produce`, once `pipeline` is set). Its fields written out, not spread from the request with more
 * after them (a spread so made had cost 0.78 KB a call elsewhere; bench/NOTES.md, twelfth session).
 */
export class GpuGather extends SpanCall {
  readonly request: HostRequest;

  constructor(
    private readonly rt: HostRuntime,
    request: HostRequest,
    span: TakenInput,
    /** Where the view's offset lies in the span. */
    private readonly base: number,
    private readonly view: StridedView = request.gpuView!,
  ) {
    super(span);
    const { kind, plan, op, outputType, outputs, Result, out } = request;
    this.request = { arrays: null, kind, plan, op, outputType, outputs, Result, gpuView: null, out };
  }

  /** Records the gather of elements [start, end) into `input`. */
  recordPiece(encoder: GPUCommandEncoder, input: GPUBuffer, start: number, end: number): void {
    const { rt, base, view } = this;
    // Kept per piece and layout (KeptBindings): a repeated call writes its span and nothing else.
    const key = uniformsKey(start, end, base, view);
    const uniforms = rt.kept.gather.find(key) ?? rt.kept.gather.put(key, gatherParams(start, end - start, base, view.shape, view.strides));
    // Four elements per invocation (gather.wgsl).
    const workgroups = Math.ceil((end - start) / (4 * workgroupSize(rt.limits)));
    spanPass(rt, encoder, GATHER_PASS, this.pipeline!, rt.pipelines.gatherLayout(), this.span, input, end - start, uniforms, workgroups);
  }
}

/**
 * The key of a gather's uniforms: the piece, the base and the view's layout. The last key is kept with
 * what it was made of, so a repeated call with the same layout makes no string (the template and its
 * arrays joined took about 0.15 KB a call).
 */
function uniformsKey(start: number, end: number, base: number, view: StridedView): string {
  const last = LAST_KEY;
  let same = last.start === start && last.end === end && last.base === base && last.shape.length === view.shape.length;
  for (let d = 0; same && d < view.shape.length; d++) same = last.shape[d] === view.shape[d] && last.strides[d] === view.strides[d];
  if (same) return last.key;
  last.start = start;
  last.end = end;
  last.base = base;
  last.shape = view.shape.slice();
  last.strides = view.strides.slice();
  last.key = `${start},${end},${base},${view.shape},${view.strides}`;
  return last.key;
}

const LAST_KEY = { start: -1, end: -1, base: 0, shape: [] as number[], strides: [] as number[], key: '' };

const GATHER_PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient gather' };
