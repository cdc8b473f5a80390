/** ε of float32 (2^-23). */
export const EPS32 = 2 ** -23;

/** Smallest normal float32: GPUs may flush anything smaller to zero, on input and in arithmetic. */
export const F32_MIN_NORMAL = 2 ** -126;

/** Largest float16 rounding error relative to the value (round to nearest: half an ulp, 2^-11). */
export const HALF_REL = 2 ** -11;
/** Half the spacing of float16's subnormals (2^-24): the rounding error of results below its normal range. */
export const HALF_ABS = 2 ** -25;

type Violation = { index: number; got: number; ref: number; bound: number } | null;

/**
 * The float32 error bound from DEVELOPERS.md: |got − ref| ≤ k·ε32·(|ref| + max|f|/h_min), plus
 * k·F32_MIN_NORMAL/h_min for values that float32 cannot hold except as zero. NaN must meet NaN and an
 * infinite reference the same infinity. Returns the index and size of the first violation, or null
 * when every element is inside it.
 */
export function f32Violation(got: ArrayLike<number>, ref: ArrayLike<number>, maxAbsF: number, hMin: number, k = 8): Violation {
  return firstViolation(got, ref, maxAbsF, hMin, k, false);
}

/**
 * f32Violation for results stored as float16 (outputType 'float16'): the float32 bound, then rounding to
 * half, relative 2^-11 of the value plus 2^-25 where it falls below float16's normal range. A reference
 * beyond 65520 in magnitude (even after the float32 error) must come back as an infinity of its sign.
 */
export function f16Violation(got: ArrayLike<number>, ref: ArrayLike<number>, maxAbsF: number, hMin: number, k = 8): Violation {
  return firstViolation(got, ref, maxAbsF, hMin, k, true);
}

function firstViolation(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  maxAbsF: number,
  hMin: number,
  k: number,
  half: boolean,
): Violation {
  if (got.length !== ref.length) return { index: -1, got: got.length, ref: ref.length, bound: 0 };
  const scale = maxAbsF / hMin;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i],
      g = got[i];
    if (Number.isNaN(r) || Number.isNaN(g)) {
      if (Number.isNaN(r) !== Number.isNaN(g)) return { index: i, got: g, ref: r, bound: NaN };
      continue;
    }
    if (!Number.isFinite(r)) {
      if (g !== r) return { index: i, got: g, ref: r, bound: 0 };
      continue;
    }
    let bound = k * (EPS32 * (Math.abs(r) + scale) + F32_MIN_NORMAL / hMin);
    if (half) {
      if (Math.abs(r) - bound >= 65520) {
        if (g !== Math.sign(r) * Number.POSITIVE_INFINITY) return { index: i, got: g, ref: r, bound: Number.POSITIVE_INFINITY };
        continue;
      }
      bound = bound * (1 + HALF_REL) + HALF_REL * Math.abs(r) + HALF_ABS;
    }
    if (!(Math.abs(g - r) <= bound)) return { index: i, got: g, ref: r, bound };
  }
  return null;
}

export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const v = Math.abs(data[i]);
    if (v > m && Number.isFinite(v)) m = v;
  }
  return m;
}

/** Smallest |step| over the selected axes, from the spacing option as the user gave it. */
export function minStep(spacing: unknown, axisCount: number): number {
  if (spacing === undefined) return 1;
  if (typeof spacing === 'number') return Math.abs(spacing);
  let m = Infinity;
  for (const s of spacing as ArrayLike<number | ArrayLike<number>>[] as unknown as (number | ArrayLike<number>)[]) {
    if (typeof s === 'number') m = Math.min(m, Math.abs(s));
    else for (let i = 1; i < s.length; i++) m = Math.min(m, Math.abs(s[i] - s[i - 1]));
  }
  return axisCount === 0 ? 1 : m;
}

/** Largest |relative difference| with a floor of `floor` on the denominator. */
export function maxRelDiff(got: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-300): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]) / Math.max(Math.abs(ref[i]), floor);
    if (d > worst || Number.isNaN(d)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Same value, NaN included, or both within the float64 reference's tolerance. */
export function close64(got: number, ref: number, scale: number): boolean {
  if (Number.isNaN(ref) || Number.isNaN(got)) return Number.isNaN(ref) && Number.isNaN(got);
  if (!Number.isFinite(ref) || !Number.isFinite(got)) return got === ref;
  return Math.abs(got - ref) <= 1e-12 * (Math.abs(ref) + scale);
}
