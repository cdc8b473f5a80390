import { describe, expect, it } from 'vitest';
import { cpuGradient, GradientError } from '../src/index';
import { f32Violation, maxAbs, maxRelDiff, minStep } from './helpers/bounds';
import { caseData, caseOptions, loadNumpyCases, loadRefusedCoordinates } from './helpers/fixtures';
import { naiveGradient } from './helpers/oracle';

const cases = loadNumpyCases();

describe('cpuGradient against numpy fixtures', () => {
  it('has fixtures of every kind the issue lists', () => {
    expect(cases.length).toBeGreaterThan(60);
    for (const dtype of ['float64', 'float32', 'int32', 'uint8']) expect(cases.some((c) => c.dtype === dtype)).toBe(true);
  });

  for (const c of cases) {
    it(c.name, () => {
      const got = cpuGradient(caseData(c), caseOptions(c));
      expect(got.length).toBe(c.expected.length);
      const exact = c.expected64 ?? c.expected; // numpy computes float32 input in float32; we compute in float64
      got.forEach((g, k) => expect(maxRelDiff(g, exact[k])).toBeLessThanOrEqual(1e-12));
      if (c.expected64) {
        const axes = c.expected.length;
        got.forEach((g, k) => expect(f32Violation(g, c.expected[k], maxAbs(c.data), minStep(c.spacing, axes))).toBeNull());
      }
    });
  }

  it('matches numpy bit for bit on coordinates that are not monotonic', () => {
    const nonMonotonic = cases.filter((c) => c.name.startsWith('non-monotonic') && c.dtype === 'float64');
    expect(nonMonotonic.length).toBeGreaterThanOrEqual(10);
    for (const c of nonMonotonic) {
      cpuGradient(caseData(c), caseOptions(c)).forEach((g, k) => expect(Array.from(g), c.name).toEqual(c.expected[k]));
    }
  });

  it('matches numpy bit for bit along lines of 32 or more, where every axis is computed in one pass (cpu/fused.ts)', () => {
    // Steps whose 2h is a power of two are applied as products, others as quotients: both numpy's bits.
    // float32 input is compared with numpy's float64 answer (numpy computes float32 input in float32).
    const fused = cases.filter((c) => c.name.startsWith('fused'));
    expect(fused.length).toBeGreaterThanOrEqual(30);
    for (const c of fused) {
      const exact = c.expected64 ?? c.expected;
      cpuGradient(caseData(c), caseOptions(c)).forEach((g, k) => expect(Array.from(g), c.name).toEqual(exact[k]));
    }
  });

  it('refuses the coordinates numpy divides by zero on, saying which points coincide', () => {
    const refused = loadRefusedCoordinates();
    expect(refused.length).toBeGreaterThanOrEqual(8);
    for (const r of refused) {
      expect(r.finite).toBe(false); // numpy's own answer has inf or nan
      const e = (() => {
        try {
          cpuGradient(r.data, { spacing: r.spacing, edgeOrder: r.edgeOrder });
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(GradientError);
      expect((e as GradientError).code).toBe('invalid-spacing');
      expect((e as GradientError).message).toMatch(/step 0|coordinates \d+ and \d+ are equal/);
    }
  });

  it("reproduces the tutorial's real numpy output, not the tutorial's claim", () => {
    const f = [1, 2, 3, 4, 5].map((a) => a * a + 2 * a + 1);
    expect(Array.from(cpuGradient(f)[0])).toEqual([5, 6, 8, 10, 11]);
    expect(Array.from(cpuGradient(f, { edgeOrder: 2 })[0])).toEqual([4, 6, 8, 10, 12]);
  });
});

describe('cpuGradient details', () => {
  it('returns [] for a 0-d shape and for an empty axis list', () => {
    expect(cpuGradient([7], { shape: [] })).toEqual([]);
    expect(cpuGradient([1, 2, 3], { axis: [] })).toEqual([]);
  });

  it('always returns an array, even for one axis', () => {
    const r = cpuGradient(new Float64Array([1, 4, 9]), { axis: 0 });
    expect(Array.isArray(r)).toBe(true);
    expect(r[0]).toBeInstanceOf(Float64Array);
  });

  it('converts unsigned integers before differencing (no wrap-around, numpy gh-15207)', () => {
    expect(Array.from(cpuGradient(new Uint8Array([255, 0, 10]))[0])).toEqual([-255, -122.5, 10]);
    expect(Array.from(cpuGradient(new Uint32Array([0, 4294967295]))[0])).toEqual([4294967295, 4294967295]);
  });

  it('handles empty arrays along other axes', () => {
    const r = cpuGradient(new Float64Array(0), { shape: [0, 3], axis: 1 });
    expect(r[0].length).toBe(0);
  });

  it('propagates NaN and infinities like numpy', () => {
    // numpy: np.gradient([1., nan, 3., inf, 5.]) -> [nan, 1., nan, 1., -inf]
    const r = cpuGradient([1, NaN, 3, Infinity, 5])[0];
    expect(Array.from(r)).toEqual([NaN, 1, NaN, 1, -Infinity]);
  });

  it('matches a naive per-element oracle on random cases', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let t = 0; t < 300; t++) {
      const edgeOrder = (1 + Math.floor(rand() * 2)) as 1 | 2;
      const rank = 1 + Math.floor(rand() * 4);
      const shape = Array.from({ length: rank }, () => edgeOrder + 1 + Math.floor(rand() * 4));
      const size = shape.reduce((p, n) => p * n, 1);
      const data = Float64Array.from({ length: size }, () => rand() * 20 - 10);
      const axes = shape.map((_, d) => d).filter(() => rand() < 0.7);
      const spacing = axes.map((a) => (rand() < 0.5 ? 0.1 + rand() : Array.from({ length: shape[a] }, (_, i) => i + rand() * 0.5)));
      const got = cpuGradient(data, { shape, axis: axes, spacing, edgeOrder });
      const ref = naiveGradient(data, shape, axes, spacing, edgeOrder);
      got.forEach((g, k) => expect(maxRelDiff(g, ref[k], 1e-9)).toBeLessThan(1e-9));
    }
  });
});

describe('cpuGradient out option', () => {
  const data = Float64Array.from({ length: 12 }, (_, i) => i * i);
  it('writes into the given arrays and returns them', () => {
    const out = [new Float64Array(12).fill(NaN), new Float64Array(12).fill(NaN)];
    const r = cpuGradient(data, { shape: [3, 4], out });
    expect(r[0]).toBe(out[0]);
    expect(r[1]).toBe(out[1]);
    const fresh = cpuGradient(data, { shape: [3, 4] });
    expect(Array.from(out[0])).toEqual(Array.from(fresh[0]));
    expect(Array.from(out[1])).toEqual(Array.from(fresh[1]));
  });
  it('refuses wrong or overlapping outputs', () => {
    const codes = [
      () => cpuGradient(data, { shape: [3, 4], out: [new Float64Array(12)] }),
      () => cpuGradient(data, { shape: [3, 4], out: [new Float64Array(12), new Float32Array(12) as never] }),
      () => cpuGradient(data, { shape: [3, 4], out: [new Float64Array(12), new Float64Array(11)] }),
      () => cpuGradient(data, { shape: [3, 4], out: [data, new Float64Array(12)] }),
      () => {
        const b = new Float64Array(20);
        return cpuGradient(data, { shape: [3, 4], out: [b.subarray(0, 12), b.subarray(8, 20)] });
      },
    ].map((f) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    });
    expect(codes).toEqual(['invalid-option', 'invalid-option', 'invalid-option', 'invalid-option', 'invalid-option']);
  });
});
