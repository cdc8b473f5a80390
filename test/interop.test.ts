import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuGradient } from '../src/index';
import type { InteropReport } from './browser/interop';
import { f32Violation, maxAbs } from './helpers/bounds';
import { pageReport } from './helpers/page-report';

// The interop examples (examples/interop) with the real packages in headless Chromium: a GPU buffer from
// TensorFlow.js's WebGPU backend and one from ONNX Runtime Web go through a prepared kernel and back into
// the framework on its own device, with no map (host round trip) before the values are read.
const H = 24,
  W = 36;

let opened: { report: InteropReport; close(): Promise<void> } | undefined;
let report: InteropReport;

beforeAll(async () => {
  opened = await pageReport<InteropReport>('test/browser/interop.html', '__interop');
  report = opened.report;
}, 300_000);

afterAll(async () => {
  await opened?.close();
});

/** The derivatives of an h×w field (as the framework computed it, in float32) checked against cpuGradient. */
function expectGradient(field: number[], dy: number[], dx: number[]) {
  const ref = cpuGradient(field, { shape: [H, W] });
  expect(f32Violation(dy, ref[0], maxAbs(field), 1), 'd/dy').toBeNull();
  expect(f32Violation(dx, ref[1], maxAbs(field), 1), 'd/dx').toBeNull();
  return ref;
}

describe("interop in headless Chromium, on the framework's own device", () => {
  it('the pages ran without errors', () => {
    expect(report.errors).toEqual([]);
  });

  it('TensorFlow.js: dataToGPU() → prepared kernel → zero-copy tensors, no map before reading', () => {
    const r = report.tfjs!;
    expect(r.maps).toBe(0);
    const ref = expectGradient(r.field, r.dy, r.dx);
    const hypot = ref[0].map((gy, i) => Math.hypot(gy, ref[1][i]));
    // tfjs squares, adds and takes the root in float32: a relative bound of a few ulps on top.
    expect(f32Violation(r.magnitude, hypot, maxAbs(r.field), 1, 16)).toBeNull();
  });

  it('ONNX Runtime Web: a gpu-buffer output → prepared kernel → Tensor.fromGpuBuffer → the model again, no map before reading', () => {
    const r = report.onnx!;
    expect(r.maps).toBe(0);
    // The model is Y = sin X, inputs within [−π, π], where WGSL bounds sin's absolute error by 2^-11.
    const SIN_ERROR = 2 ** -11;
    expect(Math.max(...r.field.map((y, i) => Math.abs(y - Math.sin(r.x[i]))))).toBeLessThanOrEqual(SIN_ERROR);
    const ref = expectGradient(r.field, r.dy, r.dx);
    expect(Math.max(...r.sinDx.map((y, i) => Math.abs(y - Math.sin(ref[1][i]))))).toBeLessThanOrEqual(SIN_ERROR);
  });
});
