import type { KeptGroups } from './kept-groups.js';
import type { HostRuntime, Recorder } from './parts.js';
import { dispatchFolded } from './record.js';
import { ceilTo } from './steps.js';
import type { GpuJobInput, TakenInput } from './upload.js';

/**
 * Inputs made on the GPU from bytes taken into an input arena when their call was made
 * (Transfer.takeSpan): a view's memory span, gathered (gather.ts), and ImageData's bytes, converted
 * (image.ts). Each piece of such a call is a job's input (`SpanPiece`) whose pass binds the span where it
 * lies, through a dynamic offset, in a bind group kept per arena, input buffer and uniforms: bound in a
 * buffer or texture of its own, the span made a bind group for each call of a burst (bench/NOTES.md,
 * seventeenth session).
 */
export abstract class SpanCall {
  private done = false;
  /** The pass's pipeline: given, or set once built (host.ts gatheredCall, image.ts imageCallAwaited). */
  pipeline: GPUComputePipeline | null = null;

  constructor(
    /** The bytes in their arena; their place is held until the call has settled. */
    readonly span: TakenInput,
  ) {}

  /** Records the pass that makes elements [start, end) of the call's input into `input` (spanPass). */
  abstract recordPiece(encoder: GPUCommandEncoder, input: GPUBuffer, start: number, end: number): void;

  /** Elements [start, end) as a job's input (made once a call: no closure a piece). */
  readonly produce = (start: number, end: number): GpuJobInput => new SpanPiece(this, start, end);

  /** Frees the span's place (once the call has settled; `failed`: it failed); a second call does nothing. */
  release(failed: boolean): void {
    if (this.done) return;
    this.done = true;
    this.span.arena!.end(failed);
  }

  /** `release` as functions made once a call, for the reactions on the call's promise. */
  readonly released = (): void => this.release(false);
  readonly failed = (): void => this.release(true);
}

/**
 * Whether a span of `bytes` is taken into an arena and bound whole: within one storage binding, and within
 * `chunkBytes` (what a host call holds of one piece each way); a larger view is gathered on the host, a
 * larger image goes to a texture.
 */
export function spanFits(rt: Pick<HostRuntime, 'chunkBytes' | 'limits'>, bytes: number): boolean {
  return bytes <= rt.chunkBytes && bytes <= rt.limits.maxStorageBufferBindingSize;
}

/** Elements [start, end) of a SpanCall's input, as a job's input made on the GPU. */
class SpanPiece implements GpuJobInput {
  readonly bytes: number;
  readonly errors: Promise<Error | null>;

  constructor(
    private readonly call: SpanCall,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.bytes = (end - start) * 4;
    this.errors = call.span.errors;
  }

  record(encoder: GPUCommandEncoder, input: GPUBuffer): readonly GPUBuffer[] {
    this.call.recordPiece(encoder, input, this.start, this.end);
    return NO_BUFFERS;
  }
}

/**
 * The pass of `pipeline` (its layout `layout`: binding 0 the span with a dynamic offset, 1 the input, 2
 * uniforms) that makes `elements` 32-bit elements of `input` from `span`, over `workgroups` workgroups.
 */
export function spanPass(
  rt: Recorder & { readonly kept: { readonly groups: KeptGroups } },
  encoder: GPUCommandEncoder,
  descriptor: GPUComputePassDescriptor,
  pipeline: GPUComputePipeline,
  layout: GPUBindGroupLayout,
  span: TakenInput,
  input: GPUBuffer,
  elements: number,
  uniforms: GPUBuffer,
  workgroups: number,
): void {
  const inputBytes = ceilTo(elements * 4, 16);
  const groups = rt.kept.groups;
  const group =
    groups.find(span.buffer, input, uniforms, layout, layout, span.bytes, inputBytes, 0, 0) ??
    groups.keep(
      rt.device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: { buffer: span.buffer, offset: 0, size: span.bytes } },
          { binding: 1, resource: { buffer: input, offset: 0, size: inputBytes } },
          { binding: 2, resource: { buffer: uniforms } },
        ],
      }),
    );
  const pass = encoder.beginComputePass(descriptor);
  pass.setPipeline(pipeline);
  // One array refilled, not one a pass (setBindGroup copies it).
  SPAN_OFFSET[0] = span.offset;
  pass.setBindGroup(0, group, SPAN_OFFSET, 0, 1);
  dispatchFolded(pass, workgroups, rt.limits.maxComputeWorkgroupsPerDimension);
  pass.end();
}

const SPAN_OFFSET = new Uint32Array(1);
const NO_BUFFERS: readonly GPUBuffer[] = Object.freeze([]);
