import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuGradient } from '../src/index';
import { problemArb } from './helpers/arbitraries';
import { close64, f32Violation, maxAbs } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { naiveGradient } from './helpers/oracle';

// fast-check properties: cpuGradient against a naive per-element oracle, gpuGradient against cpuGradient.
const suite = gpuSuite();
const { gpuIt } = suite;

const counts = { cpuProperty: 0, gpuProperty: 0 };

describe('property tests (fast-check)', () => {
  it('cpuGradient equals a naive per-element implementation on 10,000 random problems', () => {
    fc.assert(
      fc.property(problemArb({ gpuSafe: false, maxSize: 240 }), (p) => {
        counts.cpuProperty++;
        const got = cpuGradient(p.data, p.options);
        const ref = naiveGradient(p.data, p.options.shape, p.axes, p.spacing, p.edgeOrder);
        if (got.length !== ref.length) return false;
        const scale = maxAbs(p.data) / p.hMin;
        return got.every((g, k) => g.every((v, i) => close64(v, ref[k][i], scale)));
      }),
      { numRuns: 10_000, seed: 20261126 },
    );
    console.log(`cpu property cases: ${counts.cpuProperty}`);
  }, 300_000);

  gpuIt(
    'gpuGradient stays within the float32 bound of cpuGradient on 600 random problems',
    async () => {
      await fc.assert(
        fc.asyncProperty(problemArb({ gpuSafe: true, maxSize: 600 }), async (p) => {
          counts.gpuProperty++;
          const got = await suite.ctx.gradient(p.data, p.options);
          const ref = cpuGradient(p.data, p.options);
          expect(got.length).toBe(ref.length);
          got.forEach((g, k) => expect(f32Violation(g, ref[k], maxAbs(p.data), p.hMin), `axis ${k}`).toBeNull());
        }),
        { numRuns: 600, seed: 7 },
      );
      console.log(`gpu property cases: ${counts.gpuProperty}`);
    },
    600_000,
  );
});
