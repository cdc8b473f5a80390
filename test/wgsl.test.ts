import { describe, expect, it } from 'vitest';
import { moduleName, shaderSource, type Layout } from '../src/gpu/kernels';

// Portable WGSL, checked on the source of every module the library compiles. Some rules no test on
// Vulkan (Dawn, SwiftShader, wgpu) can catch by running the kernels, because Vulkan forgives them.

const MODULES = (['load_8', 'load_16', 'load_32'] as const).flatMap((loader) =>
  (['scalar', 'vec4'] as Layout[]).map((layout) => ({ layout, name: moduleName({ module: loader, bytesPerElement: 4, constants: {} }, layout) })));

/** Strips comments so that prose about a pattern does not count as the pattern. */
const code = (wgsl: string) => wgsl.replace(/\/\/[^\n]*/g, '');

/** Each `dst[...]` reference with what follows its closing bracket (brackets nest). */
function dstAccesses(wgsl: string): { index: string; after: string }[] {
  const found: { index: string; after: string }[] = [];
  const re = /\bdst\s*\[/g;
  for (let m = re.exec(wgsl); m; m = re.exec(wgsl)) {
    let depth = 1, i = m.index + m[0].length;
    while (depth > 0) depth += wgsl[i] === '[' ? 1 : wgsl[i] === ']' ? -1 : 0, i++;
    found.push({ index: wgsl.slice(m.index + m[0].length, i - 1), after: wgsl.slice(i).trimStart().slice(0, 2) });
  }
  return found;
}

describe('no invocation stores into a lane of a vector (gpuweb#2112: Metal and D3D may rewrite the whole vector)', () => {
  for (const { name, layout } of MODULES) {
    it(`${name}: the only writable binding is dst, declared with the element type each invocation stores whole`, () => {
      const wgsl = code(shaderSource(name));
      const writable = wgsl.match(/var<storage,\s*read_write>\s*(\w+)\s*:\s*([^;]+);/g) ?? [];
      expect(writable).toEqual([`var<storage, read_write> dst: array<${layout === 'vec4' ? 'vec4<f32>' : 'f32'}>;`]);
      // No pointer to dst or to part of it, through which a lane could be written out of sight.
      expect(wgsl).not.toMatch(/&\s*dst\b/);
      const accesses = dstAccesses(wgsl);
      expect(accesses.length).toBeGreaterThan(0);
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
