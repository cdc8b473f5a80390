import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreReport } from './engines/core';
import { BOUNDARY_SAMPLE, GRID_SAMPLE, RANDOM_CASES } from './engines/core';
import { vulkanEnv } from './helpers/gpu';

// The GPU suites' core (test/engines/core.ts) in the runtimes that are not Node or a browser: Deno, whose
// WebGPU is wgpu (Firefox's implementation), and Bun, which loads Dawn through the `webgpu` package. Both
// come from npm (devDependencies `deno` and `bun`), so a fresh `npm ci` has them; a missing one fails.
const RUNTIMES = {
  deno: { bin: resolve('node_modules/.bin/deno'), args: ['run', '-A', 'test/engines/run.mjs'] },
  bun: { bin: resolve('node_modules/.bin/bun'), args: ['test/engines/run.mjs'] },
};

beforeAll(async () => {
  // The core as one ES module (fixtures inlined); the library itself comes from the built dist/.
  await build({
    configFile: false,
    logLevel: 'error',
    build: {
      outDir: 'test-output/engines',
      emptyOutDir: true,
      minify: false,
      target: 'es2022',
      lib: { entry: 'test/engines/core.ts', formats: ['es'], fileName: () => 'core.js' },
    },
  });
}, 120_000);

function runCore(runtime: keyof typeof RUNTIMES): Promise<{ report: CoreReport | null; output: string }> {
  const { bin, args } = RUNTIMES[runtime];
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm ci (the ${runtime} devDependency ships the binary)`);
  return new Promise((done) => {
    execFile(bin, args, { env: { ...vulkanEnv(), NO_COLOR: '1' }, timeout: 540_000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('CORE_REPORT '));
      done({ report: line ? JSON.parse(line.slice('CORE_REPORT '.length)) : null, output: `${error ?? ''}\n${stdout}\n${stderr}` });
    });
  });
}

describe('other runtimes', () => {
  it.each(['deno', 'bun'] as const)(
    `%s: numpy fixtures, extension fixtures, ${RANDOM_CASES} random cases against cpuGradient, float16, bad inputs`,
    async (runtime) => {
      const { report, output } = await runCore(runtime);
      expect(report, output).not.toBeNull();
      console.log(
        `${runtime}: adapter "${report!.adapter}", ${report!.fixtures} fixtures, ${report!.extensions} extension fixtures, ` +
          `${report!.cases} random cases, ${report!.float16} float16 checks, ${report!.badInputs} bad inputs in ${(report!.ms / 1000).toFixed(1)} s; ms by section: ${JSON.stringify(report!.sections)}`,
      );
      expect(report!.failures).toEqual([]);
      expect(report!.adapter).not.toBe('');
      expect(report!.fixtures).toBeGreaterThan(60);
      expect(report!.extensions).toBeGreaterThan(25);
      expect(report!.cases).toBe(RANDOM_CASES);
      expect(report!.prepared).toBe(3);
      // Deno has Float16Array: float16 data and results are checked there (59 checks); elsewhere, the refusal.
      if (runtime === 'deno') expect(report!.hasFloat16).toBe(true);
      expect(report!.float16).toBe(report!.hasFloat16 ? 59 : 1);
      expect(report!.laplacian).toBe(28);
      expect(report!.perAxis).toBe(16);
      // Deno and Bun have SharedArrayBuffer without isolation; they have no DOM for an iframe's arrays.
      expect(report!.sharedMemory).toBe(5);
      expect(report!.reliability).toBe(3);
      expect(report!.badInputs).toBeGreaterThan(40);
      expect(report!.boundaries).toBe(BOUNDARY_SAMPLE.length);
      expect(report!.grids).toBe(GRID_SAMPLE.length);
      expect(report!.derivatives).toBe(4);
      expect(report!.runs).toBe(report!.hasFloat16 ? 11 : 10);
      expect(report!.workers).toBe(6);
      expect(report!.views).toBe(2);
    },
    600_000,
  );
});
