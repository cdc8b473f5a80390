import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferUsage } from '../src/gpu/flags';
import {
  cpuCurl,
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  cpuLaplacian,
  createGradient,
  type GradientContext,
  GradientError,
  type GradientOptions,
  type PreparedCoordinates,
  prepareCoordinates,
} from '../src/index';
import { firstDifference } from './helpers/bits';
import { values } from './helpers/boundary-cases';
import { close64, f32Violation, maxAbs } from './helpers/bounds';
import { cpuResults, expectedOf, gpuResults, type Results } from './helpers/fixture-results';
import { readFloats } from './helpers/gpu';
import { gpuSuite } from './helpers/gpu-suite';
import { type GridCase, gridOptions, smallestDistance } from './helpers/grid-cases';
import { rng } from './helpers/random';
import { TINY_LIMITS } from './helpers/tiny-limits';

// Curvilinear grids and the sphere, on the CPU and the GPU: numpy fixtures (fixtures/make_grid_fixtures.py),
// second-order convergence to analytic derivatives (a Rossby–Haurwitz wave on the sphere), poles, gaps,
// streaming, prepared kernels and refusals.
const cases: GridCase[] = JSON.parse(readFileSync(new URL('./fixtures/grids.json', import.meta.url), 'utf8')).cases;

/** Inputs' largest magnitude over the smallest distance between neighbours: the scale of a derivative's rounding error. */
function scaleOf(c: GridCase): { maxF: number; h: number } {
  const inputs = [values(c.data), ...(c.components ?? []).map(values)];
  return { maxF: Math.max(...inputs.map(maxAbs)), h: smallestDistance(c) };
}

function compare(c: GridCase, got: Results, check: (g: ArrayLike<number>, ref: ArrayLike<number>, name: string) => string | null): void {
  for (const [name, list] of Object.entries(expectedOf(c))) {
    list.forEach((ref, k) => {
      const bad = check(got[name][k], ref, name);
      if (bad) throw new Error(`${c.name}: ${name}[${k}] ${bad}`);
    });
  }
}

describe('curvilinear grids and the sphere on the CPU', () => {
  it('has fixtures of every grid kind the issue names', () => {
    for (const name of ['warped 2-D', 'polar', 'rotated', 'warped 3-D', 'sphere regional', 'sphere global', 'period']) {
      expect(cases.some((c) => c.name.includes(name))).toBe(true);
    }
  });

  it('matches numpy on every case', () => {
    for (const c of cases) {
      const { maxF, h } = scaleOf(c);
      compare(c, cpuResults(c), (g, ref) => {
        for (let i = 0; i < ref.length; i++) if (!close64(g[i], ref[i], (100 * maxF) / h)) return `at ${i}: ${g[i]}, expected ${ref[i]}`;
        return null;
      });
    }
  });

  it('is exact for linear fields on affine grids (fast-check: random non-degenerate maps)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 }),
        fc.constantFrom<1 | 2>(1, 2),
        fc.constantFrom<2 | 3>(2, 3),
        (r, edgeOrder, d) => {
          // x = A ξ + b with A well conditioned (identity plus a bounded perturbation), f = c · x.
          const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 1.5 : 0) + 0.3 * r[i * 3 + j]));
          const shape = d === 2 ? [5, 6] : [4, 5, 3];
          const size = shape.reduce((a, b) => a * b, 1);
          const c = [r[0] + 1, r[4] - 0.5, r[8]];
          const coords = Array.from({ length: d }, () => new Float64Array(size));
          const f = new Float64Array(size);
          for (let p = 0; p < size; p++) {
            const xi = d === 2 ? [Math.floor(p / 6), p % 6] : [Math.floor(p / 15), Math.floor(p / 3) % 5, p % 3];
            for (let i = 0; i < d; i++) {
              for (let j = 0; j < d; j++) coords[i][p] += A[i][j] * xi[j];
              f[p] += c[i] * coords[i][p];
            }
          }
          const det = d === 2 ? A[0][0] * A[1][1] - A[0][1] * A[1][0] : 1;
          fc.pre(Math.abs(det) > 0.3);
          let g: Float64Array[];
          try {
            g = cpuGradient(f, { shape, coordinates: coords, edgeOrder });
          } catch (e) {
            // Only a degenerate 3-D map may be refused.
            if (d === 3 && e instanceof GradientError && /degenerate|folds/.test(e.message)) return;
            throw e;
          }
          for (let i = 0; i < d; i++) for (let p = 0; p < size; p++) expect(g[i][p]).toBeCloseTo(c[i], 9);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('computes ∇f = J^(−T) ∇_ξ f with its documented arithmetic, to the last bit (2-D and 3-D, random warped grids)', () => {
    // The definition, written out here: J[i][j] = ∂x_i/∂ξ_j and ∇_ξ f from cpuGradient on unit steps (edge
    // sides), M = J^(−T) from the cofactors over the determinant, g_i = 0 + Σ_j M[i][j] ∂f/∂ξ_j in j's order.
    const r = rng(41);
    for (let t = 0; t < 72; t++) {
      const d = t % 3 === 0 ? 3 : 2;
      const shape = Array.from({ length: d }, () => 3 + Math.floor(r() * 6));
      // Lines of 32 or more along the last axis: the index-space derivatives in one pass (cpu/fused.ts).
      if (t >= 60) shape[d - 1] = 32 + Math.floor(r() * 9);
      const size = shape.reduce((a, b) => a * b, 1);
      const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
      const xi = (p: number, k: number) => Math.floor(p / strides[k]) % shape[k];
      const warp = 0.05 + 0.1 * r();
      const coords = Array.from({ length: d }, (_, i) =>
        Float64Array.from({ length: size }, (_, p) => xi(p, i) * (1 + 0.1 * i) + warp * Math.sin(0.7 * xi(p, (i + 1) % d) + i)),
      );
      const f = Float64Array.from({ length: size }, () => 10 * Math.sin(1e4 * r()));
      const edgeOrder = r() < 0.5 ? 1 : 2;
      const J = coords.map((x) => cpuGradient(x, { shape, edgeOrder }));
      const df = cpuGradient(f, { shape, edgeOrder });
      const want = Array.from({ length: d }, () => new Float64Array(size));
      const a = new Float64Array(9);
      for (let p = 0; p < size; p++) {
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * 3 + j] = J[i][j][p];
        const M: number[] = [];
        if (d === 2) {
          const det = a[0] * a[4] - a[1] * a[3];
          M.push(a[4] / det, -a[3] / det, -a[1] / det, a[0] / det);
        } else {
          const det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              const [r0, r1, c0, c1] = [(i + 1) % 3, (i + 2) % 3, (j + 1) % 3, (j + 2) % 3];
              M.push((a[r0 * 3 + c0] * a[r1 * 3 + c1] - a[r0 * 3 + c1] * a[r1 * 3 + c0]) / det);
            }
        }
        for (let i = 0; i < d; i++) {
          let sum = 0;
          for (let j = 0; j < d; j++) sum += M[i * d + j] * df[j][p];
          want[i][p] = sum;
        }
      }
      expect(
        firstDifference(cpuGradient(f, { shape, coordinates: coords, edgeOrder }), want),
        `${shape} edge order ${edgeOrder}`,
      ).toBeNull();
    }
  });

  it('gives divergence and curl as the sums of its gradients, to the last bit (2-D and 3-D, prepared or not, every side)', () => {
    // div = 0 + ∂u_0/∂x_0 + ∂u_1/∂x_1 (+ ∂u_2/∂x_2), curl = ∂u_1/∂x_0 − ∂u_0/∂x_1 (in 3-D each component
    // alike), from cpuGradient on the same grid; the CPU adds the terms without forming the gradients.
    const r = rng(43);
    const modes = ['edge', 'reflect', 'mirror', 'nearest'] as const;
    for (let t = 0; t < 60; t++) {
      const d = t % 3 === 0 ? 3 : 2;
      const shape = Array.from({ length: d }, () => 5 + Math.floor(r() * (d === 2 ? 30 : 8)));
      const size = shape.reduce((a, b) => a * b, 1);
      const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
      const xi = (p: number, k: number) => Math.floor(p / strides[k]) % shape[k];
      const coords = Array.from({ length: d }, (_, i) =>
        Float64Array.from({ length: size }, (_, p) => xi(p, i) * (1 + 0.1 * i) + 0.1 * Math.sin(0.7 * xi(p, (i + 1) % d) + i)),
      );
      // Random fields, or constant ones (derivatives of ±0, whose signs the sums keep).
      const kind = t % 4;
      const u = Array.from({ length: d }, () =>
        Float64Array.from({ length: size }, () => (kind === 0 ? 3 : kind === 1 ? -0 : 10 * Math.sin(1e4 * r()))),
      );
      const options: GradientOptions = {
        shape,
        coordinates: t % 2 ? prepareCoordinates(coords) : coords,
        edgeOrder: r() < 0.5 ? 1 : 2,
        accuracy: r() < 0.3 ? 4 : 2,
        boundary: modes[Math.floor(r() * modes.length)],
      };
      const g = u.map((v) => cpuGradient(v, options));
      const sum = (terms: [number, number, number][], start: number) =>
        Float64Array.from({ length: size }, (_, p) => terms.reduce((acc, [c, i, sign]) => acc + sign * g[c][i][p], start));
      const div = sum(
        Array.from({ length: d }, (_, c): [number, number, number] => [c, c, 1]),
        0,
      );
      const curl = (a: number, b: number) =>
        sum(
          [
            [b, a, 1],
            [a, b, -1],
          ],
          -0,
        );
      const named = `${shape} ${JSON.stringify({ ...options, coordinates: t % 2 ? 'prepared' : 'arrays' })}`;
      expect(firstDifference([cpuDivergence(u, options)], [div]), `divergence, ${named}`).toBeNull();
      const curls = d === 2 ? [curl(0, 1)] : [curl(1, 2), curl(2, 0), curl(0, 1)];
      expect(firstDifference(cpuCurl(u, options), curls), `curl, ${named}`).toBeNull();
    }
  });

  it('on the sphere scales the radian derivatives row by row, to the last bit', () => {
    // [north, east] = [(1/R) ∂f/∂φ, ∂f/∂λ / (R cos φ)], and the flux form's divergence, summed from 0:
    // (∂(v_north cos φ)/∂φ + ∂v_east/∂λ) / (R cos φ), from cpuGradient on radian coordinates.
    const r = rng(43);
    const [n0, n1] = [7, 9];
    const shape = [n0, n1];
    // Radians given as such (degrees: false), so that no conversion stands between the test and the library.
    const phi = Float64Array.from({ length: n0 }, (_, i) => -1.2 + (2.4 * i) / (n0 - 1) + 0.01 * r());
    const lambda = Float64Array.from({ length: n1 }, (_, i) => (2 * Math.PI * i) / n1);
    const sphere = { latitude: phi, longitude: lambda, degrees: false };
    const R = 6371008.8;
    const f = Float64Array.from({ length: n0 * n1 }, () => 10 * Math.sin(1e4 * r()));
    const u = Float64Array.from({ length: n0 * n1 }, () => 10 * Math.sin(1e4 * r()));
    const [dphi] = cpuGradient(f, { shape, axis: 0, spacing: [phi] });
    const [dlambda] = cpuGradient(f, { shape, axis: 1, spacing: [lambda] });
    const [north, east] = cpuGradient(f, { shape, sphere });
    const inverse = Float64Array.from(phi, (p) => 1 / (R * Math.cos(p)));
    for (let p = 0; p < n0 * n1; p++) {
      const i = Math.floor(p / n1);
      expect(Object.is(north[p], dphi[p] / R) && Object.is(east[p], dlambda[p] * inverse[i]), `point ${p}`).toBe(true);
    }
    const scaled = f.map((v, p) => v * Math.cos(phi[Math.floor(p / n1)]));
    const [dn] = cpuGradient(scaled, { shape, axis: 0, spacing: [phi] });
    const [du] = cpuGradient(u, { shape, axis: 1, spacing: [lambda] });
    const div = cpuDivergence([f, u], { shape, sphere });
    for (let p = 0; p < n0 * n1; p++) {
      const i = Math.floor(p / n1);
      expect(Object.is(div[p], 0 + dn[p] * inverse[i] + du[p] * inverse[i]), `divergence at ${p}`).toBe(true);
    }
    // The curl, (∂(v_east cos φ)/∂φ − ∂v_north/∂λ) / (R cos φ), each term scaled before the difference; the
    // magnitude, √(0 + north² + east²).
    const [dnu] = cpuGradient(
      u.map((v, p) => v * Math.cos(phi[Math.floor(p / n1)])),
      { shape, axis: 0, spacing: [phi] },
    );
    const [curl] = cpuCurl([f, u], { shape, sphere });
    const magnitude = cpuGradientMagnitude(f, { shape, sphere });
    for (let p = 0; p < n0 * n1; p++) {
      const i = Math.floor(p / n1);
      expect(Object.is(curl[p], dnu[p] * inverse[i] - dlambda[p] * inverse[i]), `curl at ${p}`).toBe(true);
      expect(Object.is(magnitude[p], Math.sqrt(0 + north[p] * north[p] + east[p] * east[p])), `magnitude at ${p}`).toBe(true);
    }
  });

  it('gives NaN at a pole for everything divided by cos φ, and the north derivative there', () => {
    const lat = [-90, -60, -30, 0, 30, 60, 90];
    const lon = Array.from({ length: 12 }, (_, j) => j * 30);
    const shape = [7, 12];
    const f = Float64Array.from({ length: 84 }, (_, p) => Math.sin((lat[Math.floor(p / 12)] * Math.PI) / 180) + 0.1 * (p % 12));
    const o: GradientOptions = { shape, sphere: { latitude: lat, longitude: lon }, boundary: ['edge', 'periodic'] };
    const [north, east] = cpuGradient(f, o);
    const m = cpuGradientMagnitude(f, o);
    const div = cpuDivergence([f, f], o);
    const [curl] = cpuCurl([f, f], o);
    for (let p = 0; p < 84; p++) {
      const pole = p < 12 || p >= 72;
      expect(Number.isFinite(north[p])).toBe(true);
      for (const r of [east, m, div, curl]) expect(Number.isNaN(r[p])).toBe(pole);
    }
  });

  it('applies gaps in index space: a gap-free skip equals propagate, and a NaN point gives NaN only where its runs say', () => {
    const c = cases.find((x) => x.name === 'warped 2-D eo2')!;
    const o = gridOptions(c);
    const f = values(c.data);
    expect(cpuGradient(f, { ...o, invalid: 'skip' })).toEqual(cpuGradient(f, o));
    const g = f.slice();
    g[40] = Number.NaN;
    const [gx] = cpuGradient(g, { ...o, invalid: 'skip' });
    expect(Number.isNaN(gx[40])).toBe(true);
    expect(gx.filter(Number.isNaN).length).toBe(1);
  });
});

/** The largest error of `got` against `want` over points where `where(p)`. */
function maxError(got: ArrayLike<number>, want: (p: number) => number, where: (p: number) => boolean = () => true): number {
  let e = 0;
  for (let p = 0; p < got.length; p++) if (where(p)) e = Math.max(e, Math.abs(got[p] - want(p)));
  return e;
}

/** Errors at n and about 2n points per axis must fall about 4 times (second order). */
function expectSecondOrder(errors: number[]): void {
  const ratio = errors[errors.length - 2] / errors[errors.length - 1];
  expect(ratio, `errors ${errors.map((e) => e.toExponential(3)).join(', ')}`).toBeGreaterThan(3.5);
  expect(ratio).toBeLessThan(4.6);
}

describe('second-order convergence to analytic derivatives (edgeOrder 2)', () => {
  it('on a warped 2-D grid', () => {
    const errors = [17, 33, 65].map((n) => {
      const X = new Float64Array(n * n),
        Y = new Float64Array(n * n),
        f = new Float64Array(n * n);
      for (let p = 0; p < n * n; p++) {
        const a = Math.floor(p / n) / (n - 1),
          b = (p % n) / (n - 1);
        X[p] = a + 0.1 * Math.sin(Math.PI * b);
        Y[p] = b + 0.1 * Math.sin(Math.PI * a);
        f[p] = Math.sin(2 * X[p]) * Math.cos(Y[p]) + X[p] * Y[p];
      }
      const [gx, gy] = cpuGradient(f, { shape: [n, n], coordinates: [X, Y], edgeOrder: 2 });
      return Math.max(
        maxError(gx, (p) => 2 * Math.cos(2 * X[p]) * Math.cos(Y[p]) + Y[p]),
        maxError(gy, (p) => -Math.sin(2 * X[p]) * Math.sin(Y[p]) + X[p]),
      );
    });
    expectSecondOrder(errors);
  });

  it('on a polar grid (divergence and curl of a rotating, expanding flow)', () => {
    const errors = [16, 32, 64].map((n) => {
      const nr = n + 1,
        nt = 2 * n;
      const size = nr * nt;
      const X = new Float64Array(size),
        Y = new Float64Array(size),
        u = new Float64Array(size),
        v = new Float64Array(size);
      for (let p = 0; p < size; p++) {
        const r = 1 + Math.floor(p / nt) / n,
          t = ((p % nt) * 2 * Math.PI) / nt;
        X[p] = r * Math.cos(t);
        Y[p] = r * Math.sin(t);
        // u = (x² − y, …): divergence 2x + 2y·x, curl 1 + 1 (see below).
        u[p] = X[p] * X[p] - Y[p];
        v[p] = X[p] + X[p] * Y[p] * Y[p];
      }
      const o: GradientOptions = { shape: [nr, nt], coordinates: [X, Y], edgeOrder: 2, boundary: ['edge', 'periodic'] };
      const div = cpuDivergence([u, v], o);
      const [curl] = cpuCurl([u, v], o);
      return Math.max(
        maxError(div, (p) => 2 * X[p] + 2 * X[p] * Y[p]),
        maxError(curl, (p) => 1 + Y[p] * Y[p] + 1),
      );
    });
    expectSecondOrder(errors);
  });

  it('on a warped 3-D grid', () => {
    const errors = [9, 17, 33].map((n) => {
      const size = n * n * n;
      const X = new Float64Array(size),
        Y = new Float64Array(size),
        Z = new Float64Array(size),
        f = new Float64Array(size);
      for (let p = 0; p < size; p++) {
        const a = Math.floor(p / (n * n)) / (n - 1),
          b = (Math.floor(p / n) % n) / (n - 1),
          c = (p % n) / (n - 1);
        X[p] = a + 0.1 * Math.sin(Math.PI * b);
        Y[p] = b + 0.1 * Math.sin(Math.PI * c);
        Z[p] = c + 0.1 * Math.sin(Math.PI * a);
        f[p] = Math.sin(X[p]) * Math.cos(Y[p]) * Math.exp(Z[p] / 2);
      }
      const [gx, gy, gz] = cpuGradient(f, { shape: [n, n, n], coordinates: [X, Y, Z], edgeOrder: 2 });
      return Math.max(
        maxError(gx, (p) => Math.cos(X[p]) * Math.cos(Y[p]) * Math.exp(Z[p] / 2)),
        maxError(gy, (p) => -Math.sin(X[p]) * Math.sin(Y[p]) * Math.exp(Z[p] / 2)),
        maxError(gz, (p) => (Math.sin(X[p]) * Math.cos(Y[p]) * Math.exp(Z[p] / 2)) / 2),
      );
    });
    expectSecondOrder(errors);
  });

  /** A global grid of cell-centre latitudes (no poles), m times finer than 10°. */
  function globe(m: number) {
    const nlat = 18 * m,
      nlon = 36 * m;
    const latitude = Array.from({ length: nlat }, (_, i) => -90 + (i + 0.5) * (10 / m));
    const longitude = Array.from({ length: nlon }, (_, j) => j * (10 / m));
    const phi = (p: number) => (latitude[Math.floor(p / nlon)] * Math.PI) / 180;
    const lam = (p: number) => (longitude[p % nlon] * Math.PI) / 180;
    // Errors are compared within ±60°: next to a pole 1/cos φ grows as the grid is refined.
    const within = (p: number) => Math.abs(latitude[Math.floor(p / nlon)]) <= 60;
    const options: GradientOptions = { shape: [nlat, nlon], sphere: { latitude, longitude }, boundary: ['edge', 'periodic'], edgeOrder: 2 };
    return { size: nlat * nlon, phi, lam, within, options };
  }

  it('on the sphere: the gradient of sin φ + cos φ cos λ', () => {
    const R = 6371008.8;
    const errors = [1, 2, 4].map((m) => {
      const g = globe(m);
      const f = Float64Array.from({ length: g.size }, (_, p) => Math.sin(g.phi(p)) + Math.cos(g.phi(p)) * Math.cos(g.lam(p)));
      const [north, east] = cpuGradient(f, g.options);
      return (
        R *
        Math.max(
          maxError(north, (p) => (Math.cos(g.phi(p)) - Math.sin(g.phi(p)) * Math.cos(g.lam(p))) / R, g.within),
          maxError(east, (p) => -Math.sin(g.lam(p)) / R, g.within),
        )
      );
    });
    expectSecondOrder(errors);
  });

  it('on the sphere: the vorticity (minus the curl) and zero divergence of a Rossby–Haurwitz wave', () => {
    // Williamson et al. (1992), test case 6: a = Earth's radius, ω = K = 7.848e-6 s⁻¹, wavenumber 4.
    const a = 6371008.8,
      w = 7.848e-6,
      K = 7.848e-6,
      R = 4;
    const errors = [1, 2, 4].map((m) => {
      const g = globe(m);
      const east = new Float64Array(g.size),
        north = new Float64Array(g.size);
      for (let p = 0; p < g.size; p++) {
        const c = Math.cos(g.phi(p)),
          s = Math.sin(g.phi(p)),
          l = g.lam(p);
        east[p] = a * w * c + a * K * c ** (R - 1) * (R * s * s - c * c) * Math.cos(R * l);
        north[p] = -a * K * R * c ** (R - 1) * s * Math.sin(R * l);
      }
      const vorticity = (p: number) => {
        const c = Math.cos(g.phi(p)),
          s = Math.sin(g.phi(p));
        return 2 * w * s - K * s * c ** R * (R * R + 3 * R + 2) * Math.cos(R * g.lam(p));
      };
      const [curl] = cpuCurl([north, east], g.options);
      const div = cpuDivergence([north, east], g.options);
      return Math.max(
        maxError(curl, (p) => -vorticity(p), g.within),
        maxError(div, () => 0, g.within),
      );
    });
    expectSecondOrder(errors);
  });
});

/** A curvilinear case with its coordinates (and period) prepared once: prepareCoordinates. */
function prepared(c: GridCase): GridCase {
  const { coordinates, period, ...rest } = c.options;
  const grid = prepareCoordinates(coordinates as readonly ArrayLike<number>[], { period });
  return { ...c, options: { ...rest, coordinates: grid } };
}

const curvilinearCases = cases.filter((c) => c.options.coordinates !== undefined);

function expectSameBits(a: Results, b: Results, name: string): void {
  for (const [op, list] of Object.entries(a)) {
    list.forEach((r, k) => {
      const bad = Array.from(r).findIndex((v, i) => !Object.is(v, b[op][k][i]));
      if (bad >= 0) throw new Error(`${name}: ${op}[${k}] at ${bad}: ${b[op][k][bad]}, with the arrays ${r[bad]}`);
    });
  }
}

describe('prepared coordinates', () => {
  it('give the bits the arrays give, on every curvilinear fixture (gradient, magnitude, divergence, curl)', () => {
    expect(curvilinearCases.length).toBeGreaterThan(3);
    for (const c of curvilinearCases) {
      const p = prepared(c);
      expectSameBits(cpuResults(c), cpuResults(p), c.name);
      expectSameBits(cpuResults(c), cpuResults(p), `${c.name}, again`); // the kept metric terms
    }
  });

  it('keep the metric terms of the last two plans: one array for repeated calls, another for another edge order or boundary', async () => {
    const { makePlan } = await import('../src/plan');
    const c = curvilinearCases[0];
    const grid = prepared(c).options.coordinates as PreparedCoordinates;
    const info = { length: c.data.length, kind: 'float64' as const };
    const metrics = (o: GradientOptions) => {
      const g = makePlan(info, { shape: c.shape, coordinates: grid, ...o }).grid;
      return g?.kind === 'curvilinear' ? g.metricsNow() : null;
    };
    const first = metrics({});
    expect(first).toBeInstanceOf(Float64Array);
    expect(metrics({})).toBe(first);
    const second = metrics({ edgeOrder: 2 });
    expect(second).not.toBe(first);
    expect(metrics({})).toBe(first); // two plans kept
    expect(metrics({ boundary: 'mirror' })).not.toBe(first); // a third: edge order 2, least recently used, goes
    expect(metrics({})).toBe(first);
    expect(metrics({ edgeOrder: 2 })).not.toBe(second);
  });

  it('are a copy: changing the arrays afterwards changes nothing', () => {
    const c = curvilinearCases[0];
    const coordinates = (c.options.coordinates as readonly ArrayLike<number>[]).map((x) => Float64Array.from(values(x as never)));
    const grid = prepareCoordinates(coordinates, { period: c.options.period });
    const o = { ...c.options, shape: c.shape };
    const want = cpuGradient(values(c.data), { ...o, coordinates });
    coordinates[0].fill(7);
    const got = cpuGradient(values(c.data), { ...o, period: undefined, coordinates: grid });
    got.forEach((r, k) => expect(Array.from(r)).toEqual(Array.from(want[k])));
    expect([grid.rank, grid.size]).toEqual([c.shape.length, c.data.length]);
  });

  it('are refused where the arrays would be, and with a period of their own or data of another size or rank', () => {
    const X = Float64Array.from({ length: 12 }, (_, p) => Math.floor(p / 4));
    const Y = Float64Array.from({ length: 12 }, (_, p) => p % 4);
    const grid = prepareCoordinates([X, Y]);
    const refusals: [() => unknown, string][] = [
      [() => prepareCoordinates([X]), 'must be 2 or 3 arrays'],
      [() => prepareCoordinates([X, Y.slice(1)]), 'coordinates[1]: '],
      [() => prepareCoordinates([X, Y.map((y, p) => (p === 3 ? Number.NaN : y))]), 'coordinates[1][3]'],
      [() => prepareCoordinates([X, Y], { period: -1 }), 'period'],
      [() => prepareCoordinates([X, 5 as never]), 'coordinates[1]: 5'],
      [() => cpuGradient(new Float64Array(12), { shape: [3, 4], coordinates: grid, period: 360 }), 'period: 360'],
      [() => cpuGradient(new Float64Array(15), { shape: [3, 5], coordinates: grid }), 'prepared coordinates of 12 points'],
      [() => cpuGradient(new Float64Array(12), { shape: [3, 2, 2], coordinates: grid }), 'prepared coordinates of a 2-D grid'],
      [() => cpuGradient(new Float64Array(12), { shape: [3, 4], coordinates: prepareCoordinates([X, X]) }), 'degenerate at point [0, 0]'],
    ];
    for (const [call, named] of refusals) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, named).toBeInstanceOf(GradientError);
      expect((error as Error).message).toContain(named);
    }
  });
});

describe('unprepared coordinates on the CPU', () => {
  // Planning computes an unprepared grid's metric terms into one kept array (src/grid.ts, CoordinateGrid),
  // where the call reads them at once; a grid read after another was planned computes them again.
  const grids = [
    { shape: [5, 33], warp: 0.1 },
    { shape: [5, 33], warp: 0.3 },
    { shape: [4, 3, 34], warp: 0.2 },
  ].map(({ shape, warp }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
    const xi = (p: number, k: number) => Math.floor(p / strides[k]) % shape[k];
    const d = shape.length;
    const coords = Array.from({ length: d }, (_, i) =>
      Float64Array.from({ length: size }, (_, p) => xi(p, i) * (1 + 0.2 * i) + warp * Math.sin(0.9 * xi(p, (i + 1) % d) + i)),
    );
    return { shape, size, coords };
  });

  async function planGrid(k: number) {
    const { makePlan } = await import('../src/plan');
    const { shape, size, coords } = grids[k];
    const grid = makePlan({ length: size, kind: 'float64' }, { shape, coordinates: coords }).grid;
    if (grid?.kind !== 'curvilinear') throw new Error('no curvilinear grid');
    return grid;
  }

  it('keep one array of metric terms across calls, and give each grid its own numbers whatever was planned between (fast-check)', async () => {
    const { makePlan } = await import('../src/plan');
    // Each grid's numbers as prepared coordinates compute them, into an array of their own.
    const want = grids.map(({ shape, size, coords }) => {
      const g = makePlan({ length: size, kind: 'float64' }, { shape, coordinates: prepareCoordinates(coords) }).grid;
      return g?.kind === 'curvilinear' ? Float64Array.from(g.metricsNow()) : new Float64Array(0);
    });
    // Two unprepared plans of one size in a row write the same kept array.
    const first = (await planGrid(0)).metricsNow();
    expect((await planGrid(1)).metricsNow()).toBe(first);
    const planned = await Promise.all([0, 1, 2].map(planGrid));
    const steps = fc.array(fc.tuple(fc.boolean(), fc.nat(2), fc.nat(20)), { maxLength: 24 });
    await fc.assert(
      fc.asyncProperty(steps, async (list) => {
        const made = planned.map((grid, k) => ({ grid, k }));
        for (const [plan, k, pick] of list) {
          if (plan) made.push({ grid: await planGrid(k), k });
          else {
            const m = made[pick % made.length];
            expect(firstDifference([m.grid.metricsNow()], [want[m.k]]), `grid ${m.k}`).toBeNull();
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('make no array of the data’s size per call for the fields, once seen (256², float64 into out)', () => {
    // Before: the metric terms (four arrays' worth a call), each input's physical derivatives and each sum
    // were fresh arrays. process.memoryUsage().arrayBuffers counts them; one synchronous run keeps the
    // weakly kept scratch alive from the warm-up call to the measured one.
    const n = 256;
    const size = n * n;
    const X = Float64Array.from({ length: size }, (_, p) => Math.floor(p / n) + 0.1 * Math.sin((p % n) * 0.05));
    const Y = Float64Array.from({ length: size }, (_, p) => (p % n) + 0.1 * Math.sin(Math.floor(p / n) * 0.05));
    const u = Float64Array.from({ length: size }, (_, p) => Math.sin(p * 0.001));
    const v = Float64Array.from({ length: size }, (_, p) => Math.cos(p * 0.002));
    const options = { shape: [n, n], coordinates: [X, Y] };
    const two = [new Float64Array(size), new Float64Array(size)];
    const one = [new Float64Array(size)];
    const calls: [string, () => unknown][] = [
      ['gradient', () => cpuGradient(u, { ...options, out: two })],
      ['magnitude', () => cpuGradientMagnitude(u, { ...options, out: one })],
      ['divergence', () => cpuDivergence([u, v], { ...options, out: one })],
      ['curl', () => cpuCurl([u, v], { ...options, out: one })],
    ];
    for (const [name, call] of calls) {
      call();
      const before = process.memoryUsage().arrayBuffers;
      call();
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(grown, `${name}: ${grown} bytes of array buffers`).toBeLessThan(8 * size);
    }
  });
});

describe('grid refusals', () => {
  const X = Float64Array.from({ length: 12 }, (_, p) => Math.floor(p / 4));
  const Y = Float64Array.from({ length: 12 }, (_, p) => p % 4);
  const f = new Float64Array(12);
  const shape = [3, 4];
  const folded = Y.map((y, p) => (p === 7 ? 0.5 : y)); // point [1, 3] steps back past [1, 1]: the grid folds from [1, 2] on
  const sphere = { latitude: [0, 10, 20], longitude: [0, 10, 20, 30] };
  const bad: [string, GradientOptions, string][] = [
    ['a folded grid, naming the point', { shape, coordinates: [X, folded] }, 'folds at point [1, 2]'],
    ['a degenerate grid', { shape, coordinates: [X, X] }, 'degenerate at point [0, 0]'],
    ['one coordinate array for 2-D data', { shape, coordinates: [X] }, 'coordinates: '],
    ['a coordinate array of the wrong length', { shape, coordinates: [X, Y.slice(1)] }, 'coordinates[1]'],
    ['a non-finite coordinate', { shape, coordinates: [X, Y.map((y, p) => (p === 3 ? Number.NaN : y))] }, 'coordinates[1][3]'],
    [
      'an infinite float32 coordinate',
      { shape, coordinates: [Float32Array.from(X, (x, p) => (p === 5 ? -Infinity : x)), Y] },
      'coordinates[0][5]',
    ],
    [
      'a coordinate that is not a number',
      { shape, coordinates: [X, Array.from(Y, (y, p) => (p === 11 ? '3' : y)) as never] },
      'coordinates[1][11]',
    ],
    ['coordinates with spacing', { shape, coordinates: [X, Y], spacing: 2 }, 'spacing: 2'],
    ['coordinates with axis', { shape, coordinates: [X, Y], axis: 0 }, 'axis: 0'],
    ['coordinates for 1-D data', { coordinates: [Float64Array.from(f)] }, 'curvilinear grids are 2-D or 3-D'],
    ['coordinates and sphere', { shape, coordinates: [X, Y], sphere }, 'one grid'],
    ['a latitude beyond the pole', { shape, sphere: { ...sphere, latitude: [80, 90, 100] } }, 'sphere.latitude[2]'],
    ['a periodic latitude axis', { shape, sphere, boundary: 'periodic' }, 'latitude axis'],
    ['a periodic longitude that does not go round', { shape, sphere, boundary: ['edge', 'periodic'] }, 'go round the globe'],
    ['a latitude list of the wrong length', { shape, sphere: { ...sphere, latitude: [0, 1] } }, 'sphere.latitude'],
    ['a radius of 0', { shape, sphere: { ...sphere, radius: 0 } }, 'sphere.radius'],
    ['an unknown sphere key', { shape, sphere: { ...sphere, lat: 1 } as never }, 'sphere.lat'],
    ['a period with the sphere', { shape, sphere, period: 360 }, 'period'],
    ['sphere axes that disagree with axis', { shape: [2, 3, 4], sphere: { ...sphere, latitudeAxis: 0 }, axis: [1, 2] }, 'latitudeAxis'],
  ];
  for (const [name, options, named] of bad) {
    it(`refuses ${name}`, () => {
      let error: unknown;
      try {
        cpuGradient(options.shape?.length === 3 ? new Float64Array(24) : options.shape ? f : new Float64Array(5), options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GradientError);
      expect((error as Error).message).toContain(named);
    });
  }
  it('name the first non-finite float coordinate wherever it lies, on every side and order (found only once the metric terms are refused)', () => {
    const modes = ['edge', 'reflect', 'mirror', 'nearest', 'constant', 'periodic'] as const;
    let reached = 0;
    fc.assert(
      fc.property(
        fc.record({
          shape: fc.oneof(
            fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 2, max: 9 })),
            fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 5 })),
          ),
          bad: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(Number.NaN, Infinity, -Infinity)), { minLength: 1, maxLength: 3 }),
          boundary: fc.constantFrom(...modes),
          accuracy: fc.constantFrom(2, 4),
          edgeOrder: fc.constantFrom(1, 2),
          float32: fc.boolean(),
          period: fc.boolean(),
        }),
        ({ shape, bad, boundary, accuracy, edgeOrder, float32, period }) => {
          const d = shape.length;
          const size = shape.reduce((a, b) => a * b, 1);
          // A regular grid, x_c = 2·ξ_c, then the bad entries.
          const coords = Array.from({ length: d }, (_, c) => {
            const x = Float64Array.from(
              { length: size },
              (_, p) => 2 * (Math.floor(p / shape.slice(c + 1).reduce((a, b) => a * b, 1)) % shape[c]),
            );
            return float32 ? Float32Array.from(x) : x;
          });
          for (const [c, p, v] of bad) coords[c % d][p % size] = v;
          const first = coords.map((x) => x.findIndex((v) => !Number.isFinite(v))).findIndex((p) => p >= 0);
          const named = `coordinates[${first}][${coords[first].findIndex((v) => !Number.isFinite(v))}]`;
          let error: unknown;
          try {
            cpuGradient(new Float64Array(size), {
              shape,
              coordinates: coords,
              boundary,
              accuracy,
              edgeOrder,
              period: period ? 1000 : undefined,
            });
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(GradientError);
          const message = (error as Error).message;
          // Refused for another reason first (a plan refusal, e.g. too few points for the accuracy): only then not named.
          if (!message.startsWith('coordinates')) return;
          expect(message).toContain(`${named}: `);
          expect(message).toContain('is not a finite coordinate');
          reached++;
        },
      ),
      { numRuns: 400, seed: 31 },
    );
    expect(reached).toBeGreaterThan(200);
  });
  it('refuses the Laplacian on a grid', () => {
    expect(() => cpuLaplacian(f, { shape, coordinates: [X, Y] })).toThrow(/Laplacian is not available on curvilinear grids/);
    expect(() => cpuLaplacian(f, { shape, sphere })).toThrow(/Laplacian/);
  });
});

describe('curvilinear grids and the sphere on the GPU', () => {
  const suite = gpuSuite();

  /** The float32 bound: k·ε32·(|ref| + max|inputs|/h) with h the smallest distance between neighbours. */
  const check32 =
    (c: GridCase, k = 24) =>
    (g: ArrayLike<number>, ref: ArrayLike<number>) => {
      const { maxF, h } = scaleOf(c);
      const bad = f32Violation(g, ref, maxF, h, k);
      return bad && `at ${bad.index}: got ${bad.got}, expected ${bad.ref} (bound ${bad.bound})`;
    };

  suite.gpuIt(
    'matches numpy on every case',
    async () => {
      for (const c of cases) compare(c, await gpuResults(suite.ctx, c), check32(c));
    },
    300_000,
  );

  suite.gpuIt(
    'concurrent calls on grids of one size each read their own metric terms as they were, whole and streamed in pieces',
    async ({ device }) => {
      // Planning writes every unprepared grid's metric terms into one kept array (src/grid.ts); each call's
      // float32 copy is made before the next call is planned (gpu/coefficients.ts, metricsForGpu).
      const c = tile(cases.find((x) => x.name === 'warped 2-D eo2')!, 8);
      const [X, Y] = (c.options.coordinates as readonly ArrayLike<number>[]).map((x) => Float64Array.from(values(x as never)));
      const grids = [0, 0.02, 0.04, 0.06].map((w) => [X.map((x, p) => x + w * Math.sin(0.37 * p)), Y]);
      const f = Float64Array.from(values(c.data));
      const pieces = await createGradient({ device, limits: TINY_LIMITS, chunkBytes: 4096 });
      try {
        const wants = grids.map((coordinates) => cpuGradient(f, { ...c.options, shape: c.shape, coordinates }));
        for (const ctx of [suite.ctx, pieces]) {
          const given = grids.map(([x, y]) => [x.slice(), y]);
          const calls = given.map((coordinates) => ctx.gradient(f, { ...c.options, shape: c.shape, coordinates }));
          for (const [x] of given) x.fill(7); // changed once the calls are made: a call reads the grid as it was
          const got = await Promise.all(calls);
          wants.forEach((want, k) => {
            want.forEach((ref, i) => {
              const bad = check32(c)(got[k][i], ref);
              if (bad) throw new Error(`grid ${k}, axis ${i}: ${bad}`);
            });
          });
        }
      } finally {
        pieces.destroy();
      }
    },
  );

  suite.gpuIt('prepared coordinates give the bits the arrays give in host calls, and a prepared kernel takes them', async () => {
    for (const c of curvilinearCases) {
      const p = prepared(c);
      expectSameBits(await gpuResults(suite.ctx, c), await gpuResults(suite.ctx, p), c.name);
      expectSameBits(await gpuResults(suite.ctx, c), await gpuResults(suite.ctx, p), `${c.name}, again`);
    }
    // A prepared kernel takes them too (its metric terms then come from the kept ones).
    const c = curvilinearCases[0];
    const kernel = await suite.ctx.prepare({ ...prepared(c).options, shape: c.shape });
    expect(kernel.outputLayout.totalBytes).toBeGreaterThan(0);
    kernel.destroy();
  });

  suite.gpuIt('streams the metric terms with the pieces (tiny limits), against the CPU', async ({ device }) => {
    const ctx = await createGradient({ device, limits: TINY_LIMITS, chunkBytes: 4096 });
    try {
      const latitude = Array.from({ length: 40 }, (_, i) => -78 + 4 * i);
      const longitude = Array.from({ length: 45 }, (_, j) => 8 * j);
      const random = (p: number) => Math.sin(p * 0.731) + Math.cos(p * 0.193);
      const globe: GridCase = {
        ...cases.find((x) => x.name === 'sphere regional eo2')!,
        name: 'streamed globe',
        shape: [40, 45],
        data: Array.from({ length: 1800 }, (_, p) => random(p)),
        components: [0, 1].map((k) => Array.from({ length: 1800 }, (_, p) => random(p + 1000 * k + 1))),
        options: { sphere: { latitude, longitude }, boundary: ['edge', 'periodic'], edgeOrder: 2 },
      };
      // A 3-D point's nine metric terms and a row of 42 points outgrow a 4 KiB binding: 16 KiB pieces there.
      const wide = await createGradient({ device, chunkBytes: 16384 });
      const runs: [GradientContext, GridCase][] = [
        [ctx, tile(cases.find((x) => x.name === 'warped 2-D eo2')!, 8)],
        [ctx, globe],
        [wide, tile(cases.find((x) => x.name === 'warped 3-D eo1')!, 8)],
      ];
      for (const [ctx, c] of runs) {
        const jobs = ctx.stats().transfer.jobs;
        const want = cpuResults(c);
        const got = await gpuResults(ctx, c);
        for (const [name, list] of Object.entries(want)) {
          list.forEach((ref, k) => {
            const bad = check32(c)(got[name][k], ref);
            if (bad) throw new Error(`${c.name}: ${name}[${k}] ${bad}`);
          });
        }
        expect(ctx.stats().transfer.jobs - jobs, c.name).toBeGreaterThan(8); // pieces, not one job per call
      }
      wide.destroy();
    } finally {
      ctx.destroy();
    }
  });

  suite.gpuIt('prepared: metric terms computed once, each encode reading f and them (two fields, two encodes)', async ({ device }) => {
    const c = cases.find((x) => x.name === 'warped 2-D eo2')!;
    const o = gridOptions(c);
    const n = c.data.length;
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
    for (const derived of [undefined, 'curl'] as const) {
      const k = await suite.ctx.prepare({ ...o, shape: c.shape, derived });
      const fields = derived
        ? [c.components!.map(values), c.components!.map(values).reverse()]
        : [[values(c.data)], [values(c.components![0])]];
      for (const field of fields) {
        const input = device.createBuffer({
          size: Math.max(k.outputLayout.totalBytes, 4 * field.length * k.outputLayout.slabBytes),
          usage,
        });
        field.forEach((v, i) => device.queue.writeBuffer(input, i * k.outputLayout.slabBytes, new Float32Array(v)));
        const output = device.createBuffer({ size: k.outputLayout.totalBytes, usage });
        const encoder = device.createCommandEncoder();
        k.encode(encoder, { input, output });
        device.queue.submit([encoder.finish()]);
        const f32 = field.map((v) => Array.from(new Float32Array(v)));
        const ref = derived ? cpuCurl(f32, o) : cpuGradient(f32[0], o);
        for (let a = 0; a < ref.length; a++) {
          const got = await readFloats(device, output, a * k.outputLayout.slabBytes, n);
          const bad = check32(c)(got, ref[a]);
          if (bad) throw new Error(`${derived ?? 'gradient'} ${a}: ${bad}`);
        }
        input.destroy();
        output.destroy();
      }
      k.destroy();
    }
  });

  suite.gpuIt(
    'float16, uint8 and int16 input on the sphere (the flux form scales the reads of every loader), and gaps over land',
    async () => {
      const c = cases.find((x) => x.name === 'sphere global 10deg with poles')!;
      const o = gridOptions(c);
      const [vn, ve] = c.components!.map(values);
      const land = (p: number) => (p * 7919) % 11 === 0;
      const inputs: [string, (v: Float64Array) => ArrayLike<number>][] = [
        ['uint8', (v) => Uint8Array.from(v, (x) => Math.round(100 + 50 * x))],
        ['int16', (v) => Int16Array.from(v, (x) => Math.round(1000 * x))],
      ];
      const Half = (globalThis as { Float16Array?: new (v: ArrayLike<number>) => ArrayLike<number> }).Float16Array;
      if (Half) inputs.push(['float16', (v) => new Half(v)]);
      for (const [kind, make] of inputs) {
        const comps = [make(vn), make(ve)] as never[];
        const plain = comps.map((x: ArrayLike<number>) => Float64Array.from(x));
        const maxF = Math.max(...plain.map(maxAbs));
        const h = smallestDistance(c);
        for (const op of ['divergence', 'curl'] as const) {
          const got = op === 'divergence' ? await suite.ctx.divergence(comps, o) : (await suite.ctx.curl(comps, o))[0];
          const ref = op === 'divergence' ? cpuDivergence(plain, o) : cpuCurl(plain, o)[0];
          const bad = f32Violation(got, ref, maxF, h, 24);
          if (bad) throw new Error(`${kind} ${op}: ${JSON.stringify(bad)}`);
        }
      }
      // Gaps: NaN over "land", skipped in index space; the mask gives the same.
      const wet = [vn, ve].map((v) => v.map((x, p) => (land(p) ? Number.NaN : x)));
      const skip = { ...o, invalid: 'skip' } as GradientOptions;
      for (const op of ['divergence', 'curl'] as const) {
        const got = op === 'divergence' ? await suite.ctx.divergence(wet, skip) : (await suite.ctx.curl(wet, skip))[0];
        const ref = op === 'divergence' ? cpuDivergence(wet, skip) : cpuCurl(wet, skip)[0];
        const bad = f32Violation(got, ref, 2, smallestDistance(c), 24);
        if (bad) throw new Error(`skip ${op}: ${JSON.stringify(bad)}`);
        // NaN on land (and at the poles); the sea next to it finite, one-sided within its run.
        const pole = (p: number) => p < c.shape[1] || p >= ref.length - c.shape[1];
        for (let p = 0; p < ref.length; p++) if (land(p)) expect(Number.isNaN(got[p])).toBe(true);
        const sea = Array.from(got).filter((_x, p) => !land(p) && !pole(p));
        expect(sea.filter(Number.isFinite).length).toBeGreaterThan(0.9 * sea.length);
      }
      const mask = Uint8Array.from({ length: vn.length }, (_, p) => (land(p) ? 0 : 1));
      const masked = await suite.ctx.divergence([vn, ve], { ...skip, mask });
      const bad = f32Violation(masked, cpuDivergence(wet, skip), 2, smallestDistance(c), 24);
      expect(bad).toBeNull();
    },
  );

  suite.gpuIt('refuses metric terms float32 cannot hold, before any GPU work', async () => {
    const X = Float64Array.from({ length: 12 }, (_, p) => Math.floor(p / 4) * 1e-39);
    const Y = Float64Array.from({ length: 12 }, (_, p) => (p % 4) * 1e-39);
    await expect(suite.ctx.gradient(new Float32Array(12), { shape: [3, 4], coordinates: [X, Y] })).rejects.toThrow(/metric term/);
    await expect(
      suite.ctx.laplacian(new Float32Array(12), { shape: [3, 4], coordinates: [X.map((x) => x * 1e30), Y.map((y) => y * 1e30)] }),
    ).rejects.toThrow(/Laplacian/);
  });
});

/** A curvilinear case repeated `reps` times along its first axis (coordinates of copy r shifted past copy r − 1's). */
function tile(c: GridCase, reps: number): GridCase {
  if (reps === 1) return c;
  const rows = c.shape[0];
  const per = c.data.length;
  const rep = <T>(list: readonly T[], shift: (v: T, r: number) => T = (v) => v) =>
    Array.from({ length: reps * per }, (_, p) => shift(list[p % per], Math.floor(p / per)));
  const list = c.options.coordinates as readonly ArrayLike<number>[];
  const X = list[0] as unknown as number[];
  let span = 0;
  for (const x of X) span = Math.max(span, x);
  const first = X[0];
  const gap = span - first + (X[per / rows] - X[0]);
  const coordinates = list.map((x, i) => rep(x as unknown as number[], (v, r) => (i === 0 ? v + r * gap : v)));
  return {
    ...c,
    name: `${c.name} tiled`,
    shape: [rows * reps, ...c.shape.slice(1)],
    data: rep(c.data),
    components: c.components?.map((v) => rep(v)),
    options: { ...c.options, coordinates },
  };
}
