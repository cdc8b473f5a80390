// The one-call functions with no WebGPU adapter at all (run by test/reliability.test.ts with
// VK_ICD_FILENAMES pointing at no driver, so Dawn finds none): bad input must be refused with its own
// code, and only a valid call reports `no-webgpu`. Prints `NO_ADAPTER {json}`: the code each case got.
const lib = await import(new URL('../../dist/index.js', import.meta.url).href);
const code = (promise) =>
  promise.then(
    () => 'resolved',
    (e) => (e instanceof lib.GradientError ? e.code : `not a GradientError: ${e}`),
  );
const f = new Float64Array(24);
const cases = {
  'gradient, 24 elements for shape [5, 5]': lib.gpuGradient(f, { shape: [5, 5] }),
  'gradient of a string': lib.gpuGradient('abc'),
  'gradient with out: [1]': lib.gpuGradient([1, 2, 3], { out: [1] }),
  'gradient with an unknown option': lib.gpuGradient([1, 2, 3], { edge_order: 2 }),
  'gradient with a zero step': lib.gpuGradient([1, 2, 3], { spacing: 0 }),
  "gradient with outputType 'float64'": lib.gpuGradient([1, 2, 3], { outputType: 'float64' }),
  'gradient on a non-device': lib.gpuGradient([1, 2, 3], { device: {} }),
  'magnitude with axis 3 of 2-D': lib.gpuGradientMagnitude(new Float32Array(16), { shape: [4, 4], axis: 3 }),
  'divergence, 1 component for 2 axes': lib.gpuDivergence([new Float32Array(16)], { shape: [4, 4] }),
  'curl of 1-D': lib.gpuCurl([new Float32Array(4)], { shape: [4] }),
  'laplacian with accuracy 4': lib.gpuLaplacian(new Float32Array(64), { shape: [8, 8], accuracy: 4 }),
  'image with 3 bytes for 2x2 pixels': lib.gpuImageGradient({ width: 2, height: 2, data: new Uint8Array(3) }),
  'image with a shape option': lib.gpuImageGradient({ width: 2, height: 2, data: new Uint8Array(16) }, { shape: [2, 2] }),
  'valid gradient': lib.gpuGradient([1, 2, 4]),
  'valid image': lib.gpuImageGradient({ width: 2, height: 2, data: new Uint8Array(16) }),
};
const report = {};
for (const [what, promise] of Object.entries(cases)) report[what] = await code(promise);
console.log(`NO_ADAPTER ${JSON.stringify(report)}`);
