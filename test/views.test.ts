import { readFileSync } from 'node:fs';
import stdlibNdarray from '@stdlib/ndarray-base-ctor';
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import {
  cpuDivergence,
  cpuGradient,
  cpuGradientMagnitude,
  cpuLaplacian,
  GradientError,
  type GradientOptions,
  type NdarrayLike,
} from '../src/index';
import { close64, f32Violation, maxAbs } from './helpers/bounds';
import { counted } from './helpers/counted-device';
import { gpuSuite } from './helpers/gpu-suite';
import { rng } from './helpers/random';
import { TINY_LIMITS } from './helpers/tiny-limits';

// Strided ndarray views — scijs `ndarray` and @stdlib's ndarray constructor — against numpy.gradient of
// the same views (fixtures/make_view_fixtures.py), on the CPU and the GPU; out as views; gaps and ghost
// modes on views against the CPU reference of a contiguous copy.
interface ViewCase {
  name: string;
  base: number[];
  baseShape: number[];
  slices: [number | null, number | null, number | null][];
  perm: number[];
  shape: number[];
  strides: number[];
  offset: number;
  spacing: number | null;
  edgeOrder: 1 | 2;
  gradient: number[][];
}
const cases: ViewCase[] = JSON.parse(readFileSync(new URL('./fixtures/views.json', import.meta.url), 'utf8')).cases;

/** The case's view made with scijs ndarray's own lo/hi/step/transpose, as numpy's slices then transpose. */
function scijsView(c: ViewCase, data: Float64Array | Float32Array): NdarrayLike {
  let v = ndarray(data, c.baseShape);
  const none = (x: number | null) => (x === null ? -1 : x);
  const his = c.slices.map(([, hi, step]) => (step !== null && step < 0 ? -1 : none(hi)));
  v = v.hi(...his);
  v = v.lo(...c.slices.map(([lo, , step]) => (step !== null && step < 0 ? -1 : none(lo))));
  v = v.step(...c.slices.map(([, , step]) => step ?? 1));
  return v.transpose(...c.perm) as unknown as NdarrayLike;
}

/** The case's view with @stdlib's constructor, from numpy's shape, strides and offset. */
function stdlibView(c: ViewCase, data: Float64Array | Float32Array): NdarrayLike {
  const dtype = data instanceof Float64Array ? 'float64' : 'float32';
  return stdlibNdarray(dtype, data, c.shape, c.strides, c.offset, 'row-major') as unknown as NdarrayLike;
}

const optionsOf = (c: ViewCase): GradientOptions => ({ edgeOrder: c.edgeOrder, ...(c.spacing === null ? {} : { spacing: c.spacing }) });
const hOf = (c: ViewCase) => c.spacing ?? 1;

describe('ndarray views on the CPU', () => {
  it('scijs views repeat numpy\u2019s shapes, strides and offsets', () => {
    for (const c of cases) {
      const v = scijsView(c, Float64Array.from(c.base));
      expect([v.shape, v.stride, v.offset], c.name).toEqual([c.shape, c.strides, c.offset]);
    }
  });

  for (const [name, make] of [
    ['scijs ndarray', scijsView],
    ['@stdlib ndarray', stdlibView],
  ] as const) {
    it(`matches numpy on every view (${name})`, () => {
      for (const c of cases) {
        const got = cpuGradient(make(c, Float64Array.from(c.base)), optionsOf(c));
        const scale = maxAbs(c.base) / hOf(c);
        c.gradient.forEach((ref, k) => {
          ref.forEach((r, i) => {
            if (!close64(got[k][i], r, scale)) throw new Error(`${c.name} axis ${k} [${i}]: ${got[k][i]} vs ${r}`);
          });
        });
      }
    });
  }

  it('writes results through out views and returns their data', () => {
    const c = cases.find((x) => x.name === '2-D transposed')!;
    const view = scijsView(c, Float64Array.from(c.base));
    const size = c.shape.reduce((a, b) => a * b, 1);
    // Each out a transposed view of its own memory: element (i, j) of the result lands at j·rows + i.
    const outs = c.gradient.map(() => ndarray(new Float64Array(size), [c.shape[1], c.shape[0]]).transpose(1, 0));
    const returned = cpuGradient(view, { out: outs as unknown as NdarrayLike<Float64Array>[] });
    returned.forEach((data, k) => {
      expect(data).toBe(outs[k].data as Float64Array);
      for (let i = 0; i < c.shape[0]; i++)
        for (let j = 0; j < c.shape[1]; j++) expect(data[j * c.shape[0] + i]).toBeCloseTo(c.gradient[k][i * c.shape[1] + j], 12);
    });
  });

  it('fused fields, the Laplacian, gaps and ghost modes read views as their contiguous copies', () => {
    const random = rng(3);
    const base = Float64Array.from({ length: 9 * 10 * 8 }, () => random() * 2 - 1);
    for (let i = 0; i < base.length; i += 11) base[i] = Number.NaN;
    const view = ndarray(base, [9, 10, 8]).transpose(2, 0, 1).step(1, -1, 2) as unknown as NdarrayLike;
    const copy = contiguous(view);
    const shape = [8, 9, 5];
    const mask = Uint8Array.from({ length: 360 }, (_, i) => (i % 7 === 3 ? 0 : 1));
    for (const options of [
      { invalid: 'skip', edgeOrder: 2 },
      { invalid: 'skip', mask, boundary: 'mirror' },
      { boundary: [['constant', 'edge'], 'reflect', 'nearest'], cval: 2 },
    ] as GradientOptions[]) {
      expectSame(cpuGradient(view, options), cpuGradient(copy, { ...options, shape }));
      expectSame([cpuGradientMagnitude(view, options)], [cpuGradientMagnitude(copy, { ...options, shape })]);
    }
    const finite = Float64Array.from(base, (v) => (Number.isNaN(v) ? 0.5 : v));
    const fv = ndarray(finite, [9, 10, 8]).transpose(1, 2, 0) as unknown as NdarrayLike;
    expectSame([cpuLaplacian(fv, { boundary: 'mirror' })], [cpuLaplacian(contiguous(fv), { shape: [10, 8, 9], boundary: 'mirror' })]);
    expectSame([cpuDivergence([fv, fv, fv])], [cpuDivergence([contiguous(fv), contiguous(fv), contiguous(fv)], { shape: [10, 8, 9] })]);
  });
});

/** A view's elements in C order, copied (the tests' reference input). */
function contiguous(view: NdarrayLike): Float64Array {
  const { data, shape } = view;
  const strides = view.stride ?? view.strides!;
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  for (let e = 0; e < size; e++) {
    let rest = e,
      address = view.offset ?? 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      address += (rest % shape[d]) * strides[d];
      rest = Math.floor(rest / shape[d]);
    }
    out[e] = (data as ArrayLike<number>)[address];
  }
  return out;
}

function expectSame(got: ArrayLike<number>[], want: ArrayLike<number>[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => expect(Array.from(g)).toEqual(Array.from(want[k])));
}

describe('ndarray view refusals', () => {
  const data = new Float64Array(24);
  const bad: [string, unknown, GradientOptions | undefined, string][] = [
    ['strides reaching outside the data', { data, shape: [4, 6], stride: [6, 2], offset: 0 }, undefined, 'outside its data'],
    ['a negative stride before the start', { data, shape: [4], stride: [-1], offset: 2 }, undefined, 'outside its data'],
    ['shape given with a view', { data, shape: [4, 6] }, { shape: [24] }, 'shape'],
    ['strides of the wrong count', { data, shape: [4, 6], strides: [6] }, undefined, 'strides'],
    ['stride and strides disagreeing', { data, shape: [24], stride: [1], strides: [2] }, undefined, 'disagree'],
    ['a fractional offset', { data, shape: [4], offset: 0.5 }, undefined, 'offset'],
    ['data that is not an array', { data: 'abc', shape: [3] }, undefined, 'data.data'],
  ];
  for (const [name, view, options, named] of bad) {
    it(`refuses ${name}`, () => {
      let error: unknown;
      try {
        cpuGradient(view as NdarrayLike, options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GradientError);
      expect((error as Error).message).toContain(named);
    });
  }
});

describe('ndarray views on the GPU', () => {
  const suite = gpuSuite();
  suite.gpuIt('match numpy on every view, from both packages, float64 and float32 data', async () => {
    const gathers = suite.ctx.stats().transfer.gpuGathers;
    for (const c of cases) {
      for (const make of [scijsView, stdlibView]) {
        for (const Ctor of [Float64Array, Float32Array]) {
          const got = await suite.ctx.gradient(make(c, Ctor.from(c.base)), optionsOf(c));
          c.gradient.forEach((ref, k) => {
            const bad = f32Violation(got[k], ref, maxAbs(c.base), hOf(c));
            if (bad) throw new Error(`${c.name} ${Ctor.name} axis ${k} at ${bad.index}: ${bad.got} vs ${bad.ref}`);
          });
        }
      }
    }
    // Float32 views with a compact span (transposed, flipped, sub-blocks) were gathered on the GPU; the
    // stepped ones and float64 data on the host — both paths ran.
    // At least the two transposed views, from both packages; never the stepped ones.
    const gathered = suite.ctx.stats().transfer.gpuGathers - gathers;
    expect(gathered).toBeGreaterThanOrEqual(4);
    expect(gathered).toBeLessThanOrEqual(2 * cases.filter((c) => !c.slices.some(([, , step]) => Math.abs(step ?? 1) > 1)).length);
  });

  suite.gpuIt(
    'a repeated call on views gathered on the GPU writes only their spans and creates no bind group or buffer',
    async ({ device }) => {
      const { createGradient } = await import('../src/index');
      const { device: wrapped, counts } = counted(device);
      const ctx = await createGradient({ device: wrapped });
      try {
        const base = Float32Array.from({ length: 24 * 30 }, (_, i) => Math.sin(i * 0.21) + (i % 7));
        const views = [
          ndarray(base, [24, 30]).transpose(1, 0), // [30, 24]
          ndarray(base, [24, 30]).step(-1, 1), // flipped rows
        ] as unknown as NdarrayLike[];
        const out = [new Float32Array(24 * 30), new Float32Array(24 * 30)];
        for (const view of views) for (let i = 0; i < 2; i++) await ctx.gradient(view, { out });
        const gathers = ctx.stats().transfer.gpuGathers;
        const before = { ...counts };
        for (let round = 0; round < 4; round++) {
          for (const view of views) {
            base[(round * 97) % base.length] += 1; // new values each call: the span goes up each time
            await ctx.gradient(view, { out });
            const want = cpuGradient(contiguous(view), { shape: view.shape as number[] });
            want.forEach((ref, k) => expect(f32Violation(out[k], ref, maxAbs(base), 1), `round ${round} axis ${k}`).toBeNull());
          }
        }
        expect(ctx.stats().transfer.gpuGathers - gathers).toBe(8);
        expect([counts.writes - before.writes, counts.bindGroups - before.bindGroups, counts.buffers - before.buffers]).toEqual([8, 0, 0]);
        expect(counts.writeBytes - before.writeBytes).toBe(8 * 24 * 30 * 4); // each view's span, nothing else
      } finally {
        ctx.destroy();
      }
    },
  );

  suite.gpuIt(
    'bursts of concurrent calls on views gathered on the GPU, burst after burst, create no bind group or buffer',
    async ({ device }) => {
      const { createGradient } = await import('../src/index');
      const { device: wrapped, counts } = counted(device);
      const ctx = await createGradient({ device: wrapped });
      try {
        // More calls at once than the pool keeps idle buffers (64): each span in a buffer of its own made
        // buffers and a bind group a call, burst after burst. Each call's own values, so that a span bound
        // at another call's place in the arena shows in its results; plain calls between the views place
        // the spans at offsets that are not multiples of their size.
        const B = 90;
        const bases = Array.from({ length: B }, (_, j) =>
          Float32Array.from({ length: 24 * 30 }, (_, i) => Math.sin(i * 0.21 + j) + (i % 7)),
        );
        const viewOf = (j: number) =>
          (j % 2 === 0 ? ndarray(bases[j], [24, 30]).transpose(1, 0) : ndarray(bases[j], [24, 30]).step(-1, 1)) as unknown as NdarrayLike;
        const plain = Float32Array.from({ length: 37 }, (_, i) => i * i);
        const burst = () =>
          Promise.all(bases.map((_, j) => (j % 9 === 4 ? ctx.gradient(plain.subarray(0, 37 - (j % 5))) : ctx.gradient(viewOf(j)))));
        const check = (results: Float32Array[][]) =>
          results.forEach((got, j) => {
            const want =
              j % 9 === 4
                ? cpuGradient(plain.subarray(0, 37 - (j % 5)))
                : cpuGradient(contiguous(viewOf(j)), { shape: viewOf(j).shape as number[] });
            want.forEach((ref, k) => expect(f32Violation(got[k], ref, j % 9 === 4 ? 1300 : 7, 1), `call ${j} axis ${k}`).toBeNull());
          });
        for (let round = 0; round < 3; round++) check(await burst());
        const gathers = ctx.stats().transfer.gpuGathers;
        const before = { ...counts };
        for (let round = 0; round < 2; round++) check(await burst());
        const views = bases.filter((_, j) => j % 9 !== 4).length;
        expect(ctx.stats().transfer.gpuGathers - gathers).toBe(2 * views);
        expect([counts.bindGroups - before.bindGroups, counts.buffers - before.buffers]).toEqual([0, 0]);
      } finally {
        ctx.destroy();
      }
    },
  );

  suite.gpuIt('out views, streamed views (tiny limits), gaps and masks on views', async ({ device }) => {
    const { createGradient } = await import('../src/index');
    const ctx = await createGradient({ device, limits: TINY_LIMITS, chunkBytes: 4096 });
    try {
      const random = rng(9);
      const base = Float32Array.from({ length: 40 * 37 * 2 }, () => random() * 2 - 1);
      for (let i = 0; i < base.length; i += 13) base[i] = Number.NaN;
      // A [37, 40] view: every other plane, transposed, flipped along its rows.
      const view = ndarray(base, [40, 37, 2]).pick(null, null, 1).transpose(1, 0).step(-1, 1) as unknown as NdarrayLike;
      const copy = contiguous(view);
      const shape = [37, 40];
      const mask = Uint8Array.from({ length: 37 * 40 }, (_, i) => (i % 5 === 0 ? 0 : 1));
      for (const options of [
        { edgeOrder: 2 },
        { invalid: 'skip', edgeOrder: 2 },
        { invalid: 'skip', mask, boundary: ['nearest', 'periodic'] },
      ] as GradientOptions[]) {
        const size = 37 * 40;
        const outs = [0, 1].map(() => ndarray(new Float32Array(size), [40, 37]).transpose(1, 0));
        const got = await ctx.gradient(view, { ...options, out: outs as unknown as NdarrayLike<Float32Array>[] });
        const want = cpuGradient(copy, { ...options, shape });
        want.forEach((ref, k) => {
          expect(got[k]).toBe(outs[k].data as Float32Array);
          // Element (i, j) of the result sits at j·37 + i of the transposed out.
          const inOrder = Float32Array.from({ length: size }, (_, e) => got[k][(e % 40) * 37 + Math.floor(e / 40)]);
          const bad = f32Violation(inOrder, ref, 1, 1, 16);
          if (bad) throw new Error(`${JSON.stringify(options)} axis ${k} at ${bad.index}: ${bad.got} vs ${bad.ref}`);
        });
        const magnitude = await ctx.magnitude(view, options);
        const bad = f32Violation(magnitude, cpuGradientMagnitude(copy, { ...options, shape }), 1, 1, 32);
        if (bad) throw new Error(`magnitude ${JSON.stringify(options)} at ${bad.index}: ${bad.got} vs ${bad.ref}`);
      }
      expect(ctx.stats().transfer.jobs).toBeGreaterThan(6);
    } finally {
      ctx.destroy();
    }
  });

  suite.gpuIt('fused fields and the Laplacian on views: components as views, an out view for the magnitude', async () => {
    const random = rng(21);
    const base = Float32Array.from({ length: 3 * 24 * 20 }, () => random() * 2 - 1);
    // Three [20, 24] components, each a transposed plane of one [3, 24, 20] array; the first flipped too.
    const plane = (c: number) => ndarray(base, [3, 24, 20]).pick(c, null, null).transpose(1, 0) as unknown as NdarrayLike;
    const comps = [ndarray(base, [3, 24, 20]).pick(0, null, null).transpose(1, 0).step(-1, 1) as unknown as NdarrayLike, plane(1)];
    const flat = comps.map(contiguous);
    const o = { shape: [20, 24] };
    const check = (got: ArrayLike<number>, want: ArrayLike<number>, what: string, k = 32) => {
      const bad = f32Violation(got, want, 1, 1, k);
      if (bad) throw new Error(`${what} at ${bad.index}: ${bad.got} vs ${bad.ref}`);
    };
    check(await suite.ctx.divergence(comps, { boundary: 'mirror' }), cpuDivergence(flat, { ...o, boundary: 'mirror' }), 'divergence');
    const curl = await suite.ctx.curl(comps, { edgeOrder: 2 });
    check(curl[0], (await import('../src/index')).cpuCurl(flat, { ...o, edgeOrder: 2 })[0], 'curl');
    check(
      await suite.ctx.laplacian(plane(2), { boundary: 'reflect' }),
      cpuLaplacian(contiguous(plane(2)), { ...o, boundary: 'reflect' }),
      'laplacian',
      64,
    );
    const outView = ndarray(new Float32Array(480), [24, 20]).transpose(1, 0);
    const m = await suite.ctx.magnitude(plane(1), { out: [outView as unknown as NdarrayLike<Float32Array>] });
    expect(m).toBe(outView.data as Float32Array);
    const inOrder = Float32Array.from({ length: 480 }, (_, e) => m[(e % 24) * 20 + Math.floor(e / 24)]);
    check(inOrder, cpuGradientMagnitude(contiguous(plane(1)), o), 'magnitude into an out view');
  });
});
