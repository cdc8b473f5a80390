import { gridIdentity } from '../grid.js';
import { dispatchedPerAxis, type Operation } from '../operations.js';
import { type Plan, planKey, stackedPlan } from '../plan.js';
import type { DataKind, OutputType } from '../types.js';
import { forEachAddress } from '../view.js';
import { checkSize } from './arguments.js';
import { type InputFormat, inputFormat, outputBytes } from './formats.js';
import { gpuGather } from './gather.js';
import { type ResultTarget, targetMemory } from './jobs.js';
import { arrangeOutputs } from './layout.js';
import type { HostRuntime } from './parts.js';
import type { HostRequest } from './request.js';
import { ceilTo, chooseLayout, planPieces } from './steps.js';
import type { GpuJobInput, JobBatch, ResultArray } from './transfer.js';
import type { TakenInput } from './upload.js';
import { planWork, readyWork, recordKeptWork, recordWork, type Work } from './work.js';
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

export async function hostCall(rt: HostRuntime, request: HostRequest, produce?: ProduceInput): Promise<ResultArray[]> {
  // Synchronous up to planWork's await: a one-piece call's input is taken before this returns.
  rt.life.checkUsable();
  // A float32 view whose memory span is compact goes up as it lies and is gathered on the GPU (gather.ts).
  const gather = produce ? null : gpuGather(rt, request);
  if (gather) {
    try {
      const pipeline = await gather.pipeline.catch((error) => {
        throw rt.life.translate(error);
      });
      return await hostCall(rt, gather.request, (start, end) => gather.produce(pipeline, start, end));
    } finally {
      gather.release();
    }
  }
  const { plan, op, outputType, outputs, Result } = request;
  const eb = outputBytes(outputType);
  const arrays = request.arrays ?? [];
  const fromHost = request.arrays !== null;
  const kind = fromHost ? request.kind : 'float32';
  const components = fromHost ? arrays.length : 1;
  const N = plan.size;
  const targets: ResultTarget[] = request.out?.map((t) => t.flat ?? t.view) ?? Array.from({ length: outputs }, () => new Result(N));
  // The arrays the caller gets: fresh results, its `out`, or the data of its `out` views.
  const results = targets.map(targetMemory);
  // Nothing to differentiate: no gradients, and a zero magnitude.
  if (plan.axes.length === 0 || N === 0) {
    targets.forEach((t) => (ArrayBuffer.isView(t) ? t.fill(0) : forEachAddress(t, 0, N, (address) => (t.data[address] = 0))));
    return results;
  }
  const format = inputFormat(kind);
  const bpe = format.bytesPerElement;
  const layout = chooseLayout(plan);
  // A curvilinear grid's metric terms go up with each piece (d² floats a point): counted as components.
  const metricComponents = plan.grid?.kind === 'curvilinear' ? Math.ceil((4 * plan.axes.length ** 2) / bpe) : 0;
  const { pieces, bounded } = planPieces(plan, bpe, components + metricComponents, outputs, rt.chunkBytes, rt.limits, op);
  let longest = 0;
  let widest = 0;
  for (const p of pieces) {
    longest = Math.max(longest, p.e1 - p.e0);
    widest = Math.max(widest, p.inEnd - p.inStart);
  }
  const stride = ceilTo(widest, 16);
  if (!bounded) checkSize(plan, format, components * stride, rt.limits); // one piece holds the whole array
  // A piece's outputs: stacked in one buffer when it fits (one pass computes every axis), else one buffer each.
  const arrangement = arrangeOutputs(outputs, longest, rt.limits, outputType);
  const stacked = arrangement.fitsStacked || !dispatchedPerAxis(op, plan);
  const buffers = stacked ? [arrangement.stackedBytes] : targets.map(() => arrangement.separateBytes);
  const places = stacked ? arrangement.stacked : arrangement.separate;
  const workOptions = { op, outputType, components, componentStride: stride };
  const windowOf = (piece: (typeof pieces)[number]) => ({
    arrays,
    kind,
    bytesPerElement: bpe,
    start: piece.inStart,
    end: piece.inEnd,
    stride,
  });
  let taken: TakenInput | null = fromHost && pieces.length === 1 ? rt.transfer.take(windowOf(pieces[0])) : null;
  // The call's keys, made once per plan and kind of call; a grid's only where its numbers have a name
  // (prepared coordinates' kept metric terms).
  const grid = plan.grid ? gridIdentity(plan.grid) : '';
  const keys = pieces.length === 1 && grid !== null ? callKeys(plan, op, kind, outputType, grid, components, stride, outputs) : null;
  const key = keys?.key ?? null;
  // A whole array of one component whose rows of input and results fill whole 16-byte words can share a
  // dispatch with concurrent calls of the same work (transfer.ts, JobBatch); not on a grid, whose numbers
  // a stacked plan would not stack. Kept work holds the one JobBatch its calls share.
  const batched = key !== null && !plan.grid && taken && components === 1 && stacked && N % 4 === 0 && (N * bpe) % 16 === 0;
  const makeBatch = () => batchOf(rt, plan, format, op, outputs, outputType, key!);
  // A whole array whose weights the plan key determines keeps its work for the next call of that plan (work-cache.ts).
  const keepKey = keys !== null && buffers.length === 1 && !plan.mask ? keys.keepKey : null;
  const runPiece = async (piece: (typeof pieces)[number]) => {
    const planned = () => planWork(rt.pipelines, rt.limits, plan, layout, format, places, workOptions, piece);
    // Kept work of a repeated plan is taken without an await (work-cache.ts, hit).
    const kept = keepKey === null ? null : rt.works.hit(keepKey);
    const work =
      kept ??
      (await (keepKey === null ? planned() : rt.works.acquire(keepKey, planned)).catch((error) => {
        throw rt.life.translate(error);
      }));
    try {
      rt.life.checkUsable();
      const input = taken ?? (fromHost ? windowOf(piece) : produce!(piece.inStart, piece.inEnd));
      taken = null; // the job owns it from here
      const batch = !batched ? undefined : isKept(work) ? work.shared(makeBatch) : makeBatch();
      await rt.transfer.run({
        input,
        output: { targets, elementBytes: eb, at: piece.e0, count: piece.e1 - piece.e0, buffers, places },
        record: (encoder, input, outputs) =>
          isKept(work)
            ? recordKeptWork(rt, encoder, work, input, outputs[0])
            : recordWork(rt, encoder, work, { buffer: input, offset: 0 }, outputs, piece.inStart),
        batch,
      });
    } finally {
      if (isKept(work)) work.release();
    }
  };
  try {
    // One piece (most calls) runs without inFlight's workers and their promises.
    await (pieces.length === 1 ? runPiece(pieces[0]) : inFlight(pieces, 2, runPiece));
  } finally {
    if (taken) rt.transfer.discard(taken); // failed before its job ran
  }
  return results;
}

/** A call's work-cache and batch keys, and what they were made from. */
interface CallKeys {
  readonly op: Operation;
  readonly kind: DataKind;
  readonly outputType: OutputType;
  readonly grid: string;
  readonly components: number;
  readonly stride: number;
  readonly outputs: number;
  /** The work and its input and result types: what a batch shares. */
  readonly key: string;
  /** The key and the input's layout: what kept work is kept under. */
  readonly keepKey: string;
}

/**
 * Keys are made once per plan object and kind of call: a recent plan is reused (plan-memo.ts), and the
 * same string found again is not hashed again by the work cache's lookup (a new 250-character key each
 * call cost about 1 µs there; bench/NOTES.md, third session of 2026-12-06).
 */
const keysByPlan = new WeakMap<Plan, CallKeys[]>();

function callKeys(
  plan: Plan,
  op: Operation,
  kind: DataKind,
  outputType: OutputType,
  grid: string,
  components: number,
  stride: number,
  outputs: number,
): CallKeys {
  let list = keysByPlan.get(plan);
  if (!list) {
    list = [];
    keysByPlan.set(plan, list);
  }
  for (const k of list)
    if (
      k.op === op &&
      k.kind === kind &&
      k.outputType === outputType &&
      k.grid === grid &&
      k.components === components &&
      k.stride === stride &&
      k.outputs === outputs
    )
      return k;
  const key = `${op}|${kind}|${outputType}|${planKey(plan)}|${grid}`;
  const made = { op, kind, outputType, grid, components, stride, outputs, key, keepKey: `${key}|${components}|${stride}|${outputs}` };
  list.push(made);
  return made;
}

function isKept(work: Work | KeptWork): work is KeptWork {
  return 'release' in work;
}

/** How `count` concurrent calls of this plan are computed in one dispatch over their arrays stacked. */
function batchOf(
  rt: HostRuntime,
  plan: Plan,
  format: InputFormat,
  op: Operation,
  outputs: number,
  outputType: OutputType,
  key: string,
): JobBatch {
  const arrangement = (count: number) => arrangeOutputs(outputs, count * plan.size, rt.limits, outputType);
  return {
    key,
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
