import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vulkanEnv } from './helpers/gpu';

/** A bench script run with Node and the test's Vulkan driver; its standard output. */
function runBench(args: string[], timeout: number): string {
  return execFileSync(process.execPath, args, { encoding: 'utf8', env: vulkanEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

// Smoke test of `npm run bench` on tiny sizes: it runs from dist/ with Dawn, checks its own results and
// writes the figures. (Speed is measured on a real GPU, not here.)
describe('benchmark smoke test', () => {
  it('runs bench/gpu.mjs on tiny sizes and writes sane figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgg-bench-'));
    try {
      const json = join(dir, 'bench.json');
      const out = runBench(
        [
          'bench/gpu.mjs',
          '--sizes',
          '1d:4096,2d:33x35,2d:64x68,3d:8x8x12',
          '--repeat',
          '2',
          '--json',
          json,
          '--compare',
          'dist',
          '--runs',
          '1,4',
        ],
        300_000,
      );
      expect(out).toMatch(/^adapter: /m);
      expect(out).toMatch(/^64x68\s+2\s/m);
      expect(out).toMatch(/this build vs --compare dist/); // --compare: a second build timed in the same run
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.complete).toBe(true);
      expect(report.rows.length).toBe(8);
      for (const row of report.rows) {
        expect(row.kernelMs).toBeGreaterThan(0);
        expect(row.copyMs).toBeGreaterThan(0);
        expect(row.sampledErrorInEps).toBeLessThan(4);
        expect(row.bytes).toBe(4 * row.n * (1 + row.axes));
        expect(row.othersTimestampMs['--compare dist']).toBeGreaterThan(0);
      }
      expect(report.upload.pooledStagingMs).toBeGreaterThan(0);
      // Every shape timed with the runs asked for (each checked first), the scalar layout's 33x35 among them.
      for (const row of report.rows) {
        expect(Object.keys(row.runTimestampMs)).toEqual(['1', '4']);
        for (const ms of Object.values(row.runTimestampMs)) expect(ms).toBeGreaterThan(0);
      }
      expect(out).toMatch(/^ {2}33x35\s+e2 1: [\d.]+ \([\d.]+\), 4: /m);
      // One sweep per rank, each from 64 up to the device's limit (at least 256 in WebGPU).
      for (const shape of ['4096', '64x68', '8x8x12']) {
        const sizes = report.workgroupSweep
          .filter((s: { shape: string }) => s.shape === shape)
          .map((s: { workgroupSize: number }) => s.workgroupSize);
        expect(sizes.slice(0, 3)).toEqual([64, 128, 256]);
        expect(out).toContain(`workgroup sweep ${shape}`);
      }
      expect(report.workgroupSweep.every((s: { kernelMs: number }) => s.kernelMs > 0)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('runs bench/half.mjs on tiny sizes: every float16 variant, with runs of 2 groups of four, within the half bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgg-half-'));
    try {
      const json = join(dir, 'half.json');
      const out = runBench(['bench/half.mjs', '--sizes', '2d:36x40', '--repeat', '2', '--json', json, '--runs', '2'], 120_000);
      expect(out).toMatch(/^adapter: /m);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.complete).toBe(true);
      expect(report.rows.length).toBe(1);
      for (const row of report.rows) {
        const names = Object.keys(row.variants);
        for (const run of ['runs of 2']) {
          for (const variant of ['f16 → f16', 'f16 → f32', 'f32 → f16']) expect(names).toContain(`${variant} (${run})`);
        }
        for (const v of Object.values(row.variants) as { passMs: number; copyMs: number }[]) {
          expect(v.passMs).toBeGreaterThan(0);
          expect(v.copyMs).toBeGreaterThan(0);
        }
        // Every variant with float16 results, runs included, within the float16 rounding bound.
        expect(Object.keys(row.worstHalfError).length).toBe(4);
        for (const e of Object.values(row.worstHalfError)) expect(e).toBeLessThan(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs bench/e2e.mjs on tiny sizes: every row checked, floors and phases measured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgg-e2e-'));
    try {
      const json = join(dir, 'e2e.json');
      const out = runBench(
        ['bench/e2e.mjs', '--sizes', '2d:64x68,3d:16x8x12', '--trials', '2', '--chunks', '0.01', '--json', json, '--compare', 'dist'],
        300_000,
      );
      expect(out).toMatch(/^64x68\s/m);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.complete).toBe(true);
      expect(report.rows.length).toBe(2);
      for (const row of report.rows) {
        for (const key of ['freshMs', 'outMs', 'oneShotOutMs', 'compareFreshMs', 'floorMs', 'memcpyMs', 'cpuFreshMs', 'cpuOutMs'])
          expect(row[key], key).toBeGreaterThan(0);
        expect(row.chunkOutMs['0.01']).toBeGreaterThan(0);
        expect(row.sampledErrorInEps).toBeLessThan(4);
        expect(row.phasesPerCall.jobs).toBeGreaterThanOrEqual(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('runs bench/views.mjs and bench/mapped-copy.mjs on tiny sizes: checked rows, both gather paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgg-views-'));
    try {
      const json = join(dir, 'views.json');
      const out = runBench(['bench/views.mjs', '--size', '96', '--trials', '2', '--json', json], 300_000);
      expect(out).toMatch(/^Float32Array: host phases/m);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.rows.map((r: { gatheredOnGpu: boolean }) => r.gatheredOnGpu)).toEqual([true, false]);
      for (const row of report.rows)
        for (const key of ['contiguousHostMs', 'viewHostMs', 'contiguousMs', 'viewMs']) expect(row[key], key).toBeGreaterThan(0);
      const mapped = runBench(['bench/mapped-copy.mjs', '--mib', '4'], 120_000);
      expect(mapped).toMatch(/from the mapping in 4 MiB runs: [\d.]+ ms/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('runs bench/host-overhead.mjs on a null device: both rows timed, device calls counted', () => {
    const out = runBench(['bench/host-overhead.mjs', '--rounds', '1', '--calls', '50', '--batch', '20'], 120_000);
    for (const row of ['bare round trip', 'this build']) expect(out).toMatch(new RegExp(`^${row} +(\\d+\\.\\d+ +){3}\\d+\\.\\d+$`, 'm'));
    // A repeated sequential call creates no buffer and no bind group (kept work, transfer.ts's pools).
    expect(out).toMatch(/^this build +0\.00 \/ [\d.]+ \/ [\d.]+ \/ [\d.]+ \/ 0\.00 /m);
  }, 120_000);

  it('runs bench/latency.mjs in Node: the gradient and the Hessian against their round trips', () => {
    const out = runBench(['bench/latency.mjs', '--engines', 'node', '--batch', '20'], 120_000);
    expect(out).toMatch(/64² gpuGradient \d+\.\d+ ms = [\d.]+× bare = [\d.]+× with our kernel/);
    expect(out).toMatch(
      /64² gpuHessian \d+\.\d+ ms = [\d.]+× the round trip with its kernel \(\d+\.\d+\); 20 calls sequential \d+ ms, concurrent \d+ ms/,
    );
  }, 120_000);

  it('runs bench/bursts.mjs through Dawn: a row per call kind; calls that share no dispatch create no buffer once seen', () => {
    const out = runBench(
      ['bench/bursts.mjs', '--burst', '40', '--rounds', '1', '--size', '16', '--ops', 'gradient,divergence,adjoint'],
      120_000,
    );
    // A batch's bind group on its place in a new arena is made once a burst: 1 in 40 calls here.
    expect(out).toMatch(/^gradient +\d+\.\d +0\.00 \/ 0\.0\d$/m);
    for (const op of ['divergence', 'adjoint']) expect(out).toMatch(new RegExp(`^${op} +\\d+\\.\\d +0\\.00 / 0\\.00$`, 'm'));
  }, 120_000);

  it('runs bench/cpu-kinds.mjs: cpuGradient and cpuWorkers on float64 data before and after other element types, a row per build', () => {
    const out = runBench(['bench/cpu-kinds.mjs', '--processes', '1'], 120_000);
    expect(out).toMatch(/^this build +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d\d, \d+\.\d\d$/m);
    const pool = runBench(['bench/cpu-kinds.mjs', '--processes', '1', '--pool'], 120_000);
    expect(pool).toMatch(/^cpuWorkers \(2 threads, shared memory\)/m);
    expect(pool).toMatch(/^this build +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d\d, \d+\.\d\d$/m);
  }, 120_000);

  it('runs bench/cpu-fields.mjs: each fused field on the CPU a row, fresh, into `out` and on a pool, beside --dist, cpuGradient and numpy', () => {
    const out = runBench(['bench/cpu-fields.mjs', '--sizes', '64x48,12x10x8', '--repeats', '1', '--dist', 'dist'], 120_000);
    const ms = '\\d+\\.\\d',
      ratio = '\\d+\\.\\d\\d',
      or = (x: string) => `(n/a|${x})`;
    for (const shape of ['64x48', '12x10x8'])
      for (const op of ['gradient', 'magnitude', 'divergence', 'laplacian', 'curl', 'hessian']) {
        const cells = [ms, ms, ratio, ms, ms, ratio, ms, ratio, or(ms), or(ratio), or(ratio)];
        expect(out).toMatch(new RegExp(`^${shape} +${op} +${cells.join(' +')}$`, 'm'));
      }
    // Options passed on: numpy has no periodic boundary, so its columns say n/a.
    const periodic = runBench(['bench/cpu-fields.mjs', '--sizes', '64x48', '--repeats', '1', '--boundary', 'periodic'], 120_000);
    expect(periodic).toMatch(/^The fused fields on the CPU, float64, \{"boundary":"periodic"\}/m);
    expect(periodic).toMatch(/^64x48 +curl +\d+\.\d +\d+\.\d +\d+\.\d\d +\d+\.\d +\d+\.\d\d +n\/a +n\/a +n\/a$/m);
  }, 120_000);

  it('runs bench/cpu-options.mjs: each option family of the CPU reference a row, beside the plain gradient and --dist', () => {
    const out = runBench(['bench/cpu-options.mjs', '--size', '40', '--repeats', '1', '--dist', 'dist'], 120_000);
    expect(out).toMatch(/^The CPU reference by option family, 40×40, float64 into out/m);
    const row = ' +\\d+\\.\\d\\d +\\d+\\.\\d\\d +\\d+\\.\\d\\d +\\d+\\.\\d\\d$';
    for (const name of [
      "boundary 'reflect'",
      'skip, a masked disc',
      'sobel',
      'a transposed view',
      'the sphere',
      'Hessian, accuracy 8',
      'adjoint, accuracy 4',
    ])
      expect(out).toMatch(new RegExp(`^${name}${row}`, 'm'));
  }, 120_000);

  it('runs bench/cpu-options.mjs in 3-D with each build in processes of its own, paired ratios and their range', () => {
    const out = runBench(
      [
        'bench/cpu-options.mjs',
        '--rank',
        '3',
        '--size',
        '12',
        '--repeats',
        '1',
        '--processes',
        '2',
        '--only',
        'Hessian|adjoint',
        '--dist',
        'dist',
      ],
      120_000,
    );
    expect(out).toMatch(
      /^The CPU reference by option family, 12×12×12, float64 into out, ms \(medians of 1, then of 2 processes a build, alternating/m,
    );
    const row = ' +\\d+\\.\\d\\d +\\d+\\.\\d\\d +\\d+\\.\\d\\d +\\d+\\.\\d\\d  \\(\\d+\\.\\d\\d–\\d+\\.\\d\\d\\)$';
    for (const name of ['gradient \\(plain\\)', 'Hessian, accuracy 4', 'adjoint']) expect(out).toMatch(new RegExp(`^${name}${row}`, 'm'));
    expect(out).not.toMatch(/^sobel/m); // 2-D only
    expect(out).not.toMatch(/^magnitude/m); // not matched by --only
  }, 120_000);

  it('runs bench/program-calls.mjs on a null device: every operation timed; a repeated call writes only its inputs', () => {
    const out = runBench(['bench/program-calls.mjs', '--processes', '1', '--rounds', '1', '--sizes', '32', '--calls', '60'], 120_000);
    // The adjoint writes its two components; no call creates a bind group or a buffer once its program is kept.
    for (const [op, writes] of [
      ['gradient', '1.00'],
      ['derivatives', '1.00'],
      ['hessian', '1.00'],
      ['adjoint', '2.00'],
      ['magnitude', '1.00'],
      ['divergence', '2.00'],
      ['view', '1.00'], // its span
    ])
      expect(out).toMatch(new RegExp(`^${op} 32² +\\d+\\.\\d +${writes.replace('.', '\\.')} / 0\\.00 / 0\\.00$`, 'm'));
  }, 120_000);

  it('runs bench/record-calls.mjs through Dawn: every prepared record timed; a repeated record writes and creates nothing', () => {
    const out = runBench(['bench/record-calls.mjs', '--processes', '1', '--rounds', '1', '--records', '40', '--size', '16'], 120_000);
    expect(out).toMatch(/^host CPU per record of a 16² prepared kernel, Dawn on /m);
    for (const record of ['bare encoder', 'kernel encode', 'image encode', 'image draw', 'hessian encode'])
      expect(out).toMatch(new RegExp(`^${record} +\\d+\\.\\d+   0\\.00 / 0\\.00 / 0\\.00$`, 'm'));
  }, 120_000);

  it('runs bench/fresh-results.mjs on a null device: a timed row per size, sequential and in a burst', () => {
    const out = runBench(['bench/fresh-results.mjs', '--processes', '1', '--rounds', '1'], 120_000);
    for (const n of [32, 64, 128, 256, 512]) expect(out).toMatch(new RegExp(`^${n}² \\(\\d+\\) +\\d+\\.\\d +\\d+\\.\\d$`, 'm'));
  }, 120_000);

  it('runs bench/dawn-calls.mjs: every Dawn method of a small call timed, beside the call and the library on a null device', () => {
    const out = runBench(['bench/dawn-calls.mjs', '--calls', '40', '--warm', '20', '--null-calls', '100'], 120_000);
    expect(out).toMatch(/^call, untimed: \d+\.\d \(again after the timed run: \d+\.\d\); with every Dawn method timed: \d+\.\d$/m);
    expect(out).toMatch(/^the library's own host CPU \(null device\): \d+\.\d$/m);
    // One submit, one map and two scopes a sequential call (Transfer.submit, GroupRun.wait).
    for (const [method, count] of [
      ['queue.submit', '1.00'],
      ['buffer.mapAsync', '1.00'],
      ['device.pushErrorScope', '2.00'],
      ['device.popErrorScope', '2.00'],
    ])
      expect(out).toMatch(new RegExp(`^ +\\d+\\.\\d +${count.replace('.', '\\.')}× +${method.replace('.', '\\.')}$`, 'm'));
    expect(out).toMatch(/^ +\d+\.\d +Dawn methods in all$/m);
  }, 120_000);

  it("runs bench/host-profile.mjs: a CPU profile of calls on a null device, with the collector's share", () => {
    for (const mode of ['seq', 'burst']) {
      // 1,000 profiled calls: with 100 the 50 µs sampler caught fewer than three functions in 3 of 12 runs
      // here and in a fresh-clone CI run (2026-12-07, seventeenth session); with 1,000, 16 of 16 caught three.
      const out = runBench(
        ['bench/host-profile.mjs', '--mode', mode, '--rounds', '10', '--calls', '100', '--warm', '2', '--top', '3'],
        120_000,
      );
      expect(out).toMatch(
        /^total \d+\.\d\d µs a call \(the profiler's own dispatch \d+\.\d\d\); garbage collector \d+\.\d\d µs = [\d.]+ % of the total/m,
      );
      expect(out.trim().split('\n').slice(2)).toHaveLength(3);
    }
  }, 120_000);

  it('runs bench/alloc.mjs: bytes per call for sequential calls and a burst; no buffer made per call, no bind group per sequential call', () => {
    const out = runBench(['bench/alloc.mjs', '--calls', '200', '--burst', '100', '--warm', '100'], 120_000);
    for (const mode of ['out', 'fresh', 'burst']) {
      const row = out.match(new RegExp(`^this build +${mode} +(\\d+) +(\\d+) +([\\d.]+) +([\\d.]+) `, 'm'));
      expect(row, `${mode} row in\n${out}`).not.toBeNull();
      const [, heap, library, bindGroups, buffers] = row!.map(Number);
      expect(library).toBeGreaterThan(0);
      expect(library).toBeLessThanOrEqual(heap);
      // A burst's batch binds its stacked arrays afresh: one bind group a dispatch, 0.01 a call in bursts of 100.
      if (mode === 'burst') expect(bindGroups).toBeLessThanOrEqual(0.02);
      else expect(bindGroups).toBe(0);
      expect(buffers).toBe(0);
    }
  }, 120_000);

  it('runs bench/alloc.mjs --one-call --op hessian on a null device: gpuHessian makes no buffer or bind group a call', () => {
    const out = runBench(
      ['bench/alloc.mjs', '--one-call', '--op', 'hessian', '--null', '--calls', '200', '--burst', '100', '--warm', '100'],
      120_000,
    );
    for (const mode of ['fresh', 'burst']) expect(out).toMatch(new RegExp(`^this build +${mode} +\\d+ +\\d+ +0\\.00 +0\\.00 +\\d`, 'm'));
  }, 120_000);

  it('runs bench/alloc.mjs --op encode on a null device: a row per prepared record, each with almost no bytes of the library', () => {
    const out = runBench(['bench/alloc.mjs', '--op', 'encode', '--null', '--calls', '5000'], 120_000);
    for (const record of ['kernel', 'image', 'draw', 'hessian']) {
      const row = out.match(new RegExp(`^this build +${record} +(\\d+) +(\\d+) +([\\d.]+) +([\\d.]+) `, 'm'));
      expect(row, `${record} row in\n${out}`).not.toBeNull();
      const [, , library, bindGroups, buffers] = row!.map(Number);
      expect(library, `${record}: ${out}`).toBeLessThan(64); // 186-1,033 bytes before 2026-12-07 (bench/NOTES.md)
      expect(bindGroups).toBe(0);
      expect(buffers).toBe(0);
    }
  }, 120_000);
});
