import { cpuGradient, gpuGradient } from '../../src/index';
import type { Backend } from '../backend';

/** gpuGradient against cpuGradient on the user's machine, for a chosen size. */
export function speedPanel(root: HTMLElement, backend: Backend): Promise<void> {
  const slider = root.querySelector<HTMLInputElement>('input[name=size]')!;
  const sizeLabel = root.querySelector<HTMLElement>('.size-value')!;
  const button = root.querySelector<HTMLButtonElement>('button')!;
  const out = root.querySelector<HTMLElement>('tbody')!;
  root.querySelector<HTMLElement>('.adapter')!.textContent =
    backend.kind === 'gpu' ? `WebGPU adapter: ${backend.adapterName}` : `No WebGPU: ${backend.reason}`;
  const side = () => 2 ** Number(slider.value);
  slider.addEventListener('input', () => {
    sizeLabel.textContent = `${side()}×${side()}`;
  });
  sizeLabel.textContent = `${side()}×${side()}`;

  async function run(): Promise<void> {
    button.disabled = true;
    const n = side();
    const data = new Float32Array(n * n);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.01) + (i % 13) * 0.1;
    const bytes = 4 * n * n * 3; // read once, two outputs
    const rows: string[] = [];
    // Repeats until 100 ms have passed: Firefox rounds performance.now() (a single fast CPU call read 0.0 ms there).
    const time = async (label: string, fn: () => unknown) => {
      await fn(); // warm-up (pipelines, pools, JIT)
      let calls = 0;
      const t0 = performance.now();
      do {
        await fn();
        calls++;
      } while (performance.now() - t0 < 100);
      const ms = (performance.now() - t0) / calls;
      rows.push(
        `<tr><th scope="row">${label}</th><td class="mono">${ms.toFixed(2)} ms</td><td class="mono">${(bytes / ms / 1e6).toFixed(3)} GB/s</td></tr>`,
      );
    };
    if (backend.kind === 'gpu') await time('gpuGradient (upload + compute + readback)', () => gpuGradient(data, { shape: [n, n] }));
    await time('cpuGradient (float64)', () => cpuGradient(data, { shape: [n, n] }));
    out.innerHTML = rows.join('');
    button.disabled = false;
  }
  button.addEventListener('click', () => void run());
  return run();
}
