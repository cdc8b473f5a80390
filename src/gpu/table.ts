import { cpuComponents, cpuInput } from '../cpu/input.js';
import { isView, type Values } from '../cpu/lines.js';
import type { DataInfo } from '../data.js';
import {
  type AdjointOptions,
  adjointProgram,
  type DerivativeOptions,
  derivativesProgram,
  firstAxisReach,
  hessianProgram,
  type Program,
} from '../derivatives.js';
import { GradientError } from '../errors.js';
import { checkOutTargets, type OutTarget, outMemory } from '../out.js';
import { PlanMemo } from '../plan-memo.js';
import { typedArrayName } from '../typed.js';
import type { NumericArray } from '../types.js';
import { copyRange, type NdarrayLike } from '../view.js';
import { BufferUsage } from './flags.js';
import { FRESH_ON_ARRIVAL_BYTES, inFlight, takeWindow } from './host.js';
import { type FreshResult, type JobOutput, type QueuedJob, type ResultTarget, resultArrays } from './jobs.js';
import { type ProgramParams, programBuffers, type TableBindings, tableBindGroup } from './kept-programs.js';
import { arrangeOutputs } from './layout.js';
import { ignore, ownPromise } from './own-promise.js';
import type { HostRuntime, PrepareRuntime } from './parts.js';
import { isComputePass } from './prepared.js';
import { guarded } from './scopes.js';
import {
  ceilTo,
  foldGrid,
  type GpuLimits,
  type OutputPlace,
  type Piece,
  piecesExtent,
  rowPieces,
  slabAlignment,
  workgroupSize,
} from './steps.js';
import type { JobBatch } from './transfer.js';
import { TABLE_PARAMS_BYTES, tableParams } from './uniforms.js';
import type { TakenInput } from './upload.js';

/**
 * Derivatives of any order, the Hessian and adjoints on the GPU: one dispatch of shaders/table.wgsl over
 * the whole array, every output in one pass, the operators' rows and the program (src/derivatives.ts) in
 * one storage buffer, through the host path's staging and readback (transfer.ts).
 */

/**
 * A checked call: its program, the program packed (packProgram), its inputs as the caller gave them (flat
 * typed arrays and arrays of numbers; views and float16 arrays copied to float32 when the call is made),
 * which `programCall` takes before it returns, and the caller's `out` (checked), or null.
 */
export interface ProgramRequest extends CheckedProgram {
  readonly arrays: readonly NumericArray[];
  readonly out: readonly OutTarget<Float32Array>[] | null;
}

/**
 * `out` of the GPU derivative, Hessian and adjoint calls: Float32Arrays of the data's length (or views of
 * them) to write the results into, one per output (one for an adjoint); they are returned. Reusing them
 * across calls avoids fresh memory and its page faults.
 */
export type GpuProgramOut = (Float32Array | NdarrayLike<Float32Array>)[];

/** Options of the GPU derivatives and the Hessian: the plan's options and `out`. */
export type GpuDerivativeOptions = DerivativeOptions & {
  /** Where the results go (GpuProgramOut): one array per output. */
  out?: GpuProgramOut;
};
/** Options of the GPU adjoint: the adjoint's options and `out`. */
export type GpuAdjointOptions = AdjointOptions & {
  /** Where the result goes (GpuProgramOut): one array. */
  out?: GpuProgramOut;
};

/** Extra options the GPU calls take besides the plan's. */
const GPU_KEYS = ['device', 'out'];

/**
 * Programs of recent calls, found again when a call repeats one's arguments (plan-memo.ts): a repeated
 * call builds no operators and packs nothing, and its packed table is the kept rows' key (kept-programs.ts).
 * Programs do not depend on the device, so every context shares them.
 */
const recentPrograms = new PlanMemo<CheckedProgram>(GPU_KEYS);

/** A program, packed, and a key naming it (calls of one memoised program share it: concurrent ones may share a dispatch). */
interface CheckedProgram {
  readonly program: Program;
  readonly table: Uint32Array;
  readonly key: string;
}

let programs = 0;

/** A recent call's checked program (plan-memo.ts), found without building anything, or null. */
function recent(method: string, components: number, info: DataInfo, options: unknown): CheckedProgram | null {
  return recentPrograms.find(method, components, info, options) ?? null;
}

/**
 * A program built for a call that no recent call matched, packed and remembered. Apart from `recent`: a
 * builder closure passed to one function had been made at every call (bench/NOTES.md, twelfth session).
 */
function remembered(method: string, components: number, info: DataInfo, options: unknown, program: Program): CheckedProgram {
  const made = { program, table: packProgram(program), key: `program ${++programs}` };
  recentPrograms.remember(method, components, info, options, made);
  return made;
}

export function derivativesRequest(data: unknown, options: GpuDerivativeOptions | undefined): ProgramRequest {
  const { info, values, memory } = cpuInput(data);
  const made =
    recent('derivatives', 1, info, options) ?? remembered('derivatives', 1, info, options, derivativesProgram(info, options, GPU_KEYS));
  return request(made, [values], [memory], options?.out, 'one per multi-index');
}

export function hessianRequest(data: unknown, options: GpuDerivativeOptions | undefined): ProgramRequest {
  const { info, values, memory } = cpuInput(data);
  const made = recent('hessian', 1, info, options) ?? remembered('hessian', 1, info, options, hessianProgram(info, options, GPU_KEYS));
  return request(made, [values], [memory], options?.out, 'one per second partial, i ≤ j');
}

export function adjointRequest(components: unknown, options: GpuAdjointOptions | undefined): ProgramRequest {
  const { info, values, memory } = cpuComponents(components);
  const n = values.length;
  const made = recent('adjoint', n, info, options) ?? remembered('adjoint', n, info, options, adjointProgram(info, n, options, GPU_KEYS));
  return request(made, values, memory, options?.out, 'one, the adjoint');
}

/**
 * The request of a checked program: its inputs as they go up, and `out` checked against its outputs and
 * the inputs' memory. Its fields written out, not spread from `made` with more after them: that object
 * took 0.78 KB a 64² Hessian (bench/NOTES.md, twelfth session).
 */
function request(
  made: CheckedProgram,
  values: readonly Values[],
  memory: readonly NumericArray[],
  out: unknown,
  what: string,
): ProgramRequest {
  const { program } = made;
  const N = program.plan.size;
  const checkedOut = out === undefined ? null : checkOutTargets(out, Float32Array, program.outputs.length, N, memory, what);
  const arrays: NumericArray[] = new Array(values.length);
  for (let k = 0; k < values.length; k++) arrays[k] = inputArray(values[k], N);
  return { program, table: made.table, key: made.key, arrays, out: checkedOut };
}

/** The request with its inputs copied, for a call that waits for its context before it can take them (api.ts). */
export function withCopiedArrays(request: ProgramRequest): ProgramRequest {
  return { ...request, arrays: request.arrays.map((a) => (Array.isArray(a) ? a.slice() : new Float32Array(a))) };
}

/**
 * An input as the transfer layer takes it: a flat typed array (converted to float32 as it is written) or
 * an array of numbers as given; a strided view or a float16 array as a float32 copy.
 */
function inputArray(values: Values, size: number): NumericArray {
  if (Array.isArray(values)) return values as readonly number[];
  const name = isView(values) ? undefined : typedArrayName(values);
  if (name && name !== 'Float16Array' && name !== 'DataView') return values as NumericArray;
  return float32(values, size);
}

/**
 * A copy of the values as float32 in C order (a view gathered through its strides). The typed-array
 * constructor copies another typed array in one pass (`Float32Array.from` had taken about 30 ms for a
 * 4096² float32 input on this VM, bench/NOTES.md, eighth session).
 */
function float32(values: Values, size: number): Float32Array {
  if (!isView(values)) return new Float32Array(values);
  const out = new Float32Array(size);
  copyRange(values, 0, size, out, false);
  return out;
}

/** The program and the rows of its operators as the words table.wgsl reads (see its header). */
export function packProgram(program: Program): Uint32Array {
  const words: number[] = [program.outputs.length];
  const rows: { at: number; op: Program['outputs'][number][number]['factors'][number]['op'] }[] = [];
  const placed = new Map<object, number>();
  const patches: { index: number; op: object }[] = [];
  for (const terms of program.outputs) {
    words.push(terms.length);
    for (const term of terms) {
      words.push(term.component, term.factors.length);
      for (const { axis, op } of term.factors) {
        words.push(axis.inner, axis.n, 0, op.width, op.periodic ? 1 : 0);
        patches.push({ index: words.length - 3, op });
        if (!placed.has(op)) {
          placed.set(op, -1);
          rows.push({ at: 0, op });
        }
      }
    }
  }
  let total = words.length;
  for (const r of rows) {
    r.at = total;
    placed.set(r.op, total);
    total += r.op.n * (r.op.width + 2);
  }
  const table = new Uint32Array(Math.max(total, 4));
  table.set(words);
  for (const p of patches) table[p.index] = placed.get(p.op)!;
  const f32 = new Float32Array(table.buffer);
  const i32 = new Int32Array(table.buffer);
  for (const { at, op } of rows) {
    for (let i = 0; i < op.n; i++) {
      const row = at + i * (op.width + 2);
      i32[row] = op.start[i];
      f32[row + 1] = op.bias[i];
      for (let k = 0; k < op.width; k++) f32[row + 2 + k] = op.weights[i * op.width + k];
    }
  }
  return table;
}

/**
 * Runs a checked request on a context's device: one Float32Array per output. The input is taken (written
 * or staged, Transfer.take) before this returns, so the caller may reuse its arrays at once; the rows and
 * uniforms are the kept ones of the program (programBuffers), and the bind group the one kept for these
 * buffers (tableBindGroup), both found while the group is recorded.
 */
export function programCall(rt: HostRuntime, request: ProgramRequest): Promise<Float32Array[]> {
  try {
    rt.life.checkUsable();
    const { program, arrays } = request;
    const N = program.plan.size;
    if (N === 0)
      return Promise.resolve(
        request.out ? request.out.map(outMemory) : Array.from({ length: program.outputs.length }, () => new Float32Array(0)),
      );
    const shape = programShape(rt, program, request.table, arrays.length);
    if (shape.pieces) return streamedProgram(rt, request, shape.pieces);
    if (shape.perPass > 0) return outputsInPasses(rt, request, shape.perPass);
    const input = takeWindow(rt, arrays, 'float32', 4, 0, N, shape.stride);
    return new ProgramCall(rt, request, shape, input).run();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * What a one-piece call of a program computes from the program, its inputs' count and the context alone:
 * made once per program object (a remembered program is the same object from call to call: `recent`) and
 * context limits, not at every call (6.5 KB a 64² Hessian before, bench/NOTES.md, twelfth session).
 */
interface ProgramShape {
  readonly limits: GpuLimits;
  readonly chunkBytes: number;
  readonly inputs: number;
  /** The pieces of rows a streamed call runs in (more than one), else null. */
  readonly pieces: readonly Piece[] | null;
  /** Outputs a pass where they do not fit one binding together, else 0. */
  readonly perPass: number;
  readonly N: number;
  /** Elements between stacked inputs. */
  readonly stride: number;
  /** The one output buffer's bytes, and where each output lies in it. */
  readonly buffers: readonly number[];
  readonly places: readonly OutputPlace[];
  /** Bytes the kernel reads of its input: the last component ends at N, not at the stride. */
  readonly inputBytes: number;
  readonly params: ProgramParams;
  readonly grid: [number, number, number];
  /** Whether concurrent calls may share a dispatch (programBatch): one input whose size is whole 16-byte words. */
  readonly batchable: boolean;
}

const shapesByProgram = new WeakMap<Program, ProgramShape[]>();

function programShape(rt: HostRuntime, program: Program, table: Uint32Array, inputs: number): ProgramShape {
  let list = shapesByProgram.get(program);
  if (!list) {
    list = [];
    shapesByProgram.set(program, list);
  }
  for (const s of list) if (s.inputs === inputs && s.limits === rt.limits && s.chunkBytes === rt.chunkBytes) return s;
  const made = makeProgramShape(rt, program, table, inputs);
  list.push(made);
  return made;
}

function makeProgramShape(rt: HostRuntime, program: Program, table: Uint32Array, inputs: number): ProgramShape {
  const N = program.plan.size;
  const outputs = program.outputs.length;
  const { limits, chunkBytes } = rt;
  const stride = ceilTo(N, 16);
  const arrangement = arrangeOutputs(outputs, N, limits);
  const base = {
    limits,
    chunkBytes,
    inputs,
    pieces: null,
    perPass: 0,
    N,
    stride,
    buffers: [arrangement.stackedBytes],
    places: arrangement.stacked,
  };
  const rest = {
    inputBytes: ceilTo(((inputs - 1) * stride + N) * 4, 16),
    params: { count: N, compStride: stride, outStride: arrangement.slab },
    grid: foldGrid(Math.ceil(N / workgroupSize(limits)), limits.maxComputeWorkgroupsPerDimension),
    batchable: inputs === 1 && N % 4 === 0,
  };
  // Arrays whose input or results exceed chunkBytes or a binding stream in pieces of rows, each with
  // the rows of halo its operators read along the first axis (as the gradient's do, steps.ts).
  const { halo, wraps } = firstAxisReach(program);
  const rows = program.plan.shape.length > 0 ? program.plan.shape[0] : 1;
  const { pieces } = rowPieces(N, rows, halo, wraps, 4 * inputs, outputs, chunkBytes, limits);
  if (pieces.length > 1) return { ...base, ...rest, pieces };
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  // Outputs that do not fit one binding together are computed in passes of as many as fit.
  const perPass = Math.floor(binding / (arrangement.slab * 4));
  if (outputs > 1 && arrangement.stackedBytes > binding && perPass >= 1) return { ...base, ...rest, perPass };
  for (const [what, bytes] of [
    ['inputs', inputs * stride * 4],
    ['one output', arrangement.slab * 4],
    ['operators', table.byteLength],
  ] as const) {
    if (bytes > binding) {
      throw new GradientError(
        'too-large',
        `derivatives, Hessian and adjoints read their inputs, write each output and read their operators in one binding; ${what} take ${bytes} bytes, more than this device's ${binding}`,
      );
    }
  }
  return { ...base, ...rest };
}

/**
 * A one-piece program call, which is its own job and its job's output description (as a one-piece
 * gradient is, host.ts): queued at once when the table kernel's pipeline is built, else once it is. Its
 * promise settles when its group ends (`settled`).
 */
class ProgramCall implements QueuedJob, JobOutput {
  readonly targets: ResultTarget[];
  readonly fresh: FreshResult | null;
  readonly elementBytes = 4;
  readonly at = 0;
  readonly count: number;
  readonly buffers: readonly number[];
  readonly places: readonly OutputPlace[];
  batch: JobBatch | undefined = undefined;
  private readonly table: Uint32Array;
  private readonly key: string;
  private pipeline: GPUComputePipeline | null;
  /** Its input until the transfer layer owns it (null then). */
  private taken: TakenInput | null;
  private resolve: (results: Float32Array[]) => void = ignore;
  private reject: (error: unknown) => void = ignore;

  constructor(
    private readonly rt: HostRuntime,
    request: ProgramRequest,
    private readonly shape: ProgramShape,
    readonly input: TakenInput,
  ) {
    const { N } = shape;
    const outputs = shape.places.length;
    // The caller's `out` (a view's data written through its strides), as the request's own list; small
    // fresh results are made when they arrive, as a host call's are (host.ts), larger ones now.
    this.fresh = !request.out && N * 4 <= FRESH_ON_ARRIVAL_BYTES ? Float32Array : null;
    this.targets = request.out ? (request.out as ResultTarget[]) : new Array(outputs);
    if (!this.fresh && !request.out) for (let k = 0; k < outputs; k++) this.targets[k] = new Float32Array(N);
    this.count = N;
    this.buffers = shape.buffers;
    this.places = shape.places;
    this.table = request.table;
    this.key = request.key;
    this.pipeline = rt.pipelines.readyPipeline('table');
    this.taken = input;
  }

  get output(): JobOutput {
    return this;
  }

  run(): Promise<Float32Array[]> {
    return ownPromise(this);
  }

  /** The call starts (ownPromise): queued now with the pipeline built, or once it is. */
  begin(resolve: (results: Float32Array[]) => void, reject: (error: unknown) => void): void {
    this.resolve = resolve;
    this.reject = reject;
    if (this.pipeline) this.enqueue(this.pipeline);
    else this.awaitPipeline();
  }

  /** Apart from begin: these closures' context would be made at every call. */
  private awaitPipeline(): void {
    this.rt.pipelines.tablePipeline().then(
      (pipeline) => this.enqueue(pipeline),
      (error) => this.settled(this.rt.life.translate(error)),
    );
  }

  private enqueue(pipeline: GPUComputePipeline): void {
    const { rt, shape } = this;
    try {
      rt.life.checkUsable();
      this.pipeline = pipeline;
      if (shape.batchable) this.batch = programBatch(rt, pipeline, this.table, this.key, shape.params, this.places.length);
      rt.transfer.enqueue(this);
      this.taken = null; // the transfer layer owns it from here
    } catch (error) {
      this.settled(error);
    }
  }

  record(encoder: GPUCommandEncoder, inputBuffer: GPUBuffer, outputBuffers: readonly GPUBuffer[]): readonly GPUBuffer[] {
    const { rt, shape } = this;
    const kept = programBuffers(rt.device, this.table, shape.params);
    const pass = encoder.beginComputePass(TABLE_PASS);
    const b = BINDINGS;
    b.input.buffer = inputBuffer;
    b.input.bytes = shape.inputBytes;
    b.rows.buffer = kept.rows;
    b.rows.bytes = kept.rows.size;
    b.uniforms = kept.uniforms;
    b.output.buffer = outputBuffers[0];
    b.output.bytes = this.buffers[0];
    b.grid = shape.grid;
    try {
      dispatchTable(pass, rt.device, rt.pipelines.bindGroupLayout, this.pipeline!, b);
    } finally {
      releaseBindings();
    }
    pass.end();
    return NO_BUFFERS;
  }

  /** Its group has ended (`error` undefined: it succeeded), or it failed before it was queued. */
  settled(error: unknown): void {
    if (this.taken) this.rt.transfer.discard(this.taken); // failed before its job was queued
    this.taken = null;
    if (error !== undefined) this.reject(error);
    else this.resolve(resultArrays(this.targets) as Float32Array[]);
  }
}

/** The bindings of the dispatch being recorded (ProgramCall.record): one object refilled, not one a call; tableBindGroup keeps none of it. */
const BINDINGS = {
  input: { buffer: null as unknown as GPUBuffer, bytes: 0 },
  rows: { buffer: null as unknown as GPUBuffer, bytes: 0 },
  uniforms: null as unknown as GPUBuffer,
  output: { buffer: null as unknown as GPUBuffer, bytes: 0 },
  grid: [1, 1, 1] as [number, number, number],
};

/** Lets go of the buffers the bindings held once the dispatch is recorded. */
function releaseBindings(): void {
  const b = BINDINGS;
  b.input.buffer = b.rows.buffer = b.output.buffer = b.uniforms = null as unknown as GPUBuffer;
}

/**
 * A call whose outputs do not fit one binding together (a caller's device at the default 128 MiB binding,
 * a 4096² Hessian's three outputs): its outputs in groups of `perPass`, each group a call of its own on the
 * same inputs (taken once each, before this returns). Every group's results are the whole call's, in order.
 */
function outputsInPasses(rt: HostRuntime, request: ProgramRequest, perPass: number): Promise<Float32Array[]> {
  const { program } = request;
  const parts: Promise<Float32Array[]>[] = [];
  for (let k = 0; k < program.outputs.length; k += perPass) {
    const part: Program = { ...program, outputs: program.outputs.slice(k, k + perPass) };
    parts.push(
      programCall(rt, {
        program: part,
        table: packProgram(part),
        key: `${request.key} from output ${k}`,
        arrays: request.arrays,
        out: request.out?.slice(k, k + perPass) ?? null,
      }),
    );
  }
  return Promise.all(parts).then((results) => results.flat());
}

/**
 * A call in pieces of rows (rowPieces): each piece's input window (its rows and their halo, every
 * component) goes up and its outputs come back as a job of its own, two in flight, the table kernel
 * reading the window from element `inStart` and writing the piece from element `e0`. The caller's arrays
 * are read as each piece goes up, as a streamed gradient's are.
 */
async function streamedProgram(rt: HostRuntime, request: ProgramRequest, pieces: readonly Piece[]): Promise<Float32Array[]> {
  const { program, arrays, table } = request;
  const N = program.plan.size;
  const outputs = program.outputs.length;
  const pipeline = await rt.pipelines.tablePipeline().catch((error) => {
    throw rt.life.translate(error);
  });
  rt.life.checkUsable();
  const targets: ResultTarget[] = new Array(outputs);
  for (let k = 0; k < outputs; k++) targets[k] = request.out ? request.out[k] : new Float32Array(N);
  const { longest, widest } = piecesExtent(pieces);
  const stride = ceilTo(widest, 16);
  const arrangement = arrangeOutputs(outputs, longest, rt.limits);
  const wg = workgroupSize(rt.limits);
  // The rows stay on the device as a kept program's (their uniforms, for the whole array, go unused here).
  const whole: ProgramParams = { count: N, compStride: ceilTo(N, 16), outStride: arrangeOutputs(outputs, N, rt.limits).slab };
  await inFlight(pieces, 2, (piece) => {
    const count = piece.e1 - piece.e0;
    const inputBytes = ceilTo(((arrays.length - 1) * stride + piece.inEnd - piece.inStart) * 4, 16);
    return rt.transfer.run({
      input: { arrays, kind: 'float32', bytesPerElement: 4, start: piece.inStart, end: piece.inEnd, stride },
      output: {
        targets,
        fresh: null,
        elementBytes: 4,
        at: piece.e0,
        count,
        buffers: [arrangement.stackedBytes],
        places: arrangement.stacked,
      },
      record(encoder, inputBuffer, outputBuffers) {
        const rows = programBuffers(rt.device, table, whole).rows;
        const uniforms = rt.pool.acquire(TABLE_PARAMS_BYTES, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
        rt.device.queue.writeBuffer(uniforms, 0, tableParams(piece.e0, count, stride, arrangement.slab, piece.inStart, piece.e0));
        const pass = encoder.beginComputePass(TABLE_PASS);
        dispatchTable(pass, rt.device, rt.pipelines.bindGroupLayout, pipeline, {
          input: { buffer: inputBuffer, bytes: inputBytes },
          rows: { buffer: rows, bytes: rows.size },
          uniforms,
          output: { buffer: outputBuffers[0], bytes: arrangement.stackedBytes },
          grid: foldGrid(Math.ceil(count / wg), rt.limits.maxComputeWorkgroupsPerDimension),
        });
        pass.end();
        return [uniforms];
      },
    });
  });
  return resultArrays(targets) as Float32Array[];
}

/** The batches of each context's memoised programs: one object a program, not one a call. */
const batches = new WeakMap<HostRuntime, WeakMap<Uint32Array, JobBatch>>();

/**
 * How concurrent calls of one program on one-component arrays are computed in one dispatch over their
 * arrays stacked (JobBatch, as the gradient's are): the table kernel finds each element's point on every
 * axis from its index modulo the array's size, so `count` arrays stacked end to end are one array of
 * count·N elements whose stencils never cross from one to the next; output k of call j lands at element
 * k·slab + j·N. Only for sizes that are a multiple of 4 (whole 16-byte words each, as batches take them).
 */
function programBatch(
  rt: HostRuntime,
  pipeline: GPUComputePipeline,
  table: Uint32Array,
  key: string,
  params: ProgramParams,
  outputs: number,
): JobBatch {
  let kept = batches.get(rt);
  if (!kept) {
    kept = new WeakMap();
    batches.set(rt, kept);
  }
  const found = kept.get(table);
  if (found) return found;
  const N = params.count;
  const binding = Math.min(rt.limits.maxStorageBufferBindingSize, rt.limits.maxBufferSize);
  const batch: JobBatch = {
    key,
    slab: (count) => arrangeOutputs(outputs, count * N, rt.limits).slab,
    record(encoder, input, output, count) {
      const total = count * N;
      const arrangement = arrangeOutputs(outputs, total, rt.limits);
      if (arrangement.stackedBytes > binding || total * 4 > binding) return null;
      const rows = programBuffers(rt.device, table, params).rows;
      const uniforms = rt.pool.acquire(TABLE_PARAMS_BYTES, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
      rt.device.queue.writeBuffer(uniforms, 0, tableParams(0, total, total, arrangement.slab));
      const pass = encoder.beginComputePass(TABLE_PASS);
      dispatchTable(pass, rt.device, rt.pipelines.bindGroupLayout, pipeline, {
        input: { buffer: input.buffer, offset: input.offset, bytes: total * 4 },
        rows: { buffer: rows, bytes: rows.size },
        uniforms,
        output: { buffer: output, bytes: arrangement.stackedBytes },
        grid: foldGrid(Math.ceil(total / workgroupSize(rt.limits)), rt.limits.maxComputeWorkgroupsPerDimension),
      });
      pass.end();
      return [uniforms];
    },
  };
  kept.set(table, batch);
  return batch;
}

const TABLE_PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient table' };
const NO_BUFFERS: readonly GPUBuffer[] = Object.freeze([]);

/** Records one dispatch of the table kernel into an open pass: its bind group (kept, tableBindGroup) and its grid. */
export function dispatchTable(
  pass: GPUComputePassEncoder,
  device: GPUDevice,
  layout: GPUBindGroupLayout,
  pipeline: GPUComputePipeline,
  b: TableBindings & { readonly grid: [number, number, number] },
): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, tableBindGroup(device, layout, b));
  const grid = b.grid;
  pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
}

/** Refuses a binding of PreparedDerivatives.encode that is not a storage buffer of at least `bytes`. */
function checkStorage(name: string, buffer: unknown, bytes: number): void {
  const b = buffer as GPUBuffer;
  if (!b || typeof b.size !== 'number' || !(b.usage & BufferUsage.STORAGE))
    throw new GradientError('invalid-buffer', `${name}: must be a GPUBuffer with STORAGE usage`);
  if (b.size < bytes) throw new GradientError('invalid-buffer', `${name}: ${b.size} bytes, but ${bytes} are needed`);
}

/** Options of `prepareDerivatives`: the shape, and derivatives (`derivatives`), the Hessian (`hessian: true`) or an adjoint (`adjoint: true`). */
export interface PrepareDerivativesOptions extends AdjointOptions {
  shape: readonly number[];
  /** The d(d+1)/2 second partials instead of `derivatives`. */
  hessian?: boolean;
  /** The adjoint of the gradient (or, with `derivatives`, of those): components stacked in `input`. */
  adjoint?: boolean;
}

/** The buffers of a PreparedDerivatives. */
export interface DerivativesLayout {
  /** Bytes between stacked components in `input` (an adjoint's) and between stacked outputs in `output`. */
  readonly slabBytes: number;
  /** Bytes `input` must hold. */
  readonly inputBytes: number;
  /** Bytes `output` must hold. */
  readonly outputBytes: number;
  /** Outputs written (one per multi-index; the Hessian's d(d+1)/2; one for an adjoint). */
  readonly outputs: number;
}

/**
 * Derivatives, the Hessian or an adjoint prepared for one shape on a context's device: the program's rows
 * and uniforms written once into buffers it owns, so `encode` records one dispatch synchronously into an
 * encoder or an open pass — float32 input (components stacked `layout.slabBytes` apart for an adjoint)
 * and outputs stacked `layout.slabBytes` apart in one buffer.
 */
export class PreparedDerivatives {
  private destroyed = false;

  /** @internal Made by GradientContext.prepareDerivatives. */
  constructor(
    private readonly parts: {
      readonly device: GPUDevice;
      readonly layout: GPUBindGroupLayout;
      readonly pipeline: GPUComputePipeline;
      readonly rows: GPUBuffer;
      readonly uniforms: GPUBuffer;
      readonly grid: [number, number, number];
      readonly inputBytes: number;
      readonly outputBytes: number;
      readonly forget: () => void;
    },
    /** Where components and outputs lie in the buffers `encode` takes, and how large they must be. */
    readonly layout: DerivativesLayout,
  ) {
    this.bindings = {
      input: { buffer: null!, bytes: parts.inputBytes },
      rows: { buffer: parts.rows, bytes: parts.rows.size },
      uniforms: parts.uniforms,
      output: { buffer: null!, bytes: parts.outputBytes },
      grid: parts.grid,
    };
  }

  /** What `encode` binds, its input and output buffer set by each record. */
  private readonly bindings: {
    input: { buffer: GPUBuffer; bytes: number };
    rows: { buffer: GPUBuffer; bytes: number };
    uniforms: GPUBuffer;
    output: { buffer: GPUBuffer; bytes: number };
    grid: [number, number, number];
  };

  /**
   * Records the dispatch into a command encoder (in a pass of its own) or an open compute pass. Allocates
   * nothing once the buffers have met (its bind group is kept, tableBindGroup; bench/alloc.mjs --op encode).
   */
  encode(target: GPUCommandEncoder | GPUComputePassEncoder, buffers: { input: GPUBuffer; output: GPUBuffer }): void {
    if (this.destroyed) throw new GradientError('destroyed', 'this prepared kernel was destroyed; prepare a new one');
    const p = this.parts;
    if (!buffers || typeof buffers !== 'object') throw new GradientError('invalid-buffer', 'buffers: must be { input, output }');
    if (buffers.input === buffers.output)
      throw new GradientError('invalid-buffer', 'input and output are one buffer (the stencils read what an output would overwrite)');
    checkStorage('input', buffers.input, p.inputBytes);
    checkStorage('output', buffers.output, p.outputBytes);
    const isPass = isComputePass(target);
    const pass = isPass ? (target as GPUComputePassEncoder) : (target as GPUCommandEncoder).beginComputePass(TABLE_PASS);
    // The kernel's own bindings, refilled by each record (recording is synchronous).
    const b = this.bindings;
    b.input.buffer = buffers.input;
    b.output.buffer = buffers.output;
    dispatchTable(pass, p.device, p.layout, p.pipeline, b);
    if (!isPass) pass.end();
  }

  /** Destroys the buffers it owns; later encodes are refused. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.parts.forget();
    this.parts.rows.destroy();
    this.parts.uniforms.destroy();
  }
}

/** Checks the options, builds the program and writes its rows and uniforms into buffers the kernel owns. */
export async function prepareDerivatives(
  rt: PrepareRuntime,
  options: PrepareDerivativesOptions,
  forget: (kernel: PreparedDerivatives) => void,
): Promise<PreparedDerivatives> {
  if (!options || typeof options !== 'object' || !Array.isArray(options.shape)) {
    throw new GradientError('invalid-shape', 'shape: is required by prepareDerivatives (the GPU buffer does not know it)');
  }
  const { hessian, adjoint, ...rest } = options;
  const size = options.shape.reduce((a, b) => a * b, 1);
  const info = { length: size, kind: 'float32' as const };
  let program: Program;
  if (adjoint) {
    const count =
      rest.derivatives !== undefined
        ? rest.derivatives.length
        : rest.axis === undefined
          ? options.shape.length
          : typeof rest.axis === 'number'
            ? 1
            : rest.axis.length;
    program = adjointProgram(info, count, rest);
  } else program = hessian ? hessianProgram(info, rest) : derivativesProgram(info, rest);
  const N = program.plan.size;
  const slab = ceilTo(Math.max(N, 1), slabAlignment(rt.limits));
  const inputBytes = ceilTo(program.inputs * slab * 4, 16);
  const outputBytes = ceilTo(program.outputs.length * slab * 4, 16);
  const table = packProgram(program);
  const binding = Math.min(rt.limits.maxStorageBufferBindingSize, rt.limits.maxBufferSize);
  if (Math.max(inputBytes, outputBytes, table.byteLength) > binding) {
    throw new GradientError('too-large', `prepareDerivatives: inputs, outputs and operators must each fit one binding (${binding} bytes)`);
  }
  rt.life.checkUsable();
  const pipeline = await rt.pipelines.tablePipeline().catch((error) => {
    throw rt.life.translate(error);
  });
  const wg = workgroupSize(rt.limits);
  const owned = await guarded(rt.device, () => {
    const rows = rt.device.createBuffer({
      label: 'webgpu-gradient rows',
      size: ceilTo(table.byteLength, 16),
      usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
    });
    rt.device.queue.writeBuffer(rows, 0, table);
    const uniforms = rt.device.createBuffer({
      label: 'webgpu-gradient uniforms',
      size: TABLE_PARAMS_BYTES,
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    });
    rt.device.queue.writeBuffer(uniforms, 0, tableParams(0, N, slab, slab));
    return { rows, uniforms };
  }).catch((error) => {
    throw rt.life.translate(error);
  });
  const kernel: PreparedDerivatives = new PreparedDerivatives(
    {
      device: rt.device,
      layout: rt.pipelines.bindGroupLayout,
      pipeline,
      ...owned,
      grid: foldGrid(Math.ceil(N / wg), rt.limits.maxComputeWorkgroupsPerDimension),
      inputBytes,
      outputBytes,
      forget: () => forget(kernel),
    },
    { slabBytes: slab * 4, inputBytes, outputBytes, outputs: program.outputs.length },
  );
  return kernel;
}
