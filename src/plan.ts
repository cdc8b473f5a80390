import type { DataInfo } from './data.js';
import { describe, GradientError } from './errors.js';
import { type Grid, gridRequest } from './grid.js';
import type { BoundaryMode, GradientOptions } from './types.js';

/**
 * One differentiated axis, seen as the C-order view (outer, n, inner):
 * element (o, i, j) sits at (o·n + i)·inner + j.
 */
export interface AxisPlan {
  readonly axis: number;
  readonly n: number;
  readonly outer: number;
  readonly inner: number;
  /** Uniform step, or null when `dx` holds non-uniform steps. */
  readonly step: number | null;
  /** Boundary 'periodic' on this axis: every point central, neighbours modulo n. */
  readonly periodic: boolean;
  /** The boundary before index 0 and after index n − 1 (both 'periodic' exactly when `periodic`). */
  readonly lo: Side;
  readonly hi: Side;
  /**
   * Non-uniform steps x[i+1] − x[i], or null for a uniform axis: length n − 1, or n for a periodic axis
   * (the last one the wrap-around step x[0] + period − x[n−1]).
   */
  readonly dx: Float64Array | null;
}

/** Everything a backend needs to compute a gradient; validated once, never re-checked. */
export interface Plan {
  readonly shape: readonly number[];
  readonly size: number;
  /** numpy's edge order, on the axes whose boundary is 'edge'. */
  readonly edgeOrder: 1 | 2;
  readonly accuracy: 2 | 4;
  /** 'sobel' and 'scharr' (2-D only): the difference along an axis smoothed across it, borders mirrored. */
  readonly operator: 'central' | 'sobel' | 'scharr';
  readonly axes: readonly AxisPlan[];
  /**
   * `invalid: 'skip'`: points whose value is not finite, or whose `mask` entry is 0/false, are gaps; each
   * run of valid points along an axis is differentiated alone (src/cpu/lines.ts).
   */
  readonly skip: boolean;
  /** The caller's mask (the data's length, 0/false = invalid), with 'skip' only; null when none. */
  readonly mask: ArrayLike<unknown> | null;
  /**
   * A curvilinear grid or the sphere (src/grid.ts): the axes are then index space (curvilinear) or
   * [latitude, longitude] in radians (sphere), and first derivatives are mapped to physical axes. Null
   * for numpy's grids (a step or coordinates per axis).
   */
  readonly grid: Grid | null;
}

export const BOUNDARY_MODES: readonly BoundaryMode[] = ['edge', 'periodic', 'nearest', 'mirror', 'reflect', 'constant'];

/** One side of an axis: its mode, and the ghost value of 'constant' (0 for the other modes). */
export interface Side {
  readonly mode: BoundaryMode;
  readonly cval: number;
}

/** Whether a side is one of scipy.ndimage's ghost-cell modes (every point then takes the interior stencil). */
export function isGhost(side: Side): boolean {
  return side.mode !== 'edge' && side.mode !== 'periodic';
}

const OPTION_KEYS = [
  'shape',
  'spacing',
  'axis',
  'edgeOrder',
  'boundary',
  'cval',
  'period',
  'accuracy',
  'operator',
  'invalid',
  'mask',
  'coordinates',
  'sphere',
];

/**
 * The same plan over `count` arrays stacked along a new first axis that is not differentiated: what
 * concurrent calls of one plan compute in one dispatch. Selected axes keep their order and steps.
 */
export function stackedPlan(plan: Plan, count: number): Plan {
  return {
    ...plan,
    shape: [count, ...plan.shape],
    size: count * plan.size,
    axes: plan.axes.map((ax) => ({ ...ax, axis: ax.axis + 1, outer: ax.outer * count })),
  };
}

/**
 * A string equal for two plans exactly when they describe the same work on arrays of the same shape — for
 * plans without a grid: a grid's metric terms are not in it, so plans with one are never batched (host.ts).
 * Numbers are written as String writes them: JSON wrote a cval of Infinity and of -Infinity both as null,
 * and a call with one then took the work kept for the other. The host path writes it once per plan object
 * (callShape, host.ts).
 */
export function planKey(plan: Plan): string {
  let key = `${plan.shape.join('x')}|${plan.edgeOrder}|${plan.accuracy}|${plan.operator}|${plan.skip}|${plan.grid !== null}`;
  for (const ax of plan.axes) {
    key += `|${ax.axis},${ax.n},${ax.step},${sideKey(ax.lo)},${sideKey(ax.hi)}`;
    if (ax.dx !== null) key += `,[${ax.dx.join(',')}]`;
  }
  return key;
}

/** A side in a plan key: every field of Side. */
function sideKey(side: Side): string {
  return `${side.mode}:${side.cval}`;
}

/**
 * Points the stencils need on an axis with these sides: five for accuracy 4; three when periodic; an
 * 'edge' side numpy's edgeOrder + 1; a ghost side two (mirror's first ghost is f[1]).
 */
export function minimumLength(edgeOrder: 1 | 2, sides: readonly [Side, Side], accuracy: 2 | 4): number {
  if (accuracy === 4) return 5;
  if (sides[0].mode === 'periodic') return 3;
  return Math.max(...sides.map((s) => (s.mode === 'edge' ? edgeOrder + 1 : 2)));
}

/** numpy's sides: one-sided differences at both ends. */
const NUMPY_SIDES: readonly [Side, Side] = Object.freeze([
  Object.freeze({ mode: 'edge', cval: 0 }),
  Object.freeze({ mode: 'edge', cval: 0 }),
] as [Side, Side]);

/**
 * Validates numpy-style arguments and normalises them into a per-axis plan.
 * `extraKeys` names options a caller (the GPU path) handles itself, so typos are still refused.
 */
export function makePlan(info: DataInfo, options: GradientOptions | undefined, extraKeys: readonly string[] = []): Plan {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new GradientError('invalid-option', `options: ${describe(options)} must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw new GradientError(
        'invalid-option',
        `options.${key}: unknown option (expected one of ${[...OPTION_KEYS, ...extraKeys].join(', ')})`,
      );
    }
  }
  if (info.shape !== undefined && options.shape !== undefined) {
    throw new GradientError(
      'invalid-shape',
      `shape: ${describe(options.shape)} given with an ndarray view, which has its own shape ${describe(info.shape)}`,
    );
  }
  const shape = info.shape ? info.shape.slice() : checkShape(options.shape, info.length);
  const grid = gridRequest(options, shape, info.length);
  const axes = grid ? grid.axes : checkAxes(options.axis, shape.length);
  const edgeOrder = checkEdgeOrder(options.edgeOrder);
  const sides = checkBoundaries(options.boundary, options.cval, axes.length);
  const accuracy = checkChoice(options.accuracy, 'accuracy', [2, 4] as const, 2);
  const operator = checkChoice(options.operator, 'operator', ['central', 'sobel', 'scharr'] as const, 'central');
  if (operator !== 'central') checkOperator(operator, options, shape);
  const { skip, mask } = checkInvalid(options, info.length, accuracy);
  const gridSteps = grid?.steps(sides);
  const steps = gridSteps ? gridSteps.spacing : checkSpacingList(options.spacing, axes.length);
  const periods = gridSteps
    ? gridSteps.periods
    : checkPeriods(
        options.period,
        sides.map((s) => s[0].mode),
      );
  const size = info.length;

  const planned = axes.map((axis, k): AxisPlan => {
    const n = shape[axis];
    const [lo, hi] = sides[k];
    const periodic = lo.mode === 'periodic';
    if (operator !== 'central')
      return { axis, n, outer: outerOf(shape, axis), inner: innerOf(shape, axis), step: 1, periodic, lo, hi, dx: null };
    const needed = minimumLength(edgeOrder, sides[k], accuracy);
    if (n < needed) {
      const why =
        accuracy === 4
          ? 'accuracy 4'
          : periodic
            ? 'a periodic boundary'
            : lo.mode === 'edge' || hi.mode === 'edge'
              ? `edgeOrder ${edgeOrder}`
              : `boundary ${describe(lo.mode === hi.mode ? lo.mode : [lo.mode, hi.mode])}`;
      throw new GradientError('axis-too-short', `shape[${axis}] = ${n}: axis ${axis} needs at least ${needed} points for ${why}`);
    }
    const outer = outerOf(shape, axis);
    const inner = innerOf(shape, axis);
    const spacing = steps[k];
    if (typeof spacing === 'number') {
      if (periods[k] !== null) {
        throw new GradientError(
          'invalid-spacing',
          `period[${k}]: ${periods[k]} given for an axis with the scalar step ${spacing} (its period is n·step)`,
        );
      }
      return { axis, n, outer, inner, step: spacing, periodic, lo, hi, dx: null };
    }
    const steps1 = coordinateSteps(spacing, n, k, periodic ? periods[k] : undefined);
    if (accuracy === 4 && steps1.dx !== null) {
      throw new GradientError('invalid-spacing', `spacing[${k}]: accuracy 4 needs uniform steps; these coordinates are unevenly spaced`);
    }
    return { axis, n, outer, inner, periodic, lo, hi, ...steps1 };
  });
  const plan: Plan = { shape, size, edgeOrder, accuracy, operator, axes: planned, skip, mask, grid: null };
  return grid ? { ...plan, grid: grid.finish(plan) } : plan;
}

/**
 * Sobel and Scharr: 2-D arrays only, none of the options they do not use (their weights are fixed and
 * unnormalised), and at least 2 points along both axes (the mirrored border reads f[1] for f[−1]).
 */
function checkOperator(operator: 'sobel' | 'scharr', options: GradientOptions, shape: readonly number[]): void {
  if (shape.length !== 2) {
    throw new GradientError(
      'invalid-option',
      `operator: ${describe(operator)} needs a 2-D array (shape [rows, columns]); shape is ${describe(shape)}`,
    );
  }
  const unused: [keyof GradientOptions, unknown][] = [
    ['spacing', undefined],
    ['period', undefined],
    ['cval', undefined],
    ['invalid', 'propagate'],
    ['mask', undefined],
    ['edgeOrder', 1],
    ['boundary', 'edge'],
    ['accuracy', 2],
  ];
  for (const [name, allowed] of unused) {
    const value = options[name];
    if (value !== undefined && value !== allowed) {
      throw new GradientError(
        'invalid-option',
        `${name}: ${describe(value)} does not apply to operator ${describe(operator)} (fixed, unnormalised weights, mirrored borders)`,
      );
    }
  }
  shape.forEach((n, d) => {
    if (n < 2) {
      throw new GradientError(
        'axis-too-short',
        `shape[${d}] = ${n}: operator ${describe(operator)} mirrors the borders and needs at least 2 points along each axis`,
      );
    }
  });
}

function checkChoice<T extends string | number>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new GradientError('invalid-option', `${name}: ${describe(value)} must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
  }
  return value as T;
}

/**
 * The two sides of every selected axis from `boundary` (a mode for all, or one entry per selected axis,
 * each a mode or a [before, after] pair) and `cval` (a number for all, or one entry per selected axis,
 * each a number or a pair). 'periodic' only as both sides; `cval` only where some side is 'constant'.
 */
function checkBoundaries(boundary: unknown, cval: unknown, count: number): [Side, Side][] {
  // Most calls give neither: numpy's sides, shared (sides are never changed), without the checks' closures.
  if (boundary === undefined && cval === undefined) return new Array(count).fill(NUMPY_SIDES);
  const mode = (b: unknown, where: string) => checkChoice(b, where, BOUNDARY_MODES, 'edge');
  const pair = (b: unknown, where: string): [BoundaryMode, BoundaryMode] => {
    if (!Array.isArray(b)) {
      const m = mode(b, where);
      return [m, m];
    }
    if (b.length !== 2) {
      throw new GradientError('invalid-option', `${where}: ${describe(b)} must be a mode or a [before, after] pair of modes`);
    }
    const both: [BoundaryMode, BoundaryMode] = [mode(b[0], `${where}[0]`), mode(b[1], `${where}[1]`)];
    if ((both[0] === 'periodic') !== (both[1] === 'periodic')) {
      throw new GradientError(
        'invalid-option',
        `${where}: ${describe(b)} — 'periodic' wraps the axis, so it applies to both sides or neither`,
      );
    }
    return both;
  };
  let modes: [BoundaryMode, BoundaryMode][];
  if (!Array.isArray(boundary)) modes = new Array(count).fill(pair(boundary, 'boundary'));
  else {
    if (boundary.length !== count) {
      throw new GradientError(
        'invalid-option',
        `boundary: ${describe(boundary)} has ${boundary.length} entries for ${count} selected axes (give one per selected axis — a mode or a [before, after] pair — or one mode for all)`,
      );
    }
    modes = boundary.map((b, k) => pair(b, `boundary[${k}]`));
  }
  const values = checkCval(cval, count, modes);
  return modes.map(([lo, hi], k): [Side, Side] => [
    { mode: lo, cval: lo === 'constant' ? values[k][0] : 0 },
    { mode: hi, cval: hi === 'constant' ? values[k][1] : 0 },
  ]);
}

/** `cval`: [before, after] per selected axis (0 by default). */
function checkCval(cval: unknown, count: number, modes: readonly [BoundaryMode, BoundaryMode][]): [number, number][] {
  if (cval === undefined) return new Array(count).fill([0, 0]);
  if (!modes.some(([lo, hi]) => lo === 'constant' || hi === 'constant')) {
    throw new GradientError('invalid-option', `cval: ${describe(cval)} is only meaningful with boundary 'constant'`);
  }
  const value = (v: unknown, where: string) => {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new GradientError('invalid-option', `${where}: ${describe(v)} must be a number`);
    return v;
  };
  const pair = (v: unknown, where: string): [number, number] => {
    if (!Array.isArray(v)) return [value(v, where), value(v, where)];
    if (v.length !== 2) throw new GradientError('invalid-option', `${where}: ${describe(v)} must be a number or a [before, after] pair`);
    return [value(v[0], `${where}[0]`), value(v[1], `${where}[1]`)];
  };
  if (!Array.isArray(cval)) return new Array(count).fill(pair(cval, 'cval'));
  if (cval.length !== count) {
    throw new GradientError(
      'invalid-option',
      `cval: ${describe(cval)} has ${cval.length} entries for ${count} selected axes (give one per selected axis, or one number for all)`,
    );
  }
  return cval.map((v, k) => pair(v, `cval[${k}]`));
}

/** `invalid` ('propagate' or 'skip') and `mask` (with 'skip' only, the data's length). */
function checkInvalid(options: GradientOptions, length: number, accuracy: 2 | 4): { skip: boolean; mask: ArrayLike<unknown> | null } {
  const invalid = checkChoice(options.invalid, 'invalid', ['propagate', 'skip'] as const, 'propagate');
  if (invalid === 'skip' && accuracy === 4) {
    throw new GradientError('invalid-option', "accuracy: 4 is not available with invalid 'skip' (second order only)");
  }
  const mask = options.mask;
  if (mask === undefined) return { skip: invalid === 'skip', mask: null };
  if (invalid !== 'skip') {
    throw new GradientError(
      'invalid-option',
      `mask: given with invalid ${describe(invalid)}; a mask marks gaps, which only invalid: 'skip' uses`,
    );
  }
  if (typeof mask !== 'object' || mask === null || typeof (mask as ArrayLike<unknown>).length !== 'number') {
    throw new GradientError('invalid-option', `mask: ${describe(mask)} must be an array or typed array (0/false = invalid)`);
  }
  if ((mask as ArrayLike<unknown>).length !== length) {
    throw new GradientError(
      'invalid-option',
      `mask: ${describe(mask)} has ${(mask as ArrayLike<unknown>).length} entries but data has ${length}`,
    );
  }
  return { skip: true, mask: mask as ArrayLike<unknown> };
}

/** One period (or null) per selected axis; only periodic axes take one. */
function checkPeriods(period: unknown, boundaries: readonly BoundaryMode[]): (number | null)[] {
  const count = boundaries.length;
  if (period === undefined) return new Array(count).fill(null);
  if (!boundaries.includes('periodic'))
    throw new GradientError('invalid-option', `period: ${describe(period)} is only meaningful with boundary 'periodic'`);
  const check = (p: unknown, where: string) => {
    if (p === null || p === undefined) return null;
    if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0)
      throw new GradientError('invalid-spacing', `${where}: ${describe(p)} is not a finite, positive period`);
    return p;
  };
  if (typeof period === 'number') return boundaries.map((b) => (b === 'periodic' ? check(period, 'period') : null));
  if (!Array.isArray(period) || period.length !== count) {
    throw new GradientError(
      'invalid-spacing',
      `period: ${describe(period)} must be a number or have one entry per selected axis (${count})`,
    );
  }
  return period.map((p, k) => {
    if (boundaries[k] !== 'periodic' && p !== null && p !== undefined) {
      throw new GradientError(
        'invalid-option',
        `period[${k}]: ${describe(p)} given for selected axis ${k}, whose boundary is '${boundaries[k]}'`,
      );
    }
    return check(p, `period[${k}]`);
  });
}

function outerOf(shape: readonly number[], axis: number): number {
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  return outer;
}

function innerOf(shape: readonly number[], axis: number): number {
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return inner;
}

function checkShape(shape: unknown, length: number): number[] {
  if (shape === undefined) return [length];
  if (!Array.isArray(shape))
    throw new GradientError('invalid-shape', `shape: ${describe(shape)} must be an array of non-negative integers`);
  let product = 1;
  shape.forEach((n, d) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new GradientError('invalid-shape', `shape[${d}]: ${describe(n)} is not a non-negative integer`);
    }
    product *= n;
  });
  if (product !== length) {
    throw new GradientError('invalid-shape', `shape: ${describe(shape)} holds ${product} elements but data has ${length}`);
  }
  return shape.slice();
}

function checkAxes(axis: unknown, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, d) => d);
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new GradientError('invalid-axis', `axis: ${describe(axis)} must be an integer or an array of integers`);
  }
  const list: unknown[] = typeof axis === 'number' ? [axis] : axis;
  const seen = new Set<number>();
  return list.map((a) => {
    if (typeof a !== 'number' || !Number.isInteger(a)) {
      throw new GradientError('invalid-axis', `axis: ${describe(a)} is not an integer`);
    }
    if (a < -rank || a >= rank) {
      throw new GradientError('invalid-axis', `axis: ${a} is out of range for an array of rank ${rank}`);
    }
    const normal = a < 0 ? a + rank : a;
    if (seen.has(normal)) throw new GradientError('invalid-axis', `axis: ${describe(axis)} names axis ${normal} twice`);
    seen.add(normal);
    return normal;
  });
}

function checkEdgeOrder(edgeOrder: unknown): 1 | 2 {
  if (edgeOrder === undefined) return 1;
  if (edgeOrder !== 1 && edgeOrder !== 2) {
    throw new GradientError('invalid-edge-order', `edgeOrder: ${describe(edgeOrder)} must be 1 or 2`);
  }
  return edgeOrder;
}

function checkStep(step: number, where: string): number {
  if (!Number.isFinite(step) || step === 0) {
    throw new GradientError('invalid-spacing', `${where}: ${describe(step)} is not a finite, non-zero step`);
  }
  return step;
}

/** One entry per selected axis: a scalar step or an unchecked coordinate array. */
function checkSpacingList(spacing: unknown, count: number): (number | ArrayLike<number>)[] {
  if (spacing === undefined) return new Array(count).fill(1);
  if (typeof spacing === 'number') return new Array(count).fill(checkStep(spacing, 'spacing'));
  if (!isArrayLike(spacing)) {
    throw new GradientError(
      'invalid-spacing',
      `spacing: ${describe(spacing)} must be a number or an array with one entry per selected axis`,
    );
  }
  if (spacing.length !== count) {
    throw new GradientError(
      'invalid-spacing',
      `spacing: ${describe(spacing)} has ${spacing.length} entries but ${count} axes are selected`,
    );
  }
  return Array.from(spacing as ArrayLike<unknown>, (entry, k) => {
    if (typeof entry === 'number') return checkStep(entry, `spacing[${k}]`);
    if (isArrayLike(entry)) return entry as ArrayLike<number>;
    throw new GradientError('invalid-spacing', `spacing[${k}]: ${describe(entry)} must be a number or a coordinate array`);
  });
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as ArrayLike<unknown>).length === 'number';
}

/**
 * Coordinates → steps. Like numpy, coordinates whose differences are all exactly equal become the
 * uniform step dx[0], so the rounding matches numpy's. Like numpy, coordinates need not be monotonic:
 * each point uses the quadratic through its neighbours. Where numpy would divide by zero (and return
 * inf/nan) they are refused: a repeated neighbour (a zero step), or neighbours i−1 and i+1 that coincide
 * (steps dx[i−1] + dx[i] summing to zero). `period` is undefined for an edge axis; for a periodic axis it
 * is the period, or null when none was given (then the coordinates must be evenly spaced, and the
 * wrap-around step is that same step); periodic coordinates must be monotonic within one period.
 */
function coordinateSteps(
  coords: ArrayLike<number>,
  n: number,
  k: number,
  period?: number | null,
): { step: number | null; dx: Float64Array | null } {
  const where = `spacing[${k}]`;
  if (coords.length !== n) {
    throw new GradientError('invalid-spacing', `${where}: coordinate array of length ${coords.length} does not match the axis length ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const x = coords[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new GradientError('invalid-spacing', `${where}[${i}]: ${describe(x)} is not a finite coordinate`);
    }
  }
  const periodic = period !== undefined;
  const dx = new Float64Array(periodic && period !== null ? n : n - 1);
  let uniform = true;
  for (let i = 0; i < dx.length; i++) {
    const d = i < n - 1 ? coords[i + 1] - coords[i] : coords[0] + Math.sign(dx[0]) * period! - coords[n - 1];
    if (d === 0 || !Number.isFinite(d)) {
      const what = i < n - 1 ? `coordinates ${i} and ${i + 1} give the step ${d}` : `the period ${period} leaves the wrap-around step ${d}`;
      throw new GradientError('invalid-spacing', `${where}: ${what} (steps must be finite and non-zero)`);
    }
    if (periodic && i > 0 && d > 0 !== dx[0] > 0) {
      throw new GradientError(
        'invalid-spacing',
        i < n - 1
          ? `${where}: periodic coordinates must be monotonic (the step changes sign at index ${i})`
          : `${where}: the period ${period} is shorter than the span of the coordinates`,
      );
    }
    if (!periodic && i > 0 && dx[i - 1] + d === 0) {
      throw new GradientError(
        'invalid-spacing',
        `${where}: coordinates ${i - 1} and ${i + 1} are equal (the steps ${dx[i - 1]} and ${d} ` +
          `sum to 0), and the stencil at point ${i} divides by that sum (numpy returns inf/nan there)`,
      );
    }
    dx[i] = d;
    if (d !== dx[0]) uniform = false;
  }
  if (uniform) return { step: dx[0], dx: null };
  if (period === null) {
    throw new GradientError(
      'invalid-spacing',
      `${where}: periodic boundaries with uneven coordinates need the period length (options.period)`,
    );
  }
  return { step: null, dx };
}
