/**
 * Finite-difference weights by Fornberg's algorithm (B. Fornberg, "Generation of finite difference formulas
 * on arbitrarily spaced grids", Math. Comp. 51, 1988), written from its recurrence: for points x[0..N−1] and
 * an evaluation point x0, the weights w[k][j] such that Σ_j w[k][j]·f(x[j]) is the k-th derivative at x0 of
 * the interpolating polynomial, for every order k ≤ maxOrder. In float64; exact for polynomials of degree
 * below N up to rounding.
 */
export function fornbergWeights(x0: number, x: ArrayLike<number>, maxOrder: number): Float64Array[] {
  const N = x.length;
  const w = Array.from({ length: maxOrder + 1 }, () => new Float64Array(N));
  let c1 = 1;
  let c4 = x[0] - x0;
  w[0][0] = 1;
  for (let i = 1; i < N; i++) {
    const mn = Math.min(i, maxOrder);
    let c2 = 1;
    const c5 = c4;
    c4 = x[i] - x0;
    for (let j = 0; j < i; j++) {
      const c3 = x[i] - x[j];
      c2 *= c3;
      if (j === i - 1) {
        for (let k = mn; k >= 1; k--) w[k][i] = (c1 * (k * w[k - 1][i - 1] - c5 * w[k][i - 1])) / c2;
        w[0][i] = (-c1 * c5 * w[0][i - 1]) / c2;
      }
      for (let k = mn; k >= 1; k--) w[k][j] = (c4 * w[k][j] - k * w[k - 1][j]) / c3;
      w[0][j] = (c4 * w[0][j]) / c3;
    }
    c1 = c2;
  }
  return w;
}
