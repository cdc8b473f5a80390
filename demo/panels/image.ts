import type { Backend } from '../backend';
import { hsvToRgb, paintPixels } from '../draw';

const MAX_SIDE = 512;

/** A built-in picture, drawn procedurally: shapes with sharp and soft edges. */
function builtInPicture(): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = 320;
  c.height = 220;
  const g = c.getContext('2d')!;
  const bg = g.createLinearGradient(0, 0, 320, 220);
  bg.addColorStop(0, '#1b263b');
  bg.addColorStop(1, '#778da9');
  g.fillStyle = bg;
  g.fillRect(0, 0, 320, 220);
  g.fillStyle = '#f4a261';
  g.beginPath();
  g.arc(90, 100, 55, 0, 2 * Math.PI);
  g.fill();
  g.fillStyle = '#e9c46a';
  g.fillRect(170, 40, 110, 70);
  g.strokeStyle = '#ffffff';
  g.lineWidth = 6;
  g.beginPath();
  g.moveTo(160, 190);
  g.lineTo(300, 130);
  g.stroke();
  const soft = g.createRadialGradient(230, 170, 5, 230, 170, 45);
  soft.addColorStop(0, '#ffffff');
  soft.addColorStop(1, 'rgba(255,255,255,0)');
  g.fillStyle = soft;
  g.beginPath();
  g.arc(230, 170, 45, 0, 2 * Math.PI);
  g.fill();
  g.fillStyle = '#2a9d8f';
  g.beginPath();
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5,
      r = k % 2 ? 14 : 34;
    g.lineTo(60 + r * Math.cos(a) + 0, 185 + r * Math.sin(a) * 0.8);
  }
  g.closePath();
  g.fill();
  return c;
}

/** A drawable scaled to at most MAX_SIDE pixels a side, on a canvas: the source gpuImageGradient reads. */
function scaled(source: CanvasImageSource & { width: number; height: number }): HTMLCanvasElement {
  const scale = Math.min(1, MAX_SIDE / Math.max(source.width, source.height));
  const c = document.createElement('canvas');
  c.width = Math.max(3, Math.round(source.width * scale));
  c.height = Math.max(3, Math.round(source.height * scale));
  c.getContext('2d', { willReadFrequently: true })!.drawImage(source, 0, 0, c.width, c.height);
  return c;
}

export function imagePanel(root: HTMLElement, backend: Backend): Promise<void> {
  const [sourceCanvas, magnitudeCanvas, directionCanvas] = root.querySelectorAll('canvas');
  const operator = root.querySelector<HTMLSelectElement>('select[name=operator]')!;
  const edge = root.querySelector<HTMLSelectElement>('select[name=edge]')!;
  const step = root.querySelector<HTMLInputElement>('input[name=step]')!;
  const file = root.querySelector<HTMLInputElement>('input[type=file]')!;
  const drop = root.querySelector<HTMLElement>('.drop')!;
  const message = root.querySelector<HTMLElement>('.message')!;
  let picture = scaled(builtInPicture());

  async function render(): Promise<void> {
    const { width: w, height: h } = picture;
    const op = operator.value as 'central' | 'sobel' | 'scharr';
    // Sobel and Scharr have fixed, unnormalised weights: no spacing or edge order.
    edge.disabled = step.disabled = op !== 'central';
    const h0 = Number(step.value) > 0 ? Number(step.value) : 1;
    const options = op === 'central' ? { spacing: h0, edgeOrder: Number(edge.value) as 1 | 2 } : { operator: op };
    const t0 = performance.now();
    // The canvas itself goes to the GPU (copyExternalImageToTexture); the magnitude comes from the fused
    // kernel, which never stores the two derivative images.
    const [mag] = await backend.image(picture, { ...options, output: 'magnitude' });
    const ms = performance.now() - t0;
    const [gy, gx] = await backend.image(picture, options); // for the direction
    let max = 0;
    for (let i = 0; i < w * h; i++) if (mag[i] > max) max = mag[i];
    sourceCanvas.width = w;
    sourceCanvas.height = h;
    sourceCanvas.getContext('2d')!.drawImage(picture, 0, 0);
    paintPixels(magnitudeCanvas, h, w, (i) => {
      const v = Math.min(255, (mag[i] / (max || 1)) * 255 * 1.5);
      return [v, v, v];
    });
    paintPixels(directionCanvas, h, w, (i) =>
      hsvToRgb((Math.atan2(-gy[i], gx[i]) / (2 * Math.PI) + 1) % 1, 1, Math.min(1, (mag[i] / (max || 1)) * 1.5)),
    );
    const name = { central: "numpy's stencils", sobel: 'Sobel', scharr: 'Scharr' }[op];
    message.textContent = `${w}×${h} pixels, ${name}: ${backend.kind === 'gpu' ? 'gpuImageGradient' : 'cpuImageGradient'} (magnitude) in ${ms.toFixed(1)} ms; max |∇| = ${max.toPrecision(4)}`;
  }

  async function load(blob: Blob): Promise<void> {
    try {
      picture = scaled(await createImageBitmap(blob));
      await render();
    } catch (e) {
      message.textContent = `Cannot read that file as an image: ${(e as Error).message}`;
    }
  }

  operator.addEventListener('change', () => void render());
  edge.addEventListener('change', () => void render());
  step.addEventListener('change', () => void render());
  file.addEventListener('change', () => {
    if (file.files?.[0]) void load(file.files[0]);
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) void load(f);
  });
  return render();
}
