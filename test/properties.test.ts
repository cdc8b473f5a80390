import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuGradient } from '../src/index';
import { type Problem, problemArb } from './helpers/arbitraries';
import { close64, f32Violation, maxAbs } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { naiveGradient, naiveSidesGradient, type OracleSide } from './helpers/oracle';

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

// Ghost boundary modes and gaps: a side per end of every selected axis, drawn with the problem.
const sideArb: fc.Arbitrary<OracleSide> = fc.record({
  mode: fc.constantFrom('edge' as const, 'nearest' as const, 'mirror' as const, 'reflect' as const, 'constant' as const),
  cval: fc.double({ min: -100, max: 100, noNaN: true }),
});

/** A problem with a [before, after] side pair per selected axis (and cval where a side is 'constant'). */
function sidedArb(gpuSafe: boolean, maxSize: number) {
  return problemArb({ gpuSafe, maxSize }).chain((p) =>
    fc.array(fc.tuple(sideArb, sideArb), { minLength: p.axes.length, maxLength: p.axes.length }).map((sides) => {
      const options = {
        ...p.options,
        boundary: sides.map(([lo, hi]) => [lo.mode, hi.mode] as [OracleSide['mode'], OracleSide['mode']]),
        cval: sides.map(([lo, hi]) => [lo.cval, hi.cval] as [number, number]),
      };
      if (!sides.some(([lo, hi]) => lo.mode === 'constant' || hi.mode === 'constant')) delete (options as { cval?: unknown }).cval;
      return { problem: { ...p, options } as Problem, sides };
    }),
  );
}

describe('property tests of boundary modes and gaps (fast-check)', () => {
  it('cpuGradient with a ghost side per end equals a naive per-element implementation on 3,000 random problems', () => {
    fc.assert(
      fc.property(sidedArb(false, 200), ({ problem: p, sides }) => {
        const got = cpuGradient(p.data, p.options);
        const ref = naiveSidesGradient(p.data, p.options.shape, p.axes, p.spacing, p.edgeOrder, sides);
        const scale = maxAbs(p.data) / p.hMin + Math.max(0, ...sides.flat().map((s) => Math.abs(s.cval))) / p.hMin;
        return got.length === ref.length && got.every((g, k) => g.every((v, i) => close64(v, ref[k][i], scale)));
      }),
      { numRuns: 3000, seed: 20261206 },
    );
  }, 300_000);

  it("invalid: 'skip' without a gap gives numpy's bits on 2,000 random problems", () => {
    fc.assert(
      fc.property(problemArb({ gpuSafe: false, maxSize: 200 }), (p) => {
        if (Array.from(p.data as ArrayLike<number>).some((v) => !Number.isFinite(v))) return true;
        const got = cpuGradient(p.data, { ...p.options, invalid: 'skip' });
        const ref = cpuGradient(p.data, p.options);
        return got.every((g, k) => g.every((v, i) => Object.is(v, ref[k][i])));
      }),
      { numRuns: 2000, seed: 99 },
    );
  });

  gpuIt(
    'gpuGradient with random sides, and gaps, stays within the float32 bound of cpuGradient on 120 random problems',
    async () => {
      await fc.assert(
        fc.asyncProperty(sidedArb(true, 400), fc.boolean(), fc.nat(), async ({ problem: p, sides }, skip, seed) => {
          let data = p.data;
          const options: Problem['options'] = { ...p.options };
          if (skip) {
            // Float data with a gap every few points; integer data has none to skip.
            const values = Float64Array.from(p.data as ArrayLike<number>);
            for (let i = seed % 5; i < values.length; i += 3 + (seed % 4)) values[i] = Number.NaN;
            data = values;
            options.invalid = 'skip';
          }
          const got = await suite.ctx.gradient(data, options);
          const ref = cpuGradient(data, options);
          const scale = Math.max(maxAbs(data), ...sides.flat().map((s) => (s.mode === 'constant' ? Math.abs(s.cval) : 0)));
          got.forEach((g, k) => expect(f32Violation(g, ref[k], scale, p.hMin, 16), `axis ${k}`).toBeNull());
        }),
        { numRuns: 120, seed: 11 },
      );
    },
    600_000,
  );
});
