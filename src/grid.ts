import { gradientAlong } from './cpu/gradient.js';
import { KeptScratch } from './cpu/scratch.js';
import { describe, GradientError } from './errors.js';
import type { AxisPlan, Plan, Side } from './plan.js';
import type { GradientOptions, SphereOptions } from './types.js';

/**
 * Grids that are not a product of 1-D coordinates: a property of the plan, read by every first-derivative
 * operation (src/cpu/grid.ts on the CPU, shaders/grid.wgsl on the GPU), not an operation of its own.
 *
 * - Curvilinear (`coordinates: [X, Y(, Z)]`): the index-space derivatives (unit steps, the call's edge
 *   order, boundary and accuracy) of f and of each coordinate array give J[i][j] = ∂x_i/∂ξ_j at every
 *   point, and ∇f = J^(−T) ∇_ξ f. The plan holds the metric terms M = J^(−T) (M[i][j] = ∂ξ_j/∂x_i), d² a
 *   point in float64, computed once here; the GPU reads them as float32 (four a point in 2-D, nine in 3-D).
 * - The sphere (`sphere: { latitude, longitude, … }`): the plan's axes are [latitude, longitude] with
 *   their coordinates in radians; per latitude row the grid holds cos φ (0 at a pole) and 1/(R cos φ)
 *   (NaN at a pole). Gradient [(1/R) ∂f/∂φ, ∂f/∂λ/(R cos φ)]; divergence and curl in flux form,
 *   (∂(v cos φ)/∂φ ± ∂u/∂λ)/(R cos φ).
 */

/** Earth's mean radius in metres (IUGG), the sphere's default. */
export const EARTH_RADIUS = 6371008.8;

export interface CurvilinearGrid {
  readonly kind: 'curvilinear';
  /**
   * Point p's M[i][j] = ∂ξ_j/∂x_i at p·d² + i·d + j (d = the rank), for work done now, before another grid
   * is planned: a prepared grid's kept array, or an unprepared grid's kept scratch (read later, after
   * another unprepared grid was planned, they are computed again from the coordinate arrays as they are
   * then; the GPU takes its float32 copy while the call is made, gpu/coefficients.ts).
   */
  metricsNow(): Float64Array;
}

export interface SphereGrid {
  readonly kind: 'sphere';
  readonly radius: number;
  /** Per latitude row (plan axis 0): cos φ, exactly 0 at a pole. */
  readonly cos: Float64Array;
  /** Per latitude row: 1/(R cos φ), NaN at a pole (where ∂/∂λ has no meaning). */
  readonly inverse: Float64Array;
}

export type Grid = CurvilinearGrid | SphereGrid;

/** A grid option read from the options: which axes the plan selects, and (once the sides are known) their spacing. */
export interface GridRequest {
  readonly axes: number[];
  /** Spacing and periods of the selected axes, given their boundary sides. */
  steps(sides: readonly (readonly [Side, Side])[]): { spacing: (number | ArrayLike<number>)[]; periods: (number | null)[] };
  /** The grid of a plan made with those axes and steps (checks the coordinates against it). */
  finish(plan: Plan): Grid;
}

/** Reads `coordinates` or `sphere`; null when neither is given. Refuses what cannot go with them. */
export function gridRequest(options: GradientOptions, shape: readonly number[], size: number): GridRequest | null {
  const { coordinates, sphere } = options;
  if (coordinates === undefined && sphere === undefined) return null;
  const name = coordinates !== undefined ? 'coordinates' : 'sphere';
  if (coordinates !== undefined && sphere !== undefined) {
    throw new GradientError('invalid-option', 'coordinates and sphere: give one grid, not both');
  }
  if (options.spacing !== undefined) {
    throw new GradientError(
      'invalid-option',
      `spacing: ${describe(options.spacing)} cannot be given with ${name} (the grid gives the steps)`,
    );
  }
  if (options.operator !== undefined && options.operator !== 'central') {
    throw new GradientError(
      'invalid-option',
      `operator: ${describe(options.operator)} does not apply with ${name} (central differences only)`,
    );
  }
  return coordinates !== undefined ? curvilinear(options, shape, size) : sphereRequest(options, shape);
}

function curvilinear(options: GradientOptions, shape: readonly number[], size: number): GridRequest {
  const d = shape.length;
  if (d !== 2 && d !== 3) {
    throw new GradientError('invalid-shape', `coordinates: curvilinear grids are 2-D or 3-D; the data's shape is ${describe(shape)}`);
  }
  if (options.axis !== undefined) {
    throw new GradientError(
      'invalid-option',
      `axis: ${describe(options.axis)} cannot be given with coordinates (the results are along the physical axes x_0 … x_${d - 1})`,
    );
  }
  const prepared = options.coordinates instanceof PreparedCoordinates ? options.coordinates : null;
  if (prepared) {
    if (prepared.rank !== d) {
      throw new GradientError(
        'invalid-shape',
        `coordinates: prepared coordinates of a ${prepared.rank}-D grid given with ${d}-D data (shape ${describe(shape)})`,
      );
    }
    if (prepared.size !== size) {
      throw new GradientError('invalid-spacing', `coordinates: prepared coordinates of ${prepared.size} points but data has ${size}`);
    }
    if (options.period !== undefined) {
      throw new GradientError(
        'invalid-option',
        `period: ${describe(options.period)} cannot be given with prepared coordinates (prepareCoordinates takes it)`,
      );
    }
  }
  const arrays = prepared ? null : checkCoordinates(options.coordinates, d, size, 'data', true);
  return {
    axes: Array.from({ length: d }, (_, k) => k),
    steps() {
      return { spacing: new Array(d).fill(1), periods: new Array(d).fill(null) };
    },
    finish(plan) {
      if (prepared) return prepared.gridFor(plan);
      return new CoordinateGrid(arrays!, coordinatePeriods(options.period, d), plan);
    },
  };
}

/**
 * `coordinates` as d finite arrays of `size` entries each (as given, not copied), or a GradientError naming
 * the bad one. `floatsLater`: float arrays' entries are checked only where the grid's metric terms are
 * refused (metricTerms): a non-finite float coordinate always makes them refused, and the refusal then
 * names it (the scan took 8 % of a 1024² unprepared call; bench/NOTES.md, twenty-first session).
 */
function checkCoordinates(list: unknown, d: number, size: number, sizeOf = 'data', floatsLater = false): ArrayLike<number>[] {
  if (!Array.isArray(list) || list.length !== d) {
    throw new GradientError(
      'invalid-spacing',
      `coordinates: ${describe(list)} must be ${d} arrays (one per axis of the ${d}-D data: X, Y${d === 3 ? ', Z' : ''})`,
    );
  }
  return list.map((x, i) => {
    const a = x as ArrayLike<unknown>;
    if (typeof a !== 'object' || a === null || typeof a.length !== 'number') {
      throw new GradientError('invalid-spacing', `coordinates[${i}]: ${describe(x)} must be an array or typed array`);
    }
    if (a.length !== size) {
      throw new GradientError('invalid-spacing', `coordinates[${i}]: ${describe(x)} has ${a.length} entries but ${sizeOf} has ${size}`);
    }
    if (!(floatsLater && isFloatArray(a))) checkFinite(a, i, size);
    return a as ArrayLike<number>;
  });
}

function isFloatArray(a: unknown): a is Float64Array | Float32Array {
  return a instanceof Float64Array || a instanceof Float32Array;
}

/** Refuses coordinate array i at its first entry that is not a finite number. */
function checkFinite(a: ArrayLike<unknown>, i: number, size: number): void {
  const p = notFinite(a, size);
  if (p >= 0) throw new GradientError('invalid-spacing', `coordinates[${i}][${p}]: ${describe(a[p])} is not a finite coordinate`);
}

/**
 * The first of `size` entries that is not a finite number, or −1. Float arrays take a loop of their own
 * (x − x is 0 exactly for finite x): the general one, with a type test per entry, took 6 ms of a 1024²
 * grid's planning here (bench/NOTES.md, eighteenth session).
 */
function notFinite(a: ArrayLike<unknown>, size: number): number {
  if (isFloatArray(a)) {
    for (let p = 0; p < size; p++) if (a[p] - a[p] !== 0) return p;
    return -1;
  }
  for (let p = 0; p < size; p++) {
    const v = a[p];
    if (typeof v !== 'number' || !Number.isFinite(v)) return p;
  }
  return -1;
}

/** Options of {@link prepareCoordinates}. */
export interface PrepareCoordinatesOptions {
  /** As `period` with coordinates: the period by which a coordinate array's differences unwrap (one number, or one entry per array). */
  period?: number | readonly (number | null | undefined)[];
}

/**
 * Metric-term sets a PreparedCoordinates keeps (one per distinct plan of its grid: edge order, accuracy,
 * boundaries), each 8·d² bytes a point: a program alternating two plans keeps both.
 */
const KEPT_METRICS = 2;

/** Metric terms a PreparedCoordinates computed, numbered: they never change, so the number names their values. */
const keptMetrics = new WeakMap<Float64Array, number>();
let metricsNumbered = 0;

/** Sphere grids of remembered plans (nameGrid), numbered: a grid's numbers never change once made. */
const namedSpheres = new WeakMap<SphereGrid, number>();
let spheresNamed = 0;

/**
 * A name for a grid's numbers that is the same exactly when they are, or null where they are computed per
 * call: a prepared curvilinear grid's kept metric terms, or a sphere grid of a plan that later calls will
 * find again (nameGrid), so host calls can keep their GPU work (src/gpu/host.ts). A grid made per call has
 * none: its kept work would only push out another's.
 */
export function gridIdentity(grid: Grid): string | null {
  const n =
    grid instanceof CoordinateGrid ? undefined : grid.kind === 'curvilinear' ? keptMetrics.get(grid.metricsNow()) : namedSpheres.get(grid);
  return n === undefined ? null : `${grid.kind} ${n}`;
}

/** Names a sphere grid whose plan is remembered for later calls (request.ts); its rows per latitude are a few numbers, so keeping them costs little. */
export function nameGrid(grid: Grid): void {
  if (grid.kind === 'sphere' && !namedSpheres.has(grid)) namedSpheres.set(grid, ++spheresNamed);
}

/**
 * A curvilinear grid checked and copied once, to pass as `coordinates` to any number of calls on data of
 * its size: each plan's metric terms (which depend on the call's edge order, accuracy and boundaries) are
 * computed on its first call and kept for the next, on the CPU and the GPU. Made by
 * {@link prepareCoordinates}; later changes to the arrays it was made from do not reach it.
 */
export class PreparedCoordinates {
  /** The rank of the grid: 2 ([X, Y]) or 3 ([X, Y, Z]). */
  readonly rank: number;
  /** Points of the grid: the length of each coordinate array. */
  readonly size: number;
  private readonly arrays: readonly Float64Array[];
  private readonly periods: readonly (number | null)[];
  private readonly grids = new Map<string, CurvilinearGrid>();

  /** @internal Use {@link prepareCoordinates}. */
  constructor(arrays: readonly Float64Array[], periods: readonly (number | null)[]) {
    this.arrays = arrays;
    this.periods = periods;
    this.rank = arrays.length;
    this.size = arrays[0].length;
  }

  /** @internal The grid of `plan`, its metric terms kept (callers never write into them). */
  gridFor(plan: Plan): CurvilinearGrid {
    const key = JSON.stringify([plan.shape, plan.edgeOrder, plan.accuracy, plan.axes.map((ax) => [ax.lo.mode, ax.hi.mode, ax.periodic])]);
    let grid = this.grids.get(key);
    if (grid) {
      this.grids.delete(key); // most recently used last
    } else {
      const metrics = metricTerms(this.arrays, this.periods, plan, new Float64Array(plan.size * this.rank ** 2));
      keptMetrics.set(metrics, ++metricsNumbered);
      grid = { kind: 'curvilinear', metricsNow: () => metrics };
      if (this.grids.size >= KEPT_METRICS) this.grids.delete(this.grids.keys().next().value!);
    }
    this.grids.set(key, grid);
    return grid;
  }
}

/**
 * Checks and copies a curvilinear grid's coordinates ([X, Y] or [X, Y, Z], each array one entry per
 * point in C order) for repeated calls: `coordinates: prepareCoordinates([X, Y])` gives every call the
 * results `coordinates: [X, Y]` gives, without recomputing the metric terms (measured at 1024², 2-D, on
 * a 2-core VM: 80 ms of each host call's planning). Refused as `coordinates` would be: not 2 or 3 arrays,
 * arrays of different lengths, non-finite entries, a bad `period` (`invalid-spacing`).
 */
export function prepareCoordinates(
  coordinates: readonly ArrayLike<number>[],
  options: PrepareCoordinatesOptions = {},
): PreparedCoordinates {
  const list = coordinates as unknown;
  if (!Array.isArray(list) || (list.length !== 2 && list.length !== 3)) {
    throw new GradientError('invalid-spacing', `coordinates: ${describe(list)} must be 2 or 3 arrays ([X, Y] or [X, Y, Z])`);
  }
  const first = list[0] as { length?: unknown } | null;
  const size = typeof first === 'object' && first !== null && typeof first.length === 'number' ? first.length : -1;
  if (size < 0) throw new GradientError('invalid-spacing', `coordinates[0]: ${describe(list[0])} must be an array or typed array`);
  const arrays = checkCoordinates(list, list.length, size, 'coordinates[0]').map((a) => Float64Array.from(a));
  return new PreparedCoordinates(arrays, coordinatePeriods(options.period, list.length));
}

/** `period` with coordinates: per coordinate array (null: none), the period by which its differences unwrap (an angle such as longitude). */
function coordinatePeriods(period: unknown, d: number): (number | null)[] {
  if (period === undefined) return new Array(d).fill(null);
  const check = (p: unknown, where: string) => {
    if (p === null || p === undefined) return null;
    if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0) {
      throw new GradientError('invalid-spacing', `${where}: ${describe(p)} is not a finite, positive period`);
    }
    return p;
  };
  if (typeof period === 'number') return new Array(d).fill(check(period, 'period'));
  if (!Array.isArray(period) || period.length !== d) {
    throw new GradientError(
      'invalid-spacing',
      `period: ${describe(period)} must be a number or have one entry per coordinate array (${d})`,
    );
  }
  return period.map((p, i) => check(p, `period[${i}]`));
}

/**
 * An unprepared grid (`coordinates` given as arrays): planning computes and checks its metric terms into
 * one kept array, shared by every unprepared grid, where the call reads them at once. A 1024² grid's
 * 32 MiB of metric terms made fresh each call took 18 ms of page faults on this project's VM
 * (bench/NOTES.md, eighteenth session).
 */
class CoordinateGrid implements CurvilinearGrid {
  readonly kind = 'curvilinear';
  private readonly serial = ++gridsPlanned;

  constructor(
    private readonly coords: readonly ArrayLike<number>[],
    private readonly periods: readonly (number | null)[],
    private readonly plan: Plan,
  ) {
    this.intoScratch();
  }

  metricsNow(): Float64Array {
    const held = lastPlanned;
    const kept = held !== null && held.serial === this.serial ? held.metrics.deref() : undefined;
    return kept ?? this.intoScratch();
  }

  private intoScratch(): Float64Array {
    const length = this.plan.size * this.coords.length ** 2;
    let array = lastPlanned?.metrics.deref();
    if (array === undefined || array.length !== length) array = new Float64Array(length);
    lastPlanned = null; // while it is written: a refusal leaves no grid's numbers in it
    metricTerms(this.coords, this.periods, this.plan, array);
    lastPlanned = { serial: this.serial, metrics: new WeakRef(array) };
    return array;
  }
}

/** The kept scratch of unprepared grids' metric terms (a weak reference: it keeps no memory alive), and whose they are. */
let lastPlanned: { readonly serial: number; readonly metrics: WeakRef<Float64Array> } | null = null;
let gridsPlanned = 0;

/**
 * M = J^(−T) at every point into `metrics`, from the index-space derivatives of the coordinate arrays.
 * Refuses a grid whose Jacobian determinant is zero, not finite, or of another sign than at the first
 * point (folded).
 */
function metricTerms(
  coords: readonly ArrayLike<number>[],
  periods: readonly (number | null)[],
  plan: Plan,
  metrics: Float64Array,
): Float64Array {
  const d = coords.length;
  const N = plan.size;
  // The Jacobian's entries in kept scratch: only the metric terms outlive the call (fresh memory is
  // page-faulted on first touch; bench/NOTES.md, sixteenth session).
  const J = coords.map((x, i) => plan.axes.map((ax, j) => coordinateDerivative(x, ax, plan, periods[i], jacobian.array(i * d + j, N))));
  const refused = (p: number, det: number): never => {
    // A non-finite coordinate (an unprepared grid's float arrays are not scanned before): named first, as checkCoordinates names it.
    coords.forEach((x, i) => checkFinite(x, i, N));
    return gridRefused(p, det, plan);
  };
  return d === 2 ? metricTerms2(J, refused, metrics) : metricTerms3(J, refused, metrics);
}

const jacobian = new KeptScratch();

/**
 * metricTerms in two dimensions: M[i][j] = (J^−1)[j][i] = cofactor(i, j) / det, the Jacobian's entries
 * read from their arrays in place. 1024²: see bench/NOTES.md, sixteenth session.
 */
function metricTerms2(J: readonly (readonly Float64Array[])[], refused: Refusal, metrics: Float64Array): Float64Array {
  const [[j00, j01], [j10, j11]] = J;
  let sign = 0;
  for (let p = 0, m = 0; p < j00.length; p++, m += 4) {
    const a0 = j00[p],
      a1 = j01[p],
      a3 = j10[p],
      a4 = j11[p];
    const det = a0 * a4 - a1 * a3;
    if (sign === 0 && det !== 0 && Number.isFinite(det)) sign = Math.sign(det);
    if (det === 0 || !Number.isFinite(det) || Math.sign(det) !== sign) refused(p, det);
    metrics[m] = a4 / det;
    metrics[m + 1] = -a3 / det;
    metrics[m + 2] = -a1 / det;
    metrics[m + 3] = a0 / det;
  }
  return metrics;
}

/**
 * metricTerms in three dimensions: M[i][j] = (J^−1)[j][i] = cofactor(i, j) / det (the adjugate's
 * transpose), the Jacobian's entries read from their arrays in place. A 9-entry array per point with the
 * cofactors' indices taken modulo 3 took 236 ms of a 128³ call here (bench/NOTES.md, eighteenth session).
 */
function metricTerms3(J: readonly (readonly Float64Array[])[], refused: Refusal, metrics: Float64Array): Float64Array {
  const [[j00, j01, j02], [j10, j11, j12], [j20, j21, j22]] = J;
  let sign = 0;
  for (let p = 0, m = 0; p < j00.length; p++, m += 9) {
    const a0 = j00[p],
      a1 = j01[p],
      a2 = j02[p],
      a3 = j10[p],
      a4 = j11[p],
      a5 = j12[p],
      a6 = j20[p],
      a7 = j21[p],
      a8 = j22[p];
    const det = a0 * (a4 * a8 - a5 * a7) - a1 * (a3 * a8 - a5 * a6) + a2 * (a3 * a7 - a4 * a6);
    if (sign === 0 && det !== 0 && Number.isFinite(det)) sign = Math.sign(det);
    if (det === 0 || !Number.isFinite(det) || Math.sign(det) !== sign) refused(p, det);
    metrics[m] = (a4 * a8 - a5 * a7) / det;
    metrics[m + 1] = (a5 * a6 - a3 * a8) / det;
    metrics[m + 2] = (a3 * a7 - a4 * a6) / det;
    metrics[m + 3] = (a7 * a2 - a8 * a1) / det;
    metrics[m + 4] = (a8 * a0 - a6 * a2) / det;
    metrics[m + 5] = (a6 * a1 - a7 * a0) / det;
    metrics[m + 6] = (a1 * a5 - a2 * a4) / det;
    metrics[m + 7] = (a2 * a3 - a0 * a5) / det;
    metrics[m + 8] = (a0 * a4 - a1 * a3) / det;
  }
  return metrics;
}

/** metricTerms' refusal at point p, with the determinant there. */
type Refusal = (p: number, det: number) => never;

/** Refuses a grid degenerate or folded at point p. */
function gridRefused(p: number, det: number, plan: Plan): never {
  const at = describe(indexOf(p, plan.shape));
  const why =
    det === 0 || !Number.isFinite(det)
      ? `is degenerate at point ${at} (Jacobian determinant ${det})`
      : `folds at point ${at}: its Jacobian determinant ${det} has the other sign than at ${describe(indexOf(0, plan.shape))}`;
  throw new GradientError('invalid-spacing', `coordinates: the grid ${why}`);
}

/** The C-order multi-index of flat index p. */
function indexOf(p: number, shape: readonly number[]): number[] {
  const index = new Array(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = p % shape[k];
    p = Math.floor(p / shape[k]);
  }
  return index;
}

/**
 * ∂x/∂ξ along `ax` (unit steps): numpy's stencils on 'edge' sides (the plan's edge order and accuracy);
 * on a ghost side the interior stencil with reflected coordinates x[−k] = 2·x[0] − x[k], as 1-D
 * coordinate arrays are extended (the data's ghost mode is not a coordinate's); on a periodic axis the
 * wrapped stencil, with the neighbours across the seam shifted by a multiple of `period` so that the
 * difference across it lies within half a period.
 */
function coordinateDerivative(coords: ArrayLike<number>, ax: AxisPlan, plan: Plan, period: number | null, out: Float64Array): Float64Array {
  const index: Plan = { ...plan, skip: false, mask: null, grid: null };
  const x = period === null ? coords : unwrapped(coords, ax, period);
  if (ax.periodic) return unwrappedPeriodic(x, ax, plan.accuracy, period, out);
  const edge: Side = { mode: 'edge', cval: 0 };
  const lo = ax.lo.mode !== 'edge',
    hi = ax.hi.mode !== 'edge';
  gradientAlong(x, { ...index, axes: [{ ...ax, lo: edge, hi: edge }] }, 0, out);
  if (!lo && !hi) return out;
  const { n, outer, inner: s } = ax;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < s; j++) {
      const base = o * n * s + j;
      const v = (i: number) => x[base + i * s];
      const set = (i: number, value: number) => {
        out[base + i * s] = value;
      };
      if (plan.accuracy === 4) {
        if (lo) {
          set(0, (-v(2) + 8 * v(1) - 7 * v(0)) / 6);
          set(1, (-v(3) + 8 * v(2) - v(1) - 6 * v(0)) / 12);
        }
        if (hi) {
          set(n - 1, (v(n - 3) - 8 * v(n - 2) + 7 * v(n - 1)) / 6);
          set(n - 2, (v(n - 4) - 8 * v(n - 3) + v(n - 2) + 6 * v(n - 1)) / 12);
        }
      } else {
        if (lo) set(0, v(1) - v(0));
        if (hi) set(n - 1, v(n - 1) - v(n - 2));
      }
    }
  }
  return out;
}

/**
 * The coordinates made continuous along `ax`: each line x[i] + C_i, C_i the multiple of `period` that
 * brings every difference x[i] − x[i−1] within half a period (numpy.unwrap's rule).
 */
function unwrapped(x: ArrayLike<number>, ax: AxisPlan, period: number): Float64Array {
  const { n, outer, inner: s } = ax;
  const u = Float64Array.from(x);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < s; j++) {
      const base = o * n * s + j;
      let correction = 0;
      for (let i = 1; i < n; i++) {
        correction -= period * Math.round((x[base + i * s] - x[base + (i - 1) * s]) / period);
        u[base + i * s] = x[base + i * s] + correction;
      }
    }
  }
  return u;
}

/** The wrapped central stencil (second or fourth order, unit steps), x continued across the seam by a multiple of `period`. */
function unwrappedPeriodic(x: ArrayLike<number>, ax: AxisPlan, accuracy: 2 | 4, period: number | null, out: Float64Array): Float64Array {
  const { n, outer, inner: s } = ax;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < s; j++) {
      const base = o * n * s + j;
      const jump = x[base] - x[base + (n - 1) * s];
      const shift = period === null ? 0 : -period * Math.round(jump / period); // x[n + k] = x[k] + shift
      const v = (i: number) => (i < 0 ? x[base + (i + n) * s] - shift : i >= n ? x[base + (i - n) * s] + shift : x[base + i * s]);
      for (let i = 0; i < n; i++) {
        out[base + i * s] = accuracy === 4 ? (-v(i + 2) + 8 * v(i + 1) - 8 * v(i - 1) + v(i - 2)) / 12 : (v(i + 1) - v(i - 1)) / 2;
      }
    }
  }
  return out;
}

const SPHERE_KEYS = ['latitude', 'longitude', 'radius', 'degrees', 'latitudeAxis', 'longitudeAxis'];

function sphereRequest(options: GradientOptions, shape: readonly number[]): GridRequest {
  const s = options.sphere as SphereOptions;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) {
    throw new GradientError('invalid-option', `sphere: ${describe(s)} must be { latitude, longitude, radius?, degrees? }`);
  }
  for (const key of Object.keys(s)) {
    if (!SPHERE_KEYS.includes(key))
      throw new GradientError('invalid-option', `sphere.${key}: unknown (expected one of ${SPHERE_KEYS.join(', ')})`);
  }
  const rank = shape.length;
  if (rank < 2)
    throw new GradientError('invalid-shape', `sphere: needs a latitude and a longitude axis; the data's shape is ${describe(shape)}`);
  if (options.period !== undefined) {
    throw new GradientError(
      'invalid-option',
      `period: ${describe(options.period)} cannot be given with sphere (a periodic longitude axis has the period 360°)`,
    );
  }
  const [latAxis, lonAxis] = sphereAxes(s, options.axis, rank);
  const degrees = s.degrees ?? true;
  if (typeof degrees !== 'boolean') throw new GradientError('invalid-option', `sphere.degrees: ${describe(degrees)} must be true or false`);
  const radius = s.radius ?? EARTH_RADIUS;
  if (typeof radius !== 'number' || !Number.isFinite(radius) || radius <= 0) {
    throw new GradientError('invalid-spacing', `sphere.radius: ${describe(radius)} is not a finite, positive radius`);
  }
  const unit = degrees ? Math.PI / 180 : 1;
  const pole = degrees ? 90 : Math.PI / 2;
  const radians = (values: unknown, name: 'latitude' | 'longitude', axis: number) => {
    const a = values as ArrayLike<unknown>;
    if (typeof a !== 'object' || a === null || typeof a.length !== 'number') {
      throw new GradientError('invalid-spacing', `sphere.${name}: ${describe(values)} must be an array of the ${name}s of axis ${axis}`);
    }
    if (a.length !== shape[axis]) {
      throw new GradientError('invalid-spacing', `sphere.${name}: ${a.length} entries for axis ${axis} of length ${shape[axis]}`);
    }
    return Float64Array.from({ length: a.length }, (_, i) => {
      const v = a[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new GradientError('invalid-spacing', `sphere.${name}[${i}]: ${describe(v)} is not a finite ${name}`);
      }
      if (name === 'latitude' && Math.abs(v) > pole) {
        throw new GradientError('invalid-spacing', `sphere.latitude[${i}]: ${v} lies beyond the pole (±${degrees ? '90°' : 'π/2'})`);
      }
      return v * unit;
    });
  };
  const lat = radians(s.latitude, 'latitude', latAxis);
  const lon = radians(s.longitude, 'longitude', lonAxis);
  const latitudes = s.latitude as ArrayLike<number>;
  return {
    axes: [latAxis, lonAxis],
    steps(sides) {
      const wraps = sides[1][0].mode === 'periodic';
      if (sides[0][0].mode === 'periodic') {
        throw new GradientError(
          'invalid-option',
          "boundary: 'periodic' on the latitude axis (a latitude axis ends at its first and last rows)",
        );
      }
      if (wraps) checkSpansGlobe(lon);
      return { spacing: [lat, lon], periods: [null, wraps ? 2 * Math.PI : null] };
    },
    finish() {
      const cos = Float64Array.from(lat, (phi, i) => (Math.abs(latitudes[i]) === pole ? 0 : Math.cos(phi)));
      const inverse = Float64Array.from(cos, (c) => (c === 0 ? Number.NaN : 1 / (radius * c)));
      return { kind: 'sphere', radius, cos, inverse };
    },
  };
}

/** [latitude axis, longitude axis]: from sphere.latitudeAxis/longitudeAxis, else `axis` ([lat, lon]), else the last two. */
function sphereAxes(s: SphereOptions, axis: unknown, rank: number): [number, number] {
  const normal = (a: unknown, where: string) => {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < -rank || a >= rank) {
      throw new GradientError('invalid-axis', `${where}: ${describe(a)} is not an axis of an array of rank ${rank}`);
    }
    return a < 0 ? a + rank : a;
  };
  let pair: [number, number] = [rank - 2, rank - 1];
  if (axis !== undefined) {
    if (!Array.isArray(axis) || axis.length !== 2) {
      throw new GradientError('invalid-axis', `axis: ${describe(axis)} must be [latitude axis, longitude axis] with sphere`);
    }
    pair = [normal(axis[0], 'axis[0]'), normal(axis[1], 'axis[1]')];
  }
  const given = [s.latitudeAxis, s.longitudeAxis];
  given.forEach((a, k) => {
    if (a === undefined) return;
    const where = k === 0 ? 'sphere.latitudeAxis' : 'sphere.longitudeAxis';
    const value = normal(a, where);
    if (axis !== undefined && value !== pair[k]) {
      throw new GradientError('invalid-axis', `${where}: ${a} disagrees with axis ${describe(axis)}`);
    }
    pair[k] = value;
  });
  if (pair[0] === pair[1]) throw new GradientError('invalid-axis', `sphere: the latitude and longitude axes are both axis ${pair[0]}`);
  return pair;
}

/** A periodic longitude axis must go round the globe: its wrap-around step positive and no more than twice its largest step. */
function checkSpansGlobe(lon: Float64Array): void {
  const n = lon.length;
  const direction = Math.sign(lon[1] - lon[0]);
  const wrap = (lon[0] + direction * 2 * Math.PI - lon[n - 1]) * direction;
  let largest = 0;
  for (let i = 1; i < n; i++) largest = Math.max(largest, Math.abs(lon[i] - lon[i - 1]));
  if (!(wrap > 0) || wrap > 2 * largest) {
    throw new GradientError(
      'invalid-spacing',
      `sphere.longitude: boundary 'periodic' needs longitudes that go round the globe; from the last to the first the step is ${((wrap * 180) / Math.PI).toPrecision(4)}° where the largest other step is ${((largest * 180) / Math.PI).toPrecision(4)}°`,
    );
  }
}
