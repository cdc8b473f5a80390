import contiguousTemplate from '../../shaders/contiguous4.wgsl?raw';
import drawSource from '../../shaders/draw.wgsl?raw';
import gatherSource from '../../shaders/gather.wgsl?raw';
import generalSource from '../../shaders/general.wgsl?raw';
import gradientSource from '../../shaders/gradient.wgsl?raw';
import scalarSource from '../../shaders/gradient_scalar.wgsl?raw';
import vec4Source from '../../shaders/gradient_vec4.wgsl?raw';
import gridSource from '../../shaders/grid.wgsl?raw';
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
import tableSource from '../../shaders/table.wgsl?raw';
import { OPERATIONS } from '../operations.js';
import type { OutputType } from '../types.js';
import type { InputFormat } from './formats.js';
import type { Layout } from './steps.js';
import { BOUNDARY_CODE } from './uniforms.js';
import { GRID_CODE } from './variant.js';

/**
 * Shader assembly: the WGSL text of every module, from the files in shaders/ (the assembled text of each
 * is committed in shaders/assembled/, `npm run shaders`), the image conversion and the drawing pass.
 */

const LOADERS = { load_8: load8Source, load_16: load16Source, load_32: load32Source };
/** The layouts' entry points: the scalar layout's module also holds the grids' (grid.wgsl). */
const LAYOUTS: Record<Layout, string> = { scalar: `${scalarSource}\n${gridSource}`, vec4: vec4Source };
const OUTPUTS: Record<`${OutputType}_${Layout}`, string> = {
  float32_scalar: outF32ScalarSource,
  float32_vec4: outF32Vec4Source,
  float16_scalar: outF16ScalarSource,
  float16_vec4: outF16Vec4Source,
};

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
    boundaryConstants(),
    gridConstants(),
    LOADERS[loader],
    gradientSource,
    generalSource,
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

/** The boundary modes' codes in the `Axis` uniform (lo_mode, hi_mode), as uniforms.ts writes them: `const MODE_EDGE: u32 = 0u;` … */
export function boundaryConstants(): string {
  const lines = Object.entries(BOUNDARY_CODE).map(([mode, code]) => `const MODE_${mode.toUpperCase()}: u32 = ${code}u;`);
  return ['// The boundary modes (Axis.lo_mode, Axis.hi_mode), from src/gpu/uniforms.ts.', ...lines].join('\n');
}

/** The shader's GRID values (the `GRID` override), as variant.ts sets them: `const GRID_SPHERE: u32 = 2u;` … */
export function gridConstants(): string {
  const lines = Object.entries(GRID_CODE).map(([kind, code]) => `const GRID_${kind.toUpperCase()}: u32 = ${code}u;`);
  return ['// The grids (GRID), from src/gpu/variant.ts.', ...lines].join('\n');
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

/**
 * Where the image conversion reads its pixels: a texture_2d<f32> (`texture`); a texture_external
 * (`external`), a video frame imported with importExternalTexture, whose textureLoad takes no mip level; or
 * (`bytes`) RGBA bytes in ImageData's layout, one u32 a pixel in a storage buffer, as they went up with
 * writeBuffer into the host path's input arena (image.ts).
 */
export type ImageFrom = 'texture' | 'external' | 'bytes';

/** WGSL of the image conversion (pixels → one f32 per pixel, luminance or a channel), reading them `from` where it says. */
export function imageShader(from: ImageFrom): string {
  if (from === 'texture') return imageSource;
  const binding = '@group(0) @binding(0) var image: texture_2d<f32>;';
  const load = 'return textureLoad(image, vec2<u32>(x, y), 0);';
  if (!imageSource.includes(binding) || !imageSource.includes(load))
    throw new Error('internal: image.wgsl no longer has the lines imageShader swaps');
  if (from === 'external')
    return imageSource
      .replace(binding, '@group(0) @binding(0) var image: texture_external;')
      .replace(load, 'return textureLoad(image, vec2<u32>(x, y));');
  // A pixel's bytes R, G, B, A from the low byte up (little-endian, as every WebGPU engine's memory is),
  // scaled as an rgba8unorm texture reads them: ROUND then gives back the bytes exactly.
  return imageSource
    .replace(binding, '@group(0) @binding(0) var<storage, read> image: array<u32>;')
    .replace(
      load,
      'let w = image[y * P.width + x];\n  return vec4<f32>(f32(w & 0xffu), f32((w >> 8u) & 0xffu), f32((w >> 16u) & 0xffu), f32(w >> 24u)) / 255.0;',
    );
}

/** WGSL of the drawing pass: an image's gradient into an rgba8unorm storage texture. */
export const DRAW_SHADER = drawSource;

/** WGSL of the GPU gather of a strided view's 32-bit elements (host.ts, viewOnGpu). */
export const GATHER_SHADER = gatherSource;

/** WGSL of the banded operators: derivatives of any order, the Hessian and adjoints (table.ts). */
export const TABLE_SHADER = tableSource;
