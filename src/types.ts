import type { PreparedCoordinates } from './grid.js';

/** Public argument types, shared by the CPU reference and the GPU path. */

/**
 * What this library needs of a Float16Array, for TypeScript libs older than ES2025 (which have none): the
 * declarations then still compile, and `HalfArray` is this shape instead of the real type.
 */
export interface Float16ArrayShape extends ArrayLike<number> {
  /** 2. */
  readonly BYTES_PER_ELEMENT: number;
  /** The memory holding the halves. */
  readonly buffer: ArrayBufferLike;
  /** Where the halves start in `buffer`. */
  readonly byteOffset: number;
  /** 2 × length. */
  readonly byteLength: number;
  [index: number]: number;
}

/** ES2025's Float16Array where the TypeScript lib declares it, else Float16ArrayShape. */
export type HalfArray = typeof globalThis extends {
  /** ES2025's Float16Array constructor, where the lib declares it. */
  Float16Array: {
    /** The constructor's prototype: the array type itself. */
    prototype: infer A;
  };
}
  ? A
  : Float16ArrayShape;

/** The arrays the library takes as data: typed arrays of numbers, or an array of numbers. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | HalfArray
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | readonly number[];

/** A boundary mode of one side of an axis (see GradientOptions.boundary). */
export type BoundaryMode = 'edge' | 'periodic' | 'nearest' | 'mirror' | 'reflect' | 'constant';

/** numpy.gradient's arguments (shape, axis, spacing, edge order) and this library's extensions (boundary, accuracy, gaps). */
export interface GradientOptions {
  /** Array shape in C order; default `[data.length]`. The product must equal `data.length`. */
  shape?: readonly number[];
  /**
   * A number: one step for every selected axis. An array: exactly one entry per selected axis, each a
   * scalar step or that axis's coordinates (length = the axis length). Mixing is allowed.
   */
  spacing?: number | readonly (number | ArrayLike<number>)[];
  /** Axes to differentiate; default all, in order. Negative values count from the end. */
  axis?: number | readonly number[];
  /** Accuracy order of the one-sided differences at the edges; default 1. */
  edgeOrder?: 1 | 2;
  /**
   * What lies beyond each end of an axis. 'edge' (default): numpy's one-sided differences (`edgeOrder`).
   * 'periodic': the axis wraps; every point is central, neighbours modulo n (both sides only). The ghost
   * modes of scipy.ndimage extend the array by ghost values and use the interior stencil at every point:
   * the k-th ghost before index 0 is f[0] ('nearest'), f[k] ('mirror'), f[k−1] ('reflect') or `cval`
   * ('constant'), mirrored at the high end; ghost coordinates are reflected, x[−k] = 2·x[0] − x[k].
   * One mode for every selected axis, or a list with one entry per selected axis, each a mode or a
   * `[before, after]` pair (`['constant', 'edge']`: an inflow value before, numpy's edge after).
   */
  boundary?: BoundaryMode | readonly (BoundaryMode | readonly [BoundaryMode, BoundaryMode])[];
  /**
   * The ghost value of 'constant' sides (default 0): one number, or one entry per selected axis, each a
   * number or a `[before, after]` pair. Refused when no side is 'constant'.
   */
  cval?: number | readonly (number | readonly [number, number])[];
  /**
   * 'propagate' (default): numpy's behaviour — a NaN or infinity spreads to its neighbours' derivatives.
   * 'skip': points whose value is not finite, or whose `mask` entry is 0/false, are gaps; along each axis
   * every maximal run of valid points is differentiated as numpy.gradient would differentiate that run
   * alone (its own coordinates, `edgeOrder` lowered to 1 for a run of two), with the axis's boundary mode
   * at the array's own ends (a run may wrap on a periodic axis). Invalid points and runs of one point give
   * NaN. Second order only (not with `accuracy: 4`), and not for the Laplacian.
   */
  invalid?: 'propagate' | 'skip';
  /** With `invalid: 'skip'`: one entry per element (C order), 0/false marking an invalid point. */
  mask?: ArrayLike<number | boolean>;
  /**
   * Periodic coordinate axes: the period length, one number for every selected axis or one entry per
   * selected axis (null where the axis has a scalar step). Needed when a periodic axis has uneven coordinates.
   */
  period?: number | readonly (number | null | undefined)[];
  /**
   * 2 (default): numpy's second-order stencils. 4: fourth-order five-point stencils
   * (−f[i+2] + 8f[i+1] − 8f[i−1] + f[i−2])/(12h), with one-sided/biased five-point stencils at the edges
   * (uniform steps only; every selected axis needs n ≥ 5).
   */
  accuracy?: 2 | 4;
  /**
   * 'central' (default): the stencils above. 'sobel' and 'scharr', for 2-D arrays: the difference
   * f[i+1] − f[i−1] along the axis, smoothed across it with the weights [1, 2, 1] or [3, 10, 3],
   * unnormalised, with mirrored borders (f[−1] = f[1], f[n] = f[n−2]) — scipy.ndimage.sobel(f, axis,
   * mode='mirror'), and OpenCV's Sobel and Scharr with their default border. They take no spacing, edge
   * order 2, periodic boundary or fourth order, and need at least 2 points along both axes.
   */
  operator?: 'central' | 'sobel' | 'scharr';
  /**
   * A curvilinear grid: the physical coordinates of every point, one array of the data's length per axis
   * ([X, Y] for 2-D data, [X, Y, Z] for 3-D). Results are along the physical axes x_0 = X, x_1 = Y(, x_2 = Z):
   * the index-space derivatives (unit steps, with `edgeOrder`, `boundary`, `accuracy` and `invalid`) of f and
   * of each coordinate array give J[i][j] = ∂x_i/∂ξ_j, and ∇f = J^(−T) ∇_ξ f. On a ghost side the
   * coordinates are extended by reflection (x[−k] = 2·x[0] − x[k]); on a periodic axis their differences
   * across the seam are unwrapped by `period` (one number, or one entry per coordinate array). Not with
   * `spacing` or `axis`. A grid whose Jacobian determinant is zero or changes sign is refused. For many
   * calls on one grid, `prepareCoordinates([X, Y], { period })` checks and copies it once and keeps the
   * metric terms between calls.
   */
  coordinates?: readonly ArrayLike<number>[] | PreparedCoordinates;
  /**
   * The sphere: latitude and longitude coordinates of two axes. Results point north and east:
   * ∇f = [(1/R) ∂f/∂φ, (1/(R cos φ)) ∂f/∂λ]; the divergence of [v_north, v_east] is
   * (∂(v_north cos φ)/∂φ + ∂v_east/∂λ)/(R cos φ); the curl (this library's ∂v_1/∂x_0 − ∂v_0/∂x_1) is
   * (∂(v_east cos φ)/∂φ − ∂v_north/∂λ)/(R cos φ), minus the relative vorticity. ∂/∂φ and ∂/∂λ are
   * numpy.gradient's with the coordinates in radians; boundary 'periodic' on the longitude axis wraps a
   * globe (period 360°). At a pole (|latitude| = 90°) everything divided by cos φ is NaN.
   */
  sphere?: SphereOptions;
}

/** The sphere of GradientOptions.sphere. */
export interface SphereOptions {
  /** Latitudes of the latitude axis, within ±90° (±π/2 with `degrees: false`). */
  latitude: ArrayLike<number>;
  /** Longitudes of the longitude axis. */
  longitude: ArrayLike<number>;
  /** Radius in the unit of the results' lengths; default 6371008.8 (Earth's mean radius in metres). */
  radius?: number;
  /** Whether latitude and longitude are in degrees (default) or radians. */
  degrees?: boolean;
  /** The latitude axis; default the second-to-last (or `axis[0]`). */
  latitudeAxis?: number;
  /** The longitude axis; default the last (or `axis[1]`). */
  longitudeAxis?: number;
}

/** Element type of the input as the library sees it (Uint8ClampedArray reads as uint8). */
export type DataKind = 'float64' | 'float32' | 'float16' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32';

/**
 * Element type of GPU results: 'float32' (default; Float32Array on the host) or 'float16' (halves: half the
 * bytes written and read back; Float16Array on the host, where the runtime has it).
 */
export type OutputType = 'float32' | 'float16';
