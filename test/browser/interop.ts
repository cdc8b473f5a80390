// Runs the interop examples (examples/interop) in headless Chromium: counts the maps (host round trips)
// each makes before its values are read, then reads them for the test to check against cpuGradient.
import * as ort from 'onnxruntime-web/webgpu';
import { onnxGradient } from '../../examples/interop/onnxruntime';
import modelUrl from '../../examples/interop/sin.onnx?url';
import { tfjsGradient } from '../../examples/interop/tfjs';

export interface InteropReport {
  tfjs?: { maps: number; field: number[]; dy: number[]; dx: number[]; magnitude: number[] };
  onnx?: { maps: number; x: number[]; field: number[]; dy: number[]; dx: number[]; sinDx: number[] };
  errors: string[];
}

let maps = 0;
const mapAsync = GPUBuffer.prototype.mapAsync;
GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
  maps++;
  return mapAsync.apply(this, args);
};

const H = 24,
  W = 36;
const report: InteropReport = { errors: [] };

async function tfjs() {
  const before = maps;
  const r = await tfjsGradient(H, W);
  const during = maps - before;
  const values = await Promise.all([r.field, r.dy, r.dx, r.magnitude].map((t) => t.data()));
  report.tfjs = {
    maps: during,
    ...Object.fromEntries(['field', 'dy', 'dx', 'magnitude'].map((k, i) => [k, Array.from(values[i])])),
  } as InteropReport['tfjs'];
  r.dispose();
}

async function onnx() {
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1;
  const model = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  // Within [−π, π], where WGSL bounds sin's error (2^-11 absolute).
  const x = Float32Array.from({ length: H * W }, (_, i) => 3 * Math.sin(Math.floor(i / W) * 0.3) * Math.cos((i % W) * 0.2));
  const before = maps;
  const r = await onnxGradient(model, x, H, W);
  const during = maps - before;
  const values = await Promise.all([r.field, r.dy, r.dx, r.sinDx].map((t) => t.getData()));
  report.onnx = {
    maps: during,
    x: Array.from(x),
    ...Object.fromEntries(['field', 'dy', 'dx', 'sinDx'].map((k, i) => [k, Array.from(values[i] as Float32Array)])),
  } as InteropReport['onnx'];
  await r.dispose();
}

const log = document.getElementById('log')!;
(async () => {
  for (const [name, run] of [
    ['tfjs', tfjs],
    ['onnxruntime-web', onnx],
  ] as const) {
    try {
      await run();
    } catch (e) {
      report.errors.push(`${name}: ${(e as Error)?.stack ?? e}`);
    }
  }
  (window as unknown as { __interop: InteropReport }).__interop = report;
  log.textContent = JSON.stringify({
    ...report,
    tfjs: report.tfjs && { maps: report.tfjs.maps },
    onnx: report.onnx && { maps: report.onnx.maps },
  });
})();
