import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyAlong, applyRows } from '../src/cpu/derivatives';
import { denseSpans, runsOf } from '../src/cpu/runs';
import type { AxisOperator } from '../src/derivatives';
import { firstDifference } from './helpers/bits';
import { rng } from './helpers/random';

// The banded operators' loops (src/cpu/derivatives.ts): applyAlong reads a run of equal rows' taps from
// locals (up to five a pass, more five at a time, along the last axis through a scratch of 2,048 points),
// and where rows differ (uneven coordinates) sums the rows of one block of non-zero weights without a test
// per tap; applyRows reads every row's weights, zeros and wrap at every point. All sum a row's bias and
// its taps left to right, so they must agree to the last bit, whatever the number of taps (none to ten),
// the line length (past the scratch's), the ranges, the shifts and whether the results are added.

/**
 * An operator of n rows and `width` columns: interior rows alike (one run), `ends` rows at each end of
 * their own; `uneven`, every row's weights and bias scaled by a factor of its own (no runs, as on uneven
 * coordinates), its zeros kept.
 */
function operator(
  n: number,
  width: number,
  ends: number,
  periodic: boolean,
  interior: number[],
  edges: number[][],
  bias: number[],
  uneven: boolean,
): AxisOperator {
  const start = new Int32Array(n);
  const weights = new Float64Array(n * width);
  const b = new Float64Array(n);
  const centre = Math.floor(width / 2);
  for (let i = 0; i < n; i++) {
    const edge = i < ends ? i : i >= n - ends ? ends + (n - 1 - i) : -1;
    // Ends of a non-periodic axis keep their columns inside; a periodic axis's wrap (start < 0 or past n − width).
    start[i] = periodic || edge < 0 ? i - centre : i < ends ? 0 : n - width;
    const row = edge < 0 ? interior : edges[edge % edges.length];
    const scale = uneven ? 1 + i / 4096 : 1;
    for (let k = 0; k < width; k++) weights[i * width + k] = row[k % row.length] * scale;
    b[i] = (edge < 0 ? bias[0] : bias[1 + (edge % (bias.length - 1))]) * scale;
  }
  return { n, width, start, weights, bias: b, periodic };
}

const weight = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.double({ min: 0.01, max: 4, noNaN: true }).chain((w) => fc.constantFrom(w, -w)), weight: 8 },
  { arbitrary: fc.constantFrom(1 / 3, -1 / 12, 2 / 3), weight: 2 },
);
const case_ = fc
  .record({
    width: fc.integer({ min: 1, max: 10 }),
    ends: fc.integer({ min: 0, max: 3 }),
    periodic: fc.boolean(),
    uneven: fc.boolean(),
    interior: fc.array(weight, { minLength: 10, maxLength: 10 }),
    zeroInterior: fc.boolean(),
    edges: fc.array(fc.array(weight, { minLength: 10, maxLength: 10 }), { minLength: 1, maxLength: 3 }),
    bias: fc.array(fc.oneof(fc.constant(0), fc.constantFrom(1 / 3, -0.7, 2.5)), { minLength: 2, maxLength: 4 }),
    // Along the last axis (inner 1) lines of up to 5,000 points cross the scratch's 2,048; across it, short rows.
    inner: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 7 })),
    long: fc.boolean(),
    n: fc.integer({ min: 80, max: 140 }),
    outer: fc.integer({ min: 1, max: 3 }),
    cut: fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()),
    fShift: fc.integer({ min: 0, max: 5 }),
    rShift: fc.integer({ min: 0, max: 5 }),
    accumulate: fc.boolean(),
    seed: fc.integer(),
  })
  .map((c) => ({ ...c, n: c.inner === 1 && c.long ? 2040 + (c.n - 80) * 50 : c.n }));

describe('applyAlong against applyRows', () => {
  it('gives the same bits for every tap count, line length, range, shift and accumulation', () => {
    const taps = new Set<number>();
    // Dense spans met along the last axis and along another, and blocks narrower than the window.
    const dense = { line: 0, plane: 0, narrow: 0 };
    fc.assert(
      fc.property(case_, (c) => {
        const interior = c.zeroInterior ? c.interior.map(() => 0) : c.interior;
        const op = operator(c.n, c.width, c.ends, c.periodic, interior, c.edges, c.bias, c.uneven);
        const runs = runsOf(op);
        // Rows alike make runs; rows of their own none (unless every row is zeros and the same bias).
        if (runs === null) {
          expect(c.uneven, 'interior rows alike make runs').toBe(true);
          const spans = denseSpans(op);
          if (spans.length > 0) dense[c.inner === 1 ? 'line' : 'plane']++;
          for (let s = 0; s < spans.length; s += 4) if (spans[s + 3] < c.width) dense.narrow++;
        } else if (!c.uneven) for (const run of runs) taps.add(run.offsets.length);
        const size = c.outer * c.n * c.inner;
        const next = rng(c.seed);
        // Element p of the view is read at f[p − fShift]: the data is stored from there.
        const f = Float64Array.from({ length: size + c.fShift }, () => (next() < 0.01 ? Number.NaN : next() * 8 - 4));
        const fill = Float64Array.from({ length: size + c.rShift }, () => next() - 0.5);
        const [o0, o1] = [c.cut[0] % c.outer, c.cut[1] % c.outer].sort((a, b) => a - b);
        const [i0, i1] = [c.cut[2] % c.n, c.cut[3] % c.n].sort((a, b) => a - b);
        const a = fill.slice();
        const b = fill.slice();
        const range = [o0, o1 + 1, i0, i1 + 1] as const;
        applyAlong(op, c.inner, f, -c.fShift, a, -c.rShift, ...range, c.accumulate);
        applyRows(op, c.inner, f, -c.fShift, b, -c.rShift, ...range, c.accumulate);
        expect(firstDifference([a], [b])).toBeNull();
      }),
      { numRuns: 600, seed: 26 },
    );
    expect(Math.min(dense.line, dense.plane, dense.narrow), JSON.stringify(dense)).toBeGreaterThan(20);
    // Every count of taps a run can have here: none (a row of zeros) to ten.
    for (let t = 0; t <= 10; t++) expect(taps.has(t), `a run of ${t} taps`).toBe(true);
  });
});
