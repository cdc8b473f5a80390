import { describeData } from './data';
import { makePlan, type AxisPlan, type Plan } from './plan';
import { edgeSteps, edgeWeights2, interiorWeights } from './stencil';
import type { GradientOptions, NumericArray } from './types';

/**
 * The float64 reference: numpy.gradient's arithmetic, operation for operation, so results match numpy
 * to the last bit for float64 and integer inputs. Returns one Float64Array per selected axis.
 */
export function cpuGradient(data: NumericArray, options?: GradientOptions): Float64Array[] {
  const plan = makePlan(describeData(data), options);
  return runCpuPlan(data, plan);
}

export function runCpuPlan(f: ArrayLike<number>, plan: Plan): Float64Array[] {
  return plan.axes.map((ax) => axisGradient(f, ax, plan.edgeOrder, plan.size));
}

function axisGradient(f: ArrayLike<number>, ax: AxisPlan, edgeOrder: 1 | 2, size: number): Float64Array {
  const out = new Float64Array(size);
  if (size === 0) return out;
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
  return out;
}
