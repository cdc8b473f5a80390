// The program calls the benches time and sample (bench/program-calls.mjs, bench/alloc.mjs --op): the
// gradient, derivatives [[2, 0], [1, 1]], the Hessian and the gradient's adjoint, on a 2-D array; and two
// calls of one result each on the gradient's path, the magnitude and the divergence (of `adjointInput`).

/** Each call on `data` of `shape` through `ctx`, fresh results; `adjointInput` is the adjoint's two components. */
export function programCalls(ctx, data, shape, adjointInput) {
  return {
    gradient: () => ctx.gradient(data, { shape }),
    derivatives: () =>
      ctx.derivatives(data, {
        shape,
        derivatives: [
          [2, 0],
          [1, 1],
        ],
      }),
    hessian: () => ctx.hessian(data, { shape }),
    adjoint: () => ctx.gradientAdjoint(adjointInput, { shape }),
    magnitude: () => ctx.magnitude(data, { shape }),
    divergence: () => ctx.divergence(adjointInput, { shape }),
  };
}
