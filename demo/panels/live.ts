import { cpuImageGradient, createGradient, defaultGradient, GradientError, type PreparedImageKernel } from '../../src/index';
import type { Backend } from '../backend';

const W = 320,
  H = 240;

/** What the demo test reads: frames drawn, and how each frame reaches the GPU. */
interface LiveState {
  frames: number;
  mode: string;
  /** GPU time of a frame's compute pass (conversion, gradient, drawing), from timestamp queries; NaN without them. */
  gpuMs: number;
}

/** Frames between two GPU-time readings: the reading maps a buffer, which the frames themselves never do. */
const TIMING_EVERY = 30;

/**
 * Whether this browser can present WebGPU canvases: a few frames on a small canvas with a device of its
 * own, then whether that device was lost. Headless Chromium on SwiftShader with its default flags (without
 * --enable-features=Vulkan --use-angle=vulkan) loses the device on presenting
 * any WebGPU canvas, and its GPU process then clears the page's 2D canvases too, so the demo asks before
 * any panel draws.
 */
export async function canPresentWebGPU(): Promise<boolean> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return false;
  const device = await adapter.requestDevice();
  let lost = false;
  device.lost.then(() => {
    lost = true;
  });
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 8;
  canvas.style.cssText = 'position: fixed; left: -100px; top: 0;';
  document.body.append(canvas);
  const context = canvas.getContext('webgpu')!;
  context.configure({ device, format: navigator.gpu.getPreferredCanvasFormat(), alphaMode: 'opaque' });
  for (let i = 0; i < 3; i++) {
    const encoder = device.createCommandEncoder();
    encoder
      .beginRenderPass({ colorAttachments: [{ view: context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store' }] })
      .end();
    device.queue.submit([encoder.finish()]);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  canvas.remove();
  const ok = !lost;
  device.destroy();
  return ok;
}

/** A video the page makes itself: a canvas animation, captured as a stream. */
function generatedVideo(): MediaStream {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext('2d')!;
  const paint = (t: number) => {
    const bg = g.createLinearGradient(0, 0, W, H);
    bg.addColorStop(0, '#14213d');
    bg.addColorStop(1, '#5c7aa6');
    g.fillStyle = bg;
    g.fillRect(0, 0, W, H);
    g.fillStyle = '#fca311';
    g.beginPath();
    g.arc(W / 2 + Math.cos(t / 700) * 90, H / 2 + Math.sin(t / 900) * 60, 34, 0, 2 * Math.PI);
    g.fill();
    g.save();
    g.translate(W / 2, H / 2);
    g.rotate(t / 1500);
    g.fillStyle = '#e5e5e5';
    g.fillRect(-100, -6, 200, 12);
    g.restore();
    requestAnimationFrame(paint);
  };
  requestAnimationFrame(paint);
  return canvas.captureStream(30);
}

/**
 * Every frame of a video — the camera when the user allows it, else one the page makes — goes through a
 * prepared image kernel whose `draw` paints the gradient into a storage texture, copied to the canvas: no
 * readback. Where the engine cannot record a video frame directly (no importExternalTexture, no copy of
 * a video: Firefox), an ImageBitmap of the frame is drawn instead. Without
 * WebGPU, cpuImageGradient draws the magnitude, slower.
 */
export async function livePanel(root: HTMLElement, backend: Backend, presents: boolean): Promise<void> {
  const video = root.querySelector('video')!;
  const output = root.querySelector<HTMLCanvasElement>('canvas.live-output')!;
  const operator = root.querySelector<HTMLSelectElement>('select[name=operator]')!;
  const style = root.querySelector<HTMLSelectElement>('select[name=style]')!;
  const camera = root.querySelector<HTMLButtonElement>('button[name=camera]')!;
  const caption = root.querySelector<HTMLElement>('.source')!;
  const message = root.querySelector<HTMLElement>('.message')!;
  const state: LiveState = { frames: 0, mode: '', gpuMs: Number.NaN };
  (window as unknown as { __live: LiveState }).__live = state;

  async function play(stream: MediaStream): Promise<void> {
    video.srcObject = stream;
    await video.play();
  }
  await play(generatedVideo());
  camera.addEventListener('click', async () => {
    try {
      await play(await navigator.mediaDevices.getUserMedia({ video: true }));
      caption.textContent = 'your camera';
    } catch (e) {
      message.textContent = `No camera: ${(e as Error).message}`;
    }
  });

  let canvas = output;
  let draw = backend.kind === 'gpu' && presents ? await gpuDrawer(canvas, operator, style, state) : cpuDrawer(canvas, operator);
  if (backend.kind === 'gpu' && !presents) state.mode = 'cpuImageGradient: this browser loses the GPU device on presenting a WebGPU canvas';
  /** The CPU drawer on a fresh canvas (a canvas keeps the context type it was first given). */
  const toCpu = (why: string) => {
    const fresh = document.createElement('canvas');
    fresh.width = W;
    fresh.height = H;
    fresh.className = canvas.className;
    canvas.replaceWith(fresh);
    canvas = fresh;
    draw = cpuDrawer(canvas, operator);
    state.mode = why;
  };
  let last = performance.now(),
    interval = 0;
  let firstFrames: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    firstFrames = resolve;
  });
  const loop = async () => {
    if (video.readyState >= 2) {
      try {
        await draw(video);
        state.frames++;
        const now = performance.now();
        interval = interval ? 0.9 * interval + 0.1 * (now - last) : now - last;
        last = now;
        const where = state.mode.startsWith('cpuImageGradient')
          ? state.mode
          : backend.kind === 'gpu'
            ? `on the GPU (${state.mode})`
            : 'cpuImageGradient (no WebGPU: slower)';
        message.textContent =
          `${W}×${H}, ${where}: ` +
          `a frame every ${interval.toFixed(1)} ms (${(1000 / interval).toFixed(0)} per second), ${state.frames} frames` +
          (Number.isFinite(state.gpuMs) ? `; GPU time of a frame's passes ${state.gpuMs.toFixed(2)} ms (timestamp queries)` : '');
        if (state.frames >= 5) firstFrames();
      } catch (e) {
        if (e instanceof CanvasLost || (e instanceof GradientError && e.code === 'device-lost')) {
          // Detected, not assumed: headless Chromium on SwiftShader (default flags) loses the device on presenting any
          // WebGPU canvas; the panel carries on with cpuImageGradient.
          toCpu('cpuImageGradient: the GPU device was lost while presenting the WebGPU canvas');
        } else {
          message.textContent = `Drawing failed: ${(e as Error).message}`;
          return;
        }
      }
    }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  await started;
}

type Drawer = (video: HTMLVideoElement) => Promise<void>;

/** The device went away after frames were presented on the WebGPU canvas. */
class CanvasLost extends Error {}

async function gpuDrawer(
  output: HTMLCanvasElement,
  operator: HTMLSelectElement,
  style: HTMLSelectElement,
  state: LiveState,
): Promise<Drawer> {
  // A device of the panel's own with timestamp queries where the adapter has them (for the GPU time
  // shown); the library's default device otherwise.
  const adapter = await navigator.gpu.requestAdapter();
  const timed = !!adapter?.features.has('timestamp-query');
  const ctx = timed
    ? await createGradient({ device: await adapter!.requestDevice({ requiredFeatures: ['timestamp-query'] }) })
    : await defaultGradient();
  const { device } = ctx;
  const timing = timed ? gpuTimer(device, state) : null;
  const context = output.getContext('webgpu')!;
  // The canvas in the engine's preferred format, the drawing blitted onto it: presenting an rgba8unorm
  // canvas filled by a copy lost the device in headless Chromium on SwiftShader (default flags).
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'opaque' });
  const target = device.createTexture({
    size: [W, H],
    format: 'rgba8unorm',
    usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING,
  });
  const module = device.createShaderModule({
    code: `
      @group(0) @binding(0) var picture: texture_2d<f32>;
      @vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
        let p = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
        return vec4<f32>(p * 2.0 - 1.0, 0.0, 1.0);
      }
      @fragment fn fs(@builtin(position) p: vec4<f32>) -> @location(0) vec4<f32> {
        return textureLoad(picture, vec2<u32>(p.xy), 0);
      }`,
  });
  const blit = device.createRenderPipeline({
    layout: 'auto',
    vertex: { module, entryPoint: 'vs' },
    fragment: { module, entryPoint: 'fs', targets: [{ format }] },
  });
  const picture = device.createBindGroup({ layout: blit.getBindGroupLayout(0), entries: [{ binding: 0, resource: target.createView() }] });
  let kernel: PreparedImageKernel | null = null,
    preparedFor = '';
  let direct = true; // the video element itself, until the engine refuses it
  return async (video) => {
    if (preparedFor !== operator.value) {
      kernel?.destroy();
      kernel = await ctx.prepareImage({ width: W, height: H, operator: operator.value as 'central' | 'sobel' | 'scharr' });
      preparedFor = operator.value;
    }
    const sized = video.videoWidth === W && video.videoHeight === H;
    const record = (source: HTMLVideoElement | ImageBitmap) => {
      const encoder = device.createCommandEncoder();
      const timestampWrites = state.frames % TIMING_EVERY === 0 ? timing?.writes() : undefined;
      kernel!.draw(encoder, { source, target, style: style.value as 'magnitude' | 'direction', timestampWrites });
      if (timestampWrites) timing!.resolve(encoder);
      const pass = encoder.beginRenderPass({
        colorAttachments: [{ view: context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }],
      });
      pass.setPipeline(blit);
      pass.setBindGroup(0, picture);
      pass.draw(3);
      pass.end();
      device.queue.submit([encoder.finish()]);
      if (timestampWrites) timing!.read();
      if (ctx.isLost) throw new CanvasLost('the device was lost');
    };
    if (direct && sized) {
      try {
        record(video);
        state.mode = 'the video element, recorded directly';
        return;
      } catch (e) {
        if (!(e instanceof GradientError && e.code === 'invalid-data')) throw e;
        direct = false; // detected: this engine cannot record a video frame synchronously
      }
    }
    const bitmap = await createImageBitmap(video, { resizeWidth: W, resizeHeight: H });
    record(bitmap);
    bitmap.close();
    state.mode = 'an ImageBitmap of each frame';
  };
}

/**
 * Reads the time of one frame's compute pass every TIMING_EVERY frames: its two timestamps resolved and
 * copied into a small buffer, mapped when the frame is done (while a reading is pending, none is taken).
 */
function gpuTimer(device: GPUDevice, state: LiveState) {
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ label: 'demo GPU time', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  let pending = false;
  return {
    writes: (): GPUComputePassTimestampWrites | undefined =>
      pending ? undefined : { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    resolve(encoder: GPUCommandEncoder) {
      encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, readback, 0, 16);
      pending = true;
    },
    read() {
      readback.mapAsync(GPUMapMode.READ).then(
        () => {
          const [begin, end] = new BigUint64Array(readback.getMappedRange());
          state.gpuMs = Number(end - begin) / 1e6;
          readback.unmap();
          pending = false;
        },
        () => {},
      );
    },
  };
}

function cpuDrawer(output: HTMLCanvasElement, operator: HTMLSelectElement): Drawer {
  const frame = document.createElement('canvas');
  frame.width = W;
  frame.height = H;
  const g = frame.getContext('2d', { willReadFrequently: true })!;
  const out = output.getContext('2d')!;
  return async (video) => {
    g.drawImage(video, 0, 0, W, H);
    const [magnitude] = cpuImageGradient(g.getImageData(0, 0, W, H), {
      operator: operator.value as 'central' | 'sobel' | 'scharr',
      output: 'magnitude',
    });
    const image = out.createImageData(W, H);
    let largest = 0;
    for (const m of magnitude) if (m > largest) largest = m;
    const scale = 255 / (largest || 1);
    magnitude.forEach((m, i) => {
      const v = m * scale;
      image.data.set([v, v, v, 255], 4 * i);
    });
    out.putImageData(image, 0, 0);
  };
}
