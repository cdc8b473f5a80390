import { gridIdentity } from '../grid.js';
import { dispatchedPerAxis, type Operation } from '../operations.js';
import { type Plan, planKey, stackedPlan } from '../plan.js';
import type { DataKind, OutputType } from '../types.js';
import { forEachAddress } from '../view.js';
import { checkSize } from './arguments.js';
import { type InputFormat, inputFormat, outputBytes } from './formats.js';
import { type GpuGather, gpuGather } from './gather.js';
import { type FreshResult, type Job, type JobOutput, type QueuedJob, type ResultTarget, resultArrays, targetMemory } from './jobs.js';
import { arrangeOutputs } from './layout.js';
import { ignore, ownPromise } from './own-promise.js';
import type { HostRuntime } from './parts.js';
import type { HostRequest } from './request.js';
import { ceilTo, chooseLayout, type GpuLimits, type Layout, type OutputPlace, type Piece, piecesExtent, planPieces } from './steps.js';
import type { GpuJobInput, JobBatch, ResultArray } from './transfer.js';
import type { AnyJobInput, InputArray, JobInput, TakenInput } from './upload.js';
import { planWork, readyWork, recordKeptWork, recordWork, type Work, type WorkOptions } from './work.js';
import type { KeptWork } from './work-cache.js';

/**
 * The host-to-host path of every operation: the array is cut into pieces along its first axis (one piece
 * for most calls), each uploaded, computed and read back by the transfer layer, at most two in flight per
 * call, into fresh Float32Arrays (Float16Arrays for float16 results) or the caller's `out`.
 *
 * A one-piece call takes its input before it returns (`Transfer.take`, before the first await below):
 * the caller may refill or reuse its arrays at once, as with queue.writeBuffer or postMessage. A streamed
 * call (one whose input or results exceed `chunkBytes`) reads each piece when it goes up, so its arrays
 * must stay as they are until it settles: a snapshot would double the host memory that streaming exists
 * to bound.
 */

/** Elements [start, end) of the input made on the GPU (an image's values), for a request without host arrays. */
export type ProduceInput = (start: number, end: number) => GpuJobInput;

export function hostCall(rt: HostRuntime, request: HostRequest, produce?: ProduceInput): Promise<ResultArray[]> {
  // Not an async function: a one-piece call settles its own promise when its job's group ends (SingleCall),
  // without an async frame of its own and an await (bench/NOTES.md, garbage per call). What throws here
  // rejects, as an async function's body would.
  try {
    // Synchronous to the end: a one-piece call's input is taken before this returns.
    rt.life.checkUsable();
    // A float32 view whose memory span is compact goes up as it lies and is gathered on the GPU (gather.ts).
    const gather = produce ? null : gpuGather(rt, request);
    if (gather) return gatheredCall(rt, gather);
    const { plan, op, outputType, outputs, Result } = request;
    const fromHost = request.arrays !== null;
    const arrays = request.arrays ?? NO_ARRAYS;
    const kind = fromHost ? request.kind : 'float32';
    const components = fromHost ? arrays.length : 1;
    const N = plan.size;
    // Nothing to differentiate: no gradients, and a zero magnitude.
    if (plan.axes.length === 0 || N === 0) return Promise.resolve(zeroResults(request));
    const shape = callShape(rt, plan, op, kind, outputType, components, outputs);
    const { pieces } = shape;
    // Where results go: the caller's `out` (or the data of its `out` views); fresh arrays made when a
    // one-piece call's results arrive (downloadInto), where they are small; or fresh arrays made now.
    const fresh = !request.out && pieces.length === 1 && N * outputBytes(outputType) <= FRESH_ON_ARRIVAL_BYTES ? Result : null;
    // `out`: the request's own list of it (checkOutTargets), not copied again. Otherwise made at its length
    // (an array grown from empty reserves 17 places); fresh results are holes until they arrive.
    const targets: ResultTarget[] = request.out ?? new Array(outputs);
    if (!fresh && !request.out) for (let k = 0; k < outputs; k++) targets[k] = new Result(N);
    // One piece (most calls) runs without inFlight's workers and their promises.
    const Call = pieces.length === 1 ? SingleCall : StreamedCall;
    return new Call(rt, plan, shape, arrays, fromHost, targets, fresh, produce).run();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Zeros for a call with nothing to differentiate. Apart from hostCall: a closure there over its locals
 * made their context at every call (bench/NOTES.md, tenth session).
 */
function zeroResults(request: HostRequest): ResultArray[] {
  const N = request.plan.size;
  const results: ResultTarget[] = request.out ?? Array.from({ length: request.outputs }, () => new request.Result(N));
  results.forEach((t) => (ArrayBuffer.isView(t) ? t.fill(0) : forEachAddress(t, 0, N, (address) => (t.data[address] = 0))));
  return results.map(targetMemory);
}

/**
 * A call whose input is gathered on the GPU first (gather.ts), then computed as one made there; its span
 * is let go once the call has settled. With the gather's pipeline built, without an await (an async frame
 * and its awaits took about 1 KB a call; bench/NOTES.md, twelfth session).
 */
function gatheredCall(rt: HostRuntime, gather: GpuGather): Promise<ResultArray[]> {
  const pipeline = rt.pipelines.readyPipeline('gather');
  if (!pipeline) return gatheredOnceBuilt(rt, gather);
  gather.pipeline = pipeline;
  const call = hostCall(rt, gather.request, gather.produce);
  // Registered before the caller's: the span goes back to the pool before the caller hears.
  call.then(gather.released, gather.failed);
  return call;
}

/** The first gathered calls of a context: the pipeline awaited first. */
async function gatheredOnceBuilt(rt: HostRuntime, gather: GpuGather): Promise<ResultArray[]> {
  try {
    const pipeline = await rt.pipelines.gatherPipeline().catch((error) => {
      throw rt.life.translate(error);
    });
    gather.pipeline = pipeline;
    const results = await hostCall(rt, gather.request, gather.produce);
    gather.release(false);
    return results;
  } catch (error) {
    gather.release(true);
    throw error;
  }
}

const NO_ARRAYS: readonly InputArray[] = [];

/**
 * Results of at most this many bytes an output are made when they arrive, not when the call is made. On
 * a null device (bench/NOTES.md, fresh results): a call in a burst of concurrent 32²–256² calls took
 * 0.50–1.0× the time, 0.7× in the median of twelve runs (made at the call, a burst's results were all
 * written twice, the second time long after the first had left the cache); sequential calls of 128² and 256² measured the same either way,
 * and of 512² up to 2× slower in half the runs when made on arrival, so larger ones are made at the call.
 */
export const FRESH_ON_ARRIVAL_BYTES = 256 * 1024;

/**
 * What a host call computes from its plan, the kind of call and the device's limits alone: its pieces,
 * buffers, places and keys. Made once per plan object (a recent plan is reused, plan-memo.ts) and kept
 * beside it, as its keys were before (a new 250-character key each call cost about 1 µs in the work
 * cache's lookup; bench/NOTES.md, third session of 2026-12-06).
 */
interface CallShape extends ShapeKey {
  readonly limits: GpuLimits;
  readonly chunkBytes: number;

  readonly format: InputFormat;
  readonly layout: Layout;
  readonly pieces: readonly Piece[];
  /** Elements between components in a piece's input (its widest window, rounded up to 16). */
  readonly stride: number;
  /** Bytes of each output buffer of a piece, and where each output lies in them. */
  readonly buffers: readonly number[];
  readonly places: readonly OutputPlace[];
  readonly workOptions: WorkOptions;
  /** The work and its input and result types (what a batch shares); null for a streamed call, or a grid computed per call. */
  readonly key: string | null;
  /** The key and the input's layout, for kept work (work-cache.ts); null when the work is not kept. */
  readonly keepKey: string | null;
  /** Whether a call whose input was taken at once can share a dispatch with concurrent calls of the same work (JobBatch). */
  readonly batchable: boolean;
}

/** What a shape is made from, beside the plan and the context's limits and chunk size. */
interface ShapeKey {
  readonly op: Operation;
  readonly kind: DataKind;
  readonly outputType: OutputType;
  readonly components: number;
  readonly outputs: number;
  readonly grid: string | null;
}

const shapesByPlan = new WeakMap<Plan, CallShape[]>();

function callShape(
  rt: HostRuntime,
  plan: Plan,
  op: Operation,
  kind: DataKind,
  outputType: OutputType,
  components: number,
  outputs: number,
): CallShape {
  // A grid's keys only where its numbers have a name (prepared coordinates' kept metric terms).
  const grid = plan.grid ? gridIdentity(plan.grid) : '';
  let list = shapesByPlan.get(plan);
  if (!list) {
    list = [];
    shapesByPlan.set(plan, list);
  }
  for (const s of list)
    if (
      s.op === op &&
      s.kind === kind &&
      s.outputType === outputType &&
      s.components === components &&
      s.outputs === outputs &&
      s.grid === grid &&
      s.limits === rt.limits &&
      s.chunkBytes === rt.chunkBytes
    )
      return s;
  const made = makeShape(rt, plan, { op, kind, outputType, components, outputs, grid });
  list.push(made);
  return made;
}

function makeShape(rt: HostRuntime, plan: Plan, from: ShapeKey): CallShape {
  const { op, kind, outputType, components, outputs, grid } = from;
  const N = plan.size;
  const format = inputFormat(kind);
  const bpe = format.bytesPerElement;
  // A curvilinear grid's metric terms go up with each piece (d² floats a point): counted as components.
  const metricComponents = plan.grid?.kind === 'curvilinear' ? Math.ceil((4 * plan.axes.length ** 2) / bpe) : 0;
  const { pieces, bounded } = planPieces(plan, bpe, components + metricComponents, outputs, rt.chunkBytes, rt.limits, op);
  const { longest, widest } = piecesExtent(pieces);
  const stride = ceilTo(widest, 16);
  if (!bounded) checkSize(plan, format, components * stride, rt.limits); // one piece holds the whole array
  // A piece's outputs: stacked in one buffer when it fits (one pass computes every axis), else one buffer each.
  const arrangement = arrangeOutputs(outputs, longest, rt.limits, outputType);
  const stacked = arrangement.fitsStacked || !dispatchedPerAxis(op, plan);
  const buffers = stacked ? [arrangement.stackedBytes] : Array.from({ length: outputs }, () => arrangement.separateBytes);
  const key = pieces.length === 1 && grid !== null ? `${op}|${kind}|${outputType}|${planKey(plan)}|${grid}` : null;
  return {
    ...from,
    limits: rt.limits,
    chunkBytes: rt.chunkBytes,
    format,
    layout: chooseLayout(plan),
    pieces,
    stride,
    buffers,
    places: stacked ? arrangement.stacked : arrangement.separate,
    workOptions: { op, outputType, components, componentStride: stride },
    key,
    // A whole array whose weights the plan key determines keeps its work for the next call of that plan. A
    // mask is not part of the work: masked points go up as NaN, and the work is the plan's without a mask.
    keepKey: key !== null && buffers.length === 1 ? `${key}|${components}|${stride}|${outputs}` : null,
    // A whole array of one component whose rows of input and results fill whole 16-byte words; not on a
    // grid, whose numbers a stacked plan would not stack.
    batchable: key !== null && !plan.grid && components === 1 && stacked && N % 4 === 0 && (N * bpe) % 16 === 0,
  };
}

/** What every host call holds while it runs, and what its pieces are made from. */
abstract class HostCall {
  constructor(
    readonly rt: HostRuntime,
    readonly plan: Plan,
    readonly shape: CallShape,
    protected readonly arrays: readonly InputArray[],
    protected readonly fromHost: boolean,
    readonly targets: ResultTarget[],
    readonly fresh: FreshResult | null,
    protected readonly produce: ProduceInput | undefined,
  ) {}

  /** A piece's input, read from the caller's arrays when its job runs (a streamed call's piece). */
  protected window(piece: Piece): JobInput {
    const { shape } = this;
    const { kind, format, stride } = shape;
    return { arrays: this.arrays, kind, bytesPerElement: format.bytesPerElement, start: piece.inStart, end: piece.inEnd, stride };
  }

  /** The arrays the caller gets (resultArrays). */
  protected results(): ResultArray[] {
    return resultArrays(this.targets);
  }

  protected plannedWork(piece: Piece): Promise<Work | KeptWork> {
    const { rt, shape, plan } = this;
    const planned = () => planWork(rt.pipelines, rt.limits, plan, shape.layout, shape.format, shape.places, shape.workOptions, piece);
    return (shape.keepKey === null ? planned() : rt.works.acquire(shape.keepKey, planned)).catch((error) => {
      throw rt.life.translate(error);
    });
  }
}

/**
 * A one-piece call (most calls), which is its own job and its job's output description: one object a
 * call where a run, a job and an output description were three (195 bytes against 258; bench/NOTES.md,
 * eleventh session). Its promise settles when its group ends (`settled`): no async frame, no await of its own.
 */
class SingleCall extends HostCall implements QueuedJob, JobOutput {
  /** Its input, taken while the call is made (null: made on the GPU when recorded, or handed to the transfer layer). */
  private taken: TakenInput | null;
  private readonly batched: boolean;
  private resolve: (results: ResultArray[]) => void = ignore;
  private reject: (error: unknown) => void = ignore;
  /** As a job, once queued: its work, input and batch. */
  private work: Work | KeptWork | null = null;
  input: AnyJobInput = NO_INPUT;
  batch: JobBatch | undefined = undefined;
  private released = false;
  readonly elementBytes: 2 | 4;
  readonly at: number;
  readonly count: number;
  readonly buffers: readonly number[];
  readonly places: readonly OutputPlace[];

  constructor(
    rt: HostRuntime,
    plan: Plan,
    shape: CallShape,
    arrays: readonly InputArray[],
    fromHost: boolean,
    targets: ResultTarget[],
    fresh: FreshResult | null,
    produce: ProduceInput | undefined,
  ) {
    super(rt, plan, shape, arrays, fromHost, targets, fresh, produce);
    const piece = shape.pieces[0];
    this.elementBytes = outputBytes(shape.outputType);
    this.at = piece.e0;
    this.count = piece.e1 - piece.e0;
    this.buffers = shape.buffers;
    this.places = shape.places;
    this.taken = fromHost ? this.take(piece) : null;
    this.batched = shape.batchable && this.taken !== null;
  }

  get output(): JobOutput {
    return this;
  }

  /**
   * Its input, taken now (Transfer.take, which reads the window at once and keeps nothing of it):
   * described in one window refilled for every call, not one a call (about 70 bytes; bench/NOTES.md,
   * eleventh session), and let go of the caller's arrays once taken.
   */
  private take(piece: Piece): TakenInput {
    const { kind, format, stride } = this.shape;
    return takeWindow(this.rt, this.arrays, kind, format.bytesPerElement, piece.inStart, piece.inEnd, stride);
  }

  run(): Promise<ResultArray[]> {
    return ownPromise(this);
  }

  /** The call starts (ownPromise): it is queued with kept work at once, or once its work is planned. */
  begin(resolve: (results: ResultArray[]) => void, reject: (error: unknown) => void): void {
    this.resolve = resolve;
    this.reject = reject;
    try {
      // Kept work of a repeated plan is taken without waiting (work-cache.ts, hit).
      const kept = this.shape.keepKey === null ? null : this.rt.works.hit(this.shape.keepKey);
      if (kept) this.enqueue(kept);
      else this.planThenEnqueue();
    } catch (error) {
      this.settled(error);
    }
  }

  /** Apart from begin: these closures' context would be made at every call, kept work's included. */
  private planThenEnqueue(): void {
    this.plannedWork(this.shape.pieces[0]).then(
      (work) => this.enqueue(work),
      (error) => this.settled(error),
    );
  }

  /** Queued as a job with its work; kept work is released when the job ends (`ended`), or here when it cannot be queued. */
  private enqueue(work: Work | KeptWork): void {
    const { rt } = this;
    try {
      this.work = work;
      rt.life.checkUsable();
      const piece = this.shape.pieces[0];
      this.input = this.taken ?? this.produce!(piece.inStart, piece.inEnd);
      // Kept work holds the one JobBatch its calls share.
      this.batch = !this.batched ? undefined : isKept(work) ? work.shared(batchOf, this) : batchOf(this);
      rt.transfer.enqueue(this);
      this.taken = null; // the transfer layer owns it from here
    } catch (error) {
      this.settled(error);
    }
  }

  record(encoder: GPUCommandEncoder, input: GPUBuffer, outputs: readonly GPUBuffer[]): readonly GPUBuffer[] {
    return recordPiece(this.rt, this.work!, encoder, input, outputs, this.shape.pieces[0].inStart);
  }

  /** Its GPU work has completed, or will never run. Once: a hold on kept work is its entry's, shared by its calls. */
  ended(): void {
    if (this.released || !this.work || !isKept(this.work)) return;
    this.released = true;
    this.work.release();
  }

  /** The call's job has ended (`error` undefined: it succeeded), or the call failed before its job was queued. */
  settled(error: unknown): void {
    this.ended();
    if (this.taken) this.rt.transfer.discard(this.taken); // failed before its job was queued
    this.taken = null;
    if (error === undefined) this.resolve(this.results());
    else this.reject(error);
  }
}

/** A call in pieces (streamed): at most two in flight, each a job of its own. */
class StreamedCall extends HostCall {
  async run(): Promise<ResultArray[]> {
    await inFlight(this.shape.pieces, 2, (piece) => this.plannedWork(piece).then((work) => this.rt.transfer.run(this.job(work, piece))));
    return this.results();
  }

  /** The piece's job. Kept work is released when the job ends (PieceJob.ended), or here when it cannot be made. */
  private job(work: Work | KeptWork, piece: Piece): PieceJob {
    try {
      this.rt.life.checkUsable();
      const input = this.fromHost ? this.window(piece) : this.produce!(piece.inStart, piece.inEnd);
      return new PieceJob(this.rt, work, input, piece, this);
    } catch (error) {
      if (isKept(work)) work.release();
      throw error;
    }
  }
}

/**
 * A streamed call's piece as a job: its work recorded by a method, not by a closure made per piece. Its
 * output description is an object of its own: a streamed call has a few pieces, each megabytes.
 */
class PieceJob implements Job {
  readonly output: JobOutput;
  private readonly inStart: number;
  private released = false;

  constructor(
    private readonly rt: HostRuntime,
    private readonly work: Work | KeptWork,
    readonly input: AnyJobInput,
    piece: Piece,
    call: HostCall,
  ) {
    const { shape } = call;
    this.output = {
      targets: call.targets,
      fresh: call.fresh,
      elementBytes: outputBytes(shape.outputType),
      at: piece.e0,
      count: piece.e1 - piece.e0,
      buffers: shape.buffers,
      places: shape.places,
    };
    this.inStart = piece.inStart;
  }

  record(encoder: GPUCommandEncoder, input: GPUBuffer, outputs: readonly GPUBuffer[]): readonly GPUBuffer[] {
    return recordPiece(this.rt, this.work, encoder, input, outputs, this.inStart);
  }

  ended(): void {
    if (this.released || !isKept(this.work)) return;
    this.released = true;
    this.work.release();
  }
}

/** A piece's work recorded over its input and output buffers (the input window read from element `inStart`). */
function recordPiece(
  rt: HostRuntime,
  work: Work | KeptWork,
  encoder: GPUCommandEncoder,
  input: GPUBuffer,
  outputs: readonly GPUBuffer[],
  inStart: number,
): readonly GPUBuffer[] {
  return isKept(work)
    ? recordKeptWork(rt, encoder, work, input, outputs[0])
    : recordWork(rt, encoder, work, { buffer: input, offset: 0 }, outputs, inStart);
}

/** What a one-piece call's job reads until it is queued (SingleCall.input). */
const NO_INPUT: JobInput = Object.freeze({ arrays: NO_ARRAYS, kind: 'float32', bytesPerElement: 4, start: 0, end: 0, stride: 0 });

/**
 * Takes elements [start, end) of `arrays` (components `stride` apart) now (Transfer.take, which reads the
 * window at once and keeps nothing of it), described in one window refilled for every call, then lets go
 * of the arrays: a one-piece host call's input and a program call's (table.ts).
 */
export function takeWindow(
  rt: HostRuntime,
  arrays: readonly InputArray[],
  kind: DataKind,
  bytesPerElement: number,
  start: number,
  end: number,
  stride: number,
): TakenInput {
  const w = TAKING;
  w.arrays = arrays;
  w.kind = kind;
  w.bytesPerElement = bytesPerElement;
  w.start = start;
  w.end = end;
  w.stride = stride;
  try {
    return rt.transfer.take(w);
  } finally {
    w.arrays = NO_ARRAYS;
  }
}

/** The window of the input being taken (takeWindow), its fields written at each take. */
const TAKING: { -readonly [K in keyof JobInput]: JobInput[K] } = {
  arrays: NO_ARRAYS,
  kind: 'float32',
  bytesPerElement: 4,
  start: 0,
  end: 0,
  stride: 0,
};

function isKept(work: Work | KeptWork): work is KeptWork {
  return 'release' in work;
}

/** How `count` concurrent calls of a call's plan are computed in one dispatch over their arrays stacked. */
function batchOf({ rt, plan, shape }: HostCall): JobBatch {
  const { format, op, outputs, outputType } = shape;
  const arrangement = (count: number) => arrangeOutputs(outputs, count * plan.size, rt.limits, outputType);
  return {
    key: shape.key!,
    slab: (count) => arrangement(count).slab,
    record(encoder, input, output, count) {
      const stacked = stackedPlan(plan, count);
      const places = arrangement(count).stacked;
      const options = { op, outputType, components: 1, componentStride: ceilTo(stacked.size, 16) };
      const work = readyWork(rt.pipelines, rt.limits, stacked, chooseLayout(stacked), format, places, options);
      return work && recordWork(rt, encoder, work, input, [output]);
    },
  };
}

/** Runs `run` over `items`, at most `limit` at a time, in order; rejects with the first failure once all have settled. */
export async function inFlight<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++];
      try {
        await run(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
