import { GradientError } from '../errors.js';
import { dawnTask } from './device.js';
import { BufferUsage, ShaderStage } from './flags.js';
import type { InputFormat } from './formats.js';
import {
  DRAW_SHADER,
  GATHER_SHADER,
  type ImageFrom,
  imageShader,
  type ModuleName,
  moduleName,
  shaderSource,
  TABLE_SHADER,
} from './shaders.js';
import { type GpuLimits, workgroupSize } from './steps.js';
import type { KernelVariant } from './variant.js';

const storage = (type: GPUBufferBindingType) => ({ visibility: ShaderStage.COMPUTE, buffer: { type } });

/** The kernels' bindings (gradient.wgsl, table.wgsl): input, weights or program, uniforms, output. */
export const KERNEL_LAYOUT_ENTRIES: GPUBindGroupLayoutEntry[] = [
  { binding: 0, ...storage('read-only-storage') },
  { binding: 1, ...storage('read-only-storage') },
  { binding: 2, ...storage('uniform') },
  { binding: 3, ...storage('storage') },
];

/**
 * One device's compiled shader modules and pipelines, built on first use and kept: a pipeline depends on
 * the input format and the kernel variant (override constants), never on the shape, so a new shape
 * compiles nothing. Compilation errors come back as `gpu-error` with WGSL's line and column.
 */
export class PipelineCache {
  /** The one bind group layout of every kernel: input, weights, uniforms, output. */
  readonly bindGroupLayout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  /** The pipelines built so far, for recording without awaiting (`ready`). */
  private readonly built = new Map<string, GPUComputePipeline>();
  private emptyWeights: GPUBuffer | null = null;
  /** Bind group layouts of the image conversion and the drawing pass, made on first use. */
  private readonly extraLayouts = new Map<string, GPUBindGroupLayout>();

  constructor(
    private readonly device: GPUDevice,
    private readonly limits: GpuLimits,
  ) {
    this.bindGroupLayout = device.createBindGroupLayout({ label: 'webgpu-gradient', entries: KERNEL_LAYOUT_ENTRIES });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.bindGroupLayout] });
  }

  /** The compiled pipeline for an input format and kernel variant; built once per device. */
  pipeline(format: InputFormat, variant: KernelVariant): Promise<GPUComputePipeline> {
    const key = this.keyOf(format, variant);
    return this.cached(key, () => {
      const constants = { ...format.constants, ...variant.constants, WG: workgroupSize(this.limits) };
      const pipeline = this.build(moduleName(format, variant.layout, variant.output), variant.entry, constants);
      pipeline.then(
        (built) => this.built.set(key, built),
        () => {},
      );
      return pipeline;
    });
  }

  /**
   * The bind group layout of the image conversion (shaders/image.wgsl) from where it reads its pixels
   * (ImageFrom): a texture, an external one (a video frame imported with importExternalTexture), or bytes
   * bound where they lie in an input arena (a dynamic offset); values; parameters.
   */
  imageLayout(from: ImageFrom = 'texture'): GPUBindGroupLayout {
    const key = `image-${from}`;
    let layout = this.extraLayouts.get(key);
    if (!layout) {
      const compute = ShaderStage.COMPUTE;
      layout = this.device.createBindGroupLayout({
        label: `webgpu-gradient ${key}`,
        entries: [
          from === 'external'
            ? { binding: 0, visibility: compute, externalTexture: {} }
            : from === 'bytes'
              ? { binding: 0, visibility: compute, buffer: { type: 'read-only-storage', hasDynamicOffset: true } }
              : { binding: 0, visibility: compute, texture: { sampleType: 'unfilterable-float', viewDimension: '2d' } },
          { binding: 1, visibility: compute, buffer: { type: 'storage' } },
          { binding: 2, visibility: compute, buffer: { type: 'uniform' } },
        ],
      });
      this.extraLayouts.set(key, layout);
    }
    return layout;
  }

  /** The bind group layout of the drawing pass (shaders/draw.wgsl). */
  get drawLayout(): GPUBindGroupLayout {
    let layout = this.extraLayouts.get('draw');
    if (!layout) {
      const compute = ShaderStage.COMPUTE;
      layout = this.device.createBindGroupLayout({
        label: 'webgpu-gradient draw',
        entries: [
          { binding: 0, visibility: compute, buffer: { type: 'read-only-storage' } },
          { binding: 1, visibility: compute, storageTexture: { access: 'write-only', format: 'rgba8unorm', viewDimension: '2d' } },
          { binding: 2, visibility: compute, buffer: { type: 'uniform' } },
          { binding: 3, visibility: compute, buffer: { type: 'read-only-storage' } },
          { binding: 4, visibility: compute, buffer: { type: 'storage' } },
        ],
      });
      this.extraLayouts.set('draw', layout);
    }
    return layout;
  }

  /** The image conversion for a CHANNEL code, rounding 8-bit values or not, reading its pixels `from` a texture, an external one or bytes. */
  imagePipeline(channel: number, round: boolean, from: ImageFrom = 'texture'): Promise<GPUComputePipeline> {
    const name = IMAGE_MODULE[from];
    return this.cached(`${name}|${channel}|${round}`, () => {
      const building = this.build(
        name,
        'image_values',
        { CHANNEL: channel, ROUND: round ? 1 : 0, WG: workgroupSize(this.limits) },
        this.imageLayout(from),
      );
      if (from !== 'bytes') return building;
      return building.then((built) => {
        this.bytesBuilt[2 * channel + (round ? 1 : 0)] = built;
        return built;
      });
    });
  }

  /**
   * The conversion from bytes for a CHANNEL code and rounding if it is built already, else null: an
   * ImageData frame then goes on without an await, and without a key string a frame (imageCall).
   */
  readyBytesConversion(channel: number, round: boolean): GPUComputePipeline | null {
    return this.bytesBuilt[2 * channel + (round ? 1 : 0)] ?? null;
  }

  /** Built conversions from bytes, by 2·CHANNEL + ROUND. */
  private readonly bytesBuilt: (GPUComputePipeline | undefined)[] = [];

  /**
   * The bind group layout of the GPU gather of a view (shaders/gather.wgsl): span (bound where it lies in
   * its input arena, a dynamic offset), values, parameters.
   */
  gatherLayout(): GPUBindGroupLayout {
    let layout = this.extraLayouts.get('gather');
    if (!layout) {
      const storage = (type: GPUBufferBindingType) => ({ visibility: ShaderStage.COMPUTE, buffer: { type } });
      layout = this.device.createBindGroupLayout({
        label: 'webgpu-gradient gather',
        entries: [
          { binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'read-only-storage', hasDynamicOffset: true } },
          { binding: 1, ...storage('storage') },
          { binding: 2, ...storage('uniform') },
        ],
      });
      this.extraLayouts.set('gather', layout);
    }
    return layout;
  }

  /** The GPU gather of a strided view's 32-bit elements. */
  gatherPipeline(): Promise<GPUComputePipeline> {
    return this.cached('gather', () =>
      this.kept('gather', this.build('gather', 'gather', { WG: workgroupSize(this.limits) }, this.gatherLayout())),
    );
  }

  /** The banded operators' kernel (shaders/table.wgsl), on the kernels' bind group layout. */
  tablePipeline(): Promise<GPUComputePipeline> {
    return this.cached('table', () => this.kept('table', this.build('table', 'table_main', { WG: workgroupSize(this.limits) })));
  }

  /**
   * The table kernel's or the gather's pipeline if it is built already, else null: a host call then
   * awaits tablePipeline or gatherPipeline; one that finds it goes on without an await.
   */
  readyPipeline(name: 'table' | 'gather'): GPUComputePipeline | null {
    return this.built.get(name) ?? null;
  }

  /** `building`, kept in `built` under `name` once built. */
  private kept(name: string, building: Promise<GPUComputePipeline>): Promise<GPUComputePipeline> {
    return building.then((built) => {
      this.built.set(name, built);
      return built;
    });
  }

  /** The drawing pass for a STYLE (0 magnitude as grey, 1 direction as hue). */
  drawPipeline(style: number): Promise<GPUComputePipeline> {
    return this.cached(`draw|${style}`, () =>
      this.build('draw', 'draw', { STYLE: style, WG: workgroupSize(this.limits) }, this.drawLayout),
    );
  }

  private cached(key: string, make: () => Promise<GPUComputePipeline>): Promise<GPUComputePipeline> {
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = make();
      this.pipelines.set(key, pipeline);
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  /** The pipeline for an input format and kernel variant if it is built already, else null. */
  ready(format: InputFormat, variant: KernelVariant): GPUComputePipeline | null {
    return this.built.get(this.keyOf(format, variant)) ?? null;
  }

  private keyOf(format: InputFormat, variant: KernelVariant): string {
    const constants = { ...format.constants, ...variant.constants, WG: workgroupSize(this.limits) };
    return `${moduleName(format, variant.layout, variant.output)}|${variant.entry}|${JSON.stringify(constants)}`;
  }

  /** The weights binding of work without weights (no non-uniform spacing): one 16-byte buffer per device. */
  noWeights(): GPUBuffer {
    this.emptyWeights ??= this.device.createBuffer({ label: 'webgpu-gradient no weights', size: 16, usage: BufferUsage.STORAGE });
    return this.emptyWeights;
  }

  get counts(): { shaderModules: number; pipelines: number } {
    return { shaderModules: this.modules.size, pipelines: this.pipelines.size };
  }

  /** Forgets everything (destroy, or a lost device: then nothing is touched). */
  clear(destroyBuffers: boolean): void {
    if (destroyBuffers) this.emptyWeights?.destroy();
    this.emptyWeights = null;
    this.pipelines.clear();
    this.built.clear();
    this.bytesBuilt.length = 0;
    this.modules.clear();
  }

  private async build(
    name: ModuleName | (typeof IMAGE_MODULE)[ImageFrom] | 'draw' | 'gather' | 'table',
    entry: string,
    constants: Record<string, number>,
    bindGroupLayout?: GPUBindGroupLayout,
  ): Promise<GPUComputePipeline> {
    let module = this.modules.get(name);
    if (!module) {
      // The scope keeps a compilation error from escaping as an uncaptured device error.
      this.device.pushErrorScope('validation');
      module = this.device.createShaderModule({
        label: `webgpu-gradient ${name}`,
        code:
          name === 'image' || name === 'image-external' || name === 'image-bytes'
            ? imageShader(name === 'image' ? 'texture' : name === 'image-external' ? 'external' : 'bytes')
            : name === 'draw'
              ? DRAW_SHADER
              : name === 'gather'
                ? GATHER_SHADER
                : name === 'table'
                  ? TABLE_SHADER
                  : shaderSource(name),
      });
      const scope = dawnTask(this.device.popErrorScope());
      const [info, scopeError] = await Promise.all([dawnTask(module.getCompilationInfo()), scope]);
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length > 0 || scopeError) {
        const detail = errors.length > 0 ? errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n') : scopeError!.message;
        throw new GradientError('gpu-error', `WGSL compilation of ${name} failed:\n${detail}`);
      }
      this.modules.set(name, module);
    }
    try {
      // createComputePipelineAsync rejects with a GPUPipelineError rather than raising a device error.
      return await dawnTask(
        this.device.createComputePipelineAsync({
          label: `webgpu-gradient ${name} ${entry}`,
          layout: bindGroupLayout ? this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }) : this.pipelineLayout,
          compute: { module, entryPoint: entry, constants },
        }),
      );
    } catch (e) {
      throw new GradientError('gpu-error', `pipeline creation failed for ${name} ${entry}: ${(e as Error).message}`);
    }
  }
}

/** The shader module of the image conversion from each place it reads pixels. */
const IMAGE_MODULE = { texture: 'image', external: 'image-external', bytes: 'image-bytes' } as const;
