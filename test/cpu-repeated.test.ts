import { describe, expect, it } from 'vitest';
import { cpuGradient } from '../src/index';
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
});
