import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GradientError } from '../src/errors';
import { hostRequest } from '../src/gpu/request';
import { gridIdentity, prepareCoordinates } from '../src/grid';
import { makePlan } from '../src/plan';
import { PlanMemo } from '../src/plan-memo';

// Plans of recent host calls found again by equal arguments (src/plan-memo.ts): a repeated call must get
// exactly the plan planning would give it now, whatever the caller changed in between.

const GPU_KEYS = ['device', 'out', 'outputType'];
const info = (length: number, kind: 'float32' | 'float64' = 'float32', shape?: number[]) => ({ length, kind, shape });

describe('the plan memo', () => {
  it('finds equal options in a new object, and nothing that differs in any value, key, method or input', () => {
    const memo = new PlanMemo<string>(GPU_KEYS);
    const options = {
      shape: [6, 8],
      spacing: [0.5, new Float64Array([0, 1, 3, 4, 7, 9, 10, 12])],
      boundary: ['edge', ['constant', 'mirror']],
      cval: [0, [1, 2]],
    };
    memo.remember('gradient', 1, info(48), options, 'kept');
    const again = () => ({
      shape: [6, 8],
      spacing: [0.5, new Float64Array([0, 1, 3, 4, 7, 9, 10, 12])],
      boundary: ['edge', ['constant', 'mirror']],
      cval: [0, [1, 2]],
    });
    expect(memo.find('gradient', 1, info(48), again())).toBe('kept');
    expect(memo.find('gradient', 1, info(48), { ...again(), out: [], outputType: 'float32', device: {} })).toBe('kept'); // what planning ignores
    const differing: [string, Record<string, unknown>][] = [
      ['shape', { ...again(), shape: [8, 6] }],
      ['a coordinate', { ...again(), spacing: [0.5, new Float64Array([0, 1, 3, 4, 7, 9, 10, 13])] }],
      ['a typed array type', { ...again(), spacing: [0.5, new Float32Array([0, 1, 3, 4, 7, 9, 10, 12])] }],
      ['an array for a typed array', { ...again(), spacing: [0.5, [0, 1, 3, 4, 7, 9, 10, 12]] }],
      ['a nested mode', { ...again(), boundary: ['edge', ['constant', 'edge']] }],
      ['a nested cval', { ...again(), cval: [0, [1, -2]] }],
      ['-0 for 0', { ...again(), cval: [-0, [1, 2]] }],
      ['a key more', { ...again(), edgeOrder: 1 }],
      [
        'a key less',
        { shape: [6, 8], spacing: [0.5, new Float64Array([0, 1, 3, 4, 7, 9, 10, 12])], boundary: ['edge', ['constant', 'mirror']] },
      ],
    ];
    for (const [what, o] of differing) expect(memo.find('gradient', 1, info(48), o), what).toBeUndefined();
    expect(memo.find('magnitude', 1, info(48), again())).toBeUndefined();
    expect(memo.find('gradient', 2, info(48), again())).toBeUndefined();
    expect(memo.find('gradient', 1, info(48, 'float64'), again())).toBeUndefined();
    expect(memo.find('gradient', 1, info(48, 'float32', [6, 8]), again())).toBeUndefined();
  });

  it('copies what it keeps: options changed in place afterwards are a different call', () => {
    const memo = new PlanMemo<string>(GPU_KEYS);
    const spacing = [0.5, new Float64Array([0, 1, 2, 3])];
    const options = { shape: [2, 4], spacing };
    memo.remember('gradient', 1, info(8), options, 'kept');
    expect(memo.find('gradient', 1, info(8), options)).toBe('kept');
    (spacing[1] as Float64Array)[3] = 5;
    expect(memo.find('gradient', 1, info(8), options)).toBeUndefined();
    options.shape[0] = 4;
    expect(memo.find('gradient', 1, info(8), { shape: [2, 4], spacing: [0.5, new Float64Array([0, 1, 2, 3])] })).toBe('kept');
  });

  it('keeps only plain options of at most 4,096 elements, no prepared coordinates, and the last eight', () => {
    const memo = new PlanMemo<string>(GPU_KEYS);
    memo.remember('gradient', 1, info(5000), { mask: new Uint8Array(5000) }, 'long');
    expect(memo.find('gradient', 1, info(5000), { mask: new Uint8Array(5000) })).toBeUndefined();
    class Options {
      shape = [2, 2];
    }
    memo.remember('gradient', 1, info(4), new Options(), 'class');
    expect(memo.find('gradient', 1, info(4), new Options())).toBeUndefined();
    // Nor is one found for them: what a prototype holds is read by planning but not seen by for…in.
    class WithOrder {
      shape = [2, 2];
      get edgeOrder() {
        return 2;
      }
    }
    memo.remember('gradient', 1, info(4), { shape: [2, 2] }, 'plain');
    expect(memo.find('gradient', 1, info(4), new WithOrder())).toBeUndefined();
    expect(memo.find('gradient', 1, info(4), { shape: [2, 2] })).toBe('plain');
    memo.remember('gradient', 1, info(4), { shape: [2, 2], spacing: [{ length: 2, 0: 0, 1: 1 }, 1] }, 'array-like');
    expect(memo.find('gradient', 1, info(4), { shape: [2, 2], spacing: [{ length: 2, 0: 0, 1: 1 }, 1] })).toBeUndefined();
    const X = Float64Array.from({ length: 12 }, (_, p) => Math.floor(p / 4) + 0.1 * (p % 4));
    const Y = Float64Array.from({ length: 12 }, (_, p) => (p % 4) + 0.1 * Math.floor(p / 4));
    const grid = prepareCoordinates([X, Y]);
    // Prepared coordinates: their plan holds the grid's metric terms, which a kept plan would keep alive.
    memo.remember('gradient', 1, info(12), { shape: [3, 4], coordinates: grid }, 'grid');
    expect(memo.find('gradient', 1, info(12), { shape: [3, 4], coordinates: grid })).toBeUndefined();
    memo.remember('gradient', 1, info(12), { shape: [3, 4] }, 'first');
    for (let k = 0; k < 8; k++) memo.remember('gradient', 1, info(k + 1), undefined, `n${k}`);
    expect(memo.find('gradient', 1, info(12), { shape: [3, 4] })).toBeUndefined(); // the oldest went
    expect(memo.find('gradient', 1, info(1), {})).toBe('n0');
  });

  it('compares nested plain options (sphere) value by value, and copies them', () => {
    const memo = new PlanMemo<string>(GPU_KEYS);
    const make = () => ({
      shape: [4, 6],
      sphere: { latitude: [-30, -10, 10, 30], longitude: new Float64Array([0, 60, 120, 180, 240, 300]), radius: 2 },
    });
    const options = make();
    memo.remember('gradient', 1, info(24), options, 'kept');
    expect(memo.find('gradient', 1, info(24), make())).toBe('kept');
    const differing: [string, Record<string, unknown>][] = [
      ['a latitude', { ...make(), sphere: { ...make().sphere, latitude: [-30, -10, 10, 31] } }],
      ['the radius', { ...make(), sphere: { ...make().sphere, radius: 3 } }],
      ['a nested key more', { ...make(), sphere: { ...make().sphere, degrees: true } }],
      [
        'a nested key less',
        { ...make(), sphere: { latitude: [-30, -10, 10, 30], longitude: new Float64Array([0, 60, 120, 180, 240, 300]) } },
      ],
      ['an array for the object', { ...make(), sphere: [1, 2] }],
    ];
    for (const [what, o] of differing) expect(memo.find('gradient', 1, info(24), o), what).toBeUndefined();
    options.sphere.longitude[5] = 301; // changed in place after it was kept
    expect(memo.find('gradient', 1, info(24), options)).toBeUndefined();
    expect(memo.find('gradient', 1, info(24), make())).toBe('kept');
  });

  it('a host request on the sphere keeps its plan, and names its grid only then (the GPU keeps its work by that name)', () => {
    const data = new Float32Array(24);
    const sphere = { latitude: [-30, -10, 10, 30], longitude: [0, 60, 120, 180, 240, 300] };
    const a = hostRequest('gradient', data, { shape: [4, 6], sphere });
    const b = hostRequest('gradient', data, { shape: [4, 6], sphere: { ...sphere } });
    expect(b.plan).toBe(a.plan);
    expect(gridIdentity(a.plan.grid!)).toMatch(/^sphere \d+$/);
    sphere.latitude[0] = -40; // in place: a new plan, a new grid, a new name
    const c = hostRequest('gradient', data, { shape: [4, 6], sphere });
    expect(c.plan).not.toBe(a.plan);
    expect(gridIdentity(c.plan.grid!)).not.toBe(gridIdentity(a.plan.grid!));
    // Too long to keep (more than 4,096 numbers in the options): planned per call, and no name.
    const long = {
      latitude: Array.from({ length: 64 }, (_, i) => -63 + 2 * i),
      longitude: Array.from({ length: 4100 }, (_, i) => i * 0.05),
    };
    const d = hostRequest('gradient', new Float32Array(64 * 4100), { shape: [64, 4100], sphere: long });
    expect(gridIdentity(d.plan.grid!)).toBeNull();
  });

  it("a host request keeps no plan that holds the caller's mask: another mask of the same values, after the first changed, is its own", () => {
    const data = new Float32Array(12);
    const first = Uint8Array.from({ length: 12 }, (_, i) => (i === 5 ? 0 : 1));
    const a = hostRequest('gradient', data, { shape: [3, 4], invalid: 'skip', mask: first });
    const second = Uint8Array.from(first);
    first[5] = 1;
    const b = hostRequest('gradient', data, { shape: [3, 4], invalid: 'skip', mask: second });
    expect(a.plan.mask).toBe(first);
    expect(b.plan.mask).toBe(second);
  });

  it('property: a host request gets the plan that planning gives now, through reuse and changes in place', () => {
    const step = fc.record({
      shape: fc.constantFrom([6, 8], [8, 6], [4, 12]),
      spacing: fc.constantFrom('one', 'two', 'coords'),
      edgeOrder: fc.constantFrom(1 as const, 2 as const, undefined),
      boundary: fc.constantFrom('edge', 'constant', 'periodic', undefined),
      cval: fc.constantFrom(0, 3, Number.NEGATIVE_INFINITY),
      axis: fc.constantFrom(0, 1, undefined),
      reuse: fc.boolean(), // the previous step's object again, changed in place
      bad: fc.boolean(), // an invalid edgeOrder: refused whatever came before
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        let previous: Record<string, unknown> | null = null;
        const data = new Float32Array(48);
        for (const s of steps) {
          const o: Record<string, unknown> = s.reuse && previous ? previous : {};
          o.shape = s.shape;
          const n0 = s.shape[0];
          if (s.spacing === 'one') o.spacing = 1;
          else if (s.spacing === 'two') o.spacing = [2, 0.5];
          else o.spacing = [Float64Array.from({ length: n0 }, (_, i) => i * i + i), 1];
          if (s.edgeOrder === undefined) delete o.edgeOrder;
          else o.edgeOrder = s.bad ? 3 : s.edgeOrder;
          if (s.boundary === undefined) delete o.boundary;
          else o.boundary = s.boundary;
          if (s.boundary === 'constant') o.cval = s.cval;
          else delete o.cval;
          if (s.axis === undefined) delete o.axis;
          else o.axis = s.axis;
          previous = o;
          let fresh: unknown;
          try {
            fresh = makePlan({ length: 48, kind: 'float32' }, o as never, GPU_KEYS);
          } catch (error) {
            expect(() => hostRequest('gradient', data, o as never)).toThrow(GradientError);
            expect((error as GradientError).code).toBeDefined();
            continue;
          }
          expect(hostRequest('gradient', data, o as never).plan).toEqual(fresh);
        }
      }),
      { numRuns: 400 },
    );
  });
});
