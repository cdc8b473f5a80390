import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { programOf, programRows, rowwise, runProgram } from '../src/cpu/derivatives';
import { fusedHessian2d } from '../src/cpu/hessian-2d';
import { fusedHessian3d } from '../src/cpu/hessian-3d';
import { cpuInput } from '../src/cpu/input';
import { type AdjointOptions, adjointProgram, derivativesProgram, firstAxisReach, hessianProgram } from '../src/derivatives';
import { BufferUsage } from '../src/gpu/flags';
import {
  cpuDerivatives,
  cpuGradient,
  cpuGradientAdjoint,
  cpuHessian,
  createGradient,
  type DerivativeOptions,
  GradientError,
  type GradientOptions,
  type NdarrayLike,
  type NumericArray,
} from '../src/index';
import { firstDifference } from './helpers/bits';
import { f32Violation, maxAbs } from './helpers/bounds';
import { counted } from './helpers/counted-device';
import { readFloats } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { assembleParts, writtenOnce } from './helpers/parts';
import { rng } from './helpers/random';

// Derivatives of any order and accuracy, the Hessian and adjoints, on the CPU and the GPU: exactness for
// polynomials at every point (edges included), agreement with cpuGradient, the dense transpose, and
// ⟨A x, v⟩ = ⟨x, Aᵀ v⟩.

/** The k-th derivative of x^e (e ≥ 0) at x. */
function powerDerivative(e: number, k: number, x: number): number {
  if (k > e) return 0;
  let c = 1;
  for (let j = 0; j < k; j++) c *= e - j;
  return c * x ** (e - k);
}

/** Stencil points of order m at accuracy p: N = 2⌊(m+1)/2⌋ − 1 + p inside (the issue's formula, written here). */
const centralPoints = (m: number, p: number) => 2 * Math.floor((m + 1) / 2) - 1 + p;

/** Coordinates of an axis: uniform with step h, or uneven (smoothly stretched). */
function axisCoordinates(n: number, uneven: boolean, h = 0.7): number[] {
  return Array.from({ length: n }, (_, i) => (uneven ? h * (i + 0.15 * Math.sin(1.3 * i)) : h * i) - 0.4 * h * n);
}

describe("a program's reach along the first axis (the halo of streamed pieces)", () => {
  it('property: every row of every first-axis operator reads within the halo, some row reaches it, and only periodic ones wrap', () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 16, max: 30 }),
          cols: fc.integer({ min: 16, max: 20 }),
          accuracy: fc.constantFrom(2 as const, 4 as const, 6 as const, 8 as const),
          order: fc.integer({ min: 0, max: 4 }),
          lo: fc.constantFrom('edge', 'mirror', 'reflect', 'nearest', 'constant', 'periodic'),
          hi: fc.constantFrom('edge', 'mirror', 'reflect', 'nearest', 'constant'),
          uneven: fc.boolean(),
          kind: fc.constantFrom('derivatives', 'hessian', 'adjoint'),
        }),
        ({ rows, cols, accuracy, order, lo, hi, uneven, kind }) => {
          const shape = [rows, cols];
          const periodic = lo === 'periodic';
          const boundary = periodic ? ['periodic', 'edge'] : [[lo, hi], 'edge'];
          const spacing = [uneven && !periodic && accuracy === 2 ? axisCoordinates(rows, true) : 0.5, 1];
          const info = { length: rows * cols, kind: 'float64' as const };
          const options = {
            shape,
            boundary,
            spacing,
            accuracy: kind === 'adjoint' ? (accuracy > 2 ? 4 : 2) : accuracy,
          } as DerivativeOptions;
          const program =
            kind === 'hessian'
              ? hessianProgram(info, options)
              : kind === 'adjoint'
                ? adjointProgram(info, 2, options as AdjointOptions)
                : derivativesProgram(info, {
                    ...options,
                    derivatives: [
                      [order, 1],
                      [order || 1, 0],
                    ],
                  });
          const { halo, wraps } = firstAxisReach(program);
          let reached = 0;
          let anyPeriodic = false;
          for (const terms of program.outputs)
            for (const term of terms)
              for (const { axis, op } of term.factors) {
                if (axis.axis !== 0) continue;
                anyPeriodic ||= op.periodic;
                if (op.periodic) continue;
                for (let i = 0; i < op.n; i++) {
                  expect(op.start[i]).toBeGreaterThanOrEqual(i - halo);
                  expect(op.start[i] + op.width - 1).toBeLessThanOrEqual(i + halo);
                  reached = Math.max(reached, i - op.start[i], op.start[i] + op.width - 1 - i);
                }
              }
          expect(wraps).toBe(anyPeriodic);
          if (!wraps || reached > 0) expect(halo).toBe(reached);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('derivatives of any order and accuracy (CPU)', () => {
  it('are exact for polynomials of degree ≤ N − 1 at every point, edges included, steps and coordinates, orders 0–4, accuracy 2–8', () => {
    for (const uneven of [false, true]) {
      for (const p of [2, 4, 6, 8] as const) {
        for (let m = 1; m <= 4; m++) {
          const N = centralPoints(m, p);
          const n = N + m + p + 3;
          const x = axisCoordinates(n, uneven);
          const degree = N - 1;
          // Σ_e c_e x^e with c_e = 1/(e+1)! scaled: a full polynomial of that degree.
          const coeff = Array.from({ length: degree + 1 }, (_, e) => 1 / (e + 1));
          const f = Float64Array.from(x, (v) => coeff.reduce((s, c, e) => s + c * v ** e, 0));
          const [d] = cpuDerivatives(f, { derivatives: [[m]], accuracy: p, spacing: uneven ? [x] : 0.7 });
          const scale = maxAbs(
            Float64Array.from(x, (v) => coeff.reduce((s, c, e) => s + Math.abs(c * powerDerivative(e, m, Math.abs(v) + 1)), 0)),
          );
          for (let i = 0; i < n; i++) {
            const want = coeff.reduce((s, c, e) => s + c * powerDerivative(e, m, x[i]), 0);
            expect(Math.abs(d[i] - want), `m ${m} p ${p} uneven ${uneven} at ${i}: ${d[i]} vs ${want}`).toBeLessThan(1e-6 * scale);
          }
        }
      }
    }
  });

  it('mixed partials are products of the 1-D operators: exact for x^a y^b with a, b below the stencil sizes', () => {
    const nx = 14,
      ny = 13;
    const x = axisCoordinates(nx, true, 0.5),
      y = axisCoordinates(ny, false, 0.4);
    const f = new Float64Array(nx * ny);
    for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) f[i * ny + j] = x[i] ** 3 * y[j] ** 2 + x[i] * y[j] ** 3;
    const [dxy, dxxy, dyy] = cpuDerivatives(f, {
      shape: [nx, ny],
      spacing: [x, 0.4],
      accuracy: 4,
      derivatives: [
        [1, 1],
        [2, 1],
        [0, 2],
      ],
    });
    for (let i = 0; i < nx; i++) {
      for (let j = 0; j < ny; j++) {
        const p = i * ny + j;
        expect(dxy[p]).toBeCloseTo(6 * x[i] ** 2 * y[j] + 3 * y[j] ** 2, 8);
        expect(dxxy[p]).toBeCloseTo(12 * x[i] * y[j], 8);
        expect(dyy[p]).toBeCloseTo(2 * x[i] ** 3 + 6 * x[i] * y[j], 8);
      }
    }
    // Three axes at once (a term of three factors): ∂³/∂x∂y∂z of x²·y·z² + x·y²·z is 4·x·z + 2·y.
    const [n0, n1, n2] = [7, 6, 8];
    const g = new Float64Array(n0 * n1 * n2);
    for (let i = 0; i < n0; i++)
      for (let j = 0; j < n1; j++) for (let k = 0; k < n2; k++) g[(i * n1 + j) * n2 + k] = i * i * j * k * k + i * j * j * k;
    const [dxyz] = cpuDerivatives(g, { shape: [n0, n1, n2], derivatives: [[1, 1, 1]] });
    for (let i = 0; i < n0; i++)
      for (let j = 0; j < n1; j++) for (let k = 0; k < n2; k++) expect(dxyz[(i * n1 + j) * n2 + k]).toBeCloseTo(4 * i * k + 2 * j, 8);
  });

  it('keep their operators across calls, and follow coordinates changed in place (exact for polynomials after each change)', () => {
    // Operators are kept by what they are made of (src/derivatives.ts, keptOperator): a repeated call shares them.
    const x = axisCoordinates(40, true);
    const info = { length: 40 * 33, kind: 'float64' as const };
    const options = { shape: [40, 33], spacing: [x, 0.5], accuracy: 4 as const };
    const opOf = () => hessianProgram(info, options).outputs[0][0].factors[0].op;
    expect(opOf()).toBe(opOf());
    // The same numbers in another array are the same operator; other numbers are not.
    expect(hessianProgram(info, { ...options, spacing: [x.slice(), 0.5] }).outputs[0][0].factors[0].op).toBe(opOf());
    const first = opOf();
    const r = rng(12);
    for (let change = 0; change < 6; change++) {
      // The coordinates moved in place between calls: each call's second derivative is exact for a cubic in them.
      for (let i = 1; i < x.length; i++) x[i] = x[i - 1] + 0.5 + r();
      const f = Float64Array.from({ length: 40 * 33 }, (_, p) => {
        const v = x[Math.floor(p / 33)];
        return v ** 3 - 2 * v * v;
      });
      const [d] = cpuDerivatives(f, { ...options, derivatives: [[2, 0]] });
      for (let p = 0; p < f.length; p += 7) {
        const v = x[Math.floor(p / 33)];
        expect(Math.abs(d[p] - (6 * v - 4)), `change ${change} at ${p}`).toBeLessThan(1e-9 * (6 * Math.abs(v) + 4));
      }
      expect(opOf()).not.toBe(first);
    }
  });

  it('order 1 at accuracy 2 is numpy.gradient with edge order 2 (the same values, edges included)', () => {
    const r = rng(3);
    const f = Float64Array.from({ length: 11 * 9 }, () => r());
    const x = axisCoordinates(11, true);
    const o = { shape: [11, 9], spacing: [x, 0.5] } as const;
    const [d0] = cpuDerivatives(f, { ...o, derivatives: [[1, 0]] });
    const [g0] = cpuGradient(f, { ...o, edgeOrder: 2, axis: 0, spacing: [x] });
    for (let p = 0; p < f.length; p++) expect(d0[p]).toBeCloseTo(g0[p], 11);
  });

  it('wraps periodic axes and takes ghost modes (constant ghosts as an affine part)', () => {
    const n = 24;
    const h = (2 * Math.PI) / n;
    const f = Float64Array.from({ length: n }, (_, i) => Math.sin(i * h));
    const [d2] = cpuDerivatives(f, { spacing: h, boundary: 'periodic', accuracy: 8, derivatives: [[2]] });
    for (let i = 0; i < n; i++) expect(d2[i]).toBeCloseTo(-Math.sin(i * h), 6);
    // Mirror: f even about both ends → an odd derivative is 0 at the ends, as the ghost values say.
    const g = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i * 0.2));
    const [d1] = cpuDerivatives(g, { boundary: 'reflect', derivatives: [[1]], accuracy: 4 });
    expect(Number.isFinite(d1[0])).toBe(true);
    // 'constant': the cval enters as f[−k] = cval.
    const [c1] = cpuDerivatives(new Float64Array(8), { boundary: [['constant', 'edge']], cval: 2, derivatives: [[1]] });
    expect(c1[0]).toBeCloseTo(-1, 12); // (f[1] − cval) / 2
  });

  it('the Hessian is the second partials, row-major', () => {
    const r = rng(9);
    const f = Float64Array.from({ length: 7 * 8 * 9 }, () => r());
    const o: DerivativeOptions = { shape: [7, 8, 9], spacing: [0.5, 1, 2], accuracy: 4 };
    const H = cpuHessian(f, o);
    const want = cpuDerivatives(f, {
      ...o,
      derivatives: [
        [2, 0, 0],
        [1, 1, 0],
        [1, 0, 1],
        [0, 2, 0],
        [0, 1, 1],
        [0, 0, 2],
      ],
    });
    expect(H.length).toBe(6);
    H.forEach((h, k) => expect(Array.from(h)).toEqual(Array.from(want[k])));
  });

  it('refuses what it cannot compute, naming the option', () => {
    const f = new Float64Array(10);
    const bad: [DerivativeOptions & Record<string, unknown>, string][] = [
      [{ derivatives: [[5]] }, 'derivatives[0][0]: 5'],
      [{ derivatives: [[1, 1]] }, 'derivatives[0]'],
      [{ derivatives: [[1]], accuracy: 3 as never }, 'accuracy: 3'],
      [{ derivatives: [[4]], accuracy: 8 }, 'axis-too-short'],
      [{ derivatives: [[1]], edgeOrder: 2 }, 'edgeOrder'],
      [{ derivatives: [[1]], invalid: 'skip' }, 'invalid'],
      [{ derivatives: [] }, 'derivatives'],
      [{ derivatives: [[1], [0]] }, 'derivatives[1]: [0] differentiates no axis'],
    ];
    for (const [o, text] of bad) {
      let error: unknown;
      try {
        cpuDerivatives(f, o);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(GradientError);
      expect(`${(error as GradientError).code} ${(error as Error).message}`).toContain(text);
    }
    expect(() => cpuDerivatives(new Float64Array(12), { shape: [3, 4], derivatives: [[1, 1]], boundary: 'constant', cval: 1 })).toThrow(
      /mixed partial/,
    );
  });
});

/** The dense matrix of a linear map on arrays of `size` elements, column i its value at the unit vector e_i. */
function denseMatrix(apply: (x: Float64Array) => Float64Array, size: number): Float64Array[] {
  return Array.from({ length: size }, (_, i) => {
    const e = new Float64Array(size);
    e[i] = 1;
    return apply(e);
  });
}

describe('`out` of the derivatives, the Hessian and the adjoint', () => {
  const shape = [9, 7];
  const r = rng(29);
  const f = Float64Array.from({ length: 63 }, () => r() - 0.5);
  const v = [0, 1].map(() => Float64Array.from({ length: 63 }, () => r() - 0.5));
  const o = { shape, accuracy: 4 as const, boundary: ['mirror', 'periodic'] as const };
  /** A [9, 7] view over a transposed Float64Array or Float32Array (strides [1, 9]), and its elements in C order. */
  function transposed<T extends Float64Array | Float32Array>(memory: T) {
    return {
      view: { data: memory, shape, stride: [1, 9], offset: 0 },
      read: () => Float64Array.from({ length: 63 }, (_, p) => memory[(p % 7) * 9 + Math.floor(p / 7)]),
    };
  }

  it('CPU: the results are written into `out` (old contents overwritten, views through their strides) and it is returned', () => {
    const want = cpuHessian(f, o);
    const out = want.map(() => new Float64Array(63).fill(Number.NaN));
    const t = transposed(new Float64Array(63).fill(Number.NaN));
    const got = cpuHessian(f, { ...o, out: [out[0], t.view, out[2]] });
    expect(got[0]).toBe(out[0]);
    expect(got[1]).toBe(t.view.data);
    expect(Array.from(out[0])).toEqual(Array.from(want[0]));
    expect(Array.from(t.read())).toEqual(Array.from(want[1]));
    expect(Array.from(out[2])).toEqual(Array.from(want[2]));
    // An adjoint's output sums several terms: the first stores, so what `out` held is gone.
    const adjoint = new Float64Array(63).fill(1e9);
    expect(cpuGradientAdjoint(v, { shape, out: [adjoint] })).toBe(adjoint);
    expect(Array.from(adjoint)).toEqual(Array.from(cpuGradientAdjoint(v, { shape })));
    const [d] = cpuDerivatives(f, { shape, derivatives: [[1, 1]], out: [new Float64Array(63).fill(3)] });
    expect(Array.from(d)).toEqual(Array.from(cpuDerivatives(f, { shape, derivatives: [[1, 1]] })[0]));
  });

  it('CPU: a wrong `out` is refused, naming the entry', () => {
    const three = () => [0, 1, 2].map(() => new Float64Array(63));
    expect(() => cpuHessian(f, { shape, out: three().slice(0, 2) })).toThrow(/out: .*must be an array of 3 Float64Array/);
    expect(() => cpuHessian(f, { shape, out: [new Float64Array(63), new Float32Array(63), new Float64Array(63)] as never })).toThrow(
      /out\[1\]: .*must be a Float64Array of length 63/,
    );
    expect(() => cpuDerivatives(f, { shape, derivatives: [[2, 0]], out: [f] })).toThrow(/out\[0\]: overlaps the data/);
    expect(() => cpuGradientAdjoint(v, { shape, out: [v[1]] })).toThrow(/out\[0\]: overlaps/);
  });
});

describe('programs of repeated CPU calls (plan-memo.ts)', () => {
  it('are found again for equal arguments, and built anew when an option changes, also in place', () => {
    const shape = [9, 11];
    const info = cpuInput(new Float64Array(99)).info;
    const options: DerivativeOptions = { shape, accuracy: 4, spacing: [0.5, 2] };
    const kept = programOf('adjoint', info, 2, options);
    expect(programOf('adjoint', info, 2, { shape: [9, 11], accuracy: 4, spacing: [0.5, 2], out: [] } as never)).toBe(kept);
    expect(programOf('hessian', info, 1, options)).not.toBe(kept); // another kind
    expect(programOf('adjoint', cpuInput(new Float32Array(99)).info, 2, options)).not.toBe(kept); // another input type
    // The results of a call whose options were changed in place after an earlier call: those of a program
    // built for the new options.
    const r = rng(3);
    const v = [0, 1].map(() => Float64Array.from({ length: 99 }, () => r() - 0.5));
    cpuGradientAdjoint(v, options);
    for (const change of [
      () => (options.accuracy = 2),
      () => ((options.spacing as number[])[1] = 3),
      () => (options.boundary = 'periodic'),
    ]) {
      change();
      const want = runProgram(adjointProgram(info, 2, { ...options }), v)[0];
      expect(firstDifference([cpuGradientAdjoint(v, options)], [want]), JSON.stringify(options)).toBeNull();
    }
  });
});

describe('adjoints (CPU): the transpose of the dense matrix built from unit vectors', () => {
  const families: [string, number[], GradientOptions][] = [
    ['edge order 1', [7, 6], {}],
    ['edge order 2, steps', [7, 6], { edgeOrder: 2, spacing: [0.5, 2] }],
    ['coordinates', [7, 6], { edgeOrder: 2, spacing: [[0, 0.4, 1, 1.3, 2.2, 3, 3.1], 1] }],
    ['periodic and uneven periodic', [9, 5], { boundary: 'periodic', spacing: [[0, 1, 1.5, 3, 4, 4.2, 5, 6.5, 7], 1], period: [8, null] }],
    ['accuracy 4', [8, 7], { accuracy: 4 }],
    [
      'ghost modes per side',
      [7, 6],
      {
        boundary: [
          ['mirror', 'constant'],
          ['reflect', 'nearest'],
        ],
        cval: 3,
      },
    ],
    ['periodic with accuracy 4, 23 points (colours across the seam)', [23], { boundary: 'periodic', accuracy: 4 }],
    ['a long axis, 40 points', [40], { edgeOrder: 2, spacing: [Array.from({ length: 40 }, (_, i) => i + 0.3 * Math.sin(i))] }],
  ];
  for (const [name, shape, options] of families) {
    it(name, () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const o = { ...options, shape };
      const axes = shape.length;
      // A_k's dense matrix from cpuGradient of unit vectors, minus its affine part (cpuGradient of 0).
      const zero = cpuGradient(new Float64Array(size), o);
      const r = rng(11);
      const v = Array.from({ length: axes }, () => Float64Array.from({ length: size }, () => r() - 0.5));
      const want = new Float64Array(size);
      for (let k = 0; k < axes; k++) {
        const A = denseMatrix((x) => Float64Array.from(cpuGradient(x, o)[k], (g, i) => g - zero[k][i]), size);
        for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) want[i] += A[i][j] * v[k][j];
      }
      const got = cpuGradientAdjoint(v, o);
      for (let i = 0; i < size; i++) expect(got[i]).toBeCloseTo(want[i], 10);
    });
  }

  it('of derivatives: Σ_o D_oᵀ v_o against the dense matrices', () => {
    const shape = [9, 10];
    const size = 90;
    const o: DerivativeOptions = {
      shape,
      accuracy: 4,
      spacing: [0.5, [0, 1, 2.5, 3, 4, 5.5, 6, 7, 8.2, 9]],
      derivatives: [
        [2, 0],
        [1, 1],
        [0, 3],
      ],
    };
    const r = rng(12);
    const v = o.derivatives!.map(() => Float64Array.from({ length: size }, () => r() - 0.5));
    const want = new Float64Array(size);
    o.derivatives!.forEach((d, c) => {
      const D = denseMatrix((x) => cpuDerivatives(x, { ...o, derivatives: [d] })[0], size);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) want[i] += D[i][j] * v[c][j];
    });
    const got = cpuGradientAdjoint(v, o);
    for (let i = 0; i < size; i++) expect(got[i]).toBeCloseTo(want[i], 9);
  });

  it('fast-check: ⟨A x, v⟩ = ⟨x, Aᵀ v⟩ for random shapes, steps and modes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 30 }),
        fc.integer({ min: 5, max: 9 }),
        fc.constantFrom<GradientOptions['boundary']>('edge', 'periodic', 'mirror', 'nearest', 'reflect', 'constant'),
        fc.constantFrom<1 | 2>(1, 2),
        fc.constantFrom<2 | 4>(2, 4),
        fc.integer({ min: 1, max: 1000 }),
        (a, b, boundary, edgeOrder, accuracy, seed) => {
          const shape = [a, b];
          const size = a * b;
          const r = rng(seed);
          const o: GradientOptions = { shape, boundary, edgeOrder, accuracy, spacing: [0.3 + r(), 0.3 + r()] };
          const x = Float64Array.from({ length: size }, () => r() - 0.5);
          const v = [0, 1].map(() => Float64Array.from({ length: size }, () => r() - 0.5));
          const zero = cpuGradient(new Float64Array(size), o);
          const Ax = cpuGradient(x, o);
          let left = 0;
          for (let k = 0; k < 2; k++) for (let i = 0; i < size; i++) left += (Ax[k][i] - zero[k][i]) * v[k][i];
          const ATv = cpuGradientAdjoint(v, o);
          let right = 0;
          for (let i = 0; i < size; i++) right += x[i] * ATv[i];
          expect(Math.abs(left - right)).toBeLessThan(1e-9 * (1 + Math.abs(left)));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('derivatives, the Hessian and adjoints in parts (cpu/parts.ts, what cpuWorkers threads compute)', () => {
  it('assembled in 1–7 parts, or slab by slab, give the whole call bit for bit, every element written once', () => {
    const kinds = { derivatives: 0, hessian: 0, adjoint: 0 };
    fc.assert(
      fc.property(
        fc.record({
          shape: fc.oneof(
            fc.tuple(fc.integer({ min: 9, max: 24 }), fc.integer({ min: 9, max: 14 })),
            fc.tuple(fc.integer({ min: 9, max: 14 }), fc.integer({ min: 9, max: 11 }), fc.integer({ min: 2, max: 10 })),
          ),
          accuracy: fc.constantFrom(2 as const, 4 as const, 6 as const),
          boundary: fc.constantFrom('edge', 'periodic', 'mirror', 'nearest', 'constant'),
          first: fc.constantFrom('edge', 'periodic', 'reflect'),
          uneven: fc.boolean(),
          kind: fc.constantFrom('derivatives' as const, 'hessian' as const, 'adjoint' as const),
          orders: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 3 }),
          count: fc.integer({ min: 1, max: 7 }),
          rows: fc.integer({ min: 1, max: 9 }),
          seed: fc.integer({ min: 1, max: 10000 }),
        }),
        ({ shape, accuracy, boundary, first, uneven, kind, orders, count, rows, seed }) => {
          const d = shape.length;
          const size = shape.reduce((a, b) => a * b, 1);
          const r = rng(seed);
          const spacing = shape.map((n, k) => (k === 0 && uneven && first !== 'periodic' ? axisCoordinates(n, true) : 0.3 + r()));
          const base = { shape, accuracy, spacing, boundary: shape.map((_, k) => (k === 0 ? first : boundary)) } as DerivativeOptions;
          // Each multi-index differentiates some axis (an all-zero one is refused).
          const derivatives = orders.map(([a, b]) => [a || (b ? 0 : 1), ...Array.from({ length: d - 1 }, (_, k) => (k === 0 ? b : 0))]);
          const options = kind === 'hessian' ? base : { ...base, derivatives };
          const inputs =
            kind === 'adjoint'
              ? derivatives.map(() => Float64Array.from({ length: size }, () => r() - 0.5))
              : [Float64Array.from({ length: size }, () => r() * 10 - 5)];
          let want: Float64Array[];
          try {
            want =
              kind === 'hessian'
                ? cpuHessian(inputs[0], options)
                : kind === 'derivatives'
                  ? cpuDerivatives(inputs[0], options)
                  : [cpuGradientAdjoint(inputs, options as AdjointOptions)];
          } catch (e) {
            expect(e).toBeInstanceOf(GradientError); // an axis too short for the stencil, say
            return;
          }
          kinds[kind]++;
          const { outs, writes } = assembleParts(
            { op: kind, inputs, options, count },
            want.map(() => size),
          );
          const label = `${kind} ${JSON.stringify({ ...options, spacing: undefined })} in ${count} parts`;
          expect(writtenOnce(writes), label).toBe(true);
          expect(firstDifference(outs, want), label).toBeNull();
          // Slab by slab on one thread (runProgram's rows) too.
          const program =
            kind === 'hessian'
              ? hessianProgram(cpuInput(inputs[0]).info, options)
              : kind === 'derivatives'
                ? derivativesProgram(cpuInput(inputs[0]).info, options)
                : adjointProgram(cpuInput(inputs[0]).info, inputs.length, options as never);
          expect(rowwise(program), label).toBe(true); // what cpuWorkers needs to split it
          const stale = want.map(() => new Float64Array(size).fill(Number.NaN));
          expect(firstDifference(runProgram(program, inputs, stale, rows), want), `${label}, slabs of ${rows}`).toBeNull();
        },
      ),
      { numRuns: 300, seed: 20261211 },
    );
    expect(Math.min(...Object.values(kinds))).toBeGreaterThan(40);
  });

  it('a term that differentiates the first dimension after another axis is applied over whole arrays', () => {
    const shape = [12, 9];
    const f = Float64Array.from({ length: 108 }, (_, i) => Math.sin(i * 0.7) * 3);
    const made = hessianProgram(cpuInput(f).info, { shape });
    // The mixed partial's factors swapped: ∂/∂x_0 applied to ∂f/∂x_1 (the same value in exact arithmetic).
    const swapped = { ...made, outputs: [[{ component: 0, factors: [...made.outputs[1][0].factors].reverse() }]] };
    expect(rowwise(made)).toBe(true);
    expect(rowwise(swapped)).toBe(false);
    const whole = runProgram(swapped, [f]);
    expect(firstDifference(runProgram(swapped, [f], undefined, 2), whole)).toBeNull();
    const wrong = [new Float64Array(108).fill(Number.NaN)];
    // Were it split into parts, the second factor would read rows of scratch no part computed.
    for (let a = 0; a < 12; a += 3) programRows(swapped, [f], wrong, a, a + 3);
    expect(firstDifference(wrong, whole)).not.toBeNull();
  });
});

describe('the Hessian of 2-D and 3-D arrays in one pass (src/cpu/hessian-2d.ts, hessian-3d.ts)', () => {
  const fusedOf = (program: ReturnType<typeof hessianProgram>) => fusedHessian2d(program) ?? fusedHessian3d(program);

  it('is not taken past 2³⁰ − 1 elements, where its masked indices would wrap (unroll.ts)', () => {
    // The programs only: a data description of the length, no array of that size.
    const info = (length: number) => ({ ...cpuInput(new Float64Array(1)).info, length });
    const program = (shape: number[]) => hessianProgram(info(shape[0] * shape[1]), { shape });
    expect(fusedHessian2d(program([32767, 32768]))).not.toBeNull();
    expect(fusedHessian2d(program([32768, 32768]))).toBeNull();
    const program3 = (shape: number[]) => hessianProgram(info(shape[0] * shape[1] * shape[2]), { shape });
    expect(fusedHessian3d(program3([1023, 1024, 1024]))).not.toBeNull();
    expect(fusedHessian3d(program3([1024, 1024, 1024]))).toBeNull();
  });

  it('gives the passes bit for bit in 3-D where its loops run eight points an iteration and a plane spans blocks', () => {
    // Planes whose interior rows hold from 3 to over 2,000 points: the unrolled loops, their tails and the
    // blocks of 512 points (hessian-3d.ts), across line ends, with special values and every ghost side.
    const r = rng(7);
    const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, -1e300];
    let fused = 0;
    // biome-ignore format: a problem a line
    for (const [shape, boundary, spacing] of [
      [[4, 5, 4], 'edge', [1, 1, 1]],
      [[5, 9, 17], 'periodic', [0.5, 1, 2]],
      [[5, 40, 37], 'reflect', [1, 0.3, 3]],
      [[4, 33, 64], [['constant', 'edge'], 'nearest', 'mirror'], [2, 1, 0.5]],
      [[6, 4, 700], 'edge', [1, 1, 1]],
      [[5, 70, 9], 'periodic', [1, 2, 3]],
      [[5, 12, 600], ['edge', ['constant', 'reflect'], 'edge'], [1, 0.5, 1]],
    ] as [number[], DerivativeOptions['boundary'], number[]][]) {
      const size = shape.reduce((x, y) => x * y, 1);
      const f = Float64Array.from({ length: size }, () => (r() < 0.02 ? special[Math.floor(r() * 5)] : (r() - 0.5) * 100 + r() * 2 ** -30));
      const program = hessianProgram(cpuInput(f).info, { shape, boundary, spacing });
      if (fusedHessian3d(program)) fused++;
      const label = JSON.stringify({ shape, boundary, spacing });
      expect(firstDifference(runProgram(program, [f]), runProgram(program, [f], undefined, undefined, false)), label).toBeNull();
    }
    expect(fused).toBe(7);
  });

  it("gives the operators' passes bit for bit: boundaries, steps, shapes, special values (600 problems)", () => {
    const fused = { 2: 0, 3: 0, fourth: 0 };
    fc.assert(
      fc.property(
        fc.record({
          n0: fc.integer({ min: 2, max: 14 }),
          n1: fc.integer({ min: 2, max: 14 }),
          n2: fc.constantFrom(0, 0, 2, 3, 4, 7),
          lo: fc.constantFrom('edge', 'periodic', 'reflect', 'nearest', 'constant', 'mirror'),
          hi: fc.constantFrom('edge', 'reflect', 'constant'),
          side: fc.constantFrom('edge', 'periodic', 'mirror', 'nearest'),
          last: fc.constantFrom('edge', 'periodic', 'reflect'),
          spacing: fc.constantFrom(1, 0.5, 0.3, 3),
          uneven: fc.boolean(),
          accuracy: fc.constantFrom(2 as const, 2 as const, 4 as const),
          seed: fc.integer({ min: 1, max: 100000 }),
          a: fc.integer({ min: 0, max: 12 }),
          z: fc.integer({ min: 0, max: 12 }),
        }),
        ({ n0, n1, n2, lo, hi, side, last, spacing, uneven, accuracy, seed, a, z }) => {
          const r = rng(seed);
          const shape = n2 ? [n0, n1, n2] : [n0, n1];
          const size = shape.reduce((x, y) => x * y, 1);
          const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, -1e300];
          const f = Float64Array.from({ length: size }, () =>
            r() < 0.05 ? special[Math.floor(r() * 5)] : (r() - 0.5) * 100 + r() * 2 ** -30,
          );
          const boundary = [lo === 'periodic' ? 'periodic' : [lo, hi], side, ...(n2 ? [last] : [])] as DerivativeOptions['boundary'];
          const steps = shape.map((n, k) => (k === 0 && uneven && lo !== 'periodic' ? axisCoordinates(n, true) : spacing * (k + 1)));
          const options = { shape, boundary, accuracy, spacing: steps } as DerivativeOptions;
          let program: ReturnType<typeof hessianProgram>;
          try {
            program = hessianProgram(cpuInput(f).info, options);
          } catch (e) {
            expect(e).toBeInstanceOf(GradientError); // an axis too short
            return;
          }
          if (fusedOf(program)) fused[shape.length as 2 | 3]++;
          if (fusedHessian2d(program)?.reach === 2) fused.fourth++;
          const label = JSON.stringify({ ...options, spacing: undefined, uneven });
          const want = runProgram(program, [f], undefined, undefined, false);
          expect(firstDifference(runProgram(program, [f]), want), label).toBeNull();
          // A range of positions of the first axis (as a thread's part), into stale arrays: exactly its part written.
          const [from, to] = [Math.min(a, z, n0), Math.min(Math.max(a, z), n0)];
          const row = size / n0;
          const outs = want.map(() => new Float64Array(size).fill(Number.NaN));
          programRows(program, [f], outs, from, to);
          outs.forEach((o, k) => {
            expect(
              firstDifference([o.subarray(from * row, to * row)], [want[k].subarray(from * row, to * row)]),
              `${label} rows ${from}..${to}`,
            ).toBeNull();
            expect(o.subarray(0, from * row).every(Number.isNaN) && o.subarray(to * row).every(Number.isNaN), label).toBe(true);
          });
        },
      ),
      { numRuns: 600, seed: 20261212 },
    );
    expect(fused[2]).toBeGreaterThan(40);
    expect(fused[3]).toBeGreaterThan(40);
    expect(fused.fourth).toBeGreaterThan(10); // 2-D at fourth-order accuracy
  });

  it('is taken only for the Hessian of a 2-D or 3-D array over its axes in order, on uniform steps, at second order (and fourth in 2-D)', () => {
    const info = cpuInput(new Float64Array(8 * 9)).info;
    const info3 = cpuInput(new Float64Array(4 * 4 * 9)).info;
    expect(fusedHessian2d(hessianProgram(info, { shape: [8, 9] }))).not.toBeNull();
    expect(fusedHessian2d(hessianProgram(info, { shape: [8, 9], boundary: 'periodic', spacing: [0.5, 2] }))).not.toBeNull();
    expect(fusedHessian2d(hessianProgram(info, { shape: [8, 9], accuracy: 4 }))?.reach).toBe(2); // since the sixteenth session
    expect(fusedOf(hessianProgram(cpuInput(new Float64Array(144)).info, { shape: [12, 12], accuracy: 6 }))).toBeNull();
    expect(fusedOf(hessianProgram(cpuInput(new Float64Array(576)).info, { shape: [8, 8, 9], accuracy: 4 }))).toBeNull(); // 3-D: second order only
    expect(fusedOf(hessianProgram(info, { shape: [8, 9], spacing: [axisCoordinates(8, true), 1] }))).toBeNull();
    expect(fusedOf(hessianProgram(info, { shape: [8, 9], axis: [1, 0] }))).toBeNull();
    expect(fusedOf(hessianProgram(info3, { shape: [4, 4, 9], axis: [1, 2] }))).toBeNull(); // two axes of a 3-D array
    expect(fusedHessian2d(hessianProgram(info3, { shape: [4, 4, 9] }))).toBeNull();
    expect(fusedHessian3d(hessianProgram(info3, { shape: [4, 4, 9] }))).not.toBeNull();
    expect(fusedOf(hessianProgram(cpuInput(new Float64Array(256)).info, { shape: [4, 4, 4, 4] }))).toBeNull();
    const fusedFor = (derivatives: number[][]) => fusedHessian2d(derivativesProgram(info, { shape: [8, 9], derivatives }));
    expect(
      fusedFor([
        [2, 0],
        [1, 1],
        [0, 2],
      ]),
    ).not.toBeNull(); // the same program
    expect(
      fusedFor([
        [2, 0],
        [1, 1],
      ]),
    ).toBeNull();
  });
});

describe('derivatives, the Hessian and adjoints on the GPU', () => {
  const suite = gpuSuite();

  suite.gpuIt(
    'every order and accuracy, steps and coordinates, periodic and ghost sides, within the float32 bound of the CPU',
    async () => {
      const r = rng(21);
      for (const uneven of [false, true]) {
        for (const p of [2, 4, 6, 8] as const) {
          for (let m = 1; m <= 4; m++) {
            const n = 30;
            const x = axisCoordinates(n, uneven, 0.25);
            const f = Float64Array.from(x, (v) => Math.sin(1.3 * v) + 0.2 * r());
            // A polynomial of degree N − 1 (coefficients 1/e!): the GPU's result is its exact derivative up to
            // float32 rounding at every point, edges included.
            const N = centralPoints(m, p);
            const factorial = (e: number): number => (e < 2 ? 1 : e * factorial(e - 1));
            const poly = Float64Array.from(x, (v) => Array.from({ length: N }, (_, e) => v ** e / factorial(e)).reduce((a, b) => a + b, 0));
            const exact = Float64Array.from(x, (v) =>
              Array.from({ length: N }, (_, e) => powerDerivative(e, m, v) / factorial(e)).reduce((a, b) => a + b, 0),
            );
            const [onGpu] = await suite.ctx.derivatives(poly, { derivatives: [[m]], accuracy: p, spacing: uneven ? [x] : 0.25 });
            const off = f32Violation(onGpu, exact, maxAbs(poly) * 2 ** (2 * m) * p, 0.25 ** m, 64);
            if (off) throw new Error(`polynomial, m ${m} p ${p} uneven ${uneven}: ${JSON.stringify(off)}`);
            for (const boundary of ['edge', 'periodic', 'mirror', 'constant'] as const) {
              if (boundary === 'periodic' && uneven) continue;
              const o: DerivativeOptions = {
                derivatives: [[m]],
                accuracy: p,
                spacing: uneven ? [x] : 0.25,
                boundary,
                ...(boundary === 'constant' ? { cval: 0.5 } : {}),
              };
              const [want] = cpuDerivatives(f, o);
              const [got] = await suite.ctx.derivatives(f, o);
              // Weights grow like 1/h^m: the bound scales with max|f| / h^m and the stencil's weight sum.
              const bad = f32Violation(got, want, maxAbs(f) * 2 ** (2 * m) * p, 0.25 ** m, 64);
              if (bad) throw new Error(`m ${m} p ${p} ${boundary} uneven ${uneven}: ${JSON.stringify(bad)}`);
            }
          }
        }
      }
    },
  );

  suite.gpuIt('the Hessian in one pass (2-D and 3-D), and order 1 at accuracy 2 equals gpuGradient with edge order 2', async () => {
    const r = rng(22);
    for (const shape of [
      [40, 33],
      [9, 10, 11],
    ]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const f = Float64Array.from({ length: size }, () => r());
      const o: DerivativeOptions = { shape, accuracy: 4, spacing: shape.map((_, k) => 0.5 + 0.25 * k) };
      const want = cpuHessian(f, o);
      const got = await suite.ctx.hessian(f, o);
      expect(got.length).toBe((shape.length * (shape.length + 1)) / 2);
      want.forEach((w, k) => {
        const bad = f32Violation(got[k], w, 1, 0.25, 256);
        if (bad) throw new Error(`${shape} H${k}: ${JSON.stringify(bad)}`);
      });
    }
    const f = Float32Array.from({ length: 50 * 41 }, () => r());
    const x = axisCoordinates(50, true);
    const [d0, d1] = await suite.ctx.derivatives(f, {
      shape: [50, 41],
      spacing: [x, 0.3],
      derivatives: [
        [1, 0],
        [0, 1],
      ],
    });
    const [g0, g1] = await suite.ctx.gradient(f, { shape: [50, 41], spacing: [x, 0.3], edgeOrder: 2 });
    expect(f32Violation(d0, g0, 1, 0.5, 16)).toBeNull();
    expect(f32Violation(d1, g1, 1, 0.3, 16)).toBeNull();
  });

  suite.gpuIt('⟨A x, v⟩ = ⟨x, Aᵀ v⟩ on large random arrays, and the adjoint matches the CPU for every option family', async () => {
    const r = rng(23);
    const shape = [300, 257];
    const size = shape[0] * shape[1];
    for (const o of [
      { shape, edgeOrder: 2, spacing: [0.5, 2] },
      { shape, boundary: ['periodic', ['mirror', 'constant']], cval: 0 },
      { shape, accuracy: 4 },
      { shape, spacing: [Array.from({ length: 300 }, (_, i) => i + 0.3 * Math.sin(i)), 1], edgeOrder: 2 },
    ] as GradientOptions[]) {
      const x = Float32Array.from({ length: size }, () => r() - 0.5);
      const v = [0, 1].map(() => Float32Array.from({ length: size }, () => r() - 0.5));
      const Ax = await suite.ctx.gradient(x, o);
      const ATv = await suite.ctx.gradientAdjoint(v, o);
      let left = 0,
        right = 0,
        scale = 0;
      for (let k = 0; k < 2; k++)
        for (let i = 0; i < size; i++) {
          left += Ax[k][i] * v[k][i];
          scale += Math.abs(Ax[k][i] * v[k][i]);
        }
      for (let i = 0; i < size; i++) right += x[i] * ATv[i];
      expect(Math.abs(left - right), JSON.stringify(o.boundary ?? o.spacing)).toBeLessThan(1e-5 * scale);
      const want = cpuGradientAdjoint(v, o);
      const bad = f32Violation(ATv, want, 1, 0.5, 64);
      if (bad) throw new Error(`${JSON.stringify(o.boundary ?? o.edgeOrder)}: ${JSON.stringify(bad)}`);
    }
    // Of derivatives: Σ_o D_oᵀ v_o.
    const od: DerivativeOptions = {
      shape: [40, 30],
      accuracy: 6,
      derivatives: [
        [2, 0],
        [1, 1],
      ],
      spacing: [0.5, 0.5],
    };
    const w = [0, 1].map(() => Float32Array.from({ length: 1200 }, () => r() - 0.5));
    const bad = f32Violation(await suite.ctx.gradientAdjoint(w, od), cpuGradientAdjoint(w, od), 1, 0.25, 512);
    if (bad) throw new Error(`derivatives adjoint: ${JSON.stringify(bad)}`);
  });

  suite.gpuIt('prepared: the Hessian and an adjoint recorded into an encoder and an open pass, against the CPU', async ({ device }) => {
    const r = rng(24);
    const shape = [37, 29];
    const size = 37 * 29;
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
    const f = Float32Array.from({ length: size }, () => r() - 0.5);
    const H = await suite.ctx.prepareDerivatives({ shape, hessian: true, accuracy: 4, spacing: [0.5, 0.7] });
    const A = await suite.ctx.prepareDerivatives({ shape, adjoint: true, boundary: [['mirror', 'edge'], 'periodic'], edgeOrder: 2 });
    const v = [0, 1].map(() => Float32Array.from({ length: size }, () => r() - 0.5));
    const hin = device.createBuffer({ size: H.layout.inputBytes, usage });
    device.queue.writeBuffer(hin, 0, f);
    const hout = device.createBuffer({ size: H.layout.outputBytes, usage });
    const ain = device.createBuffer({ size: A.layout.inputBytes, usage });
    v.forEach((x, k) => device.queue.writeBuffer(ain, k * A.layout.slabBytes, x));
    const aout = device.createBuffer({ size: A.layout.outputBytes, usage });
    const encoder = device.createCommandEncoder();
    H.encode(encoder, { input: hin, output: hout });
    const pass = encoder.beginComputePass();
    A.encode(pass, { input: ain, output: aout });
    pass.end();
    device.queue.submit([encoder.finish()]);
    const wantH = cpuHessian(f, { shape, accuracy: 4, spacing: [0.5, 0.7] });
    for (let k = 0; k < 3; k++) {
      const bad = f32Violation(await readFloats(device, hout, k * H.layout.slabBytes, size), wantH[k], 1, 0.25, 256);
      if (bad) throw new Error(`H${k}: ${JSON.stringify(bad)}`);
    }
    const wantA = cpuGradientAdjoint(v, { shape, boundary: [['mirror', 'edge'], 'periodic'], edgeOrder: 2 });
    expect(f32Violation(await readFloats(device, aout, 0, size), wantA, 1, 0.5, 64)).toBeNull();
    expect(() => H.encode(device.createCommandEncoder(), { input: hin, output: hin })).toThrow(/one buffer/);
    H.destroy();
    A.destroy();
    expect(() => H.encode(device.createCommandEncoder(), { input: hin, output: hout })).toThrow(/destroyed/);
    for (const b of [hin, hout, ain, aout]) b.destroy();
  });

  suite.gpuIt(
    'a repeated call writes only its inputs: no bind group, buffer, rows or uniforms; the results stay right',
    async ({ device }) => {
      const { device: wrapped, counts } = counted(device);
      const ctx = await createGradient({ device: wrapped });
      try {
        const r = rng(25);
        const shape = [64, 64];
        const f = Float32Array.from({ length: 4096 }, () => r() - 0.5);
        const v = [0, 1].map(() => Float32Array.from({ length: 4096 }, () => r() - 0.5));
        const calls: [string, number, () => Promise<Float32Array[]>, () => Float64Array[]][] = [
          ['hessian', 1, () => ctx.hessian(f, { shape, accuracy: 4 }), () => cpuHessian(f, { shape, accuracy: 4 })],
          [
            'derivatives',
            1,
            () => ctx.derivatives(f, { shape, derivatives: [[2, 1]], boundary: 'mirror' }),
            () => cpuDerivatives(f, { shape, derivatives: [[2, 1]], boundary: 'mirror' }),
          ],
          ['adjoint', 2, async () => [await ctx.gradientAdjoint(v, { shape })], () => [cpuGradientAdjoint(v, { shape })]],
        ];
        for (const [name, inputs, call, reference] of calls) {
          for (let i = 0; i < 3; i++) await call(); // the first keeps the rows, later ones meet the pooled buffers
          const before = { ...counts };
          let got: Float32Array[] = [];
          for (let i = 0; i < 10; i++) got = await call();
          expect(counts.bindGroups - before.bindGroups, name).toBe(0);
          expect(counts.buffers - before.buffers, name).toBe(0);
          expect(counts.writes - before.writes, name).toBe(10 * inputs);
          reference().forEach((want, k) => expect(f32Violation(got[k], want, 1, 0.5, 256), `${name} ${k}`).toBeNull());
        }
      } finally {
        ctx.destroy();
      }
    },
  );

  suite.gpuIt('every kind of input is taken when the call is made: overwritten at once, the results are still its', async () => {
    const r = rng(26);
    const shape = [33, 20];
    const size = 660;
    const base = Float64Array.from({ length: size }, () => Math.round(100 * (r() - 0.5)));
    type Input = { data: NumericArray | NdarrayLike; clear: () => void };
    const flat = (d: Float64Array | Int16Array | number[]): Input => ({ data: d, clear: () => d.fill(7) });
    const inputs: [string, () => Input][] = [
      ['Float64Array', () => flat(Float64Array.from(base))],
      ['Int16Array', () => flat(Int16Array.from(base))],
      ['number[]', () => flat(Array.from(base))],
      [
        'strided view',
        () => {
          // The transpose of a [20, 33] array: strides [1, 33].
          const memory = new Float32Array(size);
          for (let i = 0; i < 33; i++) for (let j = 0; j < 20; j++) memory[j * 33 + i] = base[i * 20 + j];
          return { data: { data: memory, shape, stride: [1, 33], offset: 0 }, clear: () => memory.fill(7) };
        },
      ],
    ];
    for (const [name, make] of inputs) {
      const { data, clear } = make();
      const o: DerivativeOptions = { shape, accuracy: 4 };
      const given: DerivativeOptions = ArrayBuffer.isView(data) || Array.isArray(data) ? o : { accuracy: 4 }; // a view has its shape
      const pending = [suite.ctx.hessian(data, given), suite.ctx.derivatives(data, { ...given, derivatives: [[1, 2]] })];
      const adjoint = suite.ctx.gradientAdjoint([data, data], given);
      clear();
      const [H, D] = await Promise.all(pending);
      const wantH = cpuHessian(base, o);
      H.forEach((h, k) => expect(f32Violation(h, wantH[k], maxAbs(base), 1, 256), `${name} H${k}`).toBeNull());
      expect(f32Violation(D[0], cpuDerivatives(base, { ...o, derivatives: [[1, 2]] })[0], maxAbs(base), 1, 256), name).toBeNull();
      expect(f32Violation(await adjoint, cpuGradientAdjoint([base, base], o), maxAbs(base), 1, 64), name).toBeNull();
    }
    // Past the size written with writeBuffer (4 MiB): taken into a staging buffer mapped then.
    const big = Float32Array.from({ length: 1100 * 1024 }, (_, i) => Math.sin(i * 0.001));
    const want = cpuDerivatives(big, { shape: [1100, 1024], derivatives: [[1, 1]] })[0];
    const pending = suite.ctx.derivatives(big, { shape: [1100, 1024], derivatives: [[1, 1]] });
    big.fill(0);
    expect(f32Violation((await pending)[0], want, 1, 1, 64)).toBeNull();
  });

  suite.gpuIt('more programs at once than are kept, and options changed in place, compute what each call asked', async () => {
    const r = rng(27);
    // 24 shapes in one burst: kept rows are evicted while the burst's group is still being recorded.
    const shapes = Array.from({ length: 24 }, (_, i) => [7, 5 + i]);
    const data = shapes.map((s) => Float32Array.from({ length: s[0] * s[1] }, () => r() - 0.5));
    const results = await Promise.all(shapes.map((shape, i) => suite.ctx.hessian(data[i], { shape })));
    results.forEach((H, i) => {
      const want = cpuHessian(data[i], { shape: shapes[i] });
      H.forEach((h, k) => expect(f32Violation(h, want[k], 1, 1, 64), `${shapes[i]} H${k}`).toBeNull());
    });
    const x = axisCoordinates(30, true);
    const f = Float32Array.from(x, (t) => Math.sin(t));
    const o = { derivatives: [[2]], spacing: [x] };
    await suite.ctx.derivatives(f, o);
    x.reverse(); // the same options object, its coordinates changed in place
    const [got] = await suite.ctx.derivatives(f, o);
    expect(f32Violation(got, cpuDerivatives(f, o)[0], 1, 0.3, 256)).toBeNull();
  });

  suite.gpuIt('a first call waits for the table pipeline; destroyed meanwhile, it rejects with destroyed', async ({ device }) => {
    const f = Float32Array.from({ length: 8 * 12 }, (_, i) => Math.cos(i * 0.3));
    const shape = [8, 12];
    const fresh = await createGradient({ device });
    const waiting = [fresh.hessian(f, { shape }), fresh.gradientAdjoint([f, f], { shape })];
    fresh.destroy();
    for (const call of waiting) await expect(call).rejects.toMatchObject({ code: 'destroyed' });
    const ctx = await createGradient({ device });
    const first = ctx.hessian(f, { shape }); // its pipeline not built yet: queued once it is
    f.fill(0); // taken before the call returned
    const want = cpuHessian(
      Float32Array.from({ length: 8 * 12 }, (_, i) => Math.cos(i * 0.3)),
      { shape },
    );
    (await first).forEach((h, k) => expect(f32Violation(h, want[k], 1, 1, 64), `H${k}`).toBeNull());
    ctx.destroy();
  });

  suite.gpuIt(
    'concurrent calls of one program share a dispatch over their arrays stacked; every result stays right',
    async ({ device }) => {
      const ctx = await createGradient({ device });
      try {
        const r = rng(28);
        // Sizes a multiple of 4 are batched (12×10, 6×4×5 with periodic and ghost sides); 7×9 is not.
        const cases: { shape: number[]; options: DerivativeOptions; hessian: boolean; batched: boolean }[] = [
          { shape: [12, 10], options: { accuracy: 4 }, hessian: true, batched: true },
          { shape: [12, 10], options: { derivatives: [[3, 1]], boundary: 'periodic' }, hessian: false, batched: true },
          { shape: [6, 4, 5], options: { boundary: ['mirror', 'constant', 'edge'], cval: 0 }, hessian: true, batched: true },
          { shape: [7, 9], options: {}, hessian: true, batched: false },
        ];
        for (const c of cases) {
          const size = c.shape.reduce((a, b) => a * b, 1);
          const data = Array.from({ length: 9 }, () => Float32Array.from({ length: size }, () => r() - 0.5));
          const o = { ...c.options, shape: c.shape };
          const call = (f: Float32Array) => (c.hessian ? ctx.hessian(f, o) : ctx.derivatives(f, o));
          await call(data[0]); // the program is memoised from here on
          const before = ctx.stats().transfer.batchedJobs;
          const got = await Promise.all(data.map(call));
          const batched = ctx.stats().transfer.batchedJobs - before;
          if (c.batched) expect(batched, JSON.stringify(c)).toBeGreaterThanOrEqual(2);
          else expect(batched, JSON.stringify(c)).toBe(0);
          got.forEach((outputs, j) => {
            const want = c.hessian ? cpuHessian(data[j], o) : cpuDerivatives(data[j], o);
            expect(outputs.length).toBe(want.length);
            outputs.forEach((g, k) =>
              expect(f32Violation(g, want[k], 1, 0.5, 256), `${JSON.stringify(c)} call ${j} output ${k}`).toBeNull(),
            );
          });
        }
        // Two programs on one shape in one burst, in pairs (a, a, b, b, a, a, …): only calls of one program share a dispatch.
        const f = Array.from({ length: 16 }, () => Float32Array.from({ length: 120 }, () => r() - 0.5));
        const [a, b] = [[[2, 0]], [[0, 2]]].map((derivatives) => ({ shape: [12, 10], derivatives }));
        const pick = (j: number) => (j % 4 < 2 ? a : b);
        const before = ctx.stats().transfer.batchedJobs;
        const mixed = await Promise.all(f.map((x, j) => ctx.derivatives(x, pick(j))));
        expect(ctx.stats().transfer.batchedJobs - before).toBeGreaterThanOrEqual(4);
        mixed.forEach(([g], j) => expect(f32Violation(g, cpuDerivatives(f[j], pick(j))[0], 1, 1, 256), `mixed call ${j}`).toBeNull());
      } finally {
        ctx.destroy();
      }
    },
  );

  suite.gpuIt(
    '`out`: results written into Float32Arrays or views and returned; a repeated call with `out` still creates nothing',
    async ({ device }) => {
      const { device: wrapped, counts } = counted(device);
      const ctx = await createGradient({ device: wrapped });
      try {
        const shape = [9, 7];
        const r = rng(30);
        const f = Float32Array.from({ length: 63 }, () => r() - 0.5);
        const o = { shape, accuracy: 4 as const, boundary: ['mirror', 'periodic'] as const };
        const want = cpuHessian(f, o);
        const memory = new Float32Array(63).fill(Number.NaN);
        const view = { data: memory, shape, stride: [1, 9], offset: 0 };
        const out = [new Float32Array(63).fill(Number.NaN), view, new Float32Array(63).fill(Number.NaN)];
        for (let round = 0; round < 4; round++) {
          const before = { ...counts };
          const got = await ctx.hessian(f, { ...o, out });
          expect(got[0]).toBe(out[0]);
          expect(got[1]).toBe(memory);
          expect(got[2]).toBe(out[2]);
          const inC = Float32Array.from({ length: 63 }, (_, p) => memory[(p % 7) * 9 + Math.floor(p / 7)]);
          [got[0], inC, got[2]].forEach((g, k) => expect(f32Violation(g, want[k], 1, 1, 256), `H${k}`).toBeNull());
          if (round === 3) expect([counts.bindGroups - before.bindGroups, counts.buffers - before.buffers]).toEqual([0, 0]);
        }
        const v = [f, f.map((x) => 2 * x)];
        const a = new Float32Array(63).fill(1e9);
        expect(await ctx.gradientAdjoint(v, { shape, out: [a] })).toBe(a);
        expect(f32Violation(a, cpuGradientAdjoint(v, { shape }), 2, 1, 64)).toBeNull();
        // Without `out` again (the program is memoised; `out` is not part of it): fresh arrays.
        const fresh = await ctx.hessian(f, o);
        expect(fresh[0]).not.toBe(out[0]);
        expect(f32Violation(fresh[0], want[0], 1, 1, 256)).toBeNull();
        // Refused before any GPU work, naming the entry.
        await expect(
          ctx.hessian(f, { shape, out: [new Float32Array(63), new Float64Array(63), new Float32Array(63)] as never }),
        ).rejects.toThrow(/out\[1\]: .*must be a Float32Array of length 63/);
        await expect(ctx.derivatives(f, { shape, derivatives: [[1, 0]], out: [f] })).rejects.toThrow(/out\[0\]: overlaps the data/);
        await expect(ctx.gradientAdjoint(v, { shape, out: [new Float32Array(62)] })).rejects.toThrow(/out\[0\]: .*length 63/);
      } finally {
        ctx.destroy();
      }
    },
  );

  suite.gpuIt(
    'outputs that do not fit one binding together are computed in passes; an input past it on a periodic first axis is refused',
    async ({ device }) => {
      // 4 KiB bindings: a [20, 30] array's outputs take 2,560 bytes each (600 floats in a slab of 640).
      const ctx = await createGradient({ device, limits: { maxStorageBufferBindingSize: 4096 } });
      try {
        const r = rng(31);
        const shape = [20, 30];
        const f = Float32Array.from({ length: 600 }, () => r() - 0.5);
        const o: DerivativeOptions = { shape, accuracy: 4, boundary: ['periodic', 'mirror'] };
        const jobs = ctx.stats().transfer.jobs;
        const got = await ctx.hessian(f, o);
        expect(ctx.stats().transfer.jobs - jobs).toBe(3); // one pass an output
        cpuHessian(f, o).forEach((want, k) => expect(f32Violation(got[k], want, 1, 1, 256), `H${k}`).toBeNull());
        // Into `out`, and derivatives of four multi-indices.
        const derivatives = [
          [1, 0],
          [0, 2],
          [1, 1],
          [3, 0],
        ];
        const out = derivatives.map(() => new Float32Array(600).fill(Number.NaN));
        const d = await ctx.derivatives(f, { shape, derivatives, out });
        expect(d).toEqual(out);
        cpuDerivatives(f, { shape, derivatives }).forEach((want, k) => expect(f32Violation(out[k], want, 1, 1, 256), `D${k}`).toBeNull());
        // An input past 4 KiB on a periodic first axis (whose stencils read across the whole axis) cannot be
        // split into pieces of rows: refused.
        await expect(ctx.hessian(new Float32Array(40 * 37), { shape: [40, 37], boundary: ['periodic', 'edge'] })).rejects.toThrow(
          /too|bytes, more than this device's 4096/,
        );
      } finally {
        ctx.destroy();
      }
    },
  );

  suite.gpuIt('arrays past chunkBytes or a binding stream in pieces of rows with their halo, against the CPU', async ({ device }) => {
    // 4 KiB bindings, 8 KiB pieces: every array below holds more than 1,024 floats.
    const ctx = await createGradient({ device, chunkBytes: 8192, limits: { maxStorageBufferBindingSize: 4096 } });
    try {
      const r = rng(41);
      const field = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
      const runs: [string, () => Promise<Float32Array[]>, () => Float64Array[]][] = [];
      // Orders and accuracies whose stencils reach 1 to 5 rows, mixed partials, a periodic second axis.
      const f2 = field(40 * 37);
      const o2: DerivativeOptions = {
        shape: [40, 37],
        accuracy: 8,
        derivatives: [
          [3, 0],
          [1, 1],
          [0, 2],
          [2, 1],
        ],
        boundary: ['edge', 'periodic'],
      };
      runs.push(['2-D derivatives, accuracy 8', () => ctx.derivatives(f2, o2), () => cpuDerivatives(f2, o2)]);
      const f3 = field(30 * 7 * 7);
      const o3: DerivativeOptions = {
        shape: [30, 7, 7],
        accuracy: 4,
        boundary: [['mirror', 'reflect'], 'nearest', 'edge'],
        spacing: [0.5, 1, 2],
      };
      runs.push(['3-D Hessian with ghost sides', () => ctx.hessian(f3, o3), () => cpuHessian(f3, o3)]);
      const f1 = field(3001);
      const o1: DerivativeOptions = { derivatives: [[3]], accuracy: 6, spacing: [axisCoordinates(3001, true)] };
      runs.push(['1-D third derivative on uneven coordinates', () => ctx.derivatives(f1, o1), () => cpuDerivatives(f1, o1)]);
      const v = [field(30 * 44), field(30 * 44)];
      const oa: GradientOptions = { shape: [30, 44], accuracy: 4, boundary: ['constant', 'periodic'] };
      runs.push(['2-D adjoint of two components', async () => [await ctx.gradientAdjoint(v, oa)], () => [cpuGradientAdjoint(v, oa)]]);
      const out = [
        new Float32Array(40 * 37).fill(Number.NaN),
        new Float32Array(40 * 37).fill(Number.NaN),
        new Float32Array(40 * 37).fill(Number.NaN),
      ];
      const oh: DerivativeOptions = { shape: [40, 37] };
      runs.push(['2-D Hessian into out', () => ctx.hessian(f2, { ...oh, out }), () => cpuHessian(f2, oh)]);
      for (const [name, gpu, cpu] of runs) {
        const jobs = ctx.stats().transfer.jobs;
        const got = await gpu();
        expect(ctx.stats().transfer.jobs - jobs, name).toBeGreaterThan(2); // in pieces
        cpu().forEach((want, k) => {
          const bad = f32Violation(got[k], want, 1, 0.25, 1024);
          if (bad) throw new Error(`${name} output ${k}: ${JSON.stringify(bad)}`);
        });
      }
      expect(out.every((o) => o.every(Number.isFinite))).toBe(true);
    } finally {
      ctx.destroy();
    }
  });

  suite.gpuIt('the one-call functions refuse bad input before any GPU work', async ({ device }) => {
    const ctx = await createGradient({ device });
    await expect(ctx.derivatives(new Float32Array(4), { derivatives: [[4]], accuracy: 8 })).rejects.toThrow(/needs at least/);
    await expect(ctx.gradientAdjoint([new Float32Array(4)], { shape: [2, 2] })).rejects.toThrow(/components/);
    ctx.destroy();
  });
});
