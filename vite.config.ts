import { defineConfig } from 'vitest/config';

// One config for three jobs: the library build (`vite build`), the demo (`vite` / `vite build --mode demo`)
// and the tests (vitest).
export default defineConfig(({ mode }) => ({
  // `--mode demo` serves and builds the demo page (demo/index.html) as the site root.
  root: mode === 'demo' ? 'demo' : undefined,
  base: mode === 'demo' ? './' : undefined,
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  // The pages the dev server serves outside the demo (the browser tests'). Left to itself, vite's dependency
  // scan also reads test/consumers/vite, a project bundled against the packed library, whose import of
  // 'webgpu-gradient' does not resolve here: in a clone without vite's cache the scan failed, pre-bundling
  // was skipped, and dependencies were optimised one by one as pages first imported them.
  optimizeDeps: mode === 'demo' ? undefined : { entries: ['test/browser/*.html'] },
  build:
    mode === 'demo'
      ? { outDir: '../dist-demo', emptyOutDir: true, target: 'es2022' }
      : {
          outDir: 'dist',
          emptyOutDir: true,
          target: 'es2022',
          minify: false,
          // Three entry points: the library, `webgpu-gradient/tfjs` (TensorFlow.js ops) and the CPU worker
          // module (cpuWorkers), sharing chunks.
          lib: {
            entry: { index: 'src/index.ts', tfjs: 'src/tfjs.ts', 'cpu-worker': 'src/cpu-worker.ts' },
            formats: ['es'],
            fileName: (_format, name) => `${name}.js`,
          },
          // The code both entries use is one chunk, dist/core.js, which index.js re-exports from.
          rollupOptions: {
            external: ['webgpu', /^@tensorflow\//],
            output: {
              chunkFileNames: '[name].js',
              manualChunks: (id: string) =>
                /[\\/]src[\\/](?!index\.ts$|tfjs\.ts$|cpu-worker\.ts$)/.test(id) || /[\\/]shaders[\\/]/.test(id) ? 'core' : undefined,
            },
          },
        },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: ['test/setup/global.ts'],
    // GPU suites share one Dawn instance per file; files run one after another so SwiftShader's
    // threads are not split across files on a 2-core CI machine.
    fileParallelism: false,
  },
}));
