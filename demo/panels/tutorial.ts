import { cpuGradient } from '../../src/index';
import { type Backend, formatNumbers } from '../backend';
import { drawPlot, fitCanvas } from '../draw';

/** The widely copied tutorial claim, checked live: np.gradient of a²+2a+1 at 1..5. */
export async function tutorialPanel(root: HTMLElement, backend: Backend): Promise<void> {
  const x = [1, 2, 3, 4, 5];
  const f = x.map((a) => a * a + 2 * a + 1);
  const [e1] = await backend.gradient(f, { edgeOrder: 1 });
  const [e2] = await backend.gradient(f, { edgeOrder: 2 });
  const [c1] = cpuGradient(f, { edgeOrder: 1 });
  const exact = x.map((a) => 2 * a + 2);
  const engine = backend.kind === 'gpu' ? 'gpuGradient' : 'cpuGradient fallback (no WebGPU)';
  const rows: [string, string, string][] = [
    ['x', formatNumbers(x), ''],
    ['f(x) = x² + 2x + 1', formatNumbers(f), ''],
    [`${engine}, edge order 1`, formatNumbers(e1), 'numpy.gradient(f) prints this'],
    [`${engine}, edge order 2`, formatNumbers(e2), 'numpy.gradient(f, edge_order=2)'],
    ['cpuGradient (float64), edge order 1', formatNumbers(c1), 'the reference'],
    ['f′(x) = 2x + 2', formatNumbers(exact), 'the exact derivative'],
  ];
  root.querySelector('tbody')!.innerHTML = rows
    .map(
      ([label, values, note]) =>
        `<tr><th scope="row">${label}</th><td class="mono" data-row="${label.replace(/[^a-z0-9]+/gi, '-')}">${values}</td><td class="note">${note}</td></tr>`,
    )
    .join('');
  const canvas = root.querySelector('canvas')!;
  const width = Math.min(520, root.clientWidth - 4);
  drawPlot(fitCanvas(canvas, width, 220), width, 220, [
    { label: 'exact f′ = 2x + 2', color: '#555', x, y: exact, style: 'line' },
    { label: 'edge order 1 (numpy default)', color: '#d9480f', x, y: Array.from(e1), style: 'points' },
    { label: 'edge order 2', color: '#1c7ed6', x, y: Array.from(e2), style: 'cross' },
  ]);
}
