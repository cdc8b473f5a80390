import type { Backend } from '../backend';
import { drawQuiver, fitCanvas } from '../draw';
import { compileExpression } from '../expression';

/** f(x, y) on meshgrid(linspace(−5, 5, N)): heatmap of f with its gradient as arrows. */
export function fieldPanel(root: HTMLElement, backend: Backend): Promise<void> {
  const input = root.querySelector<HTMLInputElement>('input[name=expr]')!;
  const slider = root.querySelector<HTMLInputElement>('input[name=n]')!;
  const nLabel = root.querySelector<HTMLElement>('.n-value')!;
  const coords = root.querySelector<HTMLInputElement>('input[name=coords]')!;
  const message = root.querySelector<HTMLElement>('.message')!;
  const canvas = root.querySelector('canvas')!;

  async function render(): Promise<void> {
    const n = Number(slider.value);
    nLabel.textContent = String(n);
    let f: (x: number, y: number) => number;
    try {
      f = compileExpression(input.value);
    } catch (e) {
      message.textContent = `Cannot read the expression: ${(e as Error).message}`;
      message.classList.add('error');
      return;
    }
    const lin = Array.from({ length: n }, (_, i) => -5 + (10 * i) / (n - 1));
    const z = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) z[r * n + c] = f(lin[c], lin[r]);
    // Rows vary y, columns vary x: axis 0 is ∂/∂y, axis 1 is ∂/∂x.
    const [gyCoord, gxCoord] = await backend.gradient(z, { shape: [n, n], spacing: [lin, lin] });
    const [gy, gx] = coords.checked ? [gyCoord, gxCoord] : await backend.gradient(z, { shape: [n, n] });
    // One arrow scale for both spacings (from the coordinate gradient), so unit spacing shows as shorter arrows.
    let maxCoord = 0,
      maxShown = 0;
    for (let i = 0; i < n * n; i++) {
      maxCoord = Math.max(maxCoord, Math.hypot(gxCoord[i], gyCoord[i]) || 0);
      maxShown = Math.max(maxShown, Math.hypot(gx[i], gy[i]) || 0);
    }
    const size = Math.min(460, root.clientWidth - 4);
    const cell = size / n;
    drawQuiver(fitCanvas(canvas, size, size), size, n, z, gx, gy, maxCoord > 0 ? (0.9 * cell) / maxCoord : 0);
    message.classList.remove('error');
    message.textContent = `max |∇f| = ${maxShown.toPrecision(4)} with ${coords.checked ? `coordinate spacing h = ${(10 / (n - 1)).toPrecision(3)}` : 'unit spacing (index steps)'}`;
  }

  let pending: Promise<void> = render();
  const rerender = () => {
    pending = pending.then(render, render);
  };
  input.addEventListener('input', rerender);
  slider.addEventListener('input', rerender);
  coords.addEventListener('change', rerender);
  return pending;
}
