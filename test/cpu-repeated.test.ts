import { describe, expect, it } from 'vitest';
import { fieldCall } from '../src/cpu/derived';
import { cpuGradient, cpuGradientAdjoint, cpuGradientMagnitude, cpuHessian, cpuLaplacian } from '../src/index';
import { maxRelDiff } from './helpers/bounds';
import { sampledBytes } from './helpers/heap-sampling';
import { naiveGradient } from './helpers/oracle';

// A repeated cpuGradient call takes a recent call's plan (src/cpu/gradient.ts). In a file of its own: the
// byte count below is of the optimised call, and test/cpu.test.ts's many data types and options leave
// cpuGradient's feedback polymorphic (there, 500 calls took 160 ms instead of 6, and the sampled loop ran
// past the test's two minutes).
describe('cpuGradient repeated', () => {
  it('takes a recent call’s plan: options changed in place and masks are read at each call', () => {
    const shape = [6, 7];
    const f = Array.from({ length: 42 }, (_, i) => Math.sin(i) * 3);
    const x = [0, 1, 3, 4, 7, 9, 10];
    const options = { shape, spacing: [1, x] };
    const naive = () => naiveGradient(f, shape, [1], [x], 1)[0];
    const first = cpuGradient(f, options);
    expect(maxRelDiff(first[1], naive())).toBeLessThan(1e-12);
    x.reverse(); // the same options object, its coordinates changed in place
    const again = cpuGradient(f, options);
    expect(maxRelDiff(again[1], naive())).toBeLessThan(1e-12);
    expect(maxRelDiff(again[1], first[1])).toBeGreaterThan(0.1);
    // A mask is read as it is at each call, never from a remembered plan.
    const mask = new Uint8Array(42).fill(1); // 0 marks an invalid point
    const masked = { shape, mask, invalid: 'skip' as const };
    const clear = cpuGradient(f, masked);
    mask[10] = 0;
    const gapped = cpuGradient(f, masked);
    expect(Number.isNaN(gapped[0][10])).toBe(true);
    expect(Number.isNaN(clear[0][10])).toBe(false);
  });

  it('a repeated 64² call with out allocates under 2 KB of the library’s own (planning skipped)', async () => {
    const data = new Float64Array(4096).map((_, i) => Math.sin(i));
    const options = { shape: [64, 64], out: [new Float64Array(4096), new Float64Array(4096)] };
    for (let i = 0; i < 5000; i++) cpuGradient(data, options);
    const n = 5000;
    const { own } = await sampledBytes(() => {
      for (let i = 0; i < n; i++) cpuGradient(data, options);
    });
    const perCall = Math.round(own / n);
    console.log(`library bytes a repeated 64² cpuGradient with out (sampled): ${perCall}`);
    // 2.7 KB before the plan memo (2a3f517), 1.1 KB after (bench/NOTES.md, twelfth session).
    expect(perCall).toBeGreaterThan(0);
    expect(perCall).toBeLessThan(2000);
  });

  it('the fields and the programs take a recent call’s plan or program too, read afresh where options changed in place', () => {
    const shape = [6, 7];
    const f = Array.from({ length: 42 }, (_, i) => Math.sin(i) * 3 + (i % 4));
    const spacing = [1, 2];
    const options = { shape, spacing };
    // Each against the same call with a fresh copy of its options (planned anew).
    const fresh = () => ({ shape: [...shape], spacing: [...spacing] });
    const calls = [
      (o: typeof options) => [cpuGradientMagnitude(f, o)],
      (o: typeof options) => [cpuLaplacian(f, o)],
      (o: typeof options) => cpuHessian(f, o),
      (o: typeof options) => [cpuGradientAdjoint([f, f], o)],
    ];
    for (const call of calls) {
      spacing[1] = 2;
      const first = call(options);
      expect(call(options)).toEqual(first);
      spacing[1] = 0.5; // in place
      const again = call(options);
      expect(again).toEqual(call(fresh()));
      expect(again).not.toEqual(first);
    }
    // Equal arguments find the kept plan; another component count or field does not.
    const kept = fieldCall('divergence', [f, f], { shape, spacing: [1, 3] }).plan;
    expect(fieldCall('divergence', [f, f], { shape: [6, 7], spacing: [1, 3], out: [] } as never).plan).toBe(kept);
    expect(fieldCall('magnitude', f, { shape, spacing: [1, 3] }).plan).not.toBe(kept);
    // A mask is read as it is at each call.
    const mask = new Uint8Array(42).fill(1);
    const masked = { shape, mask, invalid: 'skip' as const };
    const clear = cpuGradientMagnitude(f, masked);
    mask[10] = 0;
    expect(Number.isNaN(cpuGradientMagnitude(f, masked)[10])).toBe(true);
    expect(Number.isNaN(clear[10])).toBe(false);
  });

  it('a repeated 64² magnitude, Hessian and adjoint with out allocate little of the library’s own', async () => {
    const data = new Float64Array(4096).map((_, i) => Math.sin(i));
    const one = { shape: [64, 64], out: [new Float64Array(4096)] };
    const three = { shape: [64, 64], out: [0, 1, 2].map(() => new Float64Array(4096)) };
    // Sampled in the twentieth session: the adjoint 90.6 KB before its program was kept (its operators built
    // and transposed at each call), then 1.5 KB; the Hessian 3.4 KB; the magnitude 22.5 KB before its end
    // values went into out rather than being returned (fused-sum.ts put), then 2.2 KB.
    const calls: [string, () => unknown, number][] = [
      ['magnitude', () => cpuGradientMagnitude(data, one), 8000],
      ['Hessian', () => cpuHessian(data, three), 10_000],
      ['adjoint', () => cpuGradientAdjoint([data, data], one), 8000],
    ];
    for (const [what, call, bound] of calls) {
      for (let i = 0; i < 3000; i++) call();
      const n = 3000;
      const { own } = await sampledBytes(() => {
        for (let i = 0; i < n; i++) call();
      });
      const perCall = Math.round(own / n);
      console.log(`library bytes a repeated 64² ${what} with out (sampled): ${perCall}`);
      expect(perCall).toBeGreaterThan(0);
      expect(perCall, what).toBeLessThan(bound);
    }
  });
});
