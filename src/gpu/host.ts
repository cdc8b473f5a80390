import { float16ArrayConstructor } from '../data.js';
import { GradientError } from '../errors.js';
import { checkOut } from '../out.js';
import { type Plan, planKey, stackedPlan } from '../plan.js';
import type { DataKind, NumericArray, OutputType } from '../types.js';
import { ceilTo, chooseLayout, type OutputSlot, planPieces, slabAlignment } from './dispatch.js';
import { checkFloat32Coefficients, type InputFormat, inputFormat, type Operation, outputBytes } from './kernels.js';
import type { Lifecycle } from './lifecycle.js';
import { checkIndexable, checkSize, componentsOf, outputsOf } from './operation.js';
import type { GpuJobInput, JobBatch, ResultArray, Transfer } from './transfer.js';
import { planWork, type Recorder, readyWork, recordWork } from './work.js';

/**
 * The host-to-host path of every operation: the array is cut into pieces along its first axis (one piece
 * for most calls), each uploaded, computed and read back by the transfer layer, at most two in flight per
 * call, into fresh Float32Arrays (Float16Arrays for float16 results) or the caller's `out`.
 */

export interface HostRuntime extends Recorder {
  readonly life: Lifecycle;
  readonly transfer: Transfer;
  readonly chunkBytes: number;
}

/**
 * Where a call's input comes from: host arrays (the components of a field, one for most calls), or the
 * GPU itself — an image converted to float32 values piece by piece, elements [start, end) each.
 */
export type CallInput =
  | { readonly arrays: readonly NumericArray[]; readonly kind: DataKind }
  | { readonly produce: (start: number, end: number) => GpuJobInput };

export async function hostCall(
  rt: HostRuntime,
  input: CallInput,
  plan: Plan,
  op: Operation,
  out?: unknown,
  outputType: OutputType = 'float32',
): Promise<ResultArray[]> {
  rt.life.checkUsable();
  const Result = outputType === 'float16' ? float16ArrayConstructor() : Float32Array;
  if (!Result) {
    throw new GradientError(
      'invalid-option',
      "outputType: 'float16' returns Float16Arrays, which this runtime lacks (Node 20 has none); use 'float32', or prepare() to write halves into GPU buffers",
    );
  }
  const eb = outputBytes(outputType);
  const fromHost = 'arrays' in input;
  const arrays = fromHost ? input.arrays : [];
  const kind = fromHost ? input.kind : 'float32';
  const components = fromHost ? arrays.length : 1;
  checkFloat32Coefficients(plan, op);
  const N = plan.size;
  checkIndexable(N);
  const outputCount = outputsOf(op, plan);
  const targets =
    out === undefined
      ? Array.from({ length: outputCount }, () => new Result(N))
      : checkOut<ResultArray>(
          out,
          Result,
          outputCount,
          N,
          arrays,
          outputCount === plan.axes.length ? 'one per selected axis' : `the ${op} result`,
        );
  // Nothing to differentiate: no gradients, and a zero magnitude.
  if (plan.axes.length === 0 || N === 0) return targets.map((t) => t.fill(0));
  const format = inputFormat(kind);
  const bpe = format.bytesPerElement;
  const layout = chooseLayout(plan);
  const { pieces, bounded } = planPieces(plan, bpe, componentsOf(op, plan), outputCount, rt.chunkBytes, rt.limits, op === 'laplacian');
  const longest = Math.max(...pieces.map((p) => p.e1 - p.e0));
  const stride = ceilTo(Math.max(...pieces.map((p) => p.inEnd - p.inStart)), 16);
  if (!bounded) checkSize(plan, format, components * stride, rt.limits); // one piece holds the whole array
  // A piece's outputs: stacked in one buffer when it fits (one pass computes every axis), else one buffer each.
  const slab = ceilTo(longest, slabAlignment(rt.limits, eb));
  const stacked = outputCount * slab * eb <= rt.limits.maxBufferSize || op !== 'gradient';
  const buffers = stacked ? [outputCount * slab * eb] : targets.map(() => ceilTo(longest * eb, 16));
  const slots: OutputSlot[] = targets.map((_, k) => (stacked ? { buffer: 0, offset: k * slab } : { buffer: k, offset: 0 }));
  const workOptions = { op, outputType, components, componentStride: stride };
  // A whole array of one component whose rows of input and results fill whole 16-byte words can share a
  // dispatch with concurrent calls of the same work (transfer.ts, JobBatch).
  const batch =
    fromHost && pieces.length === 1 && components === 1 && stacked && N % 4 === 0 && (N * bpe) % 16 === 0
      ? batchOf(rt, plan, format, kind, op, outputCount, outputType)
      : undefined;
  await inFlight(pieces, 2, async (piece) => {
    const work = await planWork(rt.pipelines, rt.limits, plan, layout, format, slots, workOptions, piece).catch((error) => {
      throw rt.life.translate(error);
    });
    rt.life.checkUsable();
    await rt.transfer.run({
      input: fromHost
        ? { arrays, kind, bytesPerElement: bpe, start: piece.inStart, end: piece.inEnd, stride }
        : input.produce(piece.inStart, piece.inEnd),
      output: { targets, elementBytes: eb, at: piece.e0, count: piece.e1 - piece.e0, buffers, slots },
      record: (encoder, input, outputs) => recordWork(rt, encoder, work, input, outputs, piece.inStart),
      batch,
    });
  });
  return targets;
}

/** How `count` concurrent calls of this plan are computed in one dispatch over their arrays stacked. */
function batchOf(
  rt: HostRuntime,
  plan: Plan,
  format: InputFormat,
  kind: DataKind,
  op: Operation,
  outputs: number,
  outputType: OutputType,
): JobBatch {
  const slab = (count: number) => ceilTo(count * plan.size, slabAlignment(rt.limits, outputBytes(outputType)));
  return {
    key: `${op}|${kind}|${outputType}|${planKey(plan)}`,
    slab,
    record(encoder, input, output, count) {
      const stacked = stackedPlan(plan, count);
      const slots = Array.from({ length: outputs }, (_, k) => ({ buffer: 0, offset: k * slab(count) }));
      const options = { op, outputType, components: 1, componentStride: ceilTo(stacked.size, 16) };
      const work = readyWork(rt.pipelines, rt.limits, stacked, chooseLayout(stacked), format, slots, options);
      return work && recordWork(rt, encoder, work, input, [output]);
    },
  };
}

/** Runs `run` over `items`, at most `limit` at a time, in order; rejects with the first failure once all have settled. */
async function inFlight<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
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
