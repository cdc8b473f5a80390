import { describe, GradientError } from '../errors.js';
import { type ImageGradientOptions, imageOptions } from '../image.js';
import type { OutputLayout } from './arguments.js';
import { BufferUsage, TextureUsage } from './flags.js';
import { describeSource, type ImageSource, imageTexture, isTexture, putPixels, textureRound } from './image.js';
import { keyed } from './kept-groups.js';
import type { PrepareRuntime } from './parts.js';
import {
  disposable,
  isComputePass,
  type KernelBinding,
  type KernelBuffers,
  type PreparedKernel,
  passDescriptor,
  prepareKernel,
  recordSet,
  refuseTimestampsInPass,
} from './prepared.js';
import { guarded } from './scopes.js';
import { ceilTo, foldGrid, workgroupSize } from './steps.js';
import { CHANNEL_CODE, drawParams, imageParams } from './uniforms.js';

/**
 * Per-frame image work: a kernel prepared once for an image size and options, whose `encode` and `draw`
 * record synchronously — inside a requestAnimationFrame or requestVideoFrameCallback callback, where a
 * GPUExternalTexture from importExternalTexture(video) is valid — and never read anything back.
 */

/** Arguments of `prepareImage`: the image's size, and the options of gpuImageGradient. */
export interface PrepareImageOptions extends ImageGradientOptions {
  /** Pixels per row of every frame the kernel will read. */
  width: number;
  /** Rows of every frame. */
  height: number;
}

/**
 * A frame: a GPUTexture (rgba8unorm, bgra8unorm, rgba16float or rgba32float, TEXTURE_BINDING usage) or a
 * GPUExternalTexture, read as they are; a video element or VideoFrame, which the kernel imports with
 * importExternalTexture where the engine can; or any other image source, copied into a texture of the
 * kernel's (then only one copied frame per submit: the copy runs when recorded, the work when submitted).
 * Where an engine can neither import nor copy a video synchronously (Firefox 153), pass an
 * ImageBitmap of the frame (createImageBitmap) instead.
 */
export type FrameSource = GPUTexture | GPUExternalTexture | HTMLVideoElement | VideoFrame | ImageSource;

/** Where `encode` writes: one stacked `output` (output k at byte k·outputLayout.slabBytes) or one buffer per output. */
export interface ImageKernelOutputs {
  /** The frame to read. */
  source: FrameSource;
  /** Every output in one buffer. */
  output?: KernelBinding;
  /** One buffer per output. */
  outputs?: readonly KernelBinding[];
  /** Timestamp writes of the compute pass `encode` begins when given a command encoder (profiling). */
  timestampWrites?: GPUComputePassTimestampWrites;
}

/** What `draw` reads and where it draws. */
export interface ImageKernelDraw {
  /** The frame to read. */
  source: FrameSource;
  /** An rgba8unorm texture with STORAGE_BINDING usage, of the image's size (a canvas's context texture cannot be one). */
  target: GPUTexture;
  /** 'magnitude' (default): grey; 'direction': hue = the gradient's angle, brightness = its magnitude. */
  style?: 'magnitude' | 'direction';
  /** The magnitude drawn at full brightness; default: the largest magnitude of the previous draw (no readback). */
  scale?: number;
  /** Timestamp writes of the draw's compute pass (profiling: the frame's conversion, gradient and drawing). */
  timestampWrites?: GPUComputePassTimestampWrites;
}

interface ImageKernelParts {
  readonly rt: PrepareRuntime;
  readonly width: number;
  readonly height: number;
  readonly pipelines: { texture: Map<boolean, GPUComputePipeline>; external: GPUComputePipeline | null; draw: GPUComputePipeline[] };
  readonly values: GPUBuffer;
  readonly imageUniforms: GPUBuffer;
  readonly gradient: PreparedKernel;
  readonly drawGradient: PreparedKernel;
  readonly drawBuffers: { grad: GPUBuffer; previous: GPUBuffer; next: GPUBuffer };
  readonly forget: () => void;
  /** Why the texture_external pipeline could not be built, where it could not. */
  readonly externalError: string;
}

/** Image work for one size and set of options (see GradientContext.prepareImage). */
export class PreparedImageKernel {
  private destroyed = false;
  private copyTexture: GPUTexture | null = null;
  /**
   * What the kernel's records bind, kept across frames: each texture's view, the conversion (pipeline and
   * bind group) of each source texture, the draw's bind group of each (target, uniforms), and the draw's uniforms of each
   * scale, written once when made and never rewritten. A uniform rewritten per draw was read by every draw
   * recorded before the next submit, so two draws of different scales in one encoder both drew with the
   * last scale given (test/image.test.ts). The least recently used scale beyond KEPT_SCALES is let go, not
   * destroyed: a draw recorded with it may not be submitted yet.
   */
  private readonly views = new WeakMap<GPUTexture, GPUTextureView>();
  /**
   * The conversion of each source texture: a caller's once it has passed the checks (its size, format and
   * usage never change, and reading them makes strings in some engines: Dawn's format and dimension), and
   * the kernel's own copy texture.
   */
  private readonly sources = new WeakMap<GPUTexture, Conversion>();
  private readonly drawGroups = new WeakMap<GPUTexture, WeakMap<GPUBuffer, GPUBindGroup>>();
  private readonly scales = new Map<number, GPUBuffer>();
  /** Draw targets that passed the checks. */
  private readonly checkedTargets = new WeakSet<GPUTexture>();
  /** The uniforms of the scale drawn last (the most recent of `scales`), which a repeated draw takes without reordering the map. */
  private lastScale: GPUBuffer | null = null;
  /** The buffers the gradient kernels read and write: the kernel's own objects, refilled by each record. */
  private readonly gradientBuffers: { input: GPUBuffer; output?: KernelBinding; outputs?: readonly KernelBinding[] };
  private readonly drawGradientBuffers: { input: GPUBuffer; output: GPUBuffer };
  /** Workgroups of the conversion and of the drawing (one thread a pixel). */
  private readonly grid: readonly [number, number, number];

  /** @internal Made by GradientContext.prepareImage. */
  constructor(private readonly parts: ImageKernelParts) {
    this.gradientBuffers = { input: parts.values };
    this.drawGradientBuffers = { input: parts.values, output: parts.drawBuffers.grad };
    const { limits } = parts.rt;
    this.grid = foldGrid(Math.ceil((parts.width * parts.height) / workgroupSize(limits)), limits.maxComputeWorkgroupsPerDimension);
  }

  /** Byte layout of a stacked `output`. */
  get outputLayout(): OutputLayout {
    return this.parts.gradient.outputLayout;
  }

  /**
   * Records the frame's values and their gradient (or magnitude) into `target`, a command encoder or an
   * open compute pass, writing `output` or `outputs` as a prepared kernel does.
   */
  encode(target: GPUCommandEncoder | GPUComputePassEncoder, args: ImageKernelOutputs): void {
    this.check();
    const { output, outputs, timestampWrites } = args ?? ({} as ImageKernelOutputs);
    const isPass = isComputePass(target);
    // Every check before anything is recorded (or a frame copied).
    refuseTimestampsInPass(isPass, timestampWrites);
    const buffers = this.gradientBuffers;
    buffers.output = output;
    buffers.outputs = outputs;
    const gradient = this.parts.gradient.checkedRecord(buffers as KernelBuffers, true);
    const conversion = this.converter(args?.source);
    const pass = isPass
      ? (target as GPUComputePassEncoder)
      : (target as GPUCommandEncoder).beginComputePass(passDescriptor(args, IMAGE_PASS));
    this.recordConversion(pass, conversion);
    recordSet(pass, gradient);
    if (!isPass) pass.end();
  }

  /**
   * Records the frame's gradient drawn into `target`: its magnitude as grey, or its direction as hue, scaled
   * by `scale` or by the previous draw's largest magnitude. Nothing is read back.
   */
  draw(encoder: GPUCommandEncoder, args: ImageKernelDraw): void {
    this.check();
    const p = this.parts;
    const { target, style = 'magnitude', scale = 0 } = args ?? ({} as ImageKernelDraw);
    const t = target as GPUTexture;
    if (!this.checkedTargets.has(t)) {
      if (!t || typeof t.createView !== 'function' || t.format !== 'rgba8unorm' || !(t.usage & TextureUsage.STORAGE_BINDING)) {
        throw new GradientError('invalid-option', `target: ${describe(target)} must be an rgba8unorm texture with STORAGE_BINDING usage`);
      }
      if (t.width !== p.width || t.height !== p.height) {
        throw new GradientError('invalid-option', `target: ${t.width}×${t.height}, but the kernel draws ${p.width}×${p.height}`);
      }
      this.checkedTargets.add(t);
    }
    if (style !== 'magnitude' && style !== 'direction')
      throw new GradientError('invalid-option', `style: ${describe(style)} must be 'magnitude' or 'direction'`);
    if (!(typeof scale === 'number' && scale >= 0 && Number.isFinite(scale))) {
      throw new GradientError(
        'invalid-option',
        `scale: ${describe(scale)} must be a finite number ≥ 0 (0: the previous draw's largest magnitude)`,
      );
    }
    const { previous, next } = p.drawBuffers;
    const gradient = p.drawGradient.checkedRecord(this.drawGradientBuffers, true);
    const conversion = this.converter(args?.source);
    const group = this.drawGroup(t, this.drawUniforms(scale));
    const pass = encoder.beginComputePass(passDescriptor(args, DRAW_PASS));
    this.recordConversion(pass, conversion);
    recordSet(pass, gradient);
    pass.setPipeline(p.pipelines.draw[style === 'magnitude' ? 0 : 1]);
    pass.setBindGroup(0, group);
    const grid = this.grid;
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    pass.end();
    // This draw's largest magnitude scales the next one.
    encoder.copyBufferToBuffer(next, 0, previous, 0, 16);
    encoder.clearBuffer(next);
  }

  /** Destroys the buffers and textures this kernel owns; later records are refused. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const p = this.parts;
    p.forget();
    p.gradient.destroy();
    p.drawGradient.destroy();
    for (const b of [p.values, p.imageUniforms, ...Object.values(p.drawBuffers), ...this.scales.values()]) b.destroy();
    this.scales.clear();
    this.copyTexture?.destroy();
  }

  /** The draw's uniforms for `scale`: kept ones, or a buffer written now and kept (the least recently used let go). */
  private drawUniforms(scale: number): GPUBuffer {
    const p = this.parts;
    let buffer = this.scales.get(scale);
    if (buffer && buffer === this.lastScale) return buffer; // already the most recent
    if (buffer) this.scales.delete(scale);
    else {
      buffer = p.rt.device.createBuffer({
        label: 'webgpu-gradient draw parameters',
        size: 16,
        usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
      });
      p.rt.device.queue.writeBuffer(buffer, 0, drawParams(p.width, p.width * p.height, p.drawGradient.outputLayout.slabBytes / 4, scale));
      for (const oldest of this.scales.keys()) {
        if (this.scales.size < KEPT_SCALES) break;
        this.scales.delete(oldest);
      }
    }
    this.scales.set(scale, buffer); // most recently used last
    this.lastScale = buffer;
    return buffer;
  }

  /** The draw's bind group for a target texture and uniforms: the kept one, or a new one kept. */
  private drawGroup(target: GPUTexture, uniforms: GPUBuffer): GPUBindGroup {
    const byUniforms = keyed(this.drawGroups, target, newGroupMap);
    let group = byUniforms.get(uniforms);
    if (!group) {
      group = this.newDrawGroup(target, uniforms);
      byUniforms.set(uniforms, group);
    }
    return group;
  }

  /** Apart from drawGroup: a closure over `target` there would make its context at every draw, kept or not. */
  private newDrawGroup(target: GPUTexture, uniforms: GPUBuffer): GPUBindGroup {
    const p = this.parts;
    const { grad, previous, next } = p.drawBuffers;
    return p.rt.device.createBindGroup({
      layout: p.rt.pipelines.drawLayout,
      entries: [
        { binding: 0, resource: { buffer: grad } },
        { binding: 1, resource: keyed(this.views, target, () => target.createView()) },
        { binding: 2, resource: { buffer: uniforms } },
        { binding: 3, resource: { buffer: previous } },
        { binding: 4, resource: { buffer: next } },
      ],
    });
  }

  private check(): void {
    if (this.destroyed) throw new GradientError('destroyed', 'this prepared image kernel was destroyed; prepare a new one');
  }

  /**
   * Checks `source` (importing or copying a video frame) and returns the pipeline and bind group that
   * convert its pixels into the kernel's values buffer: a texture's kept ones, or an external texture's own.
   */
  private converter(source: unknown): Conversion {
    const p = this.parts;
    const { device } = p.rt;
    // A GPUTexture, the usual source of a frame loop, is checked once.
    const kept = this.sources.get(source as GPUTexture);
    if (kept) return kept;
    if (isTexture(source)) {
      const round = textureRound(source);
      if (source.width !== p.width || source.height !== p.height) throw sizeRefused(source.width, source.height, p);
      return this.textureConversion(source, round);
    }
    if (isExternalTexture(source)) return this.externalConversion(source);
    if (isFrame(source)) {
      // A video frame: imported where the device can (detected by trying), else copied into our texture.
      let imported: GPUExternalTexture | null = null;
      let why = 'no importExternalTexture';
      if (typeof device.importExternalTexture === 'function' && p.pipelines.external) {
        try {
          imported = device.importExternalTexture({ source: source as HTMLVideoElement | VideoFrame });
        } catch (error) {
          why = `importExternalTexture: ${(error as Error)?.message ?? error}`;
        }
      } else if (!p.pipelines.external) why = `texture_external: ${p.externalError}`;
      return imported ? this.externalConversion(imported) : this.textureConversion(this.copied(source, why), true);
    }
    const info = describeSource(source);
    if (info.width !== p.width || info.height !== p.height) throw sizeRefused(info.width, info.height, p);
    // An ImageBitmap, canvas, image or ImageData: copied into the kernel's texture when recorded.
    return this.textureConversion(this.copied(source, 'not a frame', info.pixels), true);
  }

  /** A texture's conversion, kept with its view for the texture's next frames. */
  private textureConversion(texture: GPUTexture, round: boolean): Conversion {
    let conversion = this.sources.get(texture);
    if (!conversion) {
      let view = this.views.get(texture);
      if (!view) {
        view = texture.createView();
        this.views.set(texture, view);
      }
      conversion = { pipeline: this.parts.pipelines.texture.get(round)!, group: this.conversionGroup(view, false) };
      this.sources.set(texture, conversion);
    }
    return conversion;
  }

  /** An external texture's conversion: the frame's own, made for this record. */
  private externalConversion(texture: GPUExternalTexture): Conversion {
    return { pipeline: this.parts.pipelines.external!, group: this.conversionGroup(texture, true) };
  }

  private conversionGroup(view: GPUExternalTexture | GPUTextureView, external: boolean): GPUBindGroup {
    const p = this.parts;
    return p.rt.device.createBindGroup({
      layout: p.rt.pipelines.imageLayout(external ? 'external' : 'texture'),
      entries: [
        { binding: 0, resource: view },
        { binding: 1, resource: { buffer: p.values, offset: 0, size: ceilTo(p.width * p.height * 4, 16) } },
        { binding: 2, resource: { buffer: p.imageUniforms } },
      ],
    });
  }

  private recordConversion(pass: GPUComputePassEncoder, conversion: Conversion): void {
    pass.setPipeline(conversion.pipeline);
    pass.setBindGroup(0, conversion.group);
    const grid = this.grid;
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
  }

  /** A frame copied into the kernel's own texture (engines without importExternalTexture). */
  private copied(source: unknown, why: string, pixels: Uint8Array | Uint8ClampedArray | null = null): GPUTexture {
    const p = this.parts;
    this.copyTexture ??= imageTexture(p.rt.device, p.width, p.height, 'webgpu-gradient frame');
    try {
      putPixels(p.rt.device, source, pixels, this.copyTexture);
    } catch (error) {
      throw new GradientError(
        'invalid-data',
        `source: this engine neither imports nor copies this frame (${why}; copyExternalImageToTexture: ${(error as Error)?.message ?? error}); pass a GPUTexture, or an ImageBitmap of the frame made with createImageBitmap`,
      );
    }
    return this.copyTexture;
  }
}

disposable(PreparedImageKernel);

/** What converts a source's pixels into the kernel's values buffer. */
interface Conversion {
  readonly pipeline: GPUComputePipeline;
  readonly group: GPUBindGroup;
}

/** Scales whose draw uniforms a prepared image kernel keeps. */
const KEPT_SCALES = 8;
const newGroupMap = () => new WeakMap<GPUBuffer, GPUBindGroup>();

const IMAGE_PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient image' };
const DRAW_PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient draw' };

function sizeRefused(width: number, height: number, p: ImageKernelParts): GradientError {
  return new GradientError('invalid-data', `source: ${width}×${height} pixels, but the kernel was prepared for ${p.width}×${p.height}`);
}

/** Its interface's name, as Object.prototype.toString reads it, without the string that makes. */
function isExternalTexture(value: unknown): value is GPUExternalTexture {
  return !!value && typeof value === 'object' && (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'GPUExternalTexture';
}

function isFrame(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return !!v && typeof v === 'object' && ('videoWidth' in v || 'displayWidth' in v);
}

/** Checks the options, compiles the conversion, gradient and drawing pipelines, and allocates the kernel's buffers. */
export async function prepareImageKernel(
  rt: PrepareRuntime,
  options: PrepareImageOptions,
  forget: (kernel: PreparedImageKernel) => void,
): Promise<PreparedImageKernel> {
  const { width, height, ...rest } = options ?? ({} as PrepareImageOptions);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new GradientError('invalid-shape', `width ${describe(width)} and height ${describe(height)} must be positive integers`);
  }
  const { channel, output, planOptions } = imageOptions(rest);
  const shape = [height, width];
  const channelCode = CHANNEL_CODE[channel];
  const noop = () => {};
  const gradient = await prepareKernel(rt, { ...planOptions, shape, derived: output === 'magnitude' ? 'magnitude' : undefined }, noop);
  const { axis: _axis, ...drawOptions } = planOptions;
  const drawGradient = await prepareKernel(rt, { ...drawOptions, shape }, noop).catch((error) => {
    gradient.destroy();
    throw error;
  });
  try {
    let externalError = 'no importExternalTexture';
    const external =
      typeof rt.device.importExternalTexture === 'function' ? rt.pipelines.imagePipeline(channelCode, true, 'external') : null;
    const [round, exact, draw0, draw1, ext] = await Promise.all([
      rt.pipelines.imagePipeline(channelCode, true),
      rt.pipelines.imagePipeline(channelCode, false),
      rt.pipelines.drawPipeline(0),
      rt.pipelines.drawPipeline(1),
      // An engine whose WGSL lacks texture_external still gets texture and copied frames.
      external?.catch((error: Error) => {
        externalError = error.message;
        return null;
      }) ?? null,
    ]);
    rt.life.checkUsable();
    const count = width * height;
    const buffers = await guarded(rt.device, () => {
      const make = (label: string, size: number, usage: number) =>
        rt.device.createBuffer({ label: `webgpu-gradient ${label}`, size, usage });
      const storage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
      const imageUniforms = make('image parameters', 16, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
      rt.device.queue.writeBuffer(imageUniforms, 0, imageParams(0, count, width));
      return {
        values: make('image values', ceilTo(count * 4, 16), storage),
        imageUniforms,
        drawBuffers: {
          grad: make('draw gradient', drawGradient.outputLayout.totalBytes, storage),
          previous: make('draw scale', 16, storage),
          next: make('draw maximum', 16, storage),
        },
      };
    });
    const kernel: PreparedImageKernel = new PreparedImageKernel({
      rt,
      width,
      height,
      pipelines: {
        texture: new Map([
          [true, round],
          [false, exact],
        ]),
        external: ext,
        draw: [draw0, draw1],
      },
      gradient,
      drawGradient,
      ...buffers,
      forget: () => forget(kernel),
      externalError,
    });
    return kernel;
  } catch (error) {
    gradient.destroy();
    drawGradient.destroy();
    throw rt.life.translate(error);
  }
}
