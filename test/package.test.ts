import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm test` builds first (pretest), so dist/ is the bundle users get.
describe('the built package', () => {
  it('has dist/index.js, dist/index.d.ts and an exports map', () => {
    expect(existsSync('dist/index.js')).toBe(true);
    expect(existsSync('dist/index.d.ts')).toBe(true);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['.'].import).toBe('./dist/index.js');
    expect(pkg.types).toBe('./dist/index.d.ts');
    const js = readFileSync('dist/index.js', 'utf8');
    expect(js).toContain('fn main_vec4'); // WGSL inlined
    expect(js).not.toMatch(/from ['"]webgpu['"]/); // no static import of the optional peer
  });

  it('imports in plain Node 20 where the webgpu package is not installed, and says so when asked for the GPU', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgg-'));
    try {
      cpSync('dist', join(dir, 'dist'), { recursive: true });
      const script = `
        import { cpuGradient, createGradient, gpuGradient } from './dist/index.js';
        const cpu = Array.from(cpuGradient([1, 2, 4, 8])[0]);
        const err = await gpuGradient([1, 2, 4]).then(() => null, (e) => e.code + ': ' + e.message);
        // Bad options are refused before a device is requested (here, before finding there is none).
        const badOptions = await Promise.all([{ workgroupSize: 0 }, { workgroupSize: 1.5 }, { maxPooledBytes: NaN }, { maxPooledBuffers: -1 }]
          .map((o) => createGradient(o).then(() => null, (e) => e.code + ': ' + e.message)));
        console.log(JSON.stringify({ cpu, err, badOptions }));`;
      const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' }));
      expect(out.cpu).toEqual([1, 1.5, 3, 4]);
      expect(out.err).toMatch(/^no-webgpu: .*npm install webgpu/);
      expect(out.badOptions[0]).toMatch(/^invalid-option: workgroupSize: 0 /);
      expect(out.badOptions[1]).toMatch(/^invalid-option: workgroupSize: 1.5 /);
      expect(out.badOptions[2]).toMatch(/^invalid-option: maxPooledBytes: NaN /);
      expect(out.badOptions[3]).toMatch(/^invalid-option: maxPooledBuffers: -1 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
