import { GradientError } from '../errors.js';
import { type GpuLimits, workgroupSize } from './dispatch.js';
import { BufferUsage, ShaderStage } from './flags.js';
import { IMAGE_SHADER, type InputFormat, type KernelVariant, type ModuleName, moduleName, shaderSource } from './kernels.js';

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
  private imageBindGroupLayout: GPUBindGroupLayout | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly limits: GpuLimits,
  ) {
    const storage = (type: GPUBufferBindingType) => ({ visibility: ShaderStage.COMPUTE, buffer: { type } });
    this.bindGroupLayout = device.createBindGroupLayout({
      label: 'webgpu-gradient',
      entries: [
        { binding: 0, ...storage('read-only-storage') },
        { binding: 1, ...storage('read-only-storage') },
        { binding: 2, ...storage('uniform') },
        { binding: 3, ...storage('storage') },
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.bindGroupLayout] });
  }

  /** The compiled pipeline for an input format and kernel variant; built once per device. */
  pipeline(format: InputFormat, variant: KernelVariant): Promise<GPUComputePipeline> {
    const key = this.keyOf(format, variant);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const constants = { ...format.constants, ...variant.constants, WG: workgroupSize(this.limits) };
      pipeline = this.build(moduleName(format, variant.layout), variant.entry, constants);
      this.pipelines.set(key, pipeline);
      pipeline.then(
        (built) => this.built.set(key, built),
        () => this.pipelines.delete(key),
      );
    }
    return pipeline;
  }

  /** The bind group layout of the image conversion (shaders/image.wgsl): texture, values, parameters. */
  get imageLayout(): GPUBindGroupLayout {
    this.imageBindGroupLayout ??= this.device.createBindGroupLayout({
      label: 'webgpu-gradient image',
      entries: [
        { binding: 0, visibility: ShaderStage.COMPUTE, texture: { sampleType: 'unfilterable-float', viewDimension: '2d' } },
        { binding: 1, visibility: ShaderStage.COMPUTE, buffer: { type: 'storage' } },
        { binding: 2, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      ],
    });
    return this.imageBindGroupLayout;
  }

  /** The image conversion for a CHANNEL code, rounding 8-bit values or not; built once per device. */
  imagePipeline(channel: number, round: boolean): Promise<GPUComputePipeline> {
    const key = `image|${channel}|${round}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.imageLayout] });
      pipeline = this.build('image', 'image_values', { CHANNEL: channel, ROUND: round ? 1 : 0, WG: workgroupSize(this.limits) }, layout);
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
    return `${moduleName(format, variant.layout)}|${variant.entry}|${JSON.stringify(constants)}`;
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
    this.modules.clear();
  }

  private async build(
    name: ModuleName | 'image',
    entry: string,
    constants: Record<string, number>,
    layout = this.pipelineLayout,
  ): Promise<GPUComputePipeline> {
    let module = this.modules.get(name);
    if (!module) {
      // The scope keeps a compilation error from escaping as an uncaptured device error.
      this.device.pushErrorScope('validation');
      module = this.device.createShaderModule({
        label: `webgpu-gradient ${name}`,
        code: name === 'image' ? IMAGE_SHADER : shaderSource(name),
      });
      const scope = this.device.popErrorScope();
      const [info, scopeError] = await Promise.all([module.getCompilationInfo(), scope]);
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length > 0 || scopeError) {
        const detail = errors.length > 0 ? errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n') : scopeError!.message;
        throw new GradientError('gpu-error', `WGSL compilation of ${name} failed:\n${detail}`);
      }
      this.modules.set(name, module);
    }
    try {
      // createComputePipelineAsync rejects with a GPUPipelineError rather than raising a device error.
      return await this.device.createComputePipelineAsync({
        label: `webgpu-gradient ${name} ${entry}`,
        layout,
        compute: { module, entryPoint: entry, constants },
      });
    } catch (e) {
      throw new GradientError('gpu-error', `pipeline creation failed for ${name} ${entry}: ${(e as Error).message}`);
    }
  }
}
