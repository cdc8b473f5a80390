import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeData } from '../src/data';
import { cpuGradient, GradientError } from '../src/index';
import { makePlan, type Plan, planKey, stackedPlan } from '../src/plan';
import type { GradientOptions } from '../src/types';
import { BAD_INPUTS } from './helpers/bad-inputs';

describe('bad input is refused with a GradientError naming the argument', () => {
  for (const [what, data, options, code, text] of BAD_INPUTS) {
    it(what, () => {
      let error: unknown;
      try {
        cpuGradient(data as never, options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GradientError);
      expect((error as GradientError).code).toBe(code);
      expect((error as GradientError).message).toContain(text);
    });
  }
});

describe('makePlan', () => {
  it('views each axis as (outer, n, inner)', () => {
    const plan = makePlan(describeData(new Float64Array(2 * 3 * 4)), { shape: [2, 3, 4], axis: [-1, 0, 1] });
    expect(plan.axes.map((a) => [a.axis, a.outer, a.n, a.inner])).toEqual([
      [2, 6, 4, 1],
      [0, 1, 2, 12],
      [1, 2, 3, 4],
    ]);
  });

  it('reduces equally spaced coordinates to a scalar step, as numpy does', () => {
    const plan = makePlan(describeData([1, 2, 3, 4]), { spacing: [[0, 0.5, 1, 1.5]] });
    expect(plan.axes[0].step).toBe(0.5);
    expect(plan.axes[0].dx).toBeNull();
    const uneven = makePlan(describeData([1, 2, 3]), { spacing: [[0, 0.5, 1.5]] });
    expect(uneven.axes[0].step).toBeNull();
    expect(Array.from(uneven.axes[0].dx!)).toEqual([0.5, 1]);
  });

  it('lets axes that are not differentiated have any length', () => {
    expect(() => makePlan(describeData(new Float64Array(0)), { shape: [1, 0, 3], axis: 2, edgeOrder: 2 })).not.toThrow();
  });

  it('accepts options that a caller declares as its own', () => {
    expect(() => makePlan(describeData([1, 2]), { device: 1 } as never)).toThrow(GradientError);
    expect(() => makePlan(describeData([1, 2]), { device: 1 } as never, ['device'])).not.toThrow();
  });
});

describe('planKey', () => {
  // What the kernel reads of a plan, compared field by field (numbers with ===): two plans must share a key
  // exactly when these agree.
  const fields = (p: Plan) => [
    p.shape.join(),
    p.edgeOrder,
    p.accuracy,
    p.operator,
    p.skip,
    p.grid !== null,
    ...p.axes.flatMap((ax) => [
      ax.axis,
      ax.n,
      ax.step,
      ax.lo.mode,
      ax.lo.cval,
      ax.hi.mode,
      ax.hi.cval,
      ax.dx ? Array.from(ax.dx).join() : null,
    ]),
  ];
  const same = (a: Plan, b: Plan) => {
    const x = fields(a),
      y = fields(b);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  };
  const options = fc.record({
    shape: fc.constantFrom([6, 8], [8, 6], [5, 4, 6]),
    edgeOrder: fc.constantFrom(1 as const, 2 as const),
    boundary: fc.constantFrom('edge', 'constant', 'mirror', 'periodic'),
    cval: fc.constantFrom(0, 4, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-300, -1e-300),
    spacing: fc.constantFrom(1, 2, 0.5),
    axis: fc.constantFrom(0, 1, undefined),
  });
  const plan = (o: { shape: readonly number[]; boundary: string; cval: number }) =>
    makePlan({ length: o.shape.reduce((p, n) => p * n, 1), kind: 'float32' }, {
      ...o,
      shape: [...o.shape],
      cval: o.boundary === 'constant' ? o.cval : undefined,
    } as GradientOptions);
  it('is equal for two plans exactly when every field the kernel reads is (±Infinity apart, which JSON wrote alike)', () => {
    fc.assert(
      fc.property(options, options, (a, b) => {
        const pa = plan(a),
          pb = plan(b);
        expect(planKey(pa) === planKey(pb)).toBe(same(pa, pb));
      }),
      { numRuns: 2000 },
    );
    const inf = plan({ shape: [6, 8], boundary: 'constant', cval: Number.POSITIVE_INFINITY });
    const negInf = plan({ shape: [6, 8], boundary: 'constant', cval: Number.NEGATIVE_INFINITY });
    expect(planKey(inf)).not.toBe(planKey(negInf));
  });

  it('tells coordinate steps apart', () => {
    const a = makePlan({ length: 6, kind: 'float32' }, { spacing: [[0, 1, 3, 4, 7, 9]] });
    const b = makePlan({ length: 6, kind: 'float32' }, { spacing: [[0, 1, 3, 4, 7, 9.5]] });
    expect(planKey(a)).not.toBe(planKey(b));
    expect(planKey(a)).toBe(planKey(makePlan({ length: 6, kind: 'float32' }, { spacing: [[0, 1, 3, 4, 7, 9]] })));
  });
});

describe('stackedPlan: the same work over arrays stacked along a new first axis', () => {
  const cases = [
    { shape: [6, 8] },
    { shape: [6, 8], axis: [1, 0], edgeOrder: 2 as const },
    { shape: [5, 4, 6], axis: [0, 2], spacing: [0.5, [0, 1, 3, 4, 7, 9]] },
    { shape: [9, 7], boundary: 'periodic' as const, accuracy: 4 as const },
  ];
  for (const options of cases) {
    it(`equals the plan numpy-style arguments give for shape [3, ...${JSON.stringify(options.shape)}]`, () => {
      const size = options.shape.reduce((p, n) => p * n, 1);
      const plan = makePlan({ length: size, kind: 'float32' }, options);
      const axes = plan.axes.map((ax) => ax.axis + 1);
      const direct = makePlan({ length: 3 * size, kind: 'float32' }, { ...options, shape: [3, ...options.shape], axis: axes });
      expect(stackedPlan(plan, 3)).toEqual(direct);
      expect(planKey(stackedPlan(plan, 3))).toBe(planKey(direct));
      expect(planKey(stackedPlan(plan, 3))).not.toBe(planKey(stackedPlan(plan, 2)));
    });
  }
});

describe('README error table', () => {
  it('lists exactly the codes GradientError can carry, and every bad-input code', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('## Performance'));
    const documented = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]).sort();
    const errorsTs = readFileSync('src/errors.ts', 'utf8');
    const union = errorsTs.slice(errorsTs.indexOf('GradientErrorCode ='), errorsTs.indexOf(';', errorsTs.indexOf('GradientErrorCode =')));
    const declared = [...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]).sort();
    expect(documented).toEqual(declared);
    for (const [, , , code] of BAD_INPUTS) expect(documented).toContain(code);
  });
});
