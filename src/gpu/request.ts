import { describeComponents } from '../components.js';
import { type DataInfo, float16ArrayConstructor } from '../data.js';
import { GradientError } from '../errors.js';
import { nameGrid } from '../grid.js';
import { OPERATIONS, type Operation, type OperationName, operationFor, outputsOf } from '../operations.js';
import { checkOutTargets, type OutTarget } from '../out.js';
import { makePlan, type Plan } from '../plan.js';
import { keepsPlan, PlanMemo } from '../plan-memo.js';
import { ownConstructor, typedArrayName } from '../typed.js';
import type { DataKind, GradientOptions, NumericArray, OutputType } from '../types.js';
import { describeDataAt, describeInput, flatOf, isNdarrayLike, type StridedView } from '../view.js';
import { checkIndexable, checkOutputType, GPU_OPTION_KEYS } from './arguments.js';
import { checkFloat32Coefficients } from './coefficients.js';
import { inputFormat } from './formats.js';
import { wholeFits } from './steps.js';
import type { ResultArray } from './transfer.js';
import { gatheredCopy, gatheredInput, type InputArray, isGathered } from './upload.js';

/**
 * A host call's arguments, checked before any device is involved: the one-call functions refuse bad
 * input with its own code whether or not WebGPU exists, and the context methods check the same way.
 * What a check needs of the device (its buffer limits) waits for the device.
 */

/** The result array type of a call: Float32Array, or the runtime's Float16Array. */
export type ResultConstructor = { new (length: number): ResultArray; name: string };

/** A host call, checked: what it reads, the plan, the operation and where its results go. */
export interface HostRequest {
  /**
   * The caller's arrays (the components of a field, one for most calls), strided views and masked arrays
   * as gathered inputs; null when the GPU makes the input (images).
   */
  readonly arrays: readonly InputArray[] | null;
  /** The element type the input goes up in (float32 for a masked integer or float16 array). */
  readonly kind: DataKind;
  readonly plan: Plan;
  readonly op: Operation;
  readonly outputType: OutputType;
  readonly outputs: number;
  readonly Result: ResultConstructor;
  /** A float32 strided view without a mask (one input), which the GPU may gather itself (gather.ts); else null. */
  readonly gpuView: StridedView | null;
  /**
   * The caller's `out`, checked (flat arrays, or views written through their strides), in the request's own
   * list (the call's targets: host.ts); null for fresh result arrays.
   */
  readonly out: OutTarget<ResultArray>[] | null;
}

/** Options every host method reads: the plan's, `out` and `outputType`. */
interface CallOptions extends GradientOptions {
  out?: unknown;
  outputType?: unknown;
}

/** Plans of recent host calls (plan-memo.ts): plans do not depend on the device, so every context shares them. */
const recentPlans = new PlanMemo<{ plan: Plan; op: Operation }>(GPU_OPTION_KEYS);

/** Checks a host method's arguments: its data (or components), options, `out` and `outputType`. */
export function hostRequest(method: OperationName, data: unknown, options: CallOptions | undefined): HostRequest {
  const fields = method === 'divergence' || method === 'curl';
  let list: NumericArray[], info: DataInfo, views: readonly (StridedView | null)[];
  if (fields) ({ list, info, views } = describeComponents(data));
  else if (!isNdarrayLike(data)) {
    // One flat array: its list of one (the call's own) and NO_VIEWS, with no description of a view and no
    // object around the three (0.1 KB a call, bench/NOTES.md, eleventh and fifteenth sessions).
    list = [data as NumericArray];
    info = describeDataAt(data, 'data');
    views = NO_VIEWS;
  } else {
    const described = describeInput(data);
    list = [described.view!.data];
    info = described.info;
    views = [described.view];
  }
  // A call that repeats recent arguments takes their plan, checked then (the float32 coefficients and the indexing too).
  const recent = recentPlans.find(method, list.length, info, options);
  const plan = recent?.plan ?? makePlan(info, options, GPU_OPTION_KEYS);
  const op = recent?.op ?? operationFor(method, plan, list.length);
  // A masked array goes up as float32 with NaN at its masked points; a strided view is gathered as it goes up.
  const kind: DataKind = plan.mask ? 'float32' : info.kind;
  // Loops, not maps with closures: every call passes here (bench/NOTES.md, garbage per call). One flat
  // array without a mask goes up as it is, in the list made above (not a caller's list of components).
  const asGiven = views === NO_VIEWS && !plan.mask;
  const arrays: InputArray[] = asGiven ? list : new Array(list.length);
  let gpuView: StridedView | null = null;
  for (let k = 0; k < list.length && !asGiven; k++) {
    const view = views[k];
    const flat = view ? flatOf(view) : list[k]; // null: a strided view
    arrays[k] = flat && !plan.mask ? flat : gatheredInput(flat, flat ? null : view, plan.mask, kind);
    if (list.length === 1 && !flat && !plan.mask && kind === 'float32') gpuView = view;
  }
  const request = checkRequest(arrays, kind, plan, op, options?.out, options?.outputType, !recent, gpuView);
  // Once a sphere's plan is remembered its grid is named, so repeated calls keep their GPU work (grid.ts,
  // gridIdentity).
  if (!recent && keepsPlan(plan) && recentPlans.remember(method, list.length, info, options, { plan, op })) {
    if (plan.grid) nameGrid(plan.grid);
  }
  return request;
}

/** The views of one flat data argument: none. */
const NO_VIEWS: readonly null[] = Object.freeze([null]);

/**
 * The checks every host call makes once its plan is made (images too): the result type, coefficients
 * float32 can hold, indices the shaders can address (`newPlan`: skipped for a recent plan, checked when it
 * was made), and `out`; `gpuView`: a strided view the GPU may gather (HostRequest).
 */
export function checkRequest(
  arrays: readonly InputArray[] | null,
  kind: DataKind,
  plan: Plan,
  op: Operation,
  out: unknown,
  outputTypeOption: unknown,
  newPlan = true,
  gpuView: StridedView | null = null,
): HostRequest {
  const outputType = checkOutputType(outputTypeOption);
  const Result = outputType === 'float16' ? float16ArrayConstructor() : Float32Array;
  if (!Result) {
    throw new GradientError(
      'invalid-option',
      "outputType: 'float16' returns Float16Arrays, which this runtime lacks (Node 20 has none); use 'float32', or prepare() to write halves into GPU buffers",
    );
  }
  if (newPlan) {
    checkFloat32Coefficients(plan, op);
    checkIndexable(plan.size);
  }
  const outputs = outputsOf(op, plan);
  const checked =
    out === undefined
      ? null
      : checkOutTargets<ResultArray>(
          out,
          Result,
          outputs,
          plan.size,
          inputMemory(arrays),
          outputs === plan.axes.length ? 'one per selected axis' : `the ${OPERATIONS[op].result} result`,
        );
  return { arrays, kind, plan, op, outputType, outputs, Result, out: checked, gpuView };
}

/**
 * The memory each input reads (a gathered input's whole array), for the overlap check of `out`: the arrays
 * themselves where none is gathered (no copy a call).
 */
function inputMemory(arrays: readonly InputArray[] | null): readonly NumericArray[] {
  if (!arrays) return NO_ARRAYS;
  let gathered = false;
  for (let k = 0; k < arrays.length; k++) gathered ||= isGathered(arrays[k]);
  if (!gathered) return arrays as readonly NumericArray[];
  const memory: NumericArray[] = new Array(arrays.length);
  for (let k = 0; k < memory.length; k++) {
    const a = arrays[k];
    memory[k] = isGathered(a) ? a.memory : a;
  }
  return memory;
}

const NO_ARRAYS: readonly NumericArray[] = [];

/** Whether the call is one piece whatever the device: its input and results each fit `chunkBytes` (planPieces). */
export function fitsOnePiece(request: HostRequest, chunkBytes: number): boolean {
  const components = request.arrays?.length ?? 1;
  return wholeFits(request.plan.size, inputFormat(request.kind).bytesPerElement, components, request.outputs, chunkBytes);
}

/**
 * The request with a copy of its arrays, for a call that must wait for its device before it can take
 * them (the first call of the default context): the caller may refill its arrays as soon as the call
 * returns. Typed arrays are copied as their own element type (with this realm's constructor, never a
 * caller's subclass); plain arrays become Float64Arrays (the same values).
 */
export function withCopiedInput(request: HostRequest): HostRequest {
  if (!request.arrays) return request;
  const copy = (a: InputArray) =>
    isGathered(a)
      ? gatheredCopy(a, request.kind, request.plan.size)
      : ((ArrayBuffer.isView(a) ? new (ownConstructor(typedArrayName(a)!))(a) : Float64Array.from(a)) as NumericArray);
  return { ...request, arrays: request.arrays.map(copy), gpuView: null };
}
