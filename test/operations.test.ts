import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostRequest } from '../src/gpu/request';
import { operationConstants, shaderSource } from '../src/gpu/shaders';
import { cpuCurl, cpuDivergence, cpuGradient, cpuGradientMagnitude, cpuLaplacian } from '../src/index';
import { OPERATIONS, type Operation, operationFor } from '../src/operations';
import { makePlan } from '../src/plan';
import { f32Violation } from './helpers/bounds';
import { gpuSuite } from './helpers/gpu-suite';
import { rng } from './helpers/random';

// The operation registry (src/operations.ts) is the one place that knows an operation: these tests pin
// the shader's op constants to it and check every operation's GPU result against the registry's own CPU
// reference, so the two paths cannot disagree about what an operation is.
const suite = gpuSuite();
const { gpuIt } = suite;
const ops = Object.values(OPERATIONS);

describe('the operation registry', () => {
  it('names each operation once, with distinct op codes and WGSL constants', () => {
    for (const [key, spec] of Object.entries(OPERATIONS)) expect(spec.name).toBe(key);
    expect(new Set(ops.map((o) => o.code)).size).toBe(ops.length);
    expect(new Set(ops.map((o) => o.constant)).size).toBe(ops.length);
  });

  it("every module declares the registry's OP_* constants, and the shaders compare OP only with them", () => {
    const declared = [...operationConstants().matchAll(/const (OP_\w+): u32 = (\d+)u;/g)].map((m) => [m[1], Number(m[2])]);
    expect(declared).toEqual(ops.map((o) => [o.constant, o.code]));
    const module = shaderSource('load_32_vec4_float32');
    for (const o of ops) expect(module).toContain(`const ${o.constant}: u32 = ${o.code}u;`);
    for (const file of ['gradient.wgsl', 'gradient_scalar.wgsl', 'gradient_vec4.wgsl']) {
      const text = readFileSync(`shaders/${file}`, 'utf8');
      expect(text, file).not.toMatch(/OP\s*[!=]=\s*\d/); // no bare op codes
      for (const used of text.matchAll(/\bOP_\w+/g))
        expect(
          ops.map((o) => o.constant),
          `${file}: ${used[0]}`,
        ).toContain(used[0]);
    }
    // Each operation but the gradient is named in a layout file: no operation without shader code.
    const layouts = readFileSync('shaders/gradient_scalar.wgsl', 'utf8') + readFileSync('shaders/gradient_vec4.wgsl', 'utf8');
    for (const o of ops) expect(layouts, o.name).toContain(o.constant);
  });

  it("the registry's CPU reference is what the public cpu* functions compute", () => {
    const r = rng(77);
    const shape = [7, 9];
    const f = Float64Array.from({ length: 63 }, () => r() * 4 - 2);
    const g = Float64Array.from({ length: 63 }, () => r() * 4 - 2);
    const options = { shape, spacing: [0.5, 1.25] };
    const plan = makePlan({ length: 63, kind: 'float64' }, options);
    expect(OPERATIONS.gradient.cpu([f], plan)).toEqual(cpuGradient(f, options));
    expect(OPERATIONS.magnitude.cpu([f], plan)).toEqual([cpuGradientMagnitude(f, options)]);
    expect(OPERATIONS.divergence.cpu([f, g], plan)).toEqual([cpuDivergence([f, g], options)]);
    expect(OPERATIONS.curl2.cpu([f, g], plan)).toEqual(cpuCurl([f, g], options));
    expect(OPERATIONS.laplacian.cpu([f], plan)).toEqual([cpuLaplacian(f, options)]);
    const plan3 = makePlan({ length: 63, kind: 'float64' }, { shape: [3, 3, 7] });
    expect(OPERATIONS.curl3.cpu([f, g, f], plan3)).toEqual(cpuCurl([f, g, f], { shape: [3, 3, 7] }));
    // On a curvilinear grid, each operation's onGrid (the gradient's too) from the physical derivatives.
    const X = Float64Array.from({ length: 63 }, (_, p) => Math.floor(p / 9) + 0.1 * Math.sin(p % 9));
    const Y = Float64Array.from({ length: 63 }, (_, p) => (p % 9) * 1.5 + 0.1 * Math.cos(Math.floor(p / 9)));
    const onGrid = { shape, coordinates: [X, Y] };
    const gridPlan = () => makePlan({ length: 63, kind: 'float64' }, onGrid);
    expect(OPERATIONS.gradient.cpu([f], gridPlan())).toEqual(cpuGradient(f, onGrid));
    expect(OPERATIONS.magnitude.cpu([f], gridPlan())).toEqual([cpuGradientMagnitude(f, onGrid)]);
    expect(OPERATIONS.divergence.cpu([f, g], gridPlan())).toEqual([cpuDivergence([f, g], onGrid)]);
    expect(OPERATIONS.curl2.cpu([f, g], gridPlan())).toEqual(cpuCurl([f, g], onGrid));
    expect(operationFor('curl', plan3, 3)).toBe('curl3');
    expect(() => operationFor('divergence', plan, 1)).toThrow(/components: 1 arrays given but 2 axes/);
  });
});

describe('every operation on the GPU against its registry reference', () => {
  const METHOD: Record<Operation, 'gradient' | 'magnitude' | 'divergence' | 'curl' | 'laplacian'> = {
    gradient: 'gradient',
    magnitude: 'magnitude',
    divergence: 'divergence',
    curl2: 'curl',
    curl3: 'curl',
    laplacian: 'laplacian',
  };
  gpuIt('random shapes, both layouts, edge and periodic boundaries', async () => {
    const r = rng(2026);
    for (const spec of ops) {
      for (let i = 0; i < 6; i++) {
        const rank = spec.name === 'curl3' ? 3 : spec.name === 'curl2' ? 2 : 1 + (i % 3);
        const shape = Array.from({ length: rank }, () => 4 + Math.floor(r() * 6));
        if (i % 2 === 0) shape[rank - 1] = 8; // the vec4 layout
        const n = shape.reduce((p, x) => p * x, 1);
        const options = { shape, boundary: i % 3 === 2 ? ('periodic' as const) : ('edge' as const), spacing: 0.75 };
        const plan = makePlan({ length: n, kind: 'float32' }, options);
        const inputs = Array.from({ length: spec.inputs(plan) }, () => Float32Array.from({ length: n }, () => r() * 4 - 2));
        const request = hostRequest(
          METHOD[spec.name],
          spec.name === 'divergence' || spec.name.startsWith('curl') ? inputs : inputs[0],
          options,
        );
        expect(request.op).toBe(spec.name);
        const got = await suite.ctx.run<Float32Array>(request);
        const ref = spec.cpu(inputs, plan);
        expect(got.length, spec.name).toBe(ref.length);
        const k = spec.secondDifference ? 12 * 8 : 8 * rank;
        got.forEach((g, j) =>
          expect(
            f32Violation(g, ref[j], 2, spec.secondDifference ? 0.5625 : 0.75, k),
            `${spec.name} ${JSON.stringify(options)} [${j}]`,
          ).toBeNull(),
        );
      }
    }
  });
});
