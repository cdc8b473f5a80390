// Runs in headless Chromium and Firefox: gpuImageGradient on every kind of image source a page has,
// against cpuImageGradient of the same pixels.
import {
  cpuImageGradient,
  defaultGradient,
  type FrameSource,
  gpuImageGradient,
  type ImageGradientOptions,
  type ImageSource,
} from '../../src/index';
import { f32Violation } from '../helpers/bounds';
import { rng } from '../helpers/random';

export interface ImageReport {
  /** Source kinds checked, and those the engine lacks. */
  checked: string[];
  /** A prepared image kernel recording a paused video's frame: 'ok', or the refusal of an engine that can neither import nor copy it. */
  perFrame: string;
  /** The same with a VideoFrame of the canvas. */
  perFrameVideoFrame: string;
  /** Whether the engine imports the video's frame as an external texture (the kernel tries that first). */
  imports: boolean;
  missing: string[];
  failures: string[];
}

const W = 45,
  H = 30;

function pixels(opaque: boolean, seed: number): ImageData {
  const r = rng(seed);
  const data = new Uint8ClampedArray(4 * W * H);
  for (let p = 0; p < data.length; p++) data[p] = (p & 3) === 3 && opaque ? 255 : Math.floor(r() * 256);
  return new ImageData(data, W, H);
}

function canvasOf(image: ImageData): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

async function run(): Promise<ImageReport> {
  const report: ImageReport = { checked: [], missing: [], failures: [], perFrame: '', perFrameVideoFrame: '', imports: false };
  const check = async (kind: string, source: ImageSource, reference: ImageData, options: ImageGradientOptions = {}) => {
    let got: Float32Array[];
    try {
      got = await gpuImageGradient(source, options);
    } catch (e) {
      report.failures.push(`${kind} ${JSON.stringify(options)} threw: ${(e as Error).message}`);
      return;
    }
    const ref = cpuImageGradient(reference, options);
    const k = options.operator === 'scharr' ? 256 : options.operator === 'sobel' ? 64 : 8;
    ref.forEach((r, a) => {
      const v = f32Violation(got[a], r, 255, 1, k);
      if (v) report.failures.push(`${kind} ${JSON.stringify(options)} [${a}]: ${JSON.stringify(v)}`);
    });
    report.checked.push(kind);
  };
  const translucent = pixels(false, 1);
  const opaque = pixels(true, 2);
  await check('ImageData', translucent, translucent);
  await check('ImageData', translucent, translucent, { channel: 'a', operator: 'sobel' });
  const canvas = canvasOf(opaque);
  await check('HTMLCanvasElement', canvas, opaque, { output: 'magnitude' });
  await check('ImageBitmap', await createImageBitmap(opaque, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }), opaque, {
    channel: 'g',
  });
  const offscreen = new OffscreenCanvas(W, H);
  offscreen.getContext('2d')!.putImageData(opaque, 0, 0);
  await check('OffscreenCanvas', offscreen, opaque, { operator: 'scharr' });
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
  const img = new Image();
  img.src = URL.createObjectURL(blob);
  await img.decode();
  await check('HTMLImageElement', img, opaque, { edgeOrder: 2 });
  if (typeof VideoFrame === 'function') {
    const frame = new VideoFrame(canvas, { timestamp: 0 });
    await check('VideoFrame', frame, opaque);
    frame.close();
  } else report.missing.push('VideoFrame');
  // A video element playing the canvas (captureStream), paused on a frame. Its frame reaches the GPU
  // through the browser's video path, so the reference is the same paused frame drawn into a canvas; the
  // two readings may differ by a level where colours are converted, hence the bound of 2 levels per value.
  const video = document.createElement('video');
  video.muted = true;
  const stream = canvas.captureStream();
  canvas.getContext('2d')!.putImageData(opaque, 0, 0);
  video.srcObject = stream;
  await video.play();
  await new Promise<void>((resolve) => {
    const wait = () => (video.videoWidth > 0 && video.readyState >= 2 ? resolve() : setTimeout(wait, 20));
    wait();
  });
  video.pause();
  const still = document.createElement('canvas');
  still.width = video.videoWidth;
  still.height = video.videoHeight;
  const ctx2d = still.getContext('2d', { willReadFrequently: true })!;
  ctx2d.drawImage(video, 0, 0);
  const frame = ctx2d.getImageData(0, 0, still.width, still.height);
  try {
    const got = await gpuImageGradient(video);
    const ref = cpuImageGradient(frame);
    let worst = 0;
    ref.forEach((r, a) => r.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[a][i] - v)))));
    if (!(worst <= 2)) report.failures.push(`HTMLVideoElement: differs from its frame drawn to a canvas by ${worst} levels`);
    report.checked.push('HTMLVideoElement');
  } catch (e) {
    report.failures.push(`HTMLVideoElement threw: ${(e as Error).message}`);
  }
  // The per-frame path: a prepared image kernel records the paused video's frame synchronously (imported
  // with importExternalTexture where the engine has it), read back here only to check it.
  const ctx = await defaultGradient();
  // `source` may be made when the record is (a GPUExternalTexture expires with the task that imported it).
  const perFrame = async (source: FrameSource | (() => FrameSource), reference: ImageData): Promise<string> => {
    const kernel = await ctx.prepareImage({ width: reference.width, height: reference.height });
    const bytes = kernel.outputLayout.totalBytes;
    const output = ctx.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const staging = ctx.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const encoder = ctx.device.createCommandEncoder();
      kernel.encode(encoder, { source: typeof source === 'function' ? source() : source, output });
      encoder.copyBufferToBuffer(output, 0, staging, 0, bytes);
      ctx.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const all = new Float32Array(staging.getMappedRange().slice(0));
      const slab = kernel.outputLayout.slabBytes / 4;
      let worst = 0;
      cpuImageGradient(reference).forEach((r, a) => r.forEach((v, i) => (worst = Math.max(worst, Math.abs(all[a * slab + i] - v)))));
      return worst <= 2 ? 'ok' : `differs from the reference by ${worst} levels`;
    } catch (e) {
      return `refused (${(e as { code?: string }).code}): ${(e as Error).message}`;
    } finally {
      kernel.destroy();
      output.destroy();
      staging.destroy();
    }
  };
  // The per-frame path: a prepared image kernel records a frame synchronously (imported with
  // importExternalTexture where the engine can), read back here only to check it.
  report.perFrame = await perFrame(video, frame);
  try {
    report.imports = typeof ctx.device.importExternalTexture === 'function' && !!ctx.device.importExternalTexture({ source: video });
  } catch {
    report.imports = false;
  }
  // A caller's own GPUExternalTexture, read as it is.
  if (report.imports) {
    const own = await perFrame(() => ctx.device.importExternalTexture({ source: video }), frame);
    if (own !== 'ok') report.failures.push(`per-frame GPUExternalTexture of the caller's: ${own}`);
  }
  // Where a video cannot be recorded synchronously, an ImageBitmap of its frame can.
  const bitmapOfFrame = await createImageBitmap(video);
  const fromBitmap = await perFrame(bitmapOfFrame, frame);
  if (fromBitmap !== 'ok') report.failures.push(`per-frame ImageBitmap of the video: ${fromBitmap}`);
  bitmapOfFrame.close();
  if (typeof VideoFrame === 'function') {
    const videoFrame = new VideoFrame(canvas, { timestamp: 0 });
    report.perFrameVideoFrame = await perFrame(videoFrame, opaque);
    videoFrame.close();
  }
  for (const track of stream.getTracks()) track.stop();
  return report;
}

const log = document.getElementById('log')!;
run().then(
  (report) => {
    (window as unknown as { __image: ImageReport }).__image = report;
    log.textContent = JSON.stringify(report, null, 2);
  },
  (error) => {
    (window as unknown as { __image: ImageReport }).__image = {
      checked: [],
      missing: [],
      perFrame: '',
      perFrameVideoFrame: '',
      imports: false,
      failures: [`page threw: ${error?.stack ?? error}`],
    };
  },
);
