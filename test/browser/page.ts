// Runs in headless Chromium and Firefox: the engines' shared core (test/engines/core.ts) inside the page.
import * as lib from '../../src/index';
import { type CoreReport, runCore } from '../engines/core';

async function run(): Promise<CoreReport> {
  const adapter = await navigator.gpu?.requestAdapter();
  return runCore(lib, { adapter: adapter ? lib.describeAdapter(adapter) : '' });
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
      ms: 0,
      failures: [`page threw: ${error?.stack ?? error}`],
    };
  },
);
