// Per-frame image work, side by side in one engine: a prepared image kernel drawing a frame's gradient
// into a storage texture (`draw`: the frame copied in, converted, differentiated, drawn), against a plain
// copy of the same frame into a texture — the least any per-frame path does. Each trial records one frame,
// submits it and waits for the queue; medians of `frames` trials. Milliseconds.
//
// source: 'bitmap' (an ImageBitmap of a canvas: browsers; the copy is copyExternalImageToTexture),
// 'video' (a playing video of a canvas animation, paused on a frame: browsers; the kernel imports it as an
// external texture where the engine can; the copy is copyExternalImageToTexture, where the engine can) or
// 'texture' (an rgba8unorm texture: any engine; the copy is copyTextureToTexture).

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

/** A video playing a canvas that shows `bitmap`, paused once it has a frame. */
async function pausedVideo(bitmap, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const stream = canvas.captureStream();
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = stream;
  await video.play();
  while (video.readyState < 2 || video.videoWidth === 0) await new Promise((r) => setTimeout(r, 20));
  video.pause();
  return video;
}

export async function measureFrames(lib, { width = 640, height = 480, frames = 30, source = 'bitmap' } = {}) {
  const ctx = await (lib.defaultGradient ?? lib.defaultGradientContext)();
  const { device } = ctx;
  const STORAGE_BINDING = 0x08,
    TEXTURE_BINDING = 0x04,
    COPY_DST = 0x02,
    COPY_SRC = 0x01,
    RENDER_ATTACHMENT = 0x10;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i & 3) === 3 ? 255 : (Math.sin(i * 0.001) * 127 + 128) | 0;
  let frame, copyInto;
  const into = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: TEXTURE_BINDING | COPY_DST | RENDER_ATTACHMENT });
  if (source === 'bitmap' || source === 'video') {
    frame = await createImageBitmap(new ImageData(pixels, width, height));
    if (source === 'video') frame = await pausedVideo(frame, width, height);
    copyInto = () => device.queue.copyExternalImageToTexture({ source: frame }, { texture: into }, [width, height]);
  } else {
    frame = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: TEXTURE_BINDING | COPY_SRC | COPY_DST });
    device.queue.writeTexture({ texture: frame }, pixels, { bytesPerRow: width * 4 }, [width, height]);
    copyInto = (encoder) => encoder.copyTextureToTexture({ texture: frame }, { texture: into }, [width, height]);
  }
  const kernel = await ctx.prepareImage({ width, height, operator: 'sobel' });
  const target = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: STORAGE_BINDING | COPY_SRC });
  const time = async (record) => {
    const t0 = performance.now();
    const encoder = device.createCommandEncoder();
    record(encoder);
    device.queue.submit([encoder.finish()]);
    // Firefox resolves queue promises at a ~100 ms poll unless more work is submitted: keep it moving.
    const poke = setInterval(() => device.queue.submit([]), 1);
    await device.queue.onSubmittedWorkDone();
    clearInterval(poke);
    return performance.now() - t0;
  };
  const copyMs = [],
    drawMs = [];
  for (let i = 0; i < frames + 3; i++) {
    const c = await time((e) => copyInto(e));
    const d = await time((e) => kernel.draw(e, { source: frame, target, style: 'direction' }));
    if (i >= 3) {
      copyMs.push(c);
      drawMs.push(d);
    }
  }
  kernel.destroy();
  for (const t of [into, target]) t.destroy();
  return { width, height, source, copyMs: median(copyMs), drawMs: median(drawMs), ratio: median(drawMs) / median(copyMs) };
}
