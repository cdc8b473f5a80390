import contiguousTemplate from '../../shaders/contiguous4.wgsl?raw';
import drawSource from '../../shaders/draw.wgsl?raw';
import gradientSource from '../../shaders/gradient.wgsl?raw';
import scalarSource from '../../shaders/gradient_scalar.wgsl?raw';
import vec4Source from '../../shaders/gradient_vec4.wgsl?raw';
import imageSource from '../../shaders/image.wgsl?raw';
import load8Source from '../../shaders/load_8.wgsl?raw';
import load16Source from '../../shaders/load_16.wgsl?raw';
import load32Source from '../../shaders/load_32.wgsl?raw';
import outF16ScalarSource from '../../shaders/out_f16_scalar.wgsl?raw';
import outF16Vec4Source from '../../shaders/out_f16_vec4.wgsl?raw';
import outF32ScalarSource from '../../shaders/out_f32_scalar.wgsl?raw';
import outF32Vec4Source from '../../shaders/out_f32_vec4.wgsl?raw';
import stencilTemplate from '../../shaders/stencil.wgsl?raw';
import boundaryTemplate from '../../shaders/stencil_boundary.wgsl?raw';
import { describe, GradientError } from '../errors.js';
import type { ImageChannel } from '../image.js';
import { OPERATIONS, type Operation } from '../operations.js';
import type { AxisPlan, Plan } from '../plan.js';
import { edgeSteps, edgeWeights2, interiorWeights } from '../stencil.js';
import type { DataKind, OutputType } from '../types.js';
import { type Layout, MAX_AXES_PER_DISPATCH } from './dispatch.js';

/**
 * The one place that knows the WGSL side: which shader variant an input needs, and the byte layout of
 * the `Params`/`Axis` uniform structs in shaders/gradient.wgsl (a test pins it).
 */

/** How the input sits in GPU memory: its element width and the conversion to f32. */
export interface InputFormat {
  readonly bytesPerElement: 1 | 2 | 4;
  readonly module: 'load_8' | 'load_16' | 'load_32';
  readonly constants: Record<string, number>;
}

const FORMATS: Record<DataKind, InputFormat> = {
  float64: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 0 } }, // converted to f32 on the host
  float32: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 0 } },
  int32: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 1 } },
  uint32: { bytesPerElement: 4, module: 'load_32', constants: { KIND: 2 } },
  float16: { bytesPerElement: 2, module: 'load_16', constants: { SIGNED: 0, FLOAT16: 1 } },
  int16: { bytesPerElement: 2, module: 'load_16', constants: { SIGNED: 1, FLOAT16: 0 } },
  uint16: { bytesPerElement: 2, module: 'load_16', constants: { SIGNED: 0, FLOAT16: 0 } },
  int8: { bytesPerElement: 1, module: 'load_8', constants: { SIGNED: 1 } },
  uint8: { bytesPerElement: 1, module: 'load_8', constants: { SIGNED: 0 } },
};

export function inputFormat(kind: DataKind): InputFormat {
  return FORMATS[kind];
}

/** Element types `encode` accepts in a GPU buffer: every format but float64 (converted only on upload). */
export const GPU_DTYPES = (Object.keys(FORMATS) as DataKind[]).filter((kind) => kind !== 'float64');

const LOADERS = { load_8: load8Source, load_16: load16Source, load_32: load32Source };
const LAYOUTS: Record<Layout, string> = { scalar: scalarSource, vec4: vec4Source };
const OUTPUTS: Record<`${OutputType}_${Layout}`, string> = {
  float32_scalar: outF32ScalarSource,
  float32_vec4: outF32Vec4Source,
  float16_scalar: outF16ScalarSource,
  float16_vec4: outF16Vec4Source,
};

/** Bytes of one result element in GPU memory. */
export function outputBytes(type: OutputType): 2 | 4 {
  return type === 'float16' ? 2 : 4;
}

/** A shader module: an input loader, one layout's entry points and one output type (twelve modules exist in all). */
export type ModuleName = `${InputFormat['module']}_${Layout}_${OutputType}`;
export function moduleName(format: InputFormat, layout: Layout, output: OutputType): ModuleName {
  return `${format.module}_${layout}_${output}`;
}

/**
 * WGSL of one module: the operation constants, the input loader, the shared code, the stencils along an axis (shaders/stencil.wgsl
 * with stencil_boundary.wgsl, written once and instantiated per element type — f32 in every module,
 * vec4<f32> too in the vec4 layout — and per boundary, wrapped or numpy's edges; the vec4 layout's
 * contiguous axis from contiguous4.wgsl per boundary), the layout's entry points, then the output binding
 * with the store each invocation makes whole (an f32, a vec4<f32>, four halves in a vec2<u32>, or its
 * own half of a word through atomics).
 */
export function shaderSource(module: ModuleName): string {
  const [, loader, layout, output] = /^(load_\d+)_(scalar|vec4)_(float32|float16)$/.exec(module) as unknown as [
    string,
    InputFormat['module'],
    Layout,
    OutputType,
  ];
  const widths: (1 | 4)[] = layout === 'vec4' ? [1, 4] : [1];
  const contiguous = layout === 'vec4' ? BOUNDARIES.map((b) => instantiate(contiguousTemplate, { ...b })) : [];
  return [
    operationConstants(),
    LOADERS[loader],
    gradientSource,
    ...widths.map(stencils),
    ...contiguous,
    LAYOUTS[layout],
    OUTPUTS[`${output}_${layout}`],
  ].join('\n');
}

/** The `OP` override's values, named as the registry names them (src/operations.ts): `const OP_LAPLACIAN: u32 = 5u;` … */
export function operationConstants(): string {
  const lines = Object.values(OPERATIONS).map((op) => `const ${op.constant}: u32 = ${op.code}u; // ${op.name}`);
  return ['// The operations (OP), from the registry in src/operations.ts.', ...lines].join('\n');
}

/** The boundary instances of stencil_boundary.wgsl and contiguous4.wgsl: wrapped (w) and numpy's edges (e). */
const BOUNDARIES = [
  { B: 'w', WRAP: 'true' },
  { B: 'e', WRAP: 'false' },
];

/** A template with its {{NAME}} placeholders replaced. */
function instantiate(template: string, values: Record<string, string>): string {
  return Object.entries(values).reduce((text, [name, value]) => text.replaceAll(`{{${name}}}`, value), template);
}

/** The stencils for one element type (f32 read with load1, or vec4<f32> read with load4): the picking functions and both boundaries' instances. */
function stencils(width: 1 | 4): string {
  const element = { T: width === 1 ? 'f32' : 'vec4<f32>', N: String(width) };
  return [instantiate(stencilTemplate, element), ...BOUNDARIES.map((b) => instantiate(boundaryTemplate, { ...element, ...b }))].join('\n');
}

/** Curl pairs slot k with component k (its `curl_*` entry points), so its slots keep the caller's axis order; the others are sorted. */
export function keepsAxisOrder(op: Operation): boolean {
  return OPERATIONS[op].entry === 'curl';
}

/** The shader's PERIODIC_SLOTS: bit k set when slot k's axis wraps. */
export function periodicSlots(slotAxes: readonly AxisPlan[]): number {
  return slotAxes.reduce((mask, ax, k) => (ax.periodic ? mask | (1 << k) : mask), 0);
}

/**
 * A pipeline: entry point plus the override constants it is specialised with. They depend on the
 * options and on which axes a dispatch holds, never on the shape, so a new shape compiles nothing.
 */
export interface KernelVariant {
  readonly layout: Layout;
  /** Element type of the results in GPU memory. */
  readonly output: OutputType;
  readonly entry: string;
  readonly constants: Record<string, number>;
}

/** The shader's SMOOTH constant: 0 numpy's stencils, 1 Sobel, 2 Scharr. */
const SMOOTH_CODE: Record<Plan['operator'], number> = { central: 0, sobel: 1, scharr: 2 };

export function kernelVariant(
  plan: Plan,
  layout: Layout,
  op: Operation,
  slotAxes: readonly AxisPlan[],
  output: OutputType = 'float32',
): KernelVariant {
  const spec = OPERATIONS[op];
  const curl = keepsAxisOrder(op);
  const fourth = plan.accuracy === 4;
  // Edge order means something only on an axis with numpy's edges at second order, and not to a second
  // difference (its edge stencil is fixed): elsewhere it is 1, so that such variants share a pipeline.
  const numpyEdges = !fourth && !spec.secondDifference && slotAxes.some((ax) => !ax.periodic);
  return {
    layout,
    output,
    entry: `${spec.entry}_${layout}`,
    constants: {
      FOURTH: fourth ? 1 : 0,
      PERIODIC_SLOTS: periodicSlots(slotAxes),
      EDGE_ORDER: numpyEdges ? plan.edgeOrder : 1,
      WEIGHTED: slotAxes.some((ax) => ax.dx !== null) ? 1 : 0,
      NAXES: slotAxes.length,
      CONTIG: layout === 'vec4' && !curl && slotAxes[0]?.inner === 1 ? 1 : 0,
      OP: spec.code,
      SMOOTH: SMOOTH_CODE[plan.operator],
    },
  };
}

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
  ['w_lo', 'vec4<f32>'],
  ['w_hi', 'vec4<f32>'],
] as const satisfies readonly (readonly [string, FieldType])[];
export const PARAMS_FIELDS = [
  ['begin', 'u32'],
  ['count', 'u32'],
  ['in_base', 'u32'],
  ['out_base', 'u32'],
  ['comp_stride', 'u32'],
  ['_pad0', 'u32'],
  ['_pad1', 'u32'],
  ['_pad2', 'u32'],
] as const satisfies readonly (readonly [string, FieldType])[]; // followed by `axes: array<Axis, MAX_AXES>`

/** Members of `ImageParams` in shaders/image.wgsl (the image conversion), in order. */
export const IMAGE_FIELDS = [
  ['begin', 'u32'],
  ['count', 'u32'],
  ['width', 'u32'],
  ['_pad0', 'u32'],
] as const satisfies readonly (readonly [string, FieldType])[];

/**
 * WGSL of the image conversion (texture → one f32 per pixel, luminance or a channel), reading a texture_2d<f32>, or (`external`) a texture_external: a video frame
 * imported with importExternalTexture, whose textureLoad takes no mip level.
 */
export function imageShader(external: boolean): string {
  if (!external) return imageSource;
  const binding = '@group(0) @binding(0) var image: texture_2d<f32>;';
  const load = 'return textureLoad(image, vec2<u32>(x, y), 0);';
  if (!imageSource.includes(binding) || !imageSource.includes(load))
    throw new Error('internal: image.wgsl no longer has the lines imageShader swaps');
  return imageSource
    .replace(binding, '@group(0) @binding(0) var image: texture_external;')
    .replace(load, 'return textureLoad(image, vec2<u32>(x, y));');
}

/** WGSL of the drawing pass: an image's gradient into an rgba8unorm storage texture. */
export const DRAW_SHADER = drawSource;

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

/** Non-uniform interior weights for every axis that needs them, as rows a, b, c indexed by i. */
export interface PackedWeights {
  readonly data: Float32Array;
  /** Per plan axis: element offset of its rows, or -1 for a uniform axis. */
  readonly offsets: number[];
}

export function weightRowPad(n: number): number {
  return Math.ceil(n / 4) * 4;
}

export function packWeights(plan: Plan): PackedWeights {
  const offsets: number[] = [];
  let total = 0;
  for (const ax of plan.axes) {
    if (ax.dx === null) {
      offsets.push(-1);
      continue;
    }
    offsets.push(total);
    total += 3 * weightRowPad(ax.n);
  }
  const data = new Float32Array(Math.max(total, 4));
  plan.axes.forEach((ax, k) => {
    if (ax.dx === null) return;
    const periodic = ax.periodic;
    const { a, b, c } = interiorWeights(ax.dx, periodic);
    const pad = weightRowPad(ax.n),
      off = offsets[k];
    // Row entry i holds point i's weights: every point when periodic, else the interior 1..n−2.
    const first = periodic ? 0 : 1,
      shift = periodic ? 0 : 1;
    for (let i = first; i < ax.n - 1 + (periodic ? 1 : 0); i++) {
      data[off + i] = a[i - shift];
      data[off + pad + i] = b[i - shift];
      data[off + 2 * pad + i] = c[i - shift];
    }
  });
  return { data, offsets };
}

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
}

/** The coefficients of one axis the shader reads from its `Axis` uniform: 0 where its stencils do not use one. */
export interface AxisCoefficients {
  readonly cInt: number; // 1 / (2h)
  readonly invHLo: number; // 1 / (x1 − x0)
  readonly invHHi: number; // 1 / (x[n−1] − x[n−2])
  readonly c4: number; // 1 / (12h)
  readonly invH2: number; // 1 / h², the Laplacian
  readonly lo: readonly number[]; // edge order 2 weights of f[0], f[1], f[2] (numpy's edges only)
  readonly hi: readonly number[]; // of f[n−3], f[n−2], f[n−1]
}

export function axisCoefficients(ax: AxisPlan, plan: Plan): AxisCoefficients {
  const { lo, hi } = edgeSteps(ax);
  const numpyEdges = !ax.periodic && plan.accuracy === 2,
    fourth = plan.accuracy === 4,
    uniform = ax.dx === null;
  const w = numpyEdges && plan.edgeOrder === 2 ? edgeWeights2(ax) : null;
  const firstOrderEdges = numpyEdges && plan.edgeOrder === 1;
  return {
    cInt: uniform && !fourth ? 1 / (2 * ax.step!) : 0,
    invHLo: firstOrderEdges ? 1 / lo : 0,
    invHHi: firstOrderEdges ? 1 / hi : 0,
    c4: uniform && fourth ? 1 / (12 * ax.step!) : 0,
    invH2: uniform ? 1 / (ax.step! * ax.step!) : 0,
    lo: w ? [w.lo.a, w.lo.b, w.lo.c] : [0, 0, 0],
    hi: w ? [w.hi.a, w.hi.b, w.hi.c] : [0, 0, 0],
  };
}

const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 2 ** -126;

/**
 * Refuses steps whose coefficients float32 cannot hold: the GPU computes with f32 reciprocals of the
 * steps, and one that overflows to ∞ or falls below the normal range (where GPUs flush to zero) would
 * turn every result of that axis into ∞, NaN or 0. cpuGradient, in float64, takes such steps.
 */
export function checkFloat32Coefficients(plan: Plan, op: Operation = 'gradient'): void {
  plan.axes.forEach((ax, k) => {
    const c = axisCoefficients(ax, plan);
    const values = OPERATIONS[op].coefficients(c);
    if (ax.dx !== null) {
      const { a, b, c: cc } = interiorWeights(ax.dx, ax.periodic);
      values.push(...a, ...b, ...cc);
    }
    const bad = values.find((v) => v !== 0 && !(Math.abs(v) >= F32_MIN_NORMAL && Math.abs(v) <= F32_MAX));
    if (bad !== undefined) {
      const steps =
        ax.dx === null
          ? `the step ${ax.step} gives`
          : `coordinate steps from ${Math.min(...ax.dx.map(Math.abs))} to ${Math.max(...ax.dx.map(Math.abs))} give`;
      throw new GradientError(
        'invalid-spacing',
        `spacing[${k}]: ${steps} the stencil coefficient ${describe(bad)}, ` +
          "outside float32's normal range (about 1.2e-38 to 3.4e38) that the GPU computes in; rescale the coordinates or use cpuGradient",
      );
    }
  });
}

/** Writes one `Params` struct at byte `offset` of `view`. */
/** Sobel and Scharr: the other image axis (of the last two dimensions) than `axis`, or null for numpy's stencils. */
function crossAxis(plan: Plan, axis: number): { inner: number; n: number } | null {
  if (plan.operator === 'central') return null;
  const d = plan.shape.length;
  const other = axis === d - 1 ? d - 2 : d - 1;
  return { inner: other === d - 1 ? 1 : plan.shape[d - 1], n: plan.shape[other] };
}

export function writeParams(view: DataView, offset: number, p: DispatchParams, plan: Plan): void {
  if (p.slots.length > MAX_AXES_PER_DISPATCH) throw new Error('too many axes for one dispatch');
  const u32 = (at: number, v: number) => view.setUint32(offset + at, v, true);
  const f32 = (at: number, v: number) => view.setFloat32(offset + at, v, true);
  u32(PARAMS_AT.begin, p.begin);
  u32(PARAMS_AT.count, p.count);
  u32(PARAMS_AT.in_base, p.inBase);
  u32(PARAMS_AT.out_base, p.outBase);
  u32(PARAMS_AT.comp_stride, p.componentStride ?? 0);
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
    c.lo.forEach((w, j) => f32(at('w_lo') + 4 * j, w));
    c.hi.forEach((w, j) => f32(at('w_hi') + 4 * j, w));
  });
}
