import type { GradientOptions } from '../../src/index';

/** A case of fixtures/boundaries.json (make_boundary_fixtures.py): ghost modes per side and gaps. No Node module here: the engines' core imports it too. */
export interface BoundaryCase {
  name: string;
  shape: number[];
  /** null encodes NaN. */
  data: (number | null)[];
  options: GradientOptions;
  mask?: number[];
  gradient: (number | null)[][];
  magnitude?: (number | null)[];
  components?: (number | null)[][];
  divergence?: (number | null)[];
  curl?: (number | null)[][];
  laplacian?: (number | null)[];
}

/** A fixture array with its NaNs restored. */
export function values(list: readonly (number | null)[]): Float64Array {
  return Float64Array.from(list, (v) => (v === null ? Number.NaN : v));
}

/** A case's options as the library takes them: its shape and mask added. */
export function boundaryOptions(c: BoundaryCase): GradientOptions {
  return { ...c.options, shape: c.shape, ...(c.mask ? { mask: c.mask } : {}) };
}

/** Smallest |step| of a case's spacing, for the float32 bound. */
export function smallestStep(o: GradientOptions): number {
  const sp = o.spacing;
  if (sp === undefined) return 1;
  if (typeof sp === 'number') return Math.abs(sp);
  let m = Number.POSITIVE_INFINITY;
  for (const s of sp) {
    if (typeof s === 'number') m = Math.min(m, Math.abs(s));
    else for (let i = 1; i < s.length; i++) m = Math.min(m, Math.abs(s[i] - s[i - 1]));
  }
  return m;
}
