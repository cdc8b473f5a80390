import { describe, expect, it } from 'vitest';
import gradientWgsl from '../shaders/gradient.wgsl?raw';
import scalarWgsl from '../shaders/gradient_scalar.wgsl?raw';
import vec4Wgsl from '../shaders/gradient_vec4.wgsl?raw';
import { BufferUsage, MapMode } from '../src/gpu/flags';
import { moduleName, shaderSource } from '../src/gpu/shaders';
import type { Layout } from '../src/gpu/steps';
import { gpuSuite } from './helpers/gpu-suite';

// Portable WGSL, checked on the source of every module the library compiles. Some rules no test on
// Vulkan (Dawn, SwiftShader, wgpu) can catch by running the kernels, because Vulkan forgives them.

const MODULES = (['load_8', 'load_16', 'load_32'] as const).flatMap((loader) =>
  (['scalar', 'vec4'] as Layout[]).flatMap((layout) =>
    (['float32', 'float16'] as const).map((output) => ({
      layout,
      output,
      name: moduleName({ module: loader, bytesPerElement: 4, constants: {} }, layout, output),
    })),
  ),
);

/** The element type of `dst` each module's invocations store whole (float16 pairs of one word: through atomics). */
const DST_TYPE = { float32: { scalar: 'f32', vec4: 'vec4<f32>' }, float16: { scalar: 'atomic<u32>', vec4: 'vec2<u32>' } } as const;

/** Strips comments so that prose about a pattern does not count as the pattern. */
const code = (wgsl: string) => wgsl.replace(/\/\/[^\n]*/g, '');

/** Each `dst[...]` reference with what follows its closing bracket (brackets nest). */
function dstAccesses(wgsl: string): { index: string; after: string }[] {
  const found: { index: string; after: string }[] = [];
  const re = /\bdst\s*\[/g;
  for (let m = re.exec(wgsl); m; m = re.exec(wgsl)) {
    let depth = 1,
      i = m.index + m[0].length;
    for (; depth > 0; i++) depth += wgsl[i] === '[' ? 1 : wgsl[i] === ']' ? -1 : 0;
    found.push({ index: wgsl.slice(m.index + m[0].length, i - 1), after: wgsl.slice(i).trimStart().slice(0, 2) });
  }
  return found;
}

describe('no invocation stores into a lane of a vector (gpuweb#2112: Metal and D3D may rewrite the whole vector)', () => {
  for (const { name, layout, output } of MODULES) {
    it(`${name}: the only writable binding is dst, declared with the element type each invocation stores whole`, () => {
      const wgsl = code(shaderSource(name));
      const writable = wgsl.match(/var<storage,\s*read_write>\s*(\w+)\s*:\s*([^;]+);/g) ?? [];
      expect(writable).toEqual([`var<storage, read_write> dst: array<${DST_TYPE[output][layout]}>;`]);
      const accesses = dstAccesses(wgsl);
      expect(accesses.length).toBeGreaterThan(0);
      if (DST_TYPE[output][layout].startsWith('atomic')) {
        // Halves share a word: every access is an atomic read-modify-write of the whole word.
        const atomics = wgsl.match(/atomic(And|Or)\(&dst\[/g) ?? [];
        expect(atomics.length).toBe(accesses.length);
        return;
      }
      // No pointer to dst or to part of it, through which a lane could be written out of sight.
      expect(wgsl).not.toMatch(/&\s*dst\b/);
      for (const a of accesses) {
        // `dst[i] = …` only: never `dst[i][j] = …` or `dst[i].x = …` (a lane of a vector element).
        expect(a.after, `dst[${a.index}] followed by "${a.after}"`).toMatch(/^=[^=]/);
      }
    });
  }

  it('the check finds the pattern it forbids', () => {
    expect(dstAccesses('dst[o >> 2u][o & 3u] = r;').map((a) => a.after)).toEqual(['[o']);
    expect(dstAccesses('dst[f(a[1])].y = r;').map((a) => a.after)).toEqual(['.y']);
    expect(dstAccesses('dst[f(a[1])] = r;').map((a) => a.after)).toEqual(['= ']);
  });
});

describe('the stencils along an axis are written once (shaders/stencil.wgsl), not once per layout', () => {
  for (const { name, layout } of MODULES) {
    it(`${name}: holds the template instantiated per element type, with no placeholder left`, () => {
      const wgsl = shaderSource(name);
      expect(wgsl).not.toMatch(/\{\{|\}\}/);
      const defined = [...code(wgsl).matchAll(/\bfn (along\d|edge4_\d_\d)\(/g)].map((m) => m[1]).sort();
      expect(defined).toEqual(
        layout === 'vec4' ? ['along1', 'along4', 'edge4_0_1', 'edge4_0_4', 'edge4_1_1', 'edge4_1_4'] : ['along1', 'edge4_0_1', 'edge4_1_1'],
      );
    });
  }
  it('no layout file or the shared file defines a stencil of its own', () => {
    for (const file of [gradientWgsl, scalarWgsl, vec4Wgsl])
      expect(code(file)).not.toMatch(/\bfn (along\d\w*|along_strided\w*|edge4\w*)\(/);
  });
});

describe('WGSL helpers on the GPU, past the sizes the kernels can be run at here', () => {
  const suite = gpuSuite();

  /** Runs gradient.wgsl's `wrap` on (i, n, d) triples in a small compute shader. */
  async function wrapOnGpu(device: GPUDevice, cases: [number, number, number][]): Promise<number[]> {
    const fn = /\nfn wrap\([\s\S]*?\n\}\n/.exec(gradientWgsl)![0];
    const module = device.createShaderModule({
      code: `${fn}
      struct Case { i: u32, n: u32, d: i32, pad: u32 }
      @group(0) @binding(0) var<storage, read> cases: array<Case>;
      @group(0) @binding(1) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
        if (id.x < arrayLength(&out)) { let c = cases[id.x]; out[id.x] = wrap(c.i, c.n, c.d); }
      }`,
    });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const input = new Uint32Array(cases.length * 4);
    cases.forEach(([i, n, d], k) => {
      input[4 * k] = i;
      input[4 * k + 1] = n;
      input[4 * k + 2] = d >>> 0;
    });
    const src = device.createBuffer({ size: input.byteLength, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    const out = device.createBuffer({ size: cases.length * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: cases.length * 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    device.queue.writeBuffer(src, 0, input);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: src } },
          { binding: 1, resource: { buffer: out } },
        ],
      }),
    );
    pass.dispatchWorkgroups(Math.ceil(cases.length / 64));
    pass.end();
    encoder.copyBufferToBuffer(out, 0, read, 0, cases.length * 4);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(MapMode.READ);
    const result = Array.from(new Uint32Array(read.getMappedRange().slice(0)));
    for (const b of [src, out, read]) b.destroy();
    return result;
  }

  suite.gpuIt('wrap(i, n, d) = (i + d) mod n for n up to 2^32 − 5 (periodic axes longer than 2^30)', async ({ device }) => {
    const cases: [number, number, number][] = [];
    for (const n of [3, 5, 1000, 2 ** 30 - 1, 2 ** 30 + 5, 2 ** 31 + 7, 2 ** 32 - 5]) {
      for (const i of [0, 1, 2, Math.floor(n / 2), n - 3, n - 2, n - 1]) {
        for (const d of [-2, -1, 1, 2]) cases.push([i, n, d]);
      }
    }
    const got = await wrapOnGpu(device, cases);
    cases.forEach(([i, n, d], k) => expect(got[k], `wrap(${i}, ${n}, ${d})`).toBe((((i + d) % n) + n) % n));
  });
});
