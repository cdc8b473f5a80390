// Runs in headless Chromium: gpuGradient against cpuGradient (and numpy fixtures) inside the page.
import {
  cpuCurl, cpuDivergence, cpuGradient, cpuGradientMagnitude, gpuCurl, gpuDivergence, gpuGradient, gpuGradientMagnitude,
  GradientError, type GradientOptions,
} from '../../src/index';
import extensions from '../fixtures/numpy_extensions.json';
import { f32Violation, maxAbs, minStep } from '../helpers/bounds';
import { BAD_INPUTS } from '../helpers/bad-inputs';
import { randomCase, rng } from '../helpers/random';
import fixtures from '../fixtures/numpy_gradient.json';

export interface PageReport {
  adapter: string;
  cases: number;
  fixtures: number;
  extensions: number;
  badInputs: number;
  failures: string[];
}

async function run(): Promise<PageReport> {
  const report: PageReport = { adapter: '', cases: 0, fixtures: 0, extensions: 0, badInputs: 0, failures: [] };
  const adapter = await navigator.gpu?.requestAdapter();
  report.adapter = adapter ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim() || 'unnamed adapter' : '';
  if (!adapter) { report.failures.push('no WebGPU adapter in the page'); return report; }

  for (const c of fixtures.cases as { name: string; dtype: string; shape: number[]; data: number[]; spacing?: never; axis?: never; edgeOrder: 1 | 2; expected: number[][]; expected64?: number[][] }[]) {
    const Ctor = { float64: Float64Array, float32: Float32Array, int32: Int32Array, uint8: Uint8Array }[c.dtype]!;
    const got = await gpuGradient(Ctor.from(c.data), { shape: c.shape, spacing: c.spacing, axis: c.axis, edgeOrder: c.edgeOrder });
    const ref = c.expected64 ?? c.expected;
    got.forEach((g, k) => {
      const v = f32Violation(g, ref[k], maxAbs(c.data), minStep(c.spacing, ref.length));
      if (v) report.failures.push(`fixture ${c.name} axis ${k}: ${JSON.stringify(v)}`);
    });
    if (got.length !== ref.length) report.failures.push(`fixture ${c.name}: ${got.length} outputs`);
    report.fixtures++;
  }

  // Periodic boundaries, fourth order and fused fields: numpy fixtures, GPU and CPU in the page.
  for (const c of extensions.cases as { name: string; op: string; shape: number[]; options: GradientOptions; components: number[][]; expected: number[][] }[]) {
    const o = { ...c.options, shape: c.shape };
    const [f] = c.components;
    const gpu = c.op === 'gradient' ? await gpuGradient(f, o) : c.op === 'magnitude' ? [await gpuGradientMagnitude(f, o)]
      : c.op === 'divergence' ? [await gpuDivergence(c.components, o)] : await gpuCurl(c.components, o);
    const cpu = c.op === 'gradient' ? cpuGradient(f, o) : c.op === 'magnitude' ? [cpuGradientMagnitude(f, o)]
      : c.op === 'divergence' ? [cpuDivergence(c.components, o)] : cpuCurl(c.components, o);
    const h = typeof o.spacing === 'number' ? o.spacing : 0.2;
    const k = o.accuracy === 4 ? 24 : 8;
    c.expected.forEach((ref, j) => {
      const v = f32Violation(gpu[j] ?? [], ref, maxAbs(c.components.flat()), h, k * 3);
      if (v) report.failures.push(`extension ${c.name} [${j}] gpu: ${JSON.stringify(v)}`);
      const w = f32Violation(cpu[j] ?? [], ref, maxAbs(c.components.flat()), h, 1e-6);
      if (w) report.failures.push(`extension ${c.name} [${j}] cpu: ${JSON.stringify(w)}`);
    });
    report.extensions++;
  }

  const r = rng(99);
  for (let i = 0; i < 120; i++) {
    const c = randomCase(r, i, 3000);
    const got = await gpuGradient(c.data, c.options);
    const ref = cpuGradient(c.data, c.options);
    if (got.length !== ref.length) report.failures.push(`${c.label}: ${got.length} outputs, expected ${ref.length}`);
    got.forEach((g, k) => {
      const v = f32Violation(g, ref[k], maxAbs(c.data), c.hMin);
      if (v) report.failures.push(`${c.label} axis ${k}: ${JSON.stringify(v)}`);
    });
    report.cases++;
  }

  for (const [what, data, options, code] of BAD_INPUTS) {
    const e = await gpuGradient(data as never, options as never).then(() => null, (err) => err);
    if (!(e instanceof GradientError) || e.code !== code) report.failures.push(`bad input "${what}": got ${e}`);
    report.badInputs++;
  }
  return report;
}

const log = document.getElementById('log')!;
run().then(
  (report) => { (window as unknown as { __report: PageReport }).__report = report; log.textContent = JSON.stringify(report, null, 2); },
  (error) => { (window as unknown as { __report: PageReport }).__report = { adapter: '', cases: 0, fixtures: 0, extensions: 0, badInputs: 0, failures: [`page threw: ${error?.stack ?? error}`] }; },
);
