import type { DataInfo } from './data.js';
import { describe, GradientError } from './errors.js';
import type { Plan } from './plan.js';
import type { NumericArray } from './types.js';
import { describeInput, type StridedView } from './view.js';

/** Derived fields computed from the array in one pass. */
export type DerivedField = 'magnitude' | 'divergence' | 'curl' | 'laplacian';

/**
 * Checks a list of same-shaped component arrays (divergence, curl), flat or ndarray views: all must share
 * length, type and (views) shape. `views[k]` is component k's view, or null for a flat array. Loops, with
 * the components' names made once: every divergence and curl call passes here, and maps with closures, a
 * name and two shapes described as strings a component took 0.5 KB a call (bench/NOTES.md, twelfth session).
 */
export function describeComponents(components: unknown): { list: NumericArray[]; info: DataInfo; views: (StridedView | null)[] } {
  if (!Array.isArray(components) || components.length === 0) {
    throw new GradientError(
      'invalid-data',
      `components: ${describe(components)} must be a non-empty array of arrays (one per selected axis)`,
    );
  }
  const list = components as NumericArray[];
  const views: (StridedView | null)[] = new Array(list.length);
  let first: DataInfo | null = null;
  for (let k = 0; k < list.length; k++) {
    const { info, view } = describeInput(list[k], componentName(k));
    views[k] = view;
    if (first === null) {
      first = info;
      continue;
    }
    if (info.length !== first.length || info.kind !== first.kind) {
      throw new GradientError(
        'invalid-data',
        `components[${k}]: ${info.kind}[${info.length}] differs from components[0], ${first.kind}[${first.length}] (all components must have the same length and type)`,
      );
    }
    if (!sameShape(info.shape, first.shape)) {
      throw new GradientError(
        'invalid-shape',
        `components[${k}]: shape ${describe(info.shape)} differs from components[0]'s ${describe(first.shape)}`,
      );
    }
  }
  return { list, info: first!, views };
}

/** `components[k]`, made once per k. */
function componentName(k: number): string {
  COMPONENT_NAMES[k] ??= `components[${k}]`;
  return COMPONENT_NAMES[k];
}
const COMPONENT_NAMES: string[] = [];

/** Whether two views' shapes are equal (both undefined: two flat arrays). */
function sameShape(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

/** Divergence pairs component k with selected axis k; curl needs 2 or 3 of each. */
export function checkComponentCount(plan: Plan, count: number, field: 'divergence' | 'curl'): void {
  const axes = plan.axes.length;
  if (field === 'curl' && axes !== 2 && axes !== 3) {
    throw new GradientError('invalid-axis', `axis: curl needs 2 or 3 selected axes, not ${axes}`);
  }
  if (count !== axes) {
    throw new GradientError(
      'invalid-data',
      `components: ${count} arrays given but ${axes} axes are selected (${field} pairs component k with selected axis k)`,
    );
  }
}

/**
 * What the Laplacian needs of a plan: uniform steps (evenly spaced coordinates count as a step; uneven
 * ones are refused), numpy's central stencils at second order, no gaps skipped, and at least 4 points along
 * an axis with an 'edge' side (its one-sided stencil reads f0..f3), 3 along a periodic one, 2 otherwise.
 */
export function checkLaplacian(plan: Plan): void {
  if (plan.grid) {
    const grid = plan.grid.kind === 'sphere' ? 'sphere' : 'coordinates';
    throw new GradientError(
      'invalid-option',
      `${grid}: the Laplacian is not available on curvilinear grids or the sphere (it needs second derivatives of the metric); take the divergence of the gradient`,
    );
  }
  if (plan.skip) {
    throw new GradientError(
      'invalid-option',
      "invalid: 'skip' is not available for the Laplacian (gaps are skipped by first derivatives only)",
    );
  }
  if (plan.operator !== 'central') {
    throw new GradientError(
      'invalid-option',
      `operator: ${describe(plan.operator)} does not apply to the Laplacian (central differences only)`,
    );
  }
  if (plan.accuracy !== 2) {
    throw new GradientError('invalid-option', `accuracy: ${plan.accuracy} is not available for the Laplacian (second order only)`);
  }
  plan.axes.forEach((ax, k) => {
    if (ax.dx !== null) {
      throw new GradientError(
        'invalid-spacing',
        `spacing[${k}]: the Laplacian needs uniform steps (one number per axis, or evenly spaced coordinates); these coordinates are unevenly spaced`,
      );
    }
    const needed = ax.periodic ? 3 : ax.lo.mode === 'edge' || ax.hi.mode === 'edge' ? 4 : 2;
    if (ax.n < needed) {
      throw new GradientError(
        'axis-too-short',
        `shape[${ax.axis}] = ${ax.n}: axis ${ax.axis} needs at least ${needed} points for the Laplacian` +
          (ax.periodic ? ' with a periodic boundary' : ' (its one-sided edge stencil reads four)'),
      );
    }
  });
}
