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
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, n) => p * n, 1));
  return axes.map((axis, k) => {
    const n = shape[axis],
      st = strides[axis];
    const sp = spacing[k];
    const x = typeof sp === 'number' ? Array.from({ length: n }, (_, i) => i * sp) : sp;
    const uniform = typeof sp === 'number' || x.every((_, i) => i === 0 || x[i] - x[i - 1] === x[1] - x[0]);
    const h = typeof sp === 'number' ? sp : x[1] - x[0];
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
