// Runs the engines' core (test/engines/core.ts, bundled to test-output/engines/core.js by
// test/engines.test.ts) against the built dist/ in a runtime that is not Node: Deno (its own WebGPU,
// wgpu) or Bun (Dawn through the `webgpu` package, as in Node). Prints one line, `CORE_REPORT {json}`,
// and exits non-zero on any failure.
const lib = await import(new URL('../../dist/index.js', import.meta.url).href);
const { runCore } = await import(new URL('../../test-output/engines/core.js', import.meta.url).href);

// The adapter's name for the report; Bun has no navigator.gpu, so ask Dawn as the library itself does.
// Dawn crashes if create()'s result is collected while its adapters live: `dawn` holds it until the end.
let dawn = globalThis.navigator?.gpu ? null : (await import('webgpu')).create([]);
const gpu = globalThis.navigator?.gpu ?? dawn;
const adapter = await gpu.requestAdapter();
const report = await runCore(lib, { adapter: adapter ? lib.describeAdapter(adapter) : '' });
console.log(`CORE_REPORT ${JSON.stringify(report)}`);
await lib.destroyDefaultGradient();
dawn = null;
process.exit(report.failures.length === 0 ? 0 : 1);
