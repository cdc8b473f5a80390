import type { DerivedField } from '../components.js';
import { describe, GradientError } from '../errors.js';
import { makePlan, type Plan } from '../plan.js';
import type { NumericArray } from '../types.js';
import type { NdarrayLike } from '../view.js';
import {
  type CpuAdjointOptions,
  type CpuDerivativeOptions,
  computeProgram,
  type ProgramKind,
  programCall,
  rowwise,
} from './derivatives.js';
import { type CpuFieldOptions, computeCall, fieldCall, rowForm } from './derived.js';
import { type CpuGradientOptions, cpuGradient, takesGaps } from './gradient.js';
import { cpuInput, cpuOut } from './input.js';
import { SharedCopies } from './kernel-input.js';
import { isPartable, isView, type Values } from './lines.js';
import { computeParts, type Parts, type SplitOp } from './parts.js';

/**
 * cpuGradient, the CPU fields, derivatives, the Hessian and the gradient's adjoint on several threads:
 * the calling thread and `threads − 1` workers each compute parts of the first axis's positions
 * (cpu/parts.ts) in shared memory. Threads cannot write into another thread's ordinary memory, so a call
 * is split only when its data or components (and `out`, if given) live in a SharedArrayBuffer (Node,
 * Deno, Bun; cross-origin-isolated pages); fresh results are then allocated shared. Every other call, and
 * plans the parts do not cover (ghost sides, gaps, views, Sobel/Scharr, grids; fields whose plans take
 * the whole-array composition, derived.ts), runs on the calling thread as the cpu… function does, and
 * `stats` counts which way each call went. Both ways give the same bits.
 *
 * Measured on this 2-core VM (bench/cpu.mjs, bench/NOTES.md 2026-12-06): two threads take 0.5–0.6× the
 * time of one at 2048² and 128³ with `out`; copying ordinary arrays into shared memory and back would cost
 * more than the second core saves, which is why such calls are not split. The fields: bench/NOTES.md,
 * fifteenth session.
 */

/** Options of cpuWorkers. */
export interface CpuWorkersOptions {
  /** Threads that share a call, the calling thread included: an integer ≥ 1 (default: the machine's logical cores). */
  threads?: number;
  /**
   * The worker module, `dist/cpu-worker.js` of this package (the default, found beside the library's own
   * module). An app bundled so that the file moves passes where it is served from.
   */
  workerUrl?: string | URL;
  /**
   * Data shorter than this runs on the calling thread (default 131072 elements: on the 2-core VM of
   * bench/NOTES.md 2026-12-06 two threads break even at 65536 float64 elements (256²) and take 0.73× at 362²).
   */
  minLength?: number;
}

/** How a cpuWorkers pool's calls ran. */
export interface CpuWorkerStats {
  /** Calls split across the threads. */
  readonly split: number;
  /** Calls run on the calling thread alone (data, components or `out` not shared, a plan the parts do not cover, or shorter than minLength). */
  readonly calling: number;
}

/** A pool of worker threads for cpuGradient, the CPU fields, derivatives, the Hessian and the adjoint; see cpuWorkers. */
export interface CpuWorkers {
  /** Threads that share a call, the calling thread included. */
  readonly threads: number;
  /** cpuGradient, split across the threads where the data (and `out`) are in shared memory; the same results. */
  gradient(data: NumericArray | NdarrayLike, options?: CpuGradientOptions): Promise<Float64Array[]>;
  /** cpuGradientMagnitude, split as `gradient` is; the same result. */
  magnitude(data: NumericArray | NdarrayLike, options?: CpuFieldOptions): Promise<Float64Array>;
  /** cpuDivergence, split where every component (and `out`) is in shared memory; the same result. */
  divergence(components: readonly (NumericArray | NdarrayLike)[], options?: CpuFieldOptions): Promise<Float64Array>;
  /** cpuLaplacian, split as `gradient` is; the same result. */
  laplacian(data: NumericArray | NdarrayLike, options?: CpuFieldOptions): Promise<Float64Array>;
  /** cpuCurl, split as `divergence` is; the same results. */
  curl(components: readonly (NumericArray | NdarrayLike)[], options?: CpuFieldOptions): Promise<Float64Array[]>;
  /** cpuDerivatives, split as `gradient` is (flat data: a view runs on the calling thread); the same results. */
  derivatives(data: NumericArray | NdarrayLike, options: CpuDerivativeOptions): Promise<Float64Array[]>;
  /** cpuHessian, split as `derivatives` is; the same results. */
  hessian(data: NumericArray | NdarrayLike, options?: CpuDerivativeOptions): Promise<Float64Array[]>;
  /** cpuGradientAdjoint, split where every component (flat) and `out` are in shared memory; the same result. */
  gradientAdjoint(components: readonly (NumericArray | NdarrayLike)[], options?: CpuAdjointOptions): Promise<Float64Array>;
  /** How the pool's calls ran. */
  readonly stats: CpuWorkerStats;
  /** Ends the workers; later calls reject with `destroyed`. */
  destroy(): Promise<void>;
}

/** What a worker is sent, and what it answers. */
interface PartRequest {
  readonly id: number;
  readonly parts: Parts;
}
interface PartReply {
  readonly id: number;
  readonly error?: { readonly code?: string; readonly message: string };
}

/** One worker, whichever runtime runs it. */
interface Thread {
  post(request: PartRequest): void;
  /** Whether the worker keeps a Node process alive (only while a call waits on it). */
  hold(on: boolean): void;
  terminate(): Promise<unknown> | undefined;
}

/** What the library uses of Node's `node:worker_threads` and `node:os` (typed here: the build has no Node types). */
interface NodeWorker {
  on(event: 'message', listener: (message: PartReply) => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
  once(event: 'message', listener: (message: unknown) => void): void;
  once(event: 'error', listener: (error: unknown) => void): void;
  once(event: 'exit', listener: (code: number) => void): void;
  postMessage(message: unknown): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface NodeWorkerThreads {
  Worker: new (url: URL) => NodeWorker;
  parentPort: { on(event: 'message', listener: (request: PartRequest) => void): void; postMessage(message: unknown): void } | null;
}
interface NodeOs {
  availableParallelism?(): number;
  cpus(): unknown[];
}

/** Resolved by the file name, not a literal `new URL('…', import.meta.url)`, so that vite's library build leaves it alone. */
const WORKER_FILE = './cpu-worker.js';
const NODE_WORKERS = 'node:worker_threads';
const NODE_OS = 'node:os';
const DEFAULT_MIN_LENGTH = 131072;
/**
 * Parts per thread of a split call, taken from a shared counter. Two threads, medians of 15 (p90) on this
 * VM, one part per thread against 4 and 16: 2048² 9.1 (11.5) / 9.0 (10.6) / 8.7 (10.0) ms and 12.0 / 10.1 /
 * 9.7 in a second run; 256³ 66.0 / 55.4 / 53.5 (scratch/parts-ab.mjs, bench/NOTES.md 2026-12-06).
 */
const PARTS_PER_THREAD = 16;

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

function isShared(memory: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The machine's logical cores. */
async function logicalCores(): Promise<number> {
  if (isNode()) {
    const os = (await import(/* @vite-ignore */ NODE_OS)) as NodeOs;
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

async function startThread(url: URL, onReply: (reply: PartReply) => void, onFailure: (message: string) => void): Promise<Thread> {
  if (isNode()) {
    const { Worker } = (await import(/* @vite-ignore */ NODE_WORKERS)) as NodeWorkerThreads;
    const worker = new Worker(url);
    worker.on('error', (e) => onFailure(String((e as Error)?.message ?? e)));
    worker.on('exit', (code) => onFailure(`a worker exited (code ${code})`));
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve()); // its first message says it listens
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`it exited (code ${code})`)));
    });
    worker.on('message', onReply);
    worker.unref();
    return {
      post: (request) => worker.postMessage(request),
      hold: (on) => (on ? worker.ref() : worker.unref()),
      terminate: () => worker.terminate(),
    };
  }
  const WorkerCtor = (globalThis as { Worker?: typeof Worker }).Worker;
  if (WorkerCtor === undefined) throw new GradientError('worker-error', 'cpuWorkers: this runtime has no Worker');
  const worker = new WorkerCtor(url, { type: 'module' });
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e: ErrorEvent) => reject(new Error(e.message || 'it failed to load or threw'));
  });
  worker.onmessage = (e: MessageEvent<PartReply>) => onReply(e.data);
  worker.onerror = (e: ErrorEvent) => onFailure(e.message || 'a worker threw');
  return {
    post: (request) => worker.postMessage(request),
    hold: () => {},
    terminate: () => {
      worker.terminate();
      return undefined;
    },
  };
}

/**
 * Starts a pool of `threads − 1` workers for cpuGradient (the calling thread is the last thread). Throws
 * `invalid-option` for a bad option; rejects with `worker-error` where a worker cannot be started.
 */
export async function cpuWorkers(options: CpuWorkersOptions = {}): Promise<CpuWorkers> {
  const threads = options.threads ?? (await logicalCores());
  if (!Number.isInteger(threads) || threads < 1) {
    throw new GradientError('invalid-option', `threads: ${describe(options.threads)} must be an integer ≥ 1`);
  }
  const minLength = options.minLength ?? DEFAULT_MIN_LENGTH;
  if (!(minLength >= 0)) throw new GradientError('invalid-option', `minLength: ${describe(options.minLength)} must be a number ≥ 0`);
  let url: URL;
  try {
    url = options.workerUrl === undefined ? new URL(WORKER_FILE, import.meta.url) : new URL(options.workerUrl, import.meta.url);
  } catch {
    throw new GradientError('invalid-option', `workerUrl: ${describe(options.workerUrl)} is not a URL`);
  }

  const pending = new Map<number, { left: number; resolve(): void; reject(e: Error): void }>();
  let failure: string | null = null;
  let destroyed = false;
  const onReply = (reply: PartReply) => {
    const call = pending.get(reply.id);
    if (call === undefined) return;
    if (reply.error) {
      pending.delete(reply.id);
      const { code, message } = reply.error;
      call.reject(code ? new GradientError(code as never, message) : new GradientError('worker-error', message));
    } else if (--call.left === 0) {
      pending.delete(reply.id);
      call.resolve();
    }
  };
  const onFailure = (message: string) => {
    if (destroyed) return;
    failure ??= message;
    for (const call of pending.values()) call.reject(new GradientError('worker-error', `cpuWorkers: ${message}`));
    pending.clear();
  };
  const started = await Promise.allSettled(Array.from({ length: threads - 1 }, () => startThread(url, onReply, onFailure)));
  const pool = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) {
    destroyed = true;
    await Promise.all(pool.map((t) => t.terminate()));
    const e = refused.reason;
    if (e instanceof GradientError) throw e;
    throw new GradientError('worker-error', `cpuWorkers: could not start a worker from ${url}: ${(e as Error)?.message ?? e}`);
  }

  let nextId = 1;
  const stats = { split: 0, calling: 0 };
  const copies = new SharedCopies();

  /** Refuses calls once the pool is destroyed or a worker failed. */
  const live = () => {
    if (destroyed) throw new GradientError('destroyed', 'cpuWorkers: the pool was destroyed');
    if (failure !== null) throw new GradientError('worker-error', `cpuWorkers: ${failure}`);
  };

  /** Whether a call of this plan on this memory, into `given` (undefined: fresh results), can be split. */
  const shareable = (plan: Plan, memory: readonly NumericArray[], given: unknown): boolean =>
    pool.length > 0 &&
    plan.size >= minLength &&
    memory.every((m) => ArrayBuffer.isView(m) && isShared(m)) &&
    (given === undefined || (Array.isArray(given) && given.every((o) => ArrayBuffer.isView(o) && isShared(o))));

  /** Fresh results in shared memory. */
  const sharedArrays = (count: number, size: number) =>
    Array.from({ length: count }, () => new Float64Array(new SharedArrayBuffer(size * 8)));

  /** Computes a call's parts on every thread into `outs` (in shared memory). */
  const split = async (op: SplitOp, values: readonly Values[], plan: Plan, options: { out?: unknown }, outs: Float64Array[]) => {
    const { out: _omitted, ...partOptions } = options;
    const id = nextId++;
    // Parts taken from a shared counter (parts.ts): the halves of a 2048² call took the calling thread
    // 7.6 ms in most calls and 14 ms in some on this VM (bench/NOTES.md), so no thread has a fixed share.
    const count = Math.min(plan.shape[0], (pool.length + 1) * PARTS_PER_THREAD);
    // Data of an element type past the loops' first four is read from a float64 copy (kernel-input.ts).
    const read = values.map((v) => copies.input(v) as NumericArray);
    const parts: Parts = { op, inputs: read, options: partOptions, outs, count, next: new Int32Array(new SharedArrayBuffer(4)) };
    const done = new Promise<void>((resolve, reject) => pending.set(id, { left: pool.length, resolve, reject }));
    for (const t of pool) {
      t.hold(true);
      t.post({ id, parts });
    }
    stats.split++;
    try {
      computeParts(parts);
      await done;
      // Every thread is done with the copies (not so after a failure: then they are dropped).
      values.forEach((v, k) => copies.done(v, read[k]));
    } catch (e) {
      done.catch(() => {}); // the workers' outcome no longer matters
      throw e;
    } finally {
      pending.delete(id);
      if (pending.size === 0) for (const t of pool) t.hold(false);
    }
  };

  /** A field, split where its plan's rows can be (derived.ts rowForm), else on the calling thread. */
  const field = async (name: DerivedField, data: unknown, options: CpuFieldOptions = {}): Promise<Float64Array[]> => {
    live();
    const call = fieldCall(name, data, options);
    const { plan, values, memory } = call;
    if (!shareable(plan, memory, options.out) || rowForm(name, values, plan) === null || !maskShared(plan)) {
      stats.calling++;
      return computeCall(name, call, options.out);
    }
    const outs =
      options.out === undefined
        ? sharedArrays(call.results, plan.size)
        : cpuOut(options.out, call.results, plan.size, memory, call.what).arrays;
    await split(name, values, plan, options, outs);
    return outs;
  };

  /** Derivatives, the Hessian or the adjoint, split where its inputs are flat and shared, else on the calling thread. */
  const program = async (kind: ProgramKind, data: unknown, options: { out?: unknown } = {}): Promise<Float64Array[]> => {
    live();
    const call = programCall(kind, data, options);
    const { program: p, values, memory } = call;
    if (!shareable(p.plan, memory, options.out) || values.some(isView) || !rowwise(p)) {
      stats.calling++;
      return computeProgram(call, options.out);
    }
    const count = p.outputs.length;
    const outs =
      options.out === undefined ? sharedArrays(count, p.plan.size) : cpuOut(options.out, count, p.plan.size, memory, call.what).arrays;
    await split(kind, values, p.plan, options, outs);
    return outs;
  };

  return {
    threads,
    stats,
    async gradient(data, callOptions = {}) {
      live();
      const { info, values, memory } = cpuInput(data);
      const plan = makePlan(info, callOptions, ['out']);
      const given = callOptions.out;
      if (!shareable(plan, [memory], given) || !(isPartable(values, plan) || splitsGaps(values, plan))) {
        stats.calling++;
        return cpuGradient(data, callOptions);
      }
      const outs =
        given === undefined
          ? sharedArrays(plan.axes.length, plan.size)
          : cpuOut(given, plan.axes.length, plan.size, [memory], 'one per selected axis').arrays;
      await split('gradient', [values], plan, callOptions, outs);
      return outs;
    },
    magnitude: async (data, options) => (await field('magnitude', data, options))[0],
    divergence: async (components, options) => (await field('divergence', components, options))[0],
    laplacian: async (data, options) => (await field('laplacian', data, options))[0],
    curl: (components, options) => field('curl', components, options),
    derivatives: (data, options) => program('derivatives', data, options),
    hessian: (data, options) => program('hessian', data, options),
    gradientAdjoint: async (components, options) => (await program('adjoint', components, options))[0],
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      copies.clear();
      for (const call of pending.values()) call.reject(new GradientError('destroyed', 'cpuWorkers: the pool was destroyed'));
      pending.clear();
      await Promise.all(pool.map((t) => t.terminate()));
    },
  };
}

/** Whether a gradient with gaps to skip is split (gradient.ts gapsSlab): flat data the loops take, and a shared mask if any. */
function splitsGaps(values: Values, plan: Plan): boolean {
  return takesGaps(values, plan) && maskShared(plan);
}

/**
 * Whether the plan's mask, if any, is in shared memory: each part reads the rows around its slab, and a
 * mask elsewhere would be copied to every thread with the call's options.
 */
function maskShared(plan: Plan): boolean {
  return plan.mask === null || (ArrayBuffer.isView(plan.mask) && isShared(plan.mask));
}

/** The worker's side (dist/cpu-worker.js): computes each part it is sent and answers with its id. */
export async function serveParts(): Promise<void> {
  const reply = (request: PartRequest): PartReply => {
    try {
      computeParts(request.parts);
      return { id: request.id };
    } catch (e) {
      return { id: request.id, error: { code: (e as GradientError)?.code, message: String((e as Error)?.message ?? e) } };
    }
  };
  if (isNode()) {
    const { parentPort } = (await import(/* @vite-ignore */ NODE_WORKERS)) as NodeWorkerThreads;
    parentPort?.on('message', (request: PartRequest) => parentPort.postMessage(reply(request)));
    parentPort?.postMessage({ id: 0 });
    return;
  }
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<PartRequest>) => void) | null; postMessage(m: unknown): void };
  scope.onmessage = (e) => scope.postMessage(reply(e.data));
  scope.postMessage({ id: 0 });
}
