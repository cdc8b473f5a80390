import { describe, GradientError } from '../errors.js';
import { type ImageBytes, type ImageChannel, type ImageGradientOptions, imageOptions } from '../image.js';
import { makePlan, type Plan } from '../plan.js';
import { PlanMemo } from '../plan-memo.js';
import { isShared, typedArrayName } from '../typed.js';
import { GPU_OPTION_KEYS } from './arguments.js';
import { TextureUsage } from './flags.js';
import { hostCall } from './host.js';
import { keyed } from './kept-groups.js';
import type { ImageRuntime } from './parts.js';
import { dispatchFolded } from './record.js';
import { checkRequest, type HostRequest } from './request.js';
import { scoped } from './scopes.js';
import { SpanCall, spanFits, spanPass } from './span.js';
import { ceilTo, workgroupSize } from './steps.js';
import type { GpuJobInput } from './transfer.js';
import { CHANNEL_CODE, imageParams } from './uniforms.js';
import type { TakenInput } from './upload.js';

/**
 * Image gradients on the GPU: ImageData's bytes go up with writeBuffer into the host path's input arena,
 * any other image source to a texture with copyExternalImageToTexture (a caller's texture is read as it
 * is); a compute pass turns each piece's pixels into float32 values (shaders/image.wgsl), and the host
 * path computes and reads back the gradient. No pixel passes through a CPU typed array of ours (shared
 * memory aside, copied first).
 */

/**
 * What gpuImageGradient reads: anything copyExternalImageToTexture takes, a GPUTexture with TEXTURE_BINDING
 * usage, or RGBA bytes in ImageData's layout (also in Node, which has no ImageData).
 */
export type ImageSource =
  | ImageBytes
  | ImageBitmap
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLVideoElement
  | VideoFrame
  | GPUTexture;

/** Formats of a caller's texture the conversion reads, and whether their values are 8-bit (rounded to 0–255 exactly). */
const TEXTURE_FORMATS: Partial<Record<GPUTextureFormat, boolean>> = {
  rgba8unorm: true,
  bgra8unorm: true,
  rgba16float: false,
  rgba32float: false,
};

interface SourceInfo {
  readonly width: number;
  readonly height: number;
  /** ImageData (or the same layout): RGBA bytes, written to the texture with queue.writeTexture. */
  readonly pixels: Uint8Array | Uint8ClampedArray | null;
  /** A caller's texture, read as it is; null for sources copied into one of ours. */
  readonly texture: GPUTexture | null;
  readonly round: boolean;
}

/** Whether `source` looks like a GPUTexture (engines' classes differ, so by shape). */
export function isTexture(source: unknown): source is GPUTexture {
  const s = source as Record<string, unknown> | null;
  return !!s && typeof s === 'object' && typeof s.createView === 'function' && typeof s.format === 'string';
}

/** Checks a texture source (a format the conversion reads, TEXTURE_BINDING usage, 2-D) and gives its format's rounding. */
export function textureRound(texture: GPUTexture): boolean {
  const round = TEXTURE_FORMATS[texture.format];
  if (round === undefined) {
    throw new GradientError(
      'invalid-data',
      `source: a ${texture.format} texture; gpuImageGradient reads ${Object.keys(TEXTURE_FORMATS).join(', ')} textures`,
    );
  }
  if (!(texture.usage & TextureUsage.TEXTURE_BINDING))
    throw new GradientError('invalid-data', 'source: the texture lacks TEXTURE_BINDING usage');
  if (texture.dimension !== '2d') throw new GradientError('invalid-data', `source: a ${texture.dimension} texture; a 2d one is needed`);
  return round;
}

/** The size of a source (and whether it is a texture of the caller's), refused before any GPU work when unusable. */
export function describeSource(source: unknown): SourceInfo {
  if (!source || typeof source !== 'object') {
    throw new GradientError(
      'invalid-data',
      `source: ${describe(source)} is not an image, canvas, video, VideoFrame, ImageData or GPUTexture`,
    );
  }
  const s = source as Record<string, unknown>;
  if (isTexture(source)) return { width: source.width, height: source.height, texture: source, round: textureRound(source), pixels: null };
  const [width, height] =
    'displayWidth' in s
      ? [s.displayWidth, s.displayHeight] // VideoFrame
      : 'videoWidth' in s
        ? [s.videoWidth, s.videoHeight] // HTMLVideoElement
        : 'naturalWidth' in s
          ? [s.naturalWidth, s.naturalHeight] // HTMLImageElement
          : [s.width, s.height];
  if (!Number.isInteger(width) || !Number.isInteger(height) || (width as number) < 1 || (height as number) < 1) {
    throw new GradientError(
      'invalid-data',
      `source: ${describe(source)} has no pixels (width ${describe(width)}, height ${describe(height)}): an image must be loaded and a video must have a frame`,
    );
  }
  const data = s.data;
  const tag = typedArrayName(data);
  const bytes = tag === 'Uint8ClampedArray' || tag === 'Uint8Array' ? (data as Uint8Array | Uint8ClampedArray) : null;
  if (bytes && bytes.length !== 4 * (width as number) * (height as number)) {
    throw new GradientError(
      'invalid-data',
      `source.data: ${describe(bytes)} must hold 4 bytes (RGBA) per pixel, ${4 * (width as number) * (height as number)}`,
    );
  }
  return { width: width as number, height: height as number, texture: null, round: true, pixels: bytes };
}

/**
 * Puts a source's pixels into `texture`: ImageData's bytes with writeTexture (Chromium 156 and Firefox 153
 * both refused ImageData in copyExternalImageToTexture here), anything else with copyExternalImageToTexture
 * — and where the engine refuses that source type there (Firefox 153 takes only ImageBitmap, image, canvas
 * and OffscreenCanvas; Chromium on SwiftShader with its default flags failed on VideoFrame), through createImageBitmap first.
 * Resolves to the copy's error scopes, to check once the work is done (not awaited: no extra round trip).
 */
async function copyToTexture(
  device: GPUDevice,
  source: unknown,
  src: SourceInfo,
  texture: GPUTexture,
): Promise<{ errors: Promise<GradientError | null> }> {
  const copy = (from: unknown) => scoped(device, () => putPixels(device, from, from === source ? src.pixels : null, texture));
  const refused = (error: unknown) => new GradientError('invalid-data', `source: ${(error as Error)?.message ?? error}`);
  try {
    return copy(source);
  } catch (error) {
    // A tainted canvas is a SecurityError: no other route reads it either.
    const name = (error as Error)?.name;
    if ((name !== 'TypeError' && name !== 'OperationError') || typeof createImageBitmap !== 'function') throw refused(error);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(source as ImageBitmapSource, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (error) {
    throw refused(error);
  }
  try {
    return copy(bitmap);
  } catch (error) {
    throw refused(error);
  } finally {
    bitmap.close();
  }
}

/** An rgba8unorm texture of `width`×`height` that sources can be copied into and the conversion reads. */
export function imageTexture(device: GPUDevice, width: number, height: number, label: string): GPUTexture {
  return device.createTexture({
    label,
    size: [width, height],
    format: 'rgba8unorm',
    // copyExternalImageToTexture needs RENDER_ATTACHMENT on its destination.
    usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST | TextureUsage.RENDER_ATTACHMENT,
  });
}

/**
 * Puts a source's pixels into all of `texture`: `pixels` (ImageData's bytes) with writeTexture, anything
 * else with copyExternalImageToTexture, colours not premultiplied. Throws what the engine throws.
 */
export function putPixels(device: GPUDevice, source: unknown, pixels: Uint8Array | Uint8ClampedArray | null, texture: GPUTexture): void {
  const size = [texture.width, texture.height];
  // Shared memory is copied first: Dawn in Node crashed the process on a SharedArrayBuffer view given to
  // writeTexture (SIGSEGV, webgpu 0.6.2), as on writeBuffer.
  if (pixels)
    device.queue.writeTexture({ texture }, isShared(pixels) ? new Uint8Array(pixels) : pixels, { bytesPerRow: 4 * texture.width }, size);
  else
    device.queue.copyExternalImageToTexture({ source: source as GPUCopyExternalImageSource }, { texture, premultipliedAlpha: false }, size);
}

/** The conversion's bind group on a view, an input buffer (its first `bytes`) and uniforms: the kept one, or a new one kept. */
function conversionGroup(rt: ImageRuntime, view: GPUTextureView, input: GPUBuffer, bytes: number, uniforms: GPUBuffer): GPUBindGroup {
  const layout = rt.pipelines.imageLayout();
  const groups = rt.kept.groups;
  return (
    groups.find(view, input, uniforms, layout, layout, bytes, 0, 0, 0) ??
    groups.keep(
      rt.device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: view },
          { binding: 1, resource: { buffer: input, offset: 0, size: bytes } },
          { binding: 2, resource: { buffer: uniforms } },
        ],
      }),
    )
  );
}

const IMAGE_PASS: GPUComputePassDescriptor = { label: 'webgpu-gradient image' };
const NO_BUFFERS: readonly GPUBuffer[] = Object.freeze([]);

/**
 * The rgba8unorm textures sources are copied into, reused across calls (one per call in flight), and each
 * texture's view, kept across calls. The conversion's uniforms and bind groups are kept in the context's
 * KeptBindings (kept-groups.ts). A 64² image call on a null device made a view, a uniform write and a bind
 * group each time: 27.5–32.0 µs, against 5.6–6.6 with them kept (bench/NOTES.md, eighth session).
 */
export class ImageTextures {
  private readonly free: GPUTexture[] = [];
  private closed = false;
  private readonly views = new WeakMap<GPUTexture, GPUTextureView>();

  constructor(private readonly device: GPUDevice) {}

  /** The texture's view, made the first time. */
  viewOf(texture: GPUTexture): GPUTextureView {
    return keyed(this.views, texture, () => texture.createView());
  }

  acquire(width: number, height: number): GPUTexture {
    // A loop, and the later ones moved down rather than spliced out: a closure and splice's list were made
    // at every frame (0.3 KB; bench/NOTES.md, twelfth session). At most two are kept.
    const { free } = this;
    for (let i = 0; i < free.length; i++) {
      const texture = free[i];
      if (texture.width !== width || texture.height !== height) continue;
      for (let j = i; j < free.length - 1; j++) free[j] = free[j + 1];
      free.pop();
      return texture;
    }
    return imageTexture(this.device, width, height, 'webgpu-gradient image');
  }

  /** Keeps the texture for the next call of its size (at most two kept), or destroys it. */
  release(texture: GPUTexture): void {
    if (this.closed) {
      texture.destroy();
      return;
    }
    this.free.push(texture);
    if (this.free.length > 2) this.free.shift()!.destroy();
  }

  /** Destroys the kept textures (forgets them when the device is lost); textures in use go when released. */
  destroy(forgetOnly = false): void {
    this.closed = true;
    for (const t of this.free.splice(0)) if (!forgetOnly) t.destroy();
  }
}

/** A gpuImageGradient call, checked before any device is involved. */
export interface ImageRequest {
  readonly source: unknown;
  readonly src: SourceInfo;
  readonly channel: ImageChannel;
  /** The host call that differentiates the image's values (made on the GPU: no host arrays). */
  readonly call: HostRequest;
}

/** Checks gpuImageGradient's arguments: the source, the image options, the plan's options and `out`. */
export function imageRequest(source: unknown, options: ImageGradientOptions | undefined): ImageRequest {
  const { channel, output, planOptions } = imageOptions(options);
  const src = describeSource(source);
  const info = { length: src.width * src.height, kind: 'float32' as const, shape: [src.height, src.width] };
  const recent = recentImagePlans.find('image', 1, info, planOptions);
  let plan = recent;
  if (!plan) {
    const { out: _out, device: _device, ...gradientOptions } = planOptions as typeof planOptions & { out?: unknown; device?: unknown };
    plan = makePlan({ length: info.length, kind: info.kind }, { ...gradientOptions, shape: info.shape }, GPU_OPTION_KEYS);
  }
  const out = (planOptions as { out?: unknown }).out;
  // A recent plan's float32 coefficients and indexing were checked when it was made, and only a plan that
  // passed them is remembered: a video's frames had their coefficients derived again at every frame
  // (1.1 KB and about 3 µs a 64² frame on a null device; bench/NOTES.md, twelfth session).
  const call = checkRequest(null, 'float32', plan, output === 'magnitude' ? 'magnitude' : 'gradient', out, undefined, !recent);
  if (!recent && !plan.mask && !plan.grid) recentImagePlans.remember('image', 1, info, planOptions, plan);
  return { source, src, channel, call };
}

/** Plans of recent image calls (plan-memo.ts): a video's frames are calls of one size and options. */
const recentImagePlans = new PlanMemo<Plan>(['out', 'device']);

/** The request with a copy of its pixel bytes (ImageData's layout), for a call that waits for its device before it reads them. */
export function withCopiedPixels(image: ImageRequest): ImageRequest {
  if (!image.src.pixels) return image;
  const pixels = new Uint8Array(image.src.pixels);
  const { width, height } = image.src;
  return { ...image, source: { width, height, data: pixels }, src: { ...image.src, pixels } };
}

/**
 * gpuImageGradient on a context: the image's values (luminance or a channel), then the gradient or its
 * magnitude. The source's pixels are taken before the first await — ImageData's bytes written into the
 * turn's input arena, any other source copied to a texture (a source the engine makes an ImageBitmap of
 * first is read once that is made) — so the caller may draw the next frame at once.
 *
 * Not an async function: ImageData's frames, once their conversion is built, go on without an async
 * frame, its awaits and a closure a piece (`BytesFrame`): those took 1.5 KB of the 4.4 KB the library
 * allocated a 64² frame on a null device (bench/NOTES.md, seventeenth session).
 */
export function imageCall(rt: ImageRuntime, image: ImageRequest): Promise<Float32Array[]> {
  const { src } = image;
  const built = takesBytes(rt, src) ? rt.pipelines.readyBytesConversion(CHANNEL_CODE[image.channel], src.round) : null;
  if (!built) return imageCallAwaited(rt, image);
  try {
    rt.life.checkUsable();
    const frame = new BytesFrame(rt, takePixels(rt, src.pixels!), src.width);
    frame.pipeline = built;
    const call = hostCall(rt, image.call, frame.produce) as Promise<Float32Array[]>;
    call.then(frame.released, frame.failed);
    return call;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** imageCall for sources other than ImageData, and for the first frames of a conversion: its pipeline awaited. */
async function imageCallAwaited(rt: ImageRuntime, image: ImageRequest): Promise<Float32Array[]> {
  rt.life.checkUsable();
  const { source, src, channel } = image;
  const frame = takesBytes(rt, src) ? new BytesFrame(rt, takePixels(rt, src.pixels!), src.width) : null;
  const pooled = src.texture || frame ? null : rt.textures.acquire(src.width, src.height);
  let failed = true;
  try {
    const copying = pooled ? copyToTexture(rt.device, source, src, pooled) : null;
    copying?.catch(() => undefined); // awaited below, unless the pipeline fails first
    const pipeline = await rt.pipelines.imagePipeline(CHANNEL_CODE[channel], src.round, frame ? 'bytes' : 'texture').catch((error) => {
      throw rt.life.translate(error);
    });
    const copied = await copying;
    rt.life.checkUsable();
    if (frame) frame.pipeline = pipeline;
    const produce = frame ? frame.produce : textureInput(rt, pipeline, rt.textures.viewOf(src.texture ?? pooled!), src.width);
    const results = (await hostCall(rt, image.call, produce)) as Float32Array[];
    const copyError = await copied?.errors;
    if (copyError) throw copyError;
    failed = false;
    return results;
  } finally {
    if (pooled) rt.textures.release(pooled);
    frame?.release(failed);
  }
}

/**
 * Whether the conversion reads the source's bytes from an input arena: ImageData whose bytes fit one
 * binding and `chunkBytes` (as a view's span does, gather.ts); larger ones go to a texture, as other
 * sources do, and stream piece by piece from it.
 */
function takesBytes(rt: ImageRuntime, src: SourceInfo): boolean {
  return src.pixels !== null && spanFits(rt, ceilTo(src.pixels.byteLength, 16));
}

/**
 * ImageData's bytes, written now into the turn's input arena (Transfer.takeSpan), where the conversion
 * reads them (ImageFrom 'bytes'). A texture per call, as every source had before, made a texture, its
 * view and a bind group for each call of a burst beyond the two textures kept: 1.00 bind groups a call in
 * bursts of 1,000 64² frames (bench/alloc.mjs --op image, Dawn on SwiftShader; bench/NOTES.md,
 * seventeenth session).
 */
function takePixels(rt: ImageRuntime, pixels: Uint8Array | Uint8ClampedArray): TakenInput {
  // Shared memory is copied first: Dawn in Node crashed the process on a SharedArrayBuffer view given to
  // writeBuffer (SIGSEGV, webgpu 0.6.2).
  const own = isShared(pixels) ? new Uint8Array(pixels) : pixels;
  return rt.transfer.takeSpan(own.buffer as ArrayBuffer, own.byteOffset, own.byteLength, ceilTo(own.byteLength, 16));
}

/** A frame of ImageData's bytes in an input arena: its pieces as jobs' inputs converted on the GPU, its place freed once its call has settled. */
class BytesFrame extends SpanCall {
  constructor(
    private readonly rt: ImageRuntime,
    pixels: TakenInput,
    private readonly width: number,
  ) {
    super(pixels);
  }

  recordPiece(encoder: GPUCommandEncoder, input: GPUBuffer, start: number, end: number): void {
    const { rt } = this;
    const uniforms = conversionUniforms(rt, start, end, this.width);
    const workgroups = Math.ceil((end - start) / workgroupSize(rt.limits));
    spanPass(
      rt,
      encoder,
      IMAGE_PASS,
      this.pipeline!,
      rt.pipelines.imageLayout('bytes'),
      this.span,
      input,
      end - start,
      uniforms,
      workgroups,
    );
  }
}

/** Pieces of a texture's pixels as jobs' inputs converted on the GPU. The conversion's uniforms and bind group are kept (KeptBindings): a video's frames write neither. */
function textureInput(rt: ImageRuntime, pipeline: GPUComputePipeline, view: GPUTextureView, width: number) {
  return (start: number, end: number): GpuJobInput => ({
    bytes: (end - start) * 4,
    record(encoder, input) {
      const uniforms = conversionUniforms(rt, start, end, width);
      const group = conversionGroup(rt, view, input, ceilTo((end - start) * 4, 16), uniforms);
      convert(rt, encoder, pipeline, group, end - start);
      return NO_BUFFERS;
    },
  });
}

/**
 * The conversion's uniforms for pixels [start, end) of an image `width` wide: kept, or written once and
 * kept. The last key is kept with what it was made of, so that a video's frames make no string.
 */
function conversionUniforms(rt: ImageRuntime, start: number, end: number, width: number): GPUBuffer {
  const last = LAST_KEY;
  if (last.start !== start || last.end !== end || last.width !== width) {
    last.start = start;
    last.end = end;
    last.width = width;
    last.key = `${start},${end - start},${width}`;
  }
  return rt.kept.image.find(last.key) ?? rt.kept.image.put(last.key, imageParams(start, end - start, width));
}

const LAST_KEY = { start: -1, end: -1, width: -1, key: '' };

/** The conversion's pass from a texture over `count` pixels. */
function convert(rt: ImageRuntime, encoder: GPUCommandEncoder, pipeline: GPUComputePipeline, group: GPUBindGroup, count: number): void {
  const pass = encoder.beginComputePass(IMAGE_PASS);
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  dispatchFolded(pass, Math.ceil(count / workgroupSize(rt.limits)), rt.limits.maxComputeWorkgroupsPerDimension);
  pass.end();
}
