import { describeData } from './data';
import { GradientError, describe } from './errors';
import { makePlan, type AxisPlan, type Plan } from './plan';
import { edgeSteps, edgeWeights2, interiorWeights } from './stencil';
import type { GradientOptions, NumericArray } from './types';

/**
 * The float64 reference: numpy.gradient's arithmetic, operation for operation, so results match numpy
 * to the last bit for float64 and integer inputs. Returns one Float64Array per selected axis.
 */
export function cpuGradient(data: NumericArray, options?: CpuGradientOptions): Float64Array[] {
  const plan = makePlan(describeData(data), options, ['out']);
  const out = options?.out === undefined ? plan.axes.map(() => new Float64Array(plan.size)) : checkOut(options.out, plan, data);
  plan.axes.forEach((ax, k) => axisGradient(data, ax, plan.edgeOrder, out[k]));
  return out;
}

export interface CpuGradientOptions extends GradientOptions {
  /**
   * Arrays to write the results into, one Float64Array of the data's length per selected axis; they are
   * returned. Reusing them across calls avoids the cost of fresh memory (page faults), which dominates
   * large arrays.
   */
  out?: Float64Array[];
}

function checkOut(out: unknown, plan: Plan, data: NumericArray): Float64Array[] {
  if (!Array.isArray(out) || out.length !== plan.axes.length) {
    throw new GradientError('invalid-option', `out: ${describe(out)} must be an array of ${plan.axes.length} Float64Array (one per selected axis)`);
  }
  out.forEach((o, k) => {
    if (!(o instanceof Float64Array) || o.length !== plan.size) {
      throw new GradientError('invalid-option', `out[${k}]: ${describe(o)} must be a Float64Array of length ${plan.size}`);
    }
    const shares = (a: ArrayBufferView, b: ArrayBufferView) => a.buffer === b.buffer
      && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
    if ((ArrayBuffer.isView(data) && shares(o, data)) || out.some((p, j) => j !== k && shares(o, p))) {
      throw new GradientError('invalid-option', `out[${k}]: overlaps the data or another output`);
    }
  });
  return out;
}

function axisGradient(f: ArrayLike<number>, ax: AxisPlan, edgeOrder: 1 | 2, out: Float64Array): void {
  if (out.length === 0) return;
  const { n, outer, inner: s } = ax;
  const rowSpan = n * s;
  if (ax.dx === null) {
    const h2 = 2 * ax.step!;
    for (let o = 0; o < outer; o++) {
      const start = o * rowSpan + s, end = start + (n - 2) * s;
      for (let p = start; p < end; p++) out[p] = (f[p + s] - f[p - s]) / h2;
    }
  } else {
    const { a, b, c } = interiorWeights(ax.dx);
    for (let o = 0; o < outer; o++) {
      for (let i = 1; i < n - 1; i++) {
        const wa = a[i - 1], wb = b[i - 1], wc = c[i - 1];
        const start = o * rowSpan + i * s, end = start + s;
        for (let p = start; p < end; p++) out[p] = wa * f[p - s] + wb * f[p] + wc * f[p + s];
      }
    }
  }
  if (edgeOrder === 1) {
    const { lo, hi } = edgeSteps(ax);
    for (let o = 0; o < outer; o++) {
      const first = o * rowSpan, last = first + (n - 1) * s;
      for (let j = 0; j < s; j++) {
        out[first + j] = (f[first + j + s] - f[first + j]) / lo;
        out[last + j] = (f[last + j] - f[last + j - s]) / hi;
      }
    }
  } else {
    const { lo, hi } = edgeWeights2(ax);
    for (let o = 0; o < outer; o++) {
      const first = o * rowSpan, last = first + (n - 1) * s;
      for (let j = 0; j < s; j++) {
        const p = first + j, q = last + j;
        out[p] = lo.a * f[p] + lo.b * f[p + s] + lo.c * f[p + 2 * s];
        out[q] = hi.a * f[q - 2 * s] + hi.b * f[q - s] + hi.c * f[q];
      }
    }
  }
}
