import type { AxisPlan, Plan } from '../plan.js';
import { backwardWeights2, edgeWeights2, forwardWeights2 } from '../stencil.js';
import { KeptScratch } from './scratch.js';
import { MAX_INDEX } from './unroll.js';

/**
 * `invalid: 'skip'` on contiguous data without the line path. The contract is lines.ts's: each maximal run
 * of valid points along a line is differentiated as numpy.gradient would differentiate the run alone
 * (edge order 1 for a run of two), the axis's modes applying at the array's own ends, a run wrapping on a
 * periodic axis; invalid points and runs of one give NaN. Most points of a run take the same stencil they
 * take without gaps: a point inside a run reads two valid neighbours, and the array's own ends take their
 * mode's stencil over valid points. So numpy's stencils run over the whole axis first (gradient.ts, as if
 * there were no gaps), and then only the points within two of a gap along the axis are written again —
 * NaN at the gap (`gaps`: gapsOf), a run's one-sided stencil at the run's ends — with the expressions the line path gives
 * them (directGradient's on the run as a line of its own): the same bits. 1024² with a NaN every 97
 * points: see bench/NOTES.md, sixteenth session. Only points at element positions [w0, w1) are written:
 * a slab of rows of the first axis (cpuWorkers' parts), whose `gaps` were read over gapsSlabRanges.
 */
export function fixGaps(f: ArrayLike<number>, ax: AxisPlan, plan: Plan, out: Float64Array, gaps: Gaps, w0 = 0, w1 = out.length): void {
  const { n, inner: s } = ax;
  const valid = gaps.valid;
  const axis: GapAxis = {
    ax,
    edgeOrder: plan.edgeOrder,
    uniform: ax.dx === null ? edgeWeights2({ ...ax, dx: null }) : null,
  };
  const line = n * s;
  const list = gaps.at;
  for (let g = 0; g < list.length; g++) {
    const p = list[g];
    const i = Math.floor((p % line) / s);
    const base = p - i * s;
    // Only the window's points are written: their validity, and their neighbours' along the axis, was read
    // (gapsOf's ranges). Tested once a gap where p ± 2s both lie in the window (most gaps; a window is a slab
    // of whole rows of the first axis, so then no neighbour wraps): tested at each point, the checks took
    // 1.09–1.13× the time of a 1024² call with a masked disc (bench/NOTES.md, seventeenth session).
    const inside = p - 2 * s >= w0 && p + 2 * s < w1;
    if (inside || (p >= w0 && p < w1)) out[p] = Number.NaN;
    if (inside && i >= 2 && i < n - 2) {
      // Away from the line's ends (most gaps): the neighbours without wrapping, and only valid ones visited
      // (a gap inside a masked region has none).
      for (let d = -2; d <= 2; d++) if (d !== 0 && valid[p + d * s] === 1) fixPoint(f, out, valid, axis, base, i + d);
      continue;
    }
    for (let d = -2; d <= 2; d++) {
      const k = d === 0 ? -1 : position(ax, i + d);
      if (k < 0) continue;
      const q = base + k * s;
      if ((inside || (q >= w0 && q < w1)) && valid[q] === 1) fixPoint(f, out, valid, axis, base, k);
    }
  }
}

/** What fixPoint reads of an axis. No closures: a closure over the arrays would read them through a context object at every access. */
interface GapAxis {
  readonly ax: AxisPlan;
  readonly edgeOrder: 1 | 2;
  /** The one-sided second-order weights of uniform steps (edgeWeights2's), or null for coordinates. */
  readonly uniform: ReturnType<typeof edgeWeights2> | null;
}

/** Line position k (wrapped on a periodic axis; −1 outside a non-periodic one). */
function position(ax: AxisPlan, k: number): number {
  return ax.periodic ? (k + ax.n) % ax.n : k >= 0 && k < ax.n ? k : -1;
}

/** The step from position k to k + 1 (k wrapped on a periodic axis, whose coordinates have n steps). */
function stepAt(ax: AxisPlan, k: number): number {
  return ax.dx === null ? ax.step! : ax.dx[ax.periodic ? (k + ax.n) % ax.n : k];
}

/**
 * Point i of the line at `base`, valid and within two of a gap: its run's stencil where it is one of the
 * run's ends, NaN for a run of one, and nothing inside a run (the central difference already written).
 */
// biome-ignore format: the point's arguments together
function fixPoint(f: ArrayLike<number>, out: Float64Array, valid: Uint8Array, axis: GapAxis, base: number, i: number): void {
  const { ax, uniform } = axis;
  const s = ax.inner;
  const p = base + i * s;
  // Valid points before and after i in its run, up to two each way (enough to tell ends and runs of two).
  let back = 0;
  for (let k = position(ax, i - 1); back < 2 && k >= 0 && valid[base + k * s] === 1; k = position(ax, i - back - 1)) back++;
  let fwd = 0;
  for (let k = position(ax, i + 1); fwd < 2 && k >= 0 && valid[base + k * s] === 1; k = position(ax, i + fwd + 1)) fwd++;
  if (back > 0 && fwd > 0) return;
  if (back === 0 && fwd === 0) {
    out[p] = Number.NaN; // a run of one
    return;
  }
  const order = back + fwd === 1 ? 1 : axis.edgeOrder; // a run of two takes edge order 1
  if (back === 0) {
    // The run's first point: the array's ghost side keeps the value written; else one-sided forward.
    if (!ax.periodic && i === 0 && ax.lo.mode !== 'edge') return;
    const p1 = base + position(ax, i + 1) * s;
    if (order === 1) {
      out[p] = (f[p1] - f[p]) / stepAt(ax, i);
      return;
    }
    const p2 = base + position(ax, i + 2) * s;
    const w = uniform ? uniform.lo : forwardWeights2(stepAt(ax, i), stepAt(ax, i + 1));
    out[p] = w.a * f[p] + w.b * f[p1] + w.c * f[p2];
    return;
  }
  // The run's last point.
  if (!ax.periodic && i === ax.n - 1 && ax.hi.mode !== 'edge') return;
  const q1 = base + position(ax, i - 1) * s;
  if (order === 1) {
    out[p] = (f[p] - f[q1]) / stepAt(ax, i - 1);
    return;
  }
  const q2 = base + position(ax, i - 2) * s;
  const w = uniform ? uniform.hi : backwardWeights2(stepAt(ax, i - 2), stepAt(ax, i - 1));
  out[p] = w.a * f[q2] + w.b * f[q1] + w.c * f[p];
}

/** The gaps of an array: their positions in order, and a byte per element (1 where valid). */
export interface Gaps {
  readonly at: Int32Array;
  readonly valid: Uint8Array;
}

/**
 * The gaps of `f` (non-finite values, and mask entries 0/false) at the element positions of `ranges`
 * (pairs [start, end); all of `f` by default), found once a call or a slab: each axis's fixGaps then visits
 * only them and reads validity from bytes (indexed by position; those outside the ranges are left as an
 * earlier call wrote them, and never read). Read through closures over `f` and the mask instead, the scan
 * and the checks took as long as the gradient's own loops at 2048².
 */
export function gapsOf(f: ArrayLike<number>, mask: ArrayLike<unknown> | null, ranges: readonly number[] = [0, f.length]): Gaps {
  const found: number[] = [];
  const valid = validBytes.array(0, f.length);
  for (let r = 0; r < ranges.length; r += 2) {
    const p0 = ranges[r],
      p1 = ranges[r + 1];
    if (mask === null) finiteBytes(f, valid, found, p0, p1);
    else if (mask instanceof Uint8Array) maskedBytes(f, mask, valid, found, p0, p1);
    else maskedEach(f, mask, valid, found, p0, p1);
  }
  return { at: Int32Array.from(found), valid };
}

/**
 * valid[p] = 1 where f[p] is finite, else 0 with p pushed to `found`, at p0..p1 (the bytes are kept from an
 * earlier call, so they are written either way). Eight points an iteration, masked (unroll.ts): their
 * v − v summed is 0 only when all eight are finite (NaN and ±Infinity give NaN), and a block that holds a
 * gap is gone through point by point. `invalid: 'skip'` without gaps, each build in its own process:
 * 0.75× / 0.87× / 0.84× (1024², 2048², 128³); a NaN every 97 points 0.87–0.96× (bench/NOTES.md, nineteenth
 * session).
 */
function finiteBytes(f: ArrayLike<number>, valid: Uint8Array, found: number[], p0: number, p1: number): void {
  if (p1 > MAX_INDEX) {
    finiteEach(f, valid, found, p0, p1);
    return;
  }
  // The remainder first (unroll.ts: no code after the unrolled loop).
  const head = p0 + ((p1 - p0) & 7);
  finiteEach(f, valid, found, p0, head);
  const b = p1 & MAX_INDEX;
  for (let p = head & MAX_INDEX; p < b; p += 8) {
    // biome-ignore format: the eight points in a line
    const d = (f[p] - f[p]) + (f[p + 1] - f[p + 1]) + (f[p + 2] - f[p + 2]) + (f[p + 3] - f[p + 3]) + (f[p + 4] - f[p + 4]) + (f[p + 5] - f[p + 5]) + (f[p + 6] - f[p + 6]) + (f[p + 7] - f[p + 7]);
    if (d === 0) setEight(valid, p);
    else finiteEach(f, valid, found, p, p + 8);
  }
}

/**
 * finiteBytes with a byte mask (0 = invalid): eight points an iteration, the eight mask bytes tested at
 * once (x + 255 has bit 8 set exactly when the byte x is not 0). A block that holds a gap is gone
 * through point by point. With fixGaps' path away from a line's ends, a masked disc (7 % of the points)
 * took 0.83–0.85× the time of 31725b8 at 1024² and 128³, each build in processes of its own (medians of
 * 6–10 paired processes; bench/NOTES.md, twenty-first session).
 */
function maskedBytes(f: ArrayLike<number>, mask: Uint8Array, valid: Uint8Array, found: number[], p0: number, p1: number): void {
  if (p1 > MAX_INDEX) {
    maskedEach(f, mask, valid, found, p0, p1);
    return;
  }
  const head = p0 + ((p1 - p0) & 7);
  maskedEach(f, mask, valid, found, p0, head);
  const b = p1 & MAX_INDEX;
  for (let p = head & MAX_INDEX; p < b; p += 8) {
    // biome-ignore format: the eight points in a line
    const d = (f[p] - f[p]) + (f[p + 1] - f[p + 1]) + (f[p + 2] - f[p + 2]) + (f[p + 3] - f[p + 3]) + (f[p + 4] - f[p + 4]) + (f[p + 5] - f[p + 5]) + (f[p + 6] - f[p + 6]) + (f[p + 7] - f[p + 7]);
    // biome-ignore format: the eight bytes in a line
    const m = (mask[p] + 255) & (mask[p + 1] + 255) & (mask[p + 2] + 255) & (mask[p + 3] + 255) & (mask[p + 4] + 255) & (mask[p + 5] + 255) & (mask[p + 6] + 255) & (mask[p + 7] + 255);
    if (d === 0 && (m & 256) !== 0) setEight(valid, p);
    else maskedEach(f, mask, valid, found, p, p + 8);
  }
}

function setEight(valid: Uint8Array, p: number): void {
  valid[p] = 1;
  valid[p + 1] = 1;
  valid[p + 2] = 1;
  valid[p + 3] = 1;
  valid[p + 4] = 1;
  valid[p + 5] = 1;
  valid[p + 6] = 1;
  valid[p + 7] = 1;
}

function maskedEach(f: ArrayLike<number>, mask: ArrayLike<unknown>, valid: Uint8Array, found: number[], p0: number, p1: number): void {
  for (let p = p0; p < p1; p++) {
    const v = f[p];
    if (v - v === 0 && mask[p]) valid[p] = 1;
    else {
      valid[p] = 0;
      found.push(p);
    }
  }
}

function finiteEach(f: ArrayLike<number>, valid: Uint8Array, found: number[], p0: number, p1: number): void {
  for (let p = p0; p < p1; p++) {
    const v = f[p];
    if (v - v === 0) valid[p] = 1;
    else {
      valid[p] = 0; // NaN or ±Infinity
      found.push(p);
    }
  }
}

/**
 * The element ranges (pairs [start, end)) whose gaps a slab of rows [a, z) of the first axis reads: its
 * rows, and where the first axis is differentiated two more rows each way (a point's run along it is told
 * from two neighbours each way), wrapped on a periodic first axis.
 */
export function gapsSlabRanges(plan: Plan, a: number, z: number): number[] {
  const n0 = plan.shape[0];
  const row = plan.size / n0;
  const first = plan.axes.find((ax) => ax.axis === 0);
  const reach = first ? 2 : 0;
  const lo = a - reach,
    hi = z + reach;
  if (hi - lo >= n0) return [0, plan.size];
  const ranges = [Math.max(0, lo) * row, Math.min(n0, hi) * row];
  if (first?.periodic && lo < 0) ranges.push((n0 + lo) * row, n0 * row);
  if (first?.periodic && hi > n0) ranges.push(0, (hi - n0) * row);
  return ranges;
}

/** gapsOf's bytes, kept between calls while the collector leaves them (fresh memory is page-faulted on first touch). */
const validBytes = new KeptScratch((length) => new Uint8Array(length));
