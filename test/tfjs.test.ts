import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuGradient, cpuGradientAdjoint } from '../src/index';
import { DERIVATIVES, OPTIONS, SHAPE, type TfjsReport } from './browser/tfjs-cases';
import { f32Violation } from './helpers/bounds';
import { pageReport } from './helpers/page-report';

// webgpu-gradient/tfjs with the real TensorFlow.js packages in headless Chromium (test/browser/tfjs.ts), on
// tfjs's webgpu backend and its cpu backend.
let opened: { report: TfjsReport; close(): Promise<void> } | undefined;
let report: TfjsReport;

beforeAll(async () => {
  opened = await pageReport<TfjsReport>('test/browser/tfjs.html', '__tfjs');
  report = opened.report;
}, 300_000);

afterAll(async () => {
  await opened?.close();
});

describe('webgpu-gradient/tfjs in headless Chromium', () => {
  it('ran on the webgpu and cpu backends without errors', () => {
    expect(report.errors).toEqual([]);
    expect(report.runs.map((r) => r.backend)).toEqual(['webgpu', 'cpu']);
  });

  for (const backend of ['webgpu', 'cpu']) {
    describe(backend, () => {
      const runOf = () => report.runs.find((r) => r.backend === backend)!;

      it('tfGradient is gpuGradient: one tensor per axis, cpuGradient within the float32 bound', () => {
        const r = runOf();
        const ref = cpuGradient(r.x, { ...OPTIONS, shape: SHAPE });
        ref.forEach((want, k) => expect(f32Violation(r.forward[k], want, 0.5, 0.5, 16), `axis ${k}`).toBeNull());
      });

      it('tf.grad of Σ w·gradient(x) is the adjoint of w (cpuGradientAdjoint)', () => {
        const r = runOf();
        const want = cpuGradientAdjoint(r.w, { ...OPTIONS, shape: SHAPE });
        expect(f32Violation(r.gradOfLinear, want, 0.5, 0.5, 32)).toBeNull();
      });

      it('tf.grad through tfDerivatives is the derivatives adjoint; tfHessian gives three tensors', () => {
        const r = runOf();
        const want = cpuGradientAdjoint(r.derivativeWeights, { ...DERIVATIVES, shape: SHAPE });
        expect(f32Violation(r.gradOfDerivatives, want, 0.5, 0.25, 256)).toBeNull();
        expect(r.hessianCount).toBe(3);
      });

      it('options changed in place between calls are seen (the kept programs compare values)', () => {
        const r = runOf();
        const ref = cpuGradient(r.x, { spacing: [2, 1], shape: SHAPE });
        ref.forEach((want, k) => expect(f32Violation(r.afterChange[k], want, 0.5, 0.5, 16), `axis ${k}`).toBeNull());
      });

      it('tf.grad of a non-linear loss (smoothed total variation) matches central finite differences', () => {
        for (const { index, autodiff, numeric } of runOf().finiteDifference) {
          expect(Math.abs(autodiff - numeric), `at ${index}: ${autodiff} vs ${numeric}`).toBeLessThan(2e-2 * (1 + Math.abs(numeric)));
        }
      });
    });
  }

  it('on the webgpu backend the forward and backward passes read nothing back (no map)', () => {
    expect(report.runs.find((r) => r.backend === 'webgpu')!.maps).toBe(0);
  });

  it('on the webgpu backend ops applied again create no buffer: their program rows and uniforms are kept', () => {
    const webgpu = report.runs.find((r) => r.backend === 'webgpu')!;
    expect(webgpu.buffersAtAll).toBeGreaterThan(0);
    expect(webgpu.buffersOnRepeat).toBe(0);
  });
});
