// The program calls the benches time and sample (bench/program-calls.mjs, bench/alloc.mjs --op): the
// gradient, derivatives [[2, 0], [1, 1]], the Hessian and the gradient's adjoint, on a 2-D array; and two
// calls of one result each on the gradient's path, the magnitude and the divergence (of `adjointInput`).

/**
 * Each call on `data` of `shape` through `ctx`, fresh results; `adjointInput` is the adjoint's two
 * components. With `device`, the one-call functions of `lib` (gpuGradient, gpuHessian, ...) on that
 * device instead of the context's methods.
 */
export function programCalls(ctx, data, shape, adjointInput, lib, device) {
  const api = device ? oneCall(lib) : ctx;
  const o = device ? { shape, device } : { shape };
  const mixed = {
    ...o,
    derivatives: [
      [2, 0],
      [1, 1],
    ],
  };
  return {
    gradient: () => api.gradient(data, o),
    derivatives: () => api.derivatives(data, mixed),
    hessian: () => api.hessian(data, o),
    adjoint: () => api.gradientAdjoint(adjointInput, o),
    magnitude: () => api.magnitude(data, o),
    divergence: () => api.divergence(adjointInput, o),
  };
}

/** The one-call functions under the context methods' names. */
export function oneCall(lib) {
  return {
    gradient: lib.gpuGradient,
    derivatives: lib.gpuDerivatives,
    hessian: lib.gpuHessian,
    gradientAdjoint: lib.gpuGradientAdjoint,
    magnitude: lib.gpuGradientMagnitude,
    divergence: lib.gpuDivergence,
  };
}
