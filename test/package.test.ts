import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browsers';
import { vulkanEnv } from './helpers/gpu';

// `npm test` builds first (pretest), so dist/ is the bundle users get.
describe('the built package', () => {
  it('has dist/index.js, dist/index.d.ts and an exports map', () => {
    expect(existsSync('dist/index.js')).toBe(true);
    expect(existsSync('dist/index.d.ts')).toBe(true);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['.'].import).toBe('./dist/index.js');
    expect(pkg.types).toBe('./dist/index.d.ts');
    expect(pkg.exports['./tfjs'].import).toBe('./dist/tfjs.js');
    expect(existsSync('dist/tfjs.d.ts')).toBe(true);
    // index.js and tfjs.js share dist/core.js, which holds the WGSL (inlined, nothing fetched at run time).
    const js = ['dist/index.js', 'dist/core.js'].map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(js).toContain('fn main_vec4');
    expect(js).toContain('fn table_main');
    expect(js).not.toMatch(/from ['"]webgpu['"]/); // no static import of the optional peer
    expect(js).not.toMatch(/from ['"]@tensorflow/); // tfjs is imported by dist/tfjs.js only
    expect(readFileSync('dist/tfjs.js', 'utf8')).toMatch(/from ['"]@tensorflow\/tfjs-core['"]/);
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
        const badOptions = await Promise.all([{ workgroupSize: 0 }, { workgroupSize: 1.5 }, { maxPooledBytes: NaN }, { maxPooledBuffers: -1 },
          { chunkBytes: 100 }, { chunkbytes: 2 ** 20 }]
          .map((o) => createGradient(o).then(() => null, (e) => e.code + ': ' + e.message)));
        console.log(JSON.stringify({ cpu, err, badOptions }));`;
      const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' }));
      expect(out.cpu).toEqual([1, 1.5, 3, 4]);
      expect(out.err).toMatch(/^no-webgpu: .*npm install webgpu/);
      expect(out.badOptions[0]).toMatch(/^invalid-option: workgroupSize: 0 /);
      expect(out.badOptions[1]).toMatch(/^invalid-option: workgroupSize: 1.5 /);
      expect(out.badOptions[2]).toMatch(/^invalid-option: maxPooledBytes: NaN /);
      expect(out.badOptions[3]).toMatch(/^invalid-option: maxPooledBuffers: -1 /);
      expect(out.badOptions[4]).toMatch(/^invalid-option: chunkBytes: 100 must be an integer ≥ 4096/);
      expect(out.badOptions[5]).toMatch(/^invalid-option: options.chunkbytes: unknown option/); // a typo is not ignored
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// What a user installs: `npm pack`'s tarball, unpacked into a consumer project's node_modules beside the
// packages it depends on (linked from ours, so no registry is needed).
describe('the packed package in consumer projects', () => {
  const tsc = resolve('node_modules/typescript/bin/tsc');

  function consumer(name: 'node16' | 'vite'): string {
    const dir = resolve('test-output/consumers', name);
    rmSync(dir, { recursive: true, force: true });
    cpSync(resolve('test/consumers', name), dir, { recursive: true });
    const pkgDir = join(dir, 'node_modules/webgpu-gradient');
    mkdirSync(pkgDir, { recursive: true });
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', pkgDir, '--strip-components=1']);
    for (const dep of ['@webgpu/types', 'webgpu']) {
      mkdirSync(join(dir, 'node_modules', dep, '..'), { recursive: true });
      symlinkSync(resolve('node_modules', dep), join(dir, 'node_modules', dep));
    }
    return dir;
  }

  it('attw (ESM profile) and publint find nothing wrong with the tarball', () => {
    // Both exit non-zero on a problem, which fails execFileSync (attw reported an internal resolution
    // error for node16 while the .d.ts files imported each other without extensions).
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips attw's colour codes (ESC [ … m)
    const colours = /\x1b\[[0-9;]*m/g;
    const attw = execFileSync(resolve('node_modules/.bin/attw'), ['--pack', '.', '--profile', 'esm-only'], { encoding: 'utf8' }).replace(
      colours,
      '',
    );
    expect(attw).toMatch(/node16 \(from ESM\)\s*│\s*🟢/);
    const lint = execFileSync(resolve('node_modules/.bin/publint'), ['--strict'], { encoding: 'utf8' });
    expect(lint).toMatch(/All good!/);
  }, 120_000);

  it('a Node project with moduleResolution node16 type-checks against it and runs (CPU and Dawn)', () => {
    const dir = consumer('node16');
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    const out = JSON.parse(execFileSync(process.execPath, [join(dir, 'out/main.js')], { cwd: dir, encoding: 'utf8', env: vulkanEnv() }));
    expect(out.cpu).toEqual([1, 1.5, 3, 4]);
    expect(out.gpu).toEqual(out.cpu);
    expect(out.limits).toBe(true);
    expect(out.layout.slabBytes).toBeGreaterThanOrEqual(4 * 32);
  }, 120_000);

  it('a browser project bundled by vite type-checks against it and runs in Chromium', async () => {
    const dir = consumer('vite');
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    execFileSync(process.execPath, [resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const root = join(dir, 'dist');
    const server = createServer((req, res) => {
      const path = join(root, req.url === '/' ? 'index.html' : req.url!.replace(/\.\.+/g, ''));
      if (!existsSync(path)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', extname(path) === '.html' ? 'text/html' : 'text/javascript');
      res.end(readFileSync(path));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const browser = await launchBrowser('chromium');
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push((e as Error).message));
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      await page.waitForFunction('window.__out !== undefined', { timeout: 60_000 });
      const out = (await page.evaluate('window.__out')) as { adapter: string; gpu: number[]; cpu: number[] };
      expect(out.cpu).toEqual([2, 4, 6, 8, 10]);
      expect(out.gpu).toEqual(out.cpu);
      expect(out.adapter).not.toBe('');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 120_000);
});
