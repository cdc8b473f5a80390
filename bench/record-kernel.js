// Recording a context's kernel into a command encoder, for benchmarks that also time older builds
// (`--compare DIR`, `--dist DIR`): prepared kernels where the build has them (`prepare`, from 0.2), else the
// async `encode` of 0.1, whose release function is returned to call after submitting.

/**
 * options: the plan's options with `shape` (and `dtype`, `derived`, …). Resolves to
 * `(encoder, buffers, timestampWrites?) => release | undefined`, where buffers is `{ input, output | outputs }`.
 */
export async function kernelRecorder(ctx, options) {
  if (typeof ctx.prepare === 'function') {
    const kernel = await ctx.prepare(options);
    return (encoder, buffers, timestampWrites) => {
      kernel.encode(encoder, timestampWrites ? { ...buffers, timestampWrites } : buffers);
    };
  }
  return async (encoder, buffers, timestampWrites) => (await ctx.encode(encoder, { ...options, ...buffers, timestampWrites })).release;
}

/** The library's default context and its destroyer, under the names of this build or of 0.1. */
export function defaultContextOf(lib) {
  return {
    get: () => (lib.defaultGradient ?? lib.defaultGradientContext)(),
    destroy: () => (lib.destroyDefaultGradient ?? lib.releaseDefaultDevice)(),
  };
}
