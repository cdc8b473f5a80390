// Runs in headless Chromium and Firefox: the engines' shared core (test/engines/core.ts) inside the page.
import ndarray from 'ndarray';
import * as lib from '../../src/index';
import { type CoreReport, runCore } from '../engines/core';
import viewFixtures from '../fixtures/views.json';
import { f32Violation, maxAbs } from '../helpers/bounds';

async function run(): Promise<CoreReport> {
  const adapter = await navigator.gpu?.requestAdapter();
  // The dev server compiles the worker module from its source (the page is cross-origin isolated).
  const workerUrl = new URL('/src/cpu-worker.ts', location.href);
  const report = await runCore(lib, { adapter: adapter ? lib.describeAdapter(adapter) : '', workerUrl });
  if (adapter) await packageViews(report);
  return report;
}

/**
 * The real scijs `ndarray` package in the browser: the transposed, flipped and 4-D views of
 * fixtures/views.json made with its own transpose/step/lo/hi, through gpuGradient, against numpy.
 */
async function packageViews(report: CoreReport): Promise<void> {
  for (const c of viewFixtures.cases.filter((x) => /transposed|flipped|4-D/.test(x.name))) {
    let v = ndarray(Float32Array.from(c.base), c.baseShape);
    const none = (x: number | null) => (x === null ? -1 : x);
    v = v.hi(...c.slices.map(([, hi, step]) => ((step ?? 1) < 0 ? -1 : none(hi))));
    v = v.lo(...c.slices.map(([lo, , step]) => ((step ?? 1) < 0 ? -1 : none(lo))));
    v = v.step(...c.slices.map(([, , step]) => step ?? 1)).transpose(...c.perm);
    const got = await lib.gpuGradient(v as unknown as lib.NdarrayLike, {
      edgeOrder: c.edgeOrder as 1 | 2,
      ...(c.spacing === null ? {} : { spacing: c.spacing }),
    });
    c.gradient.forEach((ref, k) => {
      const bad = f32Violation(got[k], ref, maxAbs(c.base), c.spacing ?? 1);
      if (bad) report.failures.push(`scijs view ${c.name} axis ${k}: ${JSON.stringify(bad)}`);
    });
    report.packageViews++;
  }
}

const log = document.getElementById('log')!;
run().then(
  (report) => {
    (window as unknown as { __report: CoreReport }).__report = report;
    log.textContent = JSON.stringify(report, null, 2);
  },
  (error) => {
    (window as unknown as { __report: CoreReport }).__report = {
      adapter: '',
      cases: 0,
      fixtures: 0,
      extensions: 0,
      badInputs: 0,
      prepared: 0,
      hasFloat16: false,
      float16: 0,
      laplacian: 0,
      perAxis: 0,
      reliability: 0,
      sharedMemory: 0,
      realms: 0,
      boundaries: 0,
      views: 0,
      grids: 0,
      derivatives: 0,
      runs: 0,
      workers: 0,
      packageViews: 0,
      sections: {},
      ms: 0,
      failures: [`page threw: ${error?.stack ?? error}`],
    };
  },
);
