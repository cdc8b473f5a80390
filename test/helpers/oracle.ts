/** An axis as the oracles read it: its length, stride, coordinates, whether they are evenly spaced, and the step. */
function axisGeometry(shape: number[], axis: number, sp: number | number[]) {
  const n = shape[axis];
  const st = shape.slice(axis + 1).reduce((p, m) => p * m, 1);
  const x = typeof sp === 'number' ? Array.from({ length: n }, (_, i) => i * sp) : sp;
  const uniform = typeof sp === 'number' || x.every((_, i) => i === 0 || x[i] - x[i - 1] === x[1] - x[0]);
  const h = typeof sp === 'number' ? sp : x[1] - x[0];
  return { n, st, x, uniform, h };
}

/**
 * A deliberately simple per-element gradient, written from numpy's documented formulas with explicit
 * multi-index arithmetic (no outer/inner view, no shared code with src/). Tests use it as an oracle.
 */
export function naiveGradient(
  f: ArrayLike<number>,
  shape: number[],
  axes: number[],
  spacing: (number | number[])[],
  edgeOrder: 1 | 2,
): Float64Array[] {
  const size = shape.reduce((p, n) => p * n, 1);
  return axes.map((axis, k) => {
    const { n, st, x, uniform, h } = axisGeometry(shape, axis, spacing[k]);
    const out = new Float64Array(size);
    for (let e = 0; e < size; e++) {
      const i = Math.floor(e / st) % n;
      const v = (j: number) => f[e + (j - i) * st];
      const d = (j: number) => (uniform ? h : x[j + 1] - x[j]); // step from j to j+1
      let r: number;
      if (i > 0 && i < n - 1) {
        if (uniform) r = (v(i + 1) - v(i - 1)) / (2 * h);
        else {
          const hs = d(i - 1),
            hd = d(i);
          r = (-hd / (hs * (hs + hd))) * v(i - 1) + ((hd - hs) / (hs * hd)) * v(i) + (hs / (hd * (hs + hd))) * v(i + 1);
        }
      } else if (edgeOrder === 1) {
        r = i === 0 ? (v(1) - v(0)) / d(0) : (v(n - 1) - v(n - 2)) / d(n - 2);
      } else if (i === 0) {
        const h1 = d(0),
          h2 = d(1);
        r = (-(2 * h1 + h2) / (h1 * (h1 + h2))) * v(0) + ((h1 + h2) / (h1 * h2)) * v(1) + (-h1 / (h2 * (h1 + h2))) * v(2);
      } else {
        const h1 = d(n - 3),
          h2 = d(n - 2);
        r = (h2 / (h1 * (h1 + h2))) * v(n - 3) + (-(h2 + h1) / (h1 * h2)) * v(n - 2) + ((2 * h2 + h1) / (h2 * (h1 + h2))) * v(n - 1);
      }
      out[e] = r;
    }
    return out;
  });
}

/** A side of an axis as the oracle takes it: numpy's edge, or a ghost mode with its cval. */
export interface OracleSide {
  mode: 'edge' | 'nearest' | 'mirror' | 'reflect' | 'constant';
  cval: number;
}

/**
 * naiveGradient with ghost boundary modes, written from their definitions per element (no shared code
 * with src/): beyond an end the ghost value (f[0], f[k], f[k−1] or cval for the k-th ghost, mirrored at
 * the high end) at the reflected coordinate (x[−k] = 2·x[0] − x[k]); a point next to a ghost side takes
 * numpy's central formula over the ghost; a point next to an 'edge' side numpy's one-sided one.
 */
export function naiveSidesGradient(
  f: ArrayLike<number>,
  shape: number[],
  axes: number[],
  spacing: (number | number[])[],
  edgeOrder: 1 | 2,
  sides: [OracleSide, OracleSide][],
): Float64Array[] {
  const plain = naiveGradient(f, shape, axes, spacing, edgeOrder);
  return axes.map((axis, k) => {
    const out = plain[k];
    const { n, st, x: xs, uniform, h } = axisGeometry(shape, axis, spacing[k]);
    const [lo, hi] = sides[k];
    for (let e = 0; e < out.length; e++) {
      const i = Math.floor(e / st) % n;
      const atLow = i === 0 && lo.mode !== 'edge';
      const atHigh = i === n - 1 && hi.mode !== 'edge';
      if (!atLow && !atHigh) continue;
      const v = (j: number): number => {
        if (j >= 0 && j < n) return f[e + (j - i) * st];
        const side = j < 0 ? lo : hi;
        const g = j < 0 ? -j : j - (n - 1); // the g-th ghost
        const inward = (m: number) => (j < 0 ? m : n - 1 - m); // index m points in from that end
        if (side.mode === 'constant') return side.cval;
        if (side.mode === 'nearest') return v(inward(0));
        if (side.mode === 'mirror') return v(inward(g));
        return v(inward(g - 1)); // reflect
      };
      const x = (j: number): number => (j < 0 ? 2 * xs[0] - xs[-j] : j >= n ? 2 * xs[n - 1] - xs[2 * (n - 1) - j] : xs[j]);
      if (uniform) out[e] = (v(i + 1) - v(i - 1)) / (2 * h);
      else {
        const hs = x(i) - x(i - 1),
          hd = x(i + 1) - x(i);
        out[e] = (-hd / (hs * (hs + hd))) * v(i - 1) + ((hd - hs) / (hs * hd)) * v(i) + (hs / (hd * (hs + hd))) * v(i + 1);
      }
    }
    return out;
  });
}
