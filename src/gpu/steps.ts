import { GradientError } from '../errors.js';
import { OPERATIONS, type Operation } from '../operations.js';
import type { Plan } from '../plan.js';
import type { OutputType } from '../types.js';
import { itemsPerInvocation } from './variant.js';

/**
 * Pure planning of GPU work: workgroup size, grids folded past the per-dimension limit, and the split of
 * a plan into dispatches whose bindings fit the device's limits (with the halo each stencil needs).
 * No GPU objects here, so every rule is unit-tested without a device.
 */

/** 'vec4' handles four consecutive elements per invocation; it needs the last dimension to be a multiple of 4. */
export type Layout = 'vec4' | 'scalar';

export function chooseLayout(plan: Plan): Layout {
  const last = plan.shape[plan.shape.length - 1];
  // Sobel and Scharr run one element per invocation: their smoothing reads across the contiguous axis too.
  // Grids too (grid.wgsl has one entry point, in the scalar layout's module).
  return last % 4 === 0 && plan.operator === 'central' && !plan.grid ? 'vec4' : 'scalar';
}

/** Axes one dispatch computes at most (the uniform struct holds this many). */
export const MAX_AXES_PER_DISPATCH = 8;

/** The device limits the planners work within (WebGPU's names and meanings), and the workgroup size wanted. */
export interface GpuLimits {
  /** Largest storage binding: longer arrays are split into dispatches with halos. */
  readonly maxStorageBufferBindingSize: number;
  /** Largest buffer: longer host arrays are streamed in pieces. */
  readonly maxBufferSize: number;
  /** Largest grid dimension: larger grids are folded into two or three dimensions. */
  readonly maxComputeWorkgroupsPerDimension: number;
  /** Caps the workgroup size. */
  readonly maxComputeInvocationsPerWorkgroup: number;
  /** Caps the workgroup size (workgroups are one-dimensional). */
  readonly maxComputeWorkgroupSizeX: number;
  /** Alignment of storage binding offsets: split bindings and stacked outputs start at multiples of it. */
  readonly minStorageBufferOffsetAlignment: number;
  /** Alignment of uniform binding offsets: the distance between the parameters of consecutive dispatches. */
  readonly minUniformBufferOffsetAlignment: number;
  /** Invocations per workgroup wanted (default 256); the two invocation limits above still cap it. */
  readonly workgroupSize?: number;
  /**
   * Items each invocation takes, per layout and result type, where its variant allows (DEFAULT_RUNS otherwise).
   * @internal
   */
  readonly runs?: Partial<Runs>;
}

export const PREFERRED_WORKGROUP_SIZE = 256;

/**
 * Items an invocation takes, where its variant allows (variant.ts, itemsPerInvocation): consecutive
 * elements in the scalar layout, consecutive groups of four in the vec4 layout, where float16 results are
 * counted apart (an invocation stores 8 bytes of a group where float32 results store 16).
 */
export interface Runs {
  readonly scalar: number;
  readonly vec4: number;
  readonly vec4Float16: number;
}

/**
 * Runs without the context's `runs`: 1 everywhere, the only run timed on a GPU so far (on an H200 the
 * scalar layout took 1.64× / 1.77× the WGSL copy kernel at 8191×8193 / 511×513×515, the vec4 layout
 * 1.02×, float16 in and out 1.2–1.3× the copy of its bytes; bench/NOTES.md runs 10-13). bench/gpu.mjs
 * and bench/half.mjs time longer runs beside it for the next device run to choose (issue 26, targets 1-2).
 */
export const DEFAULT_RUNS: Runs = { scalar: 1, vec4: 1, vec4Float16: 1 };

/** The run a context wants for work of this layout and result type. */
export function wantedRun(limits: GpuLimits, layout: Layout, outputType: OutputType): number {
  const key = layout === 'scalar' ? 'scalar' : outputType === 'float16' ? 'vec4Float16' : 'vec4';
  return limits.runs?.[key] ?? DEFAULT_RUNS[key];
}

/** Largest power of two ≤ the wanted size and the device's limits. */
export function workgroupSize(limits: GpuLimits): number {
  const wanted = limits.workgroupSize ?? PREFERRED_WORKGROUP_SIZE;
  const cap = Math.min(wanted, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  return 2 ** Math.floor(Math.log2(cap));
}

/** A grid of at least `workgroups` workgroups with no dimension above `maxPerDim`, wasting as few as possible. */
export function foldGrid(workgroups: number, maxPerDim: number): [number, number, number] {
  if (workgroups <= maxPerDim) return [Math.max(workgroups, 1), 1, 1];
  const z = Math.ceil(workgroups / (maxPerDim * maxPerDim));
  if (z > maxPerDim) throw new GradientError('too-large', `${workgroups} workgroups do not fit a ${maxPerDim}³ grid`);
  const perLayer = Math.ceil(workgroups / z);
  const y = Math.ceil(perLayer / maxPerDim);
  const x = Math.ceil(perLayer / y);
  return [x, y, z];
}

/** Where one axis's output lives: buffer number and element offset (aligned for binding). */
export interface OutputPlace {
  readonly buffer: number;
  readonly offset: number;
}

/** A range of elements of a buffer. */
export interface ElementRange {
  readonly offset: number;
  readonly size: number;
}

export interface Step {
  /**
   * Plan axes computed, each with its output offset relative to the bound output range; sorted from the
   * contiguous axis outwards (the shader derives each coordinate from the previous one), except for curl.
   */
  readonly slots: readonly { readonly axisIndex: number; readonly outOffset: number }[];
  readonly begin: number; // first item (vec4 group or element)
  readonly count: number; // items
  readonly outBase: number; // element index written at outOffset
  readonly input: ElementRange; // bound input range; its offset is the shader's in_base
  readonly output: ElementRange & { readonly buffer: number };
  readonly grid: [number, number, number];
  /** Items each invocation takes (the pipeline's RUN): `grid` holds ⌈count / run⌉ invocations or more. */
  readonly run: number;
}

/** Elements at which chunk boundaries may fall: keeps every binding offset aligned for any element width. */
export function chunkAlignment(limits: GpuLimits): number {
  return Math.max(256, limits.minStorageBufferOffsetAlignment);
}

/** Output slabs of a stacked buffer start at multiples of this many elements (of `elementBytes` each). */
export function slabAlignment(limits: GpuLimits, elementBytes = 4): number {
  return Math.max(64, limits.minStorageBufferOffsetAlignment / elementBytes);
}

export function ceilTo(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

function maxBindingBytes(limits: GpuLimits): number {
  return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 16) * 16;
}

/**
 * How many rows of the axis each side a point's stencil may read: a periodic one reads across the axis,
 * fourth-order edge points reach four rows in, second-order edge points two, the edge points of a second
 * difference (the Laplacian's) three.
 */
export function stencilReach(plan: Plan, k: number, op: Operation = 'gradient'): number {
  if (plan.operator !== 'central') return 1;
  if (plan.axes[k].periodic) return plan.axes[k].n;
  if (OPERATIONS[op].secondDifference) return 3;
  if (plan.accuracy === 4) return 4;
  return plan.edgeOrder === 2 ? 2 : 1;
}

/** Elements each side of a point its stencil along selected axis k may read (Sobel and Scharr: a row and one more). */
function haloElements(plan: Plan, k: number): number {
  if (plan.operator !== 'central') return plan.shape[plan.shape.length - 1] + 1;
  return stencilReach(plan, k) * plan.axes[k].inner;
}

type StepBindings = Omit<Step, 'begin' | 'count' | 'grid' | 'outBase' | 'run'>;

/**
 * A piece of an array: outputs for the elements [e0, e1), computed from the input elements
 * [inStart, inEnd) (the piece and the halo its stencils read). A GPU input buffer holding just this
 * window is bound as if it began at element inStart.
 */
export interface Piece {
  readonly e0: number;
  readonly e1: number;
  readonly inStart: number;
  readonly inEnd: number;
}

export function wholeArray(size: number): Piece {
  return { e0: 0, e1: size, inStart: 0, inEnd: size };
}

/** Whether an array's input (all components) and its results (float32, the larger width) each fit `chunkBytes`. */
export function wholeFits(size: number, bytesPerElement: number, components: number, outputs: number, chunkBytes: number): boolean {
  return size * Math.max(bytesPerElement * components, 4 * outputs) <= chunkBytes;
}

/**
 * Splits a host call into pieces along the array's first dimension, so that each piece moves at most
 * `chunkBytes` in each direction: its input window (all components) and its outputs. A piece is whole
 * rows (a row: every element with one index of the first dimension) and carries the rows of halo the
 * first axis's stencil reads, when that axis is differentiated. Pieces also fit one storage binding each.
 * An array whose input and results each fit `chunkBytes` is always one piece. Where no split is possible
 * — a periodic first axis reads across the whole array, or a few rows with their halo already exceed
 * `chunkBytes` or a binding — the whole array is one piece and `bounded` is false (unless it fits
 * `chunkBytes` anyway).
 */
export function planPieces(
  plan: Plan,
  bytesPerElement: number,
  components: number,
  outputs: number,
  chunkBytes: number,
  limits: GpuLimits,
  op: Operation = 'gradient',
): { pieces: Piece[]; bounded: boolean } {
  const first = plan.axes.findIndex((ax) => ax.axis === 0);
  // Sobel and Scharr read a row each side whichever axis they differentiate (they smooth across it).
  const halo = plan.operator !== 'central' ? 1 : first < 0 ? 0 : stencilReach(plan, first, op);
  const periodicFirst = first >= 0 && plan.axes[first].periodic;
  return rowPieces(
    plan.size,
    plan.shape.length > 0 ? plan.shape[0] : 1,
    halo,
    periodicFirst,
    bytesPerElement * components,
    outputs,
    chunkBytes,
    limits,
  );
}

/**
 * planPieces for `size` elements in `rows` rows whose first-axis stencils read `halo` rows each side
 * (`wraps`: across the whole first axis), `inBytes` of input an element (all components) and `outputs`
 * float32 results: the pieces, and whether each fits `chunkBytes` and a binding. The table kernel's calls
 * (table.ts) split the same way, with the halo of their operators along the first axis.
 */
export function rowPieces(
  size: number,
  rows: number,
  halo: number,
  wraps: boolean,
  inBytes: number,
  outputs: number,
  chunkBytes: number,
  limits: GpuLimits,
): { pieces: Piece[]; bounded: boolean } {
  const N = size;
  const whole = wholeArray(N);
  const fits = wholeFits(N, inBytes, 1, outputs, chunkBytes);
  if (N === 0 || rows <= 1) return { pieces: [whole], bounded: fits };
  const maxBind = maxBindingBytes(limits);
  // An array whose input and results fit chunkBytes (and a binding) is one piece: such a call takes its
  // input before it returns (host.ts), which README promises for exactly these calls.
  if (fits && N * inBytes <= maxBind && N * 4 <= maxBind) return { pieces: [whole], bounded: true };
  if (wraps) return { pieces: [whole], bounded: fits };
  const rowSize = N / rows;
  // Rows per piece are a multiple of q, so that every piece starts at a multiple of 4 elements (vec4
  // groups; 8- and 16-bit inputs packed in 32-bit words).
  const q = 4 / gcd(rowSize, 4);
  // Rows of input a piece may read: its own and the halo, with up to 3 more elements where its window
  // start is rounded down to a multiple of 4.
  const inBudget = (Math.min(chunkBytes, maxBind) / inBytes - 4) / rowSize - 2 * halo;
  const outBudget = Math.min(chunkBytes / outputs, maxBind) / (rowSize * 4);
  const fitting = Math.floor(Math.min(inBudget, outBudget) / q) * q;
  if (fitting >= rows) return { pieces: [whole], bounded: true };
  // Not even q rows with their halo fit: one piece, which planSteps chunks to the binding size.
  if (fitting < q) return { pieces: [whole], bounded: false };
  const pieces: Piece[] = [];
  for (let r0 = 0; r0 < rows; r0 += fitting) {
    const r1 = Math.min(rows, r0 + fitting);
    const inStart = Math.max(0, r0 - halo) * rowSize;
    pieces.push({ e0: r0 * rowSize, e1: r1 * rowSize, inStart: inStart - (inStart % 4), inEnd: Math.min(rows, r1 + halo) * rowSize });
  }
  return { pieces, bounded: true };
}

/** The most elements any piece computes (`longest`) and reads (`widest`): what its buffers must hold. */
export function piecesExtent(pieces: readonly Piece[]): { longest: number; widest: number } {
  let longest = 0;
  let widest = 0;
  for (const p of pieces) {
    longest = Math.max(longest, p.e1 - p.e0);
    widest = Math.max(widest, p.inEnd - p.inStart);
  }
  return { longest, widest };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Innermost (smallest stride) first: the order in which the shader peels coordinates off an index. */
function sortByStride(plan: Plan, slots: { axisIndex: number }[]): void {
  slots.sort((a, b) => plan.axes[a.axisIndex].inner - plan.axes[b.axisIndex].inner);
}

/**
 * Dispatches over elements [e0, e1) with the same bindings, items being elements or groups of four (vec4
 * layout), each invocation taking `run` of them (variant.ts, itemsPerInvocation): one dispatch, or more
 * when the invocations exceed what one folded grid reaches.
 */
function splitItems(
  steps: Step[],
  plan: Plan,
  bindings: StepBindings,
  e0: number,
  e1: number,
  layout: Layout,
  limits: GpuLimits,
  wanted: number,
): void {
  const unit = layout === 'vec4' ? 4 : 1;
  const wg = workgroupSize(limits);
  const run = itemsPerInvocation(plan, bindings.slots, wanted);
  const maxItems = wg * run * limits.maxComputeWorkgroupsPerDimension ** 3;
  const last = Math.ceil(e1 / unit);
  for (let begin = e0 / unit; begin < last; begin += maxItems) {
    const count = Math.min(maxItems, last - begin);
    const grid = foldGrid(Math.ceil(Math.ceil(count / run) / wg), limits.maxComputeWorkgroupsPerDimension);
    steps.push({ ...bindings, begin, count, outBase: e0, grid, run });
  }
}

/**
 * One dispatch (split only past the grid's reach) for a fused operation: its stacked components and
 * its outputs must each fit one binding; fused results are not chunked.
 */
export function planFusedSteps(
  plan: Plan,
  layout: Layout,
  bytesPerElement: number,
  components: number,
  componentStride: number,
  outputs: readonly OutputPlace[],
  limits: GpuLimits,
  keepAxisOrder = false,
  piece: Piece = wholeArray(plan.size),
  wanted = 1,
): Step[] {
  const maxBind = maxBindingBytes(limits);
  const inputElements = (components - 1) * componentStride + piece.inEnd - piece.inStart;
  const span = outputs[outputs.length - 1].offset - outputs[0].offset + ceilTo(piece.e1 - piece.e0, 4);
  if (ceilTo(inputElements * bytesPerElement, 16) > maxBind || span * 4 > maxBind || outputs.some((o) => o.buffer !== outputs[0].buffer)) {
    throw new GradientError(
      'too-large',
      `fused results need their inputs (${inputElements} elements) and outputs in one storage binding each (${maxBind} bytes); use gpuGradient for larger arrays`,
    );
  }
  if (plan.axes.length > MAX_AXES_PER_DISPATCH) {
    throw new GradientError('too-large', `fused results take at most ${MAX_AXES_PER_DISPATCH} axes, not ${plan.axes.length}`);
  }
  const steps: Step[] = [];
  const slots = plan.axes.map((_, k) => ({ axisIndex: k, outOffset: k < outputs.length ? outputs[k].offset - outputs[0].offset : 0 }));
  if (!keepAxisOrder) sortByStride(plan, slots);
  const bindings = {
    slots,
    input: { offset: piece.inStart, size: inputElements },
    output: { buffer: outputs[0].buffer, offset: outputs[0].offset, size: span },
  };
  splitItems(steps, plan, bindings, piece.e0, piece.e1, layout, limits, wanted);
  return steps;
}

/**
 * Splits a plan into dispatches. Axes whose outputs share a buffer go in one dispatch (up to 8) when the
 * input and their outputs fit one binding each: the input is then read once for all of them. Otherwise
 * each axis is processed alone, in chunks along the flat index, each chunk's input carrying the halo
 * of its stencil. With a `piece` (a host call streamed in pieces), only its elements are computed, from
 * its input window; a piece always fits one binding (planPieces sizes it so).
 */
export function planSteps(
  plan: Plan,
  layout: Layout,
  bytesPerElement: number,
  outputs: readonly OutputPlace[],
  limits: GpuLimits,
  piece: Piece = wholeArray(plan.size),
  wanted = 1,
): Step[] {
  const N = plan.size;
  const count = piece.e1 - piece.e0;
  const maxBind = maxBindingBytes(limits);
  const inputFits = ceilTo((piece.inEnd - piece.inStart) * bytesPerElement, 16) <= maxBind;
  const steps: Step[] = [];
  const emit = (bindings: StepBindings, e0: number, e1: number) => splitItems(steps, plan, bindings, e0, e1, layout, limits, wanted);

  let k = 0;
  while (k < plan.axes.length) {
    // Grow a group of consecutive axes in one output buffer while its bound range fits.
    const buffer = outputs[k].buffer,
      start = outputs[k].offset;
    let end = k + 1;
    while (
      end < plan.axes.length &&
      end - k < MAX_AXES_PER_DISPATCH &&
      outputs[end].buffer === buffer &&
      (outputs[end].offset - start + ceilTo(count, 4)) * 4 <= maxBind
    )
      end++;
    const span = outputs[end - 1].offset - start + ceilTo(count, 4);
    if (inputFits && span * 4 <= maxBind) {
      const slots = [];
      for (let j = k; j < end; j++) slots.push({ axisIndex: j, outOffset: outputs[j].offset - start });
      sortByStride(plan, slots);
      const bindings = {
        slots,
        input: { offset: piece.inStart, size: piece.inEnd - piece.inStart },
        output: { buffer, offset: start, size: span },
      };
      emit(bindings, piece.e0, piece.e1);
    } else {
      if (count !== N) throw new Error('internal: a streamed piece must fit one binding');
      chunkAxis(k);
      end = k + 1;
    }
    k = end;
  }
  return steps;

  function chunkAxis(k: number) {
    const ax = plan.axes[k];
    const align = chunkAlignment(limits);
    const halo = haloElements(plan, k);
    const budget = Math.min(maxBind / 4, maxBind / bytesPerElement - 2 * halo - align);
    const L = Math.floor(budget / align) * align;
    if (L < align) {
      throw new GradientError(
        'too-large',
        `axis ${ax.axis}: its stencil spans ${2 * halo} elements, more than one storage binding (${maxBind} bytes) can hold with an output chunk`,
      );
    }
    for (let e0 = 0; e0 < N; e0 += L) {
      const e1 = Math.min(N, e0 + L);
      const inStart = Math.floor(Math.max(0, e0 - halo) / align) * align;
      const inEnd = Math.min(N, e1 + halo);
      emit(
        {
          slots: [{ axisIndex: k, outOffset: 0 }],
          input: { offset: inStart, size: inEnd - inStart },
          output: { buffer: outputs[k].buffer, offset: outputs[k].offset + e0, size: e1 - e0 },
        },
        e0,
        e1,
      );
    }
  }
}
