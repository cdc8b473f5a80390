import { describe, expect, it } from 'vitest';
import gradientWgsl from '../shaders/gradient.wgsl?raw';
import { describeData } from '../src/data';
import { packWeights } from '../src/gpu/coefficients';
import { DRAW_SHADER, GATHER_SHADER, imageShader, TABLE_SHADER } from '../src/gpu/shaders';
import {
  ceilTo,
  chooseLayout,
  DEFAULT_RUNS,
  foldGrid,
  type GpuLimits,
  type OutputPlace,
  planPieces,
  planSteps,
  type Step,
  stencilReach,
  wantedRun,
  workgroupSize,
} from '../src/gpu/steps';
import {
  AXIS_BYTES,
  AXIS_FIELDS,
  axisAt,
  DRAW_FIELDS,
  drawParams,
  GATHER_FIELDS,
  gatherParams,
  IMAGE_FIELDS,
  imageParams,
  PARAMS_BYTES,
  PARAMS_FIELDS,
  TABLE_FIELDS,
  TABLE_PARAMS_BYTES,
  tableParams,
  writeParams,
} from '../src/gpu/uniforms';
import { kernelVariant } from '../src/gpu/variant';
import { makePlan } from '../src/plan';
import { rng } from './helpers/random';
import { TINY_LIMITS, TINY_SHAPES } from './helpers/tiny-limits';

const LIMITS: GpuLimits = {
  maxStorageBufferBindingSize: 2 ** 27,
  maxBufferSize: 2 ** 28,
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  minStorageBufferOffsetAlignment: 256,
  minUniformBufferOffsetAlignment: 256,
};

describe('workgroup size and grid folding', () => {
  it('picks the largest power of two within the limits', () => {
    expect(workgroupSize(LIMITS)).toBe(256);
    expect(workgroupSize({ ...LIMITS, maxComputeInvocationsPerWorkgroup: 192 })).toBe(128);
    expect(workgroupSize({ ...LIMITS, maxComputeWorkgroupSizeX: 64 })).toBe(64);
    // A wanted size (GradientContextOptions.workgroupSize) is rounded down and still capped by the device.
    expect(workgroupSize({ ...LIMITS, workgroupSize: 64 })).toBe(64);
    expect(workgroupSize({ ...LIMITS, workgroupSize: 100 })).toBe(64);
    expect(workgroupSize({ ...LIMITS, workgroupSize: 1024 })).toBe(256);
    expect(workgroupSize({ ...LIMITS, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupSizeX: 1024, workgroupSize: 512 })).toBe(
      512,
    );
  });

  it('folds any count into a grid within the per-dimension limit, covering it with little waste', () => {
    const r = rng(1);
    for (let t = 0; t < 5000; t++) {
      const max = 1 + Math.floor(r() * 70000);
      const count = 1 + Math.floor(r() ** 3 * Math.min(max ** 3, 2 ** 40));
      const [x, y, z] = foldGrid(count, max);
      expect(Math.max(x, y, z)).toBeLessThanOrEqual(max);
      expect(x * y * z).toBeGreaterThanOrEqual(count);
      expect(x * y * z - count).toBeLessThan(x * y + Math.max(x, y, 1) + 1);
    }
    expect(foldGrid(65535, 65535)).toEqual([65535, 1, 1]);
    expect(foldGrid(65536, 65535)).toEqual([32768, 2, 1]);
  });
});

function plan(shape: number[], options: Record<string, unknown> = {}) {
  return makePlan(describeData(new Float64Array(shape.reduce((p, n) => p * n, 1))), { shape, ...options });
}

/** Every output element of every axis is written exactly once, and every read stays inside the bound input. */
function checkCoverage(
  shape: number[],
  edgeOrder: 1 | 2,
  limits: GpuLimits,
  bytes: number,
  options: Record<string, unknown> = {},
  wanted = 1,
) {
  const p = plan(shape, { edgeOrder, ...options });
  const layout = chooseLayout(p);
  const unit = layout === 'vec4' ? 4 : 1;
  const slab = ceilTo(p.size, 64);
  const slots: OutputPlace[] = p.axes.map((_, k) => ({ buffer: 0, offset: k * slab }));
  const steps = planSteps(p, layout, bytes, slots, limits, undefined, wanted);
  const written = p.axes.map(() => new Uint8Array(p.size));
  const maxBind = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const s of steps) {
    expect((s.input.offset * bytes) % 256).toBe(0);
    expect((s.output.offset * 4) % 256).toBe(0);
    expect(ceilTo(s.input.size * bytes, 16)).toBeLessThanOrEqual(maxBind);
    expect(ceilTo(s.output.size * 4, 16)).toBeLessThanOrEqual(maxBind);
    expect(Math.max(...s.grid)).toBeLessThanOrEqual(limits.maxComputeWorkgroupsPerDimension);
    // Enough invocations for the step's items, each taking `run` (its pipeline's RUN), and not a workgroup more.
    const variant = kernelVariant(
      p,
      layout,
      'gradient',
      s.slots.map((slot) => p.axes[slot.axisIndex]),
      'float32',
      s.run,
    );
    expect(variant.constants.RUN).toBe(s.run);
    const invocations = s.grid[0] * s.grid[1] * s.grid[2] * workgroupSize(limits);
    expect(invocations * s.run).toBeGreaterThanOrEqual(s.count);
    if (s.grid[1] === 1 && s.grid[2] === 1) expect((invocations - workgroupSize(limits)) * s.run).toBeLessThan(s.count);
    for (let item = s.begin; item < s.begin + s.count; item++) {
      for (let e = item * unit; e < item * unit + unit; e++) {
        for (const slot of s.slots) {
          const ax = p.axes[slot.axisIndex];
          const out = slot.outOffset + e - s.outBase;
          expect(out >= 0 && out < s.output.size).toBe(true);
          expect(s.output.offset + out - slots[slot.axisIndex].offset).toBe(e);
          written[slot.axisIndex][e]++;
          const i = Math.floor(e / ax.inner) % ax.n;
          const reach = edgeOrder === 2 && (i === 0 || i === ax.n - 1) ? 2 : 1;
          const lo = e - (i > 0 ? Math.min(i, reach) * ax.inner : 0);
          const hi = e + (i < ax.n - 1 ? Math.min(ax.n - 1 - i, reach) * ax.inner : 0);
          expect(
            lo >= s.input.offset && hi < s.input.offset + s.input.size,
            `read ${lo}..${hi} outside input ${s.input.offset}+${s.input.size}`,
          ).toBe(true);
        }
      }
    }
  }
  for (const w of written) expect(w.every((c) => c === 1)).toBe(true);
  return steps;
}

describe('planSteps', () => {
  it('computes all axes in one dispatch when everything fits', () => {
    const steps = checkCoverage([6, 8, 12], 1, LIMITS, 4);
    expect(steps.length).toBe(1);
    expect(steps[0].slots.length).toBe(3);
  });

  it('sizes grids for runs of the items wanted, and those of general variants for one item', () => {
    const wg = workgroupSize(LIMITS);
    const invocations = (steps: Step[]) => steps.map((s) => s.grid[0] * s.grid[1] * s.grid[2] * wg);
    const plain = checkCoverage([1000, 7], 1, LIMITS, 4, {}, 4);
    expect(plain.map((s) => s.run)).toEqual([4]);
    expect(invocations(plain)).toEqual([Math.ceil(7000 / 4 / wg) * wg]);
    expect(checkCoverage([1000, 7], 1, LIMITS, 4).map((s) => s.run)).toEqual([1]); // the default
    expect(checkCoverage([1000, 7], 2, LIMITS, 4, { boundary: 'periodic', accuracy: 4 }, 4).map((s) => s.run)).toEqual([4]);
    // The vec4 layout's items are groups of four: 2000 groups in runs of 3.
    const groups = checkCoverage([1000, 8], 1, LIMITS, 4, {}, 3);
    expect(groups.map((s) => [s.count, s.run])).toEqual([[2000, 3]]);
    expect(invocations(groups)).toEqual([Math.ceil(2000 / 3 / wg) * wg]);
    for (const shape of [
      [1000, 7],
      [1000, 8],
    ]) {
      for (const options of [{ boundary: 'nearest' }, { boundary: ['edge', 'constant'] }, { invalid: 'skip' }]) {
        const general = checkCoverage(shape, 2, LIMITS, 4, options, 4);
        expect(general.map((s) => s.run)).toEqual([1]);
        expect(invocations(general)).toEqual([Math.ceil(general[0].count / wg) * wg]);
      }
    }
    // A ghost side on one axis makes only that axis's dispatches general (chunked one axis at a time).
    const mixed = checkCoverage([40, 37], 1, { ...LIMITS, ...TINY_LIMITS }, 4, { boundary: ['edge', 'mirror'] }, 4);
    expect(new Set(mixed.map((s) => `${s.slots[0].axisIndex}:${s.run}`))).toEqual(new Set(['0:4', '1:1']));
  });

  it('wants the context run for the layout and result type, 1 by default', () => {
    const runs = { ...LIMITS, runs: { scalar: 4, vec4Float16: 2 } };
    expect(wantedRun(runs, 'scalar', 'float32')).toBe(4);
    expect(wantedRun(runs, 'scalar', 'float16')).toBe(4);
    expect(wantedRun(runs, 'vec4', 'float32')).toBe(1);
    expect(wantedRun(runs, 'vec4', 'float16')).toBe(2);
    expect(DEFAULT_RUNS).toEqual({ scalar: 1, vec4: 1, vec4Float16: 1 });
    for (const layout of ['scalar', 'vec4'] as const) expect(wantedRun(LIMITS, layout, 'float16')).toBe(1);
  });

  it('splits past 8 axes per dispatch', () => {
    const steps = checkCoverage([2, 2, 2, 2, 2, 2, 2, 2, 2, 4], 1, LIMITS, 4);
    expect(steps.map((s) => s.slots.length)).toEqual([8, 2]);
  });

  it('folds, splits and chunks under tiny limits, for every element width, both edge orders and runs of 1 and 3', () => {
    let folded = 0;
    for (const shape of TINY_SHAPES) {
      for (const edgeOrder of [1, 2] as const) {
        for (const bytes of [1, 2, 4]) {
          const steps = checkCoverage(shape, edgeOrder, { ...LIMITS, ...TINY_LIMITS }, bytes, {}, bytes === 2 ? 3 : 1);
          const size = shape.reduce((p, n) => p * n, 1);
          expect(steps.some((s) => s.output.size < size)).toBe(true); // chunked
          if (steps.some((s) => s.grid[1] > 1 || s.grid[2] > 1)) folded++;
        }
      }
    }
    expect(folded).toBeGreaterThan(TINY_SHAPES.length);
  });

  it('refuses a stencil too wide for one binding', () => {
    const tiny = { ...LIMITS, maxStorageBufferBindingSize: 4096 };
    expect(() =>
      planSteps(
        plan([3, 2000]),
        'vec4',
        4,
        [
          { buffer: 0, offset: 0 },
          { buffer: 1, offset: 0 },
        ],
        tiny,
      ),
    ).toThrow(/stencil spans/);
  });
});

describe('uniform layout mirrors shaders/gradient.wgsl', () => {
  it("has the members, types and order the WGSL declares, and offsets by WGSL's layout rules", () => {
    const members = (struct: string) => /struct X \{([^}]*)\}/.source.replace('X', struct);
    const parse = (struct: string) =>
      [...new RegExp(members(struct)).exec(gradientWgsl)![1].matchAll(/^\s*(\w+):\s*(.+?),\s*(?:\/\/.*)?$/gm)].map((m) => [
        m[1],
        m[2].trim(),
      ]);
    expect(parse('Axis')).toEqual(AXIS_FIELDS.map(([n, t]) => [n, t]));
    const image = [...new RegExp(members('ImageParams')).exec(imageShader('texture'))![1].matchAll(/^\s*(\w+):\s*(.+?),\s*(?:\/\/.*)?$/gm)];
    expect(image.map((m) => [m[1], m[2].trim()])).toEqual(IMAGE_FIELDS.map(([n, t]) => [n, t]));
    expect(Array.from(new Uint32Array(imageParams(5, 7, 9)))).toEqual([5, 7, 9, 0]);
    const draw = [...new RegExp(members('DrawParams')).exec(DRAW_SHADER)![1].matchAll(/^\s*(\w+):\s*(.+?),\s*(?:\/\/.*)?$/gm)];
    expect(draw.map((m) => [m[1], m[2].trim()])).toEqual(DRAW_FIELDS.map(([n, t]) => [n, t]));
    const params = drawParams(3, 12, 64, 0.5);
    expect([...new Uint32Array(params, 0, 3), new Float32Array(params, 12, 1)[0]]).toEqual([3, 12, 64, 0.5]);
    expect(parse('Params')).toEqual([...PARAMS_FIELDS.map(([n, t]) => [n, t]), ['axes', 'array<Axis, MAX_AXES>']]);
    // The GPU gather's parameters: four u32 (16 bytes), then shape and strides, two vec4 each.
    const gather = [...new RegExp(members('GatherParams')).exec(GATHER_SHADER)![1].matchAll(/^\s*(\w+):\s*(.+?),\s*(?:\/\/.*)?$/gm)];
    expect(gather.map((m) => [m[1], m[2].trim()])).toEqual([
      ...GATHER_FIELDS.map(([n, t]) => [n, t]),
      ['shape', 'array<vec4<u32>, 2>'],
      ['strides', 'array<vec4<i32>, 2>'],
    ]);
    // The table kernel's parameters (derivatives, the Hessian, adjoints; a piece's window bases last).
    const table = [...new RegExp(members('TableParams')).exec(TABLE_SHADER)![1].matchAll(/^\s*(\w+):\s*(.+?),\s*(?:\/\/.*)?$/gm)];
    expect(table.map((m) => [m[1], m[2].trim()])).toEqual(TABLE_FIELDS.map(([n, t]) => [n, t]));
    expect(TABLE_PARAMS_BYTES).toBe(32);
    expect([...new Uint32Array(tableParams(8, 100, 112, 128, 4, 8))]).toEqual([8, 100, 112, 128, 4, 8, 0, 0]);
    const g = gatherParams(7, 9, 3, [4, 5, 6], [-30, 1, 5]);
    expect(g.byteLength).toBe(16 + 32 + 32);
    expect([...new Uint32Array(g, 0, 7)]).toEqual([7, 9, 3, 3, 4, 5, 6]);
    expect([...new Int32Array(g, 48, 3)]).toEqual([-30, 1, 5]);
    expect(gradientWgsl).toContain('const MAX_AXES: u32 = 8u;');
    // Every pipeline is built with the RUN its step was planned with (variant.ts, work.ts).
    expect(gradientWgsl).toContain('override RUN: u32 = 1u;');
    // Worked out by hand from the WGSL rules: 24 scalars (96 bytes, a multiple of 16), then two vec4s.
    expect(AXIS_BYTES).toBe(24 * 4 + 16 + 16);
    expect(PARAMS_BYTES).toBe(32 + 8 * AXIS_BYTES);
    expect([axisAt(0, 'stride'), axisAt(0, 'comp'), axisAt(0, 'c4'), axisAt(0, 'lo_mode'), axisAt(0, 'w_lo'), axisAt(1, 'w_hi')]).toEqual([
      32,
      64,
      80,
      96,
      128,
      32 + 128 + 112,
    ]);
  });

  it('packs an axis where the shader reads it', () => {
    const p = plan([5, 8], { spacing: [[0, 1, 3, 4, 7], 0.25], edgeOrder: 2 });
    const packed = packWeights(p);
    const view = new DataView(new ArrayBuffer(PARAMS_BYTES));
    // Slots as planSteps orders them: the contiguous axis 1 first.
    const slots = [1, 0].map((k) => ({ axis: p.axes[k], outOffset: k * 64, weightOffset: packed.offsets[k], component: k }));
    writeParams(view, 0, { begin: 3, count: 7, inBase: 256, outBase: 512, slots, componentStride: 64 }, p);
    const u = (o: number) => view.getUint32(o, true),
      f = (o: number) => view.getFloat32(o, true);
    expect([u(0), u(4), u(8), u(12), u(16)]).toEqual([3, 7, 256, 512, 64]);
    const a0 = 32,
      a1 = 32 + AXIS_BYTES;
    // stride, n, div, outermost, out_off, w_off, w_pad, nonuniform, comp
    expect([0, 4, 8, 12, 16, 20, 24, 28, 32].map((o) => u(a0 + o))).toEqual([1, 8, 1, 0, 64, 0, 8, 0, 1]);
    expect([0, 4, 8, 12, 16, 20, 24, 28, 32].map((o) => u(a1 + o))).toEqual([8, 5, 1, 1, 0, 0, 8, 1, 0]);
    expect(f(a0 + 36)).toBe(2); // 1 / (2·0.25)
    expect(f(a0 + 96)).toBeCloseTo(-1.5 / 0.25, 5);
    // numpy's edges on both sides: lo_mode, hi_mode 0 ('edge'), cval 0.
    expect([u(a0 + 64), u(a0 + 68), f(a0 + 72), f(a0 + 76)]).toEqual([0, 0, 0, 0]);
    // Coefficients of other stencil families stay 0 (checkFloat32Coefficients checks only those read).
    expect([f(a0 + 40), f(a0 + 44), f(a0 + 48), f(a1 + 40)]).toEqual([0, 0, 0, 0]);
    // Edge order 1 reads 1 / (x1 − x0) and 1 / (x[n−1] − x[n−2]); fourth order 1 / (12h).
    const first = plan([5, 8], { spacing: [[0, 1, 3, 4, 7], 0.25] });
    writeParams(
      view,
      0,
      { begin: 0, count: 1, inBase: 0, outBase: 0, slots: [{ axis: first.axes[0], outOffset: 0, weightOffset: 0, component: 0 }] },
      first,
    );
    expect([f(a0 + 40), f(a0 + 44)].map((v) => +v.toFixed(6))).toEqual([1, +(1 / 3).toFixed(6)]);
    const fourth = plan([5, 8], { spacing: 0.25, accuracy: 4 });
    writeParams(
      view,
      0,
      { begin: 0, count: 1, inBase: 0, outBase: 0, slots: [{ axis: fourth.axes[1], outOffset: 0, weightOffset: -1, component: 1 }] },
      fourth,
    );
    expect(f(a0 + 48)).toBeCloseTo(1 / 3, 6); // 1 / (12·0.25)
    expect(f(a0 + 36)).toBe(0);
    // A side's mode code and cval (BOUNDARY_CODE: constant 5, mirror 3).
    const sides = plan([5, 8], { boundary: [['constant', 'mirror'], 'edge'], cval: [[2.5, 0], 0] });
    writeParams(
      view,
      0,
      { begin: 0, count: 1, inBase: 0, outBase: 0, slots: [{ axis: sides.axes[0], outOffset: 0, weightOffset: -1, component: 0 }] },
      sides,
    );
    expect([u(a0 + 64), u(a0 + 68), f(a0 + 72), f(a0 + 76)]).toEqual([5, 3, 2.5, 0]);
    // Ghost coordinates: none before ('constant'), f[n−2] and f[n−3] after ('mirror', n = 5).
    expect([80, 84, 88, 92].map((o) => u(a0 + o))).toEqual([0, 0, 3, 2]);
    // Interior weights of point 1 (hs = 1, hd = 2): a = -2/3, b = 1/2, c = 1/6.
    expect(packed.data[1]).toBeCloseTo(-2 / 3, 6);
    expect(packed.data[8 + 1]).toBeCloseTo(0.5, 6);
    expect(packed.data[16 + 1]).toBeCloseTo(1 / 6, 6);
  });

  it('gives the divisors from which the shader recovers every coordinate, one division per axis', () => {
    // A transcription of coordinate() in shaders/gradient.wgsl, run over every element.
    const r = rng(7);
    for (let t = 0; t < 200; t++) {
      const rank = 1 + Math.floor(r() * 5);
      const shape = Array.from({ length: rank }, () => 2 + Math.floor(r() * 4));
      const axes = shape.map((_, d) => d).filter(() => r() < 0.6);
      if (axes.length === 0) continue;
      const p = plan(shape, { axis: axes });
      const steps = planSteps(
        p,
        chooseLayout(p),
        4,
        p.axes.map((_, k) => ({ buffer: 0, offset: k * ceilTo(p.size, 64) })),
        LIMITS,
      );
      const view = new DataView(new ArrayBuffer(PARAMS_BYTES));
      const slots = steps[0].slots.map((s) => ({
        axis: p.axes[s.axisIndex],
        outOffset: s.outOffset,
        weightOffset: -1,
        component: s.axisIndex,
      }));
      writeParams(view, 0, { begin: 0, count: 1, inBase: 0, outBase: 0, slots }, p);
      for (let e = 0; e < p.size; e++) {
        let q = e;
        slots.forEach((_, k) => {
          const [stride, n, div, outermost] = (['stride', 'n', 'div', 'outermost'] as const).map((f) => view.getUint32(axisAt(k, f), true));
          const x = div === 1 ? q : Math.floor(q / div);
          let i: number;
          if (outermost) {
            i = x;
            q = 0;
          } else {
            q = Math.floor(x / n);
            i = x - q * n;
          }
          expect(i, `[${shape}] axes ${axes} e ${e}`).toBe(Math.floor(e / stride) % n);
        });
      }
    }
  });

  it('specialises pipelines by options and axis count, never by shape', () => {
    const variant = (shape: number[], options: Record<string, unknown> = {}, op: 'gradient' | 'curl2' = 'gradient') => {
      const p = plan(shape, options);
      return kernelVariant(p, chooseLayout(p), op, p.axes);
    };
    expect(variant([5, 8])).toEqual(variant([7, 12]));
    expect(variant([5, 8]).constants).toMatchObject({ FOURTH: 0, PERIODIC_SLOTS: 0, EDGE_ORDER: 1, WEIGHTED: 0, NAXES: 2, OP: 0 });
    expect(variant([5, 8], { boundary: 'periodic', accuracy: 4, edgeOrder: 2 }).constants).toMatchObject({
      FOURTH: 1,
      PERIODIC_SLOTS: 3,
      EDGE_ORDER: 1,
    });
    // Per-axis boundaries: bit k for slot k (here the plan's axes in order).
    expect(variant([5, 8], { boundary: ['periodic', 'edge'], edgeOrder: 2 }).constants).toMatchObject({ PERIODIC_SLOTS: 1, EDGE_ORDER: 2 });
    expect(variant([5, 8], { boundary: ['periodic', 'periodic'], edgeOrder: 2 }).constants.EDGE_ORDER).toBe(1);
    expect(variant([5, 8], { spacing: [[0, 1, 3, 4, 7], 1] }).constants.WEIGHTED).toBe(1);
    expect(variant([5, 8], { edgeOrder: 2 }).constants.EDGE_ORDER).toBe(2);
    expect(variant([5, 6]).entry).toBe('main_scalar');
    expect(variant([5, 6]).constants.RUN).toBe(1); // what the planner passes (the context's runs; 1 by default)
    expect(variant([5, 8], {}, 'curl2').entry).toBe('curl_vec4');
  });
});

describe('planPieces (host calls streamed in pieces)', () => {
  it('covers every element once, in order, with the halo each stencil reads and within chunkBytes, on 3,000 random problems', () => {
    const r = rng(21);
    let streamed = 0;
    for (let t = 0; t < 3000; t++) {
      const rank = 1 + Math.floor(r() * 3);
      const shape = Array.from({ length: rank }, (_, d) => (d === 0 ? 5 + Math.floor(r() * 300) : 1 + Math.floor(r() * 12)));
      const axes = shape.map((_, d) => d).filter((d) => shape[d] >= 5 && r() < 0.7);
      if (axes.length === 0) continue;
      const options = {
        axis: axes,
        edgeOrder: (1 + Math.floor(r() * 2)) as 1 | 2,
        accuracy: r() < 0.2 ? 4 : 2,
        boundary: axes.map(() => (r() < 0.15 ? 'periodic' : 'edge')),
      } as const;
      const laplacian = options.accuracy === 2 && r() < 0.3;
      const p = plan(shape, options);
      const bytes = [1, 2, 4][Math.floor(r() * 3)],
        components = 1 + Math.floor(r() * 3),
        outputs = 1 + Math.floor(r() * 3);
      const chunkBytes = 256 + Math.floor(r() * 20000);
      const limits = { ...LIMITS, maxStorageBufferBindingSize: r() < 0.3 ? 2048 : LIMITS.maxStorageBufferBindingSize };
      const { pieces, bounded } = planPieces(p, bytes, components, outputs, chunkBytes, limits, laplacian ? 'laplacian' : 'gradient');
      const rowSize = p.size / shape[0];
      const first = p.axes.findIndex((ax) => ax.axis === 0);
      const halo = first < 0 ? 0 : stencilReach(p, first, laplacian ? 'laplacian' : 'gradient') * rowSize;
      let next = 0;
      for (const piece of pieces) {
        expect(piece.e0).toBe(next);
        expect(piece.e1).toBeGreaterThan(piece.e0);
        expect(piece.e0 % 4).toBe(0);
        expect(piece.inStart % 4).toBe(0);
        expect(piece.e0 % rowSize).toBe(0);
        expect(piece.inStart).toBeLessThanOrEqual(Math.max(0, piece.e0 - halo));
        expect(piece.inEnd).toBeGreaterThanOrEqual(Math.min(p.size, piece.e1 + halo));
        if (bounded) {
          expect((piece.inEnd - piece.inStart) * bytes * components).toBeLessThanOrEqual(chunkBytes);
          expect((piece.e1 - piece.e0) * 4 * outputs).toBeLessThanOrEqual(chunkBytes);
        }
        if (pieces.length > 1)
          expect((piece.inEnd - piece.inStart) * bytes).toBeLessThanOrEqual(
            Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize),
          );
        next = piece.e1;
      }
      expect(next).toBe(p.size);
      if (first >= 0 && p.axes[first].periodic) expect(pieces.length).toBe(1);
      if (pieces.length > 1) streamed++;
    }
    expect(streamed).toBeGreaterThan(1000);
  });
});
