import type { AxisPlan, Plan } from '../plan.js';
import { copyRange } from '../view.js';
import { isPartable, isView, type Values } from './lines.js';
import { KeptScratch } from './scratch.js';

/**
 * Slabs of rows (positions along the first dimension) for the fused fields' CPU references (derived.ts) on
 * the plans that their one-pass loops (fused-sum.ts) do not take, and for views (a view's windows are
 * gathered into kept scratch, so cpuGradient takes them the same way):
 * each slab's per-axis derivatives are computed into small scratch arrays while its rows are in the core's
 * cache, then combined into the result, so the data is read and the result written once, with no
 * whole-array intermediates. A slab's derivatives come from the gradient's own loops (gradientSlabs,
 * directGradient) run on the slab's *window* — the slab and the rows around it that its stencils read, as
 * a plan of its own — so every value has the bits the whole-array loops give it.
 */

/**
 * One part of the work along an axis, for workers that share it (cpu/workers.ts): lines `o0..o1` of the
 * `outer` ones and, within each, positions `i0..i1` along the axis (ends excluded). Parts of one axis
 * write disjoint elements; the whole is { o0: 0, o1: outer, i0: 0, i1: n }.
 */
export interface AxisRange {
  readonly o0: number;
  readonly o1: number;
  readonly i0: number;
  readonly i1: number;
}

/**
 * The work along `ax` whose elements lie in the slab of positions `b0..b1` along the array's first axis:
 * positions b0..b1 of the first axis itself, or the lines of another axis that start in the slab.
 */
export function slabRange(ax: AxisPlan, shape0: number, b0: number, b1: number): AxisRange {
  if (ax.axis === 0) return { o0: 0, o1: 1, i0: b0, i1: b1 };
  const m = ax.outer / shape0; // lines of this axis per position of the first
  return { o0: b0 * m, o1: b1 * m, i0: 0, i1: ax.n };
}

/**
 * Bytes of the data a slab covers: every axis's stencils for a slab run while its rows are in the core's
 * cache (L2 is 1 MiB per core on the VM of bench/NOTES.md 2026-12-06). On one thread this measured the
 * same as axis by axis there (2048²: 14.96/15.03 against 14.90/14.85 ms); slabs are what threads share.
 */
export const SLAB_BYTES = 256 * 1024;

/** A slab and its window, as a plan of its own (see windowsOf). */
export interface SlabWindow {
  /** The window's plan: the whole one with the window's rows as its first dimension. */
  readonly plan: Plan;
  /** The window's first element in the whole array; its length is plan.size. */
  readonly start: number;
  /** The slab's rows within the window: what a pass computes (the rest is only read). */
  readonly b0: number;
  readonly b1: number;
  /** The slab's elements within the window (b0·row .. b1·row). */
  readonly p0: number;
  readonly p1: number;
}

/**
 * Whether a plan's fields (and a view's gradient) can be computed window by window: a plan with selected
 * axes that the gradient's contiguous loops take (isPartable: numpy's central stencils, ghost sides that
 * fit them, no gaps; a view's gathered windows count as flat data), whose first dimension, if selected,
 * has a uniform step and no wrap-around (a window of a periodic axis would lack the rows across the seam;
 * one of non-uniform steps, its own steps).
 */
export function windowable(data: Values, plan: Plan): boolean {
  // A view is read window by window through a gathered copy (windowData): judged as flat data.
  if (plan.axes.length === 0 || !isPartable(isView(data) ? FLAT : data, plan)) return false;
  const first = plan.axes.find((ax) => ax.axis === 0);
  return first === undefined || (first.dx === null && !first.periodic);
}

/**
 * The windows of slabs of `rows` rows that cover positions `b0..b1` of the plan's first dimension (the
 * whole of it by default; threads take parts, cpu/parts.ts), in order. Each window holds
 * its slab, `reach` rows on either side (the stencils' reach along the first dimension when it is
 * selected, else none) and, at the array's first and last rows, the rows their one-sided stencils read
 * (2·reach + 1 in all). A window that spans the whole array is the plan itself.
 */
export function windowsOf(plan: Plan, rows: number, b0 = 0, b1 = plan.shape[0]): SlabWindow[] {
  const n0 = plan.shape[0];
  const row = plan.size / n0;
  const selected = plan.axes.some((ax) => ax.axis === 0);
  const reach = selected ? (plan.accuracy === 4 ? 2 : 1) : 0;
  const ends = selected ? 2 * reach + 1 : 0;
  const plans = new Map<number, Plan>();
  const windows: SlabWindow[] = [];
  for (let a = b0; a < b1; a += rows) {
    const z = Math.min(b1, a + rows);
    const lo = Math.max(0, Math.min(a - reach, n0 - ends)),
      hi = Math.min(n0, Math.max(z + reach, ends));
    const w = hi - lo;
    let local = plans.get(w);
    if (local === undefined) {
      local = w === n0 ? plan : windowPlan(plan, w);
      plans.set(w, local);
    }
    windows.push({ plan: local, start: lo * row, b0: a - lo, b1: z - lo, p0: (a - lo) * row, p1: (z - lo) * row });
  }
  return windows;
}

/** The plan over `w` rows of the first dimension (the other dimensions whole). */
function windowPlan(plan: Plan, w: number): Plan {
  const n0 = plan.shape[0];
  const axes = plan.axes.map((ax): AxisPlan => (ax.axis === 0 ? { ...ax, n: w } : { ...ax, outer: (ax.outer / n0) * w }));
  return { ...plan, shape: [w, ...plan.shape.slice(1)], size: (plan.size / n0) * w, axes };
}

/**
 * Rows of a slab: the gradient's SLAB_BYTES of float64 data, at least one row. Slabs of 64 KiB to 512 KiB
 * gave the same times within this VM's noise for the magnitude, divergence, Laplacian and curl of 2048²
 * and 128³ (scratch, fourteenth session).
 */
export function slabRows(plan: Plan): number {
  return Math.max(1, Math.floor(SLAB_BYTES / (8 * (plan.size / plan.shape[0]))));
}

/**
 * The rows of a slab whose inputs include a view (else `rows`): at least VIEW_ROWS. A view's window is
 * gathered with its halo rows, which the next window gathers again; with slabs of SLAB_BYTES, a 128³
 * view's windows were two rows and their halo two more. 128³ into `out`, pinned to one core: a transposed
 * view 20.9 ms with slabs of two rows, 17.0–17.3 with 16 or 32; flipped 14.8 against 12.4–12.9; a
 * sliced 200×100×64 view 9.6–10.1 against 8.8–9.2 (bench/NOTES.md, twentieth session).
 */
export function viewRows(rows: number, inputs: readonly Values[]): number {
  for (let k = 0; k < inputs.length; k++) if (isView(inputs[k])) return Math.max(rows, VIEW_ROWS);
  return rows;
}
const VIEW_ROWS = 16;

/** Flat data, as windowable judges a view. */
const FLAT = new Float64Array(0);

/**
 * The window's part of the data, as the loops read it: a subarray of flat data, or a view's elements
 * gathered into kept scratch (valid until the next call; the window is small, so no full-size copy of a
 * view is made).
 */
export function windowData(data: Values, w: SlabWindow): ArrayLike<number> {
  const end = w.start + w.plan.size;
  if (!isView(data)) return (data as Float64Array).subarray(w.start, end);
  const copy = gathered.array(0, w.plan.size);
  copyRange(data, w.start, end, copy, false);
  return copy;
}

/** windowData's copies of a view's windows. */
const gathered = new KeptScratch();

/** The work along the window plan's axis k that lies in its slab (gradient.ts slabRange). */
export function windowRange(w: SlabWindow, k: number): AxisRange {
  return slabRange(w.plan.axes[k], w.plan.shape[0], w.b0, w.b1);
}

/** The slabs' scratch arrays (scratch.ts). */
const kept = new KeptScratch();

/** `count` scratch arrays of `length` elements each (a window's scratch), valid until the next call. */
export function scratchArrays(count: number, length: number): Float64Array[] {
  const arrays: Float64Array[] = new Array(count);
  for (let k = 0; k < count; k++) arrays[k] = kept.array(k, length);
  return arrays;
}
