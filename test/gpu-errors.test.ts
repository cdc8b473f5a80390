import { describe, expect, vi } from 'vitest';
import { createGradient, GradientError } from '../src/index';
import { gpuSuite } from './helpers/gpu-suite';

// A WGSL compilation error must reach the caller as a GradientError with the compiler's message,
// never as an uncaught GPU error. The vec4 layout's source is replaced by a broken one for this file only.
vi.mock('../shaders/gradient_vec4.wgsl?raw', () => ({
  default: '@compute @workgroup_size(WG) fn main_vec4() { let x: f32 = undefined_name; }\n',
}));

const suite = gpuSuite();

describe('GPU errors', () => {
  suite.gpuIt('a WGSL compilation error rejects with gpu-error and the compiler message, and is not cached', async ({ device }) => {
    const ctx = await createGradient({ device: device });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await ctx.gradient(new Float32Array(16), { shape: [4, 4] }).catch((e) => e);
      expect(error).toBeInstanceOf(GradientError);
      expect(error.code).toBe('gpu-error');
      expect(error.message).toMatch(/WGSL compilation of load_32_vec4_float32 failed/);
      expect(error.message).toMatch(/undefined_name/);
    }
    expect(ctx.stats().pipelines).toBe(0);
    ctx.destroy();
  });
});
