// The program calls the benches time and sample (bench/program-calls.mjs, bench/alloc.mjs --op): the
// gradient, derivatives [[2, 0], [1, 1]], the Hessian and the gradient's adjoint, on a 2-D array; and two
// calls of one result each on the gradient's path, the magnitude and the divergence (of `adjointInput`);
// an image's gradient (RGBA bytes in ImageData's layout made from `data`, one frame of a video); and the
// gradient of `data` read through a transposed view (gathered on the GPU).

/**
 * Each call on `data` of `shape` through `ctx`, fresh results; `adjointInput` is the adjoint's two
 * components. With `device`, the one-call functions of `lib` (gpuGradient, gpuHessian, ...) on that
 * device instead of the context's methods.
 */
export function programCalls(ctx, data, shape, adjointInput, lib, device) {
  const api = device ? oneCall(lib) : ctx;
  const o = device ? { shape, device } : { shape };
  const image = imageOf(data, shape);
  // `data` read as its transpose (a view gathered on the GPU), which has its own shape.
  const transposed = { data, shape: [shape[1], shape[0]], stride: [1, shape[1]], offset: 0 };
  const imageOptions = device ? { device } : {};
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
    image: () => api.imageGradient(image, imageOptions),
    view: () => api.gradient(transposed, imageOptions),
  };
}

/** RGBA bytes in ImageData's layout, of `shape` ([height, width]), from `data`'s values. */
function imageOf(data, shape) {
  const bytes = new Uint8ClampedArray(4 * shape[0] * shape[1]);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 128 + 100 * data[(i >> 2) % data.length];
  return { width: shape[1], height: shape[0], data: bytes };
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
    imageGradient: lib.gpuImageGradient,
  };
}
