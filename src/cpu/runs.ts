import type { AxisOperator } from '../derivatives.js';

/**
 * Rows of an operator that share one set of taps: the same weights at the same offsets from the row (the
 * interior of a uniform axis is one run), the zero weights dropped and a periodic row's columns already
 * wrapped, so that applying a run reads its taps once.
 */
export interface Run extends Taps {
  readonly from: number;
  readonly to: number;
  /** Column − row of each non-zero weight, in the row's order. */
  readonly offsets: Int32Array;
}

/**
 * Taps summed in order after a bias: tap t has weight weights[w0 + t] and reads the column offsets[t] from a
 * base (t itself where offsets is null: a row's consecutive columns).
 */
export interface Taps {
  readonly offsets: Int32Array | null;
  readonly weights: Float64Array;
  readonly w0: number;
  readonly count: number;
  readonly bias: number;
}

const runsOfOperator = new WeakMap<AxisOperator, readonly Run[] | null>();

/** Whether row i of a periodic operator reads columns across the seam (its window starts before 0 or ends past n). */
export function wraps(op: AxisOperator, i: number): boolean {
  return op.periodic && (op.start[i] < 0 || op.start[i] + op.width > op.n);
}

/** Whether row `j` has row `i`'s bias and weights at the same offsets from the row, neither wrapping. */
export function sameRow(op: AxisOperator, i: number, j: number): boolean {
  const { width, start, weights, bias } = op;
  if (bias[j] !== bias[i] || start[j] - j !== start[i] - i) return false;
  if (wraps(op, j)) return false;
  for (let k = 0; k < width; k++) if (weights[j * width + k] !== weights[i * width + k]) return false;
  return true;
}

/**
 * The operator's rows as runs (made once an operator), or null where runs would be short (uneven
 * coordinates give every row weights of its own): those are applied row by row.
 */
export function runsOf(op: AxisOperator): readonly Run[] | null {
  const found = runsOfOperator.get(op);
  if (found !== undefined) return found;
  const { n, width, start, weights, bias, periodic } = op;
  const runs: Run[] = [];
  for (let i = 0; i < n && runs.length * 4 <= n; ) {
    let j = i + 1;
    if (!wraps(op, i)) while (j < n && sameRow(op, i, j)) j++;
    const offsets: number[] = [];
    const w: number[] = [];
    for (let k = 0; k < width; k++) {
      const weight = weights[i * width + k];
      if (weight === 0) continue;
      offsets.push((periodic ? (((start[i] + k) % n) + n) % n : start[i] + k) - i);
      w.push(weight);
    }
    runs.push({ from: i, to: j, bias: bias[i], offsets: Int32Array.from(offsets), weights: Float64Array.from(w), w0: 0, count: w.length });
    i = j;
  }
  const result = runs.length * 4 <= n ? runs : null;
  runsOfOperator.set(op, result);
  return result;
}

const denseOfOperator = new WeakMap<AxisOperator, Int32Array>();

/**
 * Where an operator without runs (uneven coordinates) has rows that sum every tap of one block of columns:
 * rows whose non-zero weights are columns lo … lo + count − 1 of their window, all of them, without a
 * wrap. Quadruples (from, to, lo, count) of spans of at least DENSE_SPAN such rows with the same block and
 * windows one column apart (start[i] − i the same: row i reads from start[from] − from + i), made once an
 * operator (the interior of a second difference is columns 0–2 of a window of 4, which its one-sided rows
 * fill). Such rows need no test per tap, and read their columns in order (derivatives.ts unevenRows).
 */
export function denseSpans(op: AxisOperator): Int32Array {
  let spans = denseOfOperator.get(op);
  if (spans === undefined) {
    const { n, width, weights } = op;
    // A row's block as lo · (width + 1) + count, or −1 where its non-zero weights have a gap or it wraps.
    const block = (i: number): number => {
      if (wraps(op, i)) return -1;
      let lo = -1;
      let hi = -1;
      for (let k = 0; k < width; k++) {
        if (weights[i * width + k] === 0) continue;
        if (lo < 0) lo = k;
        else if (hi !== k - 1) return -1;
        hi = k;
      }
      return lo < 0 ? -1 : lo * (width + 1) + hi - lo + 1;
    };
    const found: number[] = [];
    for (let i = 0; i < n; ) {
      const b = block(i);
      let j = i + 1;
      if (b >= 0) while (j < n && block(j) === b && op.start[j] - j === op.start[i] - i) j++;
      if (b >= 0 && j - i >= DENSE_SPAN) found.push(i, j, Math.floor(b / (width + 1)), b % (width + 1));
      i = j;
    }
    spans = Int32Array.from(found);
    denseOfOperator.set(op, spans);
  }
  return spans;
}

/** Shorter spans of dense rows are left to the row-by-row loop. */
const DENSE_SPAN = 4;
