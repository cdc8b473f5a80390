import type { ImageChannel } from '../image.js';
import type { AxisPlan, Plan } from '../plan.js';
import type { BoundaryMode } from '../types.js';
import { axisCoefficients, weightRowPad } from './coefficients.js';
import { MAX_AXES_PER_DISPATCH } from './steps.js';

/**
 * The uniform structs the shaders read — `Params`/`Axis` (shaders/gradient.wgsl), `ImageParams`
 * (image.wgsl), `DrawParams` (draw.wgsl) — laid out from one field table each (a test compares the
 * tables with the WGSL), and their packing.
 */

/** A WGSL struct member type the uniforms use, with its size and alignment (WGSL's uniform layout rules). */
export type FieldType = 'u32' | 'f32' | 'vec4<f32>';
const FIELD_SIZE: Record<FieldType, number> = { u32: 4, f32: 4, 'vec4<f32>': 16 };

/**
 * The members of `struct Axis` and `struct Params` in shaders/gradient.wgsl, in declaration order: the
 * one table byte offsets are derived from (a test compares it with the WGSL source).
 */
export const AXIS_FIELDS = [
  ['stride', 'u32'],
  ['n', 'u32'],
  ['div', 'u32'],
  ['outermost', 'u32'],
  ['out_off', 'u32'],
  ['w_off', 'u32'],
  ['w_pad', 'u32'],
  ['nonuniform', 'u32'],
  ['comp', 'u32'],
  ['c_int', 'f32'],
  ['inv_h_lo', 'f32'],
  ['inv_h_hi', 'f32'],
  ['c4', 'f32'],
  ['cross_stride', 'u32'],
  ['cross_n', 'u32'],
  ['inv_h2', 'f32'],
  ['lo_mode', 'u32'],
  ['hi_mode', 'u32'],
  ['cval_lo', 'f32'],
  ['cval_hi', 'f32'],
  ['lo_ghost1', 'u32'],
  ['lo_ghost2', 'u32'],
  ['hi_ghost1', 'u32'],
  ['hi_ghost2', 'u32'],
  ['w_lo', 'vec4<f32>'],
  ['w_hi', 'vec4<f32>'],
] as const satisfies readonly (readonly [string, FieldType])[];
export const PARAMS_FIELDS = [
  ['begin', 'u32'],
  ['count', 'u32'],
  ['in_base', 'u32'],
  ['out_base', 'u32'],
  ['comp_stride', 'u32'],
  ['grid_off', 'u32'],
  ['grid_comp', 'u32'],
  ['grid_scale', 'f32'],
] as const satisfies readonly (readonly [string, FieldType])[]; // followed by `axes: array<Axis, MAX_AXES>`

/** Members of `ImageParams` in shaders/image.wgsl (the image conversion), in order. */
export const IMAGE_FIELDS = [
  ['begin', 'u32'],
  ['count', 'u32'],
  ['width', 'u32'],
  ['_pad0', 'u32'],
] as const satisfies readonly (readonly [string, FieldType])[];

/** Members of `TableParams` in shaders/table.wgsl (derivatives, the Hessian, adjoints), in order. */
export const TABLE_FIELDS = [
  ['begin', 'u32'],
  ['count', 'u32'],
  ['comp_stride', 'u32'],
  ['out_stride', 'u32'],
  ['in_base', 'u32'],
  ['out_base', 'u32'],
] as const satisfies readonly (readonly [string, FieldType])[];

/**
 * The `TableParams` of a dispatch over elements [begin, begin + count), reading an input window that starts
 * at element `inBase` and writing outputs that start at element `outBase` (0, 0: the whole array).
 */
export function tableParams(begin: number, count: number, compStride: number, outStride: number, inBase = 0, outBase = 0): ArrayBuffer {
  return packStruct(TABLE_FIELDS, { begin, count, comp_stride: compStride, out_stride: outStride, in_base: inBase, out_base: outBase });
}

/** Members of `DrawParams` in shaders/draw.wgsl, in order. */
export const DRAW_FIELDS = [
  ['width', 'u32'],
  ['count', 'u32'],
  ['slab', 'u32'],
  ['scale', 'f32'],
] as const satisfies readonly (readonly [string, FieldType])[];

/** The `DrawParams` of a draw: an image `width` pixels wide of `count` pixels, d/dcol `slab` elements after d/drow. */
export function drawParams(width: number, count: number, slab: number, scale: number): ArrayBuffer {
  return packStruct(DRAW_FIELDS, { width, count, slab, scale });
}

/** The codes of the boundary modes in `Axis.lo_mode` and `Axis.hi_mode` (the shaders' MODE_* constants, generated from this table). */
export const BOUNDARY_CODE: Readonly<Record<BoundaryMode, number>> = {
  edge: 0,
  periodic: 1,
  nearest: 2,
  mirror: 3,
  reflect: 4,
  constant: 5,
};

/**
 * The coordinates whose values the first two ghosts before index 0 and after index n − 1 copy: f[0] / f[n−1]
 * ('nearest'), f[g] / f[n−1−g] ('mirror'), f[g−1] / f[n−g] ('reflect'), the wrapped points ('periodic');
 * 0 where a side has no ghost ('edge', 'constant'). Clamped into the axis: a second ghost beyond a short
 * axis is never read.
 */
export function ghostCoordinates(ax: AxisPlan): [number, number, number, number] {
  const n = ax.n;
  const clamp = (j: number) => Math.min(Math.max(j, 0), n - 1);
  const lo = (g: number) => ({ nearest: 0, mirror: g, reflect: g - 1, periodic: n - g, edge: 0, constant: 0 })[ax.lo.mode];
  const hi = (g: number) => ({ nearest: n - 1, mirror: n - 1 - g, reflect: n - g, periodic: g - 1, edge: 0, constant: 0 })[ax.hi.mode];
  return [clamp(lo(1)), clamp(lo(2)), clamp(hi(1)), clamp(hi(2))];
}

/** Members of `GatherParams` in shaders/gather.wgsl before its shape and strides (two vec4 each). */
export const GATHER_FIELDS = [
  ['begin', 'u32'],
  ['count', 'u32'],
  ['rank', 'u32'],
  ['base', 'u32'],
] as const satisfies readonly (readonly [string, FieldType])[];

/** Dimensions a GPU gather takes (GatherParams holds two vec4 of each). */
export const GATHER_MAX_RANK = 8;
/** Bytes of `GatherParams`: the header, then the shape and the strides (GATHER_MAX_RANK words each). */
export const GATHER_PARAMS_BYTES = structLayout(GATHER_FIELDS).bytes + 8 * GATHER_MAX_RANK;
/** Bytes of `TableParams`. */
export const TABLE_PARAMS_BYTES = structLayout(TABLE_FIELDS).bytes;
/** Bytes of `ImageParams`. */
export const IMAGE_PARAMS_BYTES = structLayout(IMAGE_FIELDS).bytes;

/**
 * The `GatherParams` of one dispatch: elements [begin, begin + count) of a view of this shape and these
 * strides (in words), its element 0 at word `base` of the span.
 */
export function gatherParams(
  begin: number,
  count: number,
  base: number,
  shape: readonly number[],
  strides: readonly number[],
): ArrayBuffer {
  const header = structLayout(GATHER_FIELDS).bytes;
  const view = new DataView(new ArrayBuffer(GATHER_PARAMS_BYTES));
  [begin, count, shape.length, base].forEach((v, k) => view.setUint32(4 * k, v, true));
  shape.forEach((n, d) => {
    view.setUint32(header + 4 * d, n, true);
    view.setInt32(header + 4 * GATHER_MAX_RANK + 4 * d, strides[d], true);
  });
  return view.buffer;
}

/** The image conversion's CHANNEL constant. */
export const CHANNEL_CODE: Record<ImageChannel, number> = { luminance: 0, r: 1, g: 2, b: 3, a: 4 };

/** The `ImageParams` of one dispatch: elements [begin, begin + count) of an image `width` pixels wide. */
export function imageParams(begin: number, count: number, width: number): ArrayBuffer {
  return packStruct(IMAGE_FIELDS, { begin, count, width });
}

/** A struct of scalar members laid out by its field table (members not given stay 0). */
function packStruct<F extends readonly (readonly [string, 'u32' | 'f32'])[]>(
  fields: F,
  values: Partial<Record<F[number][0], number>>,
): ArrayBuffer {
  const layout = structLayout(fields);
  const view = new DataView(new ArrayBuffer(layout.bytes));
  for (const [name, type] of fields) {
    const value = (values as Record<string, number | undefined>)[name] ?? 0;
    if (type === 'f32') view.setFloat32(layout.at[name as F[number][0]], value, true);
    else view.setUint32(layout.at[name as F[number][0]], value, true);
  }
  return view.buffer;
}

/** Byte offset of each member and the struct's size (rounded to its 16-byte alignment), from a field table. */
function structLayout<F extends readonly (readonly [string, FieldType])[]>(fields: F): { at: Record<F[number][0], number>; bytes: number } {
  const at = {} as Record<string, number>;
  let offset = 0;
  for (const [name, type] of fields) {
    offset = Math.ceil(offset / FIELD_SIZE[type]) * FIELD_SIZE[type];
    at[name] = offset;
    offset += FIELD_SIZE[type];
  }
  return { at, bytes: Math.ceil(offset / 16) * 16 };
}

const AXIS = structLayout(AXIS_FIELDS);
const HEADER = structLayout(PARAMS_FIELDS);
export const AXIS_BYTES = AXIS.bytes;
export const PARAMS_HEADER_BYTES = HEADER.bytes;
export const PARAMS_BYTES = PARAMS_HEADER_BYTES + MAX_AXES_PER_DISPATCH * AXIS_BYTES;
/** Byte offsets of `Params` members and of slot k's `Axis` members. */
export const PARAMS_AT = HEADER.at;
export const axisAt = (k: number, field: (typeof AXIS_FIELDS)[number][0]) => PARAMS_HEADER_BYTES + k * AXIS_BYTES + AXIS.at[field];

/** One axis's slot in a dispatch: where its output chunk starts in the bound output range. */
export interface AxisSlot {
  readonly axis: AxisPlan;
  readonly outOffset: number;
  readonly weightOffset: number;
  /** Divergence: the stacked component this axis differentiates. */
  readonly component: number;
}

export interface DispatchParams {
  readonly begin: number;
  readonly count: number;
  readonly inBase: number;
  readonly outBase: number;
  readonly slots: readonly AxisSlot[];
  /** Fused operations: elements between the components stacked in the input. */
  readonly componentStride?: number;
  /** Grids (grid.wgsl): where the grid's numbers start in the weights, the flux-form component (sphere), 1/R. */
  readonly grid?: { readonly offset: number; readonly component: number; readonly scale: number };
}

/** `grid_comp` when no component is read in flux form. */
export const NO_COMPONENT = 0xffffffff;

/** Sobel and Scharr: the other image axis (of the last two dimensions) than `axis`, or null for numpy's stencils. */
function crossAxis(plan: Plan, axis: number): { inner: number; n: number } | null {
  if (plan.operator === 'central') return null;
  const d = plan.shape.length;
  const other = axis === d - 1 ? d - 2 : d - 1;
  return { inner: other === d - 1 ? 1 : plan.shape[d - 1], n: plan.shape[other] };
}

/** Writes one `Params` struct at byte `offset` of `view`: a dispatch's range and each slot's axis and coefficients. */
export function writeParams(view: DataView, offset: number, p: DispatchParams, plan: Plan): void {
  if (p.slots.length > MAX_AXES_PER_DISPATCH) throw new Error('too many axes for one dispatch');
  const u32 = (at: number, v: number) => view.setUint32(offset + at, v, true);
  const f32 = (at: number, v: number) => view.setFloat32(offset + at, v, true);
  u32(PARAMS_AT.begin, p.begin);
  u32(PARAMS_AT.count, p.count);
  u32(PARAMS_AT.in_base, p.inBase);
  u32(PARAMS_AT.out_base, p.outBase);
  u32(PARAMS_AT.comp_stride, p.componentStride ?? 0);
  u32(PARAMS_AT.grid_off, p.grid?.offset ?? 0);
  u32(PARAMS_AT.grid_comp, p.grid?.component ?? NO_COMPONENT);
  f32(PARAMS_AT.grid_scale, p.grid?.scale ?? 0);
  // The shader's coordinate(): with slots sorted by stride, slot k's coordinate is the previous slot's
  // quotient divided by `div`, modulo n (no modulo for the array's first dimension).
  let reach = 1;
  p.slots.forEach((slot, k) => {
    const ax = slot.axis;
    const at = (field: (typeof AXIS_FIELDS)[number][0]) => axisAt(k, field);
    const div = ax.inner / reach;
    reach = ax.inner * ax.n;
    u32(at('stride'), ax.inner);
    u32(at('n'), ax.n);
    u32(at('div'), Number.isInteger(div) ? div : 0); // unsorted slots (curl) never read it
    u32(at('outermost'), ax.inner * ax.n === plan.size ? 1 : 0);
    u32(at('out_off'), slot.outOffset);
    u32(at('w_off'), Math.max(slot.weightOffset, 0));
    u32(at('w_pad'), weightRowPad(ax.n));
    u32(at('nonuniform'), ax.dx === null ? 0 : 1);
    u32(at('comp'), slot.component);
    // Sobel and Scharr smooth across the other of the last two dimensions (the image's rows and columns).
    const cross = crossAxis(plan, ax.axis);
    u32(at('cross_stride'), cross?.inner ?? 0);
    u32(at('cross_n'), cross?.n ?? 0);
    const c = axisCoefficients(ax, plan);
    f32(at('c_int'), c.cInt);
    f32(at('inv_h_lo'), c.invHLo);
    f32(at('inv_h_hi'), c.invHHi);
    f32(at('c4'), c.c4);
    f32(at('inv_h2'), c.invH2);
    u32(at('lo_mode'), BOUNDARY_CODE[ax.lo.mode]);
    u32(at('hi_mode'), BOUNDARY_CODE[ax.hi.mode]);
    f32(at('cval_lo'), ax.lo.cval);
    f32(at('cval_hi'), ax.hi.cval);
    const [lo1, lo2, hi1, hi2] = ghostCoordinates(ax);
    u32(at('lo_ghost1'), lo1);
    u32(at('lo_ghost2'), lo2);
    u32(at('hi_ghost1'), hi1);
    u32(at('hi_ghost2'), hi2);
    c.lo.forEach((w, j) => f32(at('w_lo') + 4 * j, w));
    c.hi.forEach((w, j) => f32(at('w_hi') + 4 * j, w));
  });
}
