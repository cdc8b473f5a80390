import type { AxisOperator } from '../derivatives.js';

/**
 * Rows of an operator that share one set of taps: the same weights at the same offsets from the row (the
 * interior of a uniform axis is one run), the zero weights dropped and a periodic row's columns already
 * wrapped, so that applying a run reads its taps once.
 */
export interface Run {
  readonly from: number;
  readonly to: number;
  readonly bias: number;
  /** Column − row of each non-zero weight, in the row's order. */
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
}

const runsOfOperator = new WeakMap<AxisOperator, readonly Run[] | null>();

/** Whether row `j` has row `i`'s bias and weights at the same offsets from the row, neither wrapping. */
export function sameRow(op: AxisOperator, i: number, j: number): boolean {
  const { n, width, start, weights, bias, periodic } = op;
  if (bias[j] !== bias[i] || start[j] - j !== start[i] - i) return false;
  if (periodic && (start[j] < 0 || start[j] + width > n)) return false;
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
    const wraps = periodic && (start[i] < 0 || start[i] + width > n);
    let j = i + 1;
    if (!wraps) while (j < n && sameRow(op, i, j)) j++;
    const offsets: number[] = [];
    const w: number[] = [];
    for (let k = 0; k < width; k++) {
      const weight = weights[i * width + k];
      if (weight === 0) continue;
      offsets.push((periodic ? (((start[i] + k) % n) + n) % n : start[i] + k) - i);
      w.push(weight);
    }
    runs.push({ from: i, to: j, bias: bias[i], offsets: Int32Array.from(offsets), weights: Float64Array.from(w) });
    i = j;
  }
  const result = runs.length * 4 <= n ? runs : null;
  runsOfOperator.set(op, result);
  return result;
}
