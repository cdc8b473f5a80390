import { makePlan } from '../plan.js';
import type { GradientOptions, NumericArray } from '../types.js';
import { gradientSlabs } from './gradient.js';
import { cpuInput } from './input.js';

/**
 * cpuGradient cut into parts that threads compute side by side (cpu/workers.ts): part `index` of `count`
 * is a slab of the first axis's positions, every selected axis's results in it (gradient.ts's
 * gradientSlabs). Each element is computed by the same expression as the whole call, so the parts
 * together are cpuGradient's result to the last bit. Threads take parts one at a time from a shared
 * counter (computeParts), so a thread slowed down by its neighbours leaves the rest to the others.
 */

/** A part as one thread receives it: the data and results in shared memory, the plan's options, which part. */
export interface GradientPart {
  readonly data: NumericArray;
  readonly options: GradientOptions;
  readonly outs: readonly Float64Array[];
  readonly index: number;
  readonly count: number;
}

/** Computes one part: slab `index` of `count` of the first axis (the plan rebuilt from the options: microseconds against the part's milliseconds). */
export function computePart(part: GradientPart): void {
  const { data, options, outs, index, count } = part;
  const plan = makePlan(cpuInput(data).info, options);
  const n = plan.shape[0];
  gradientSlabs(data, plan, outs, Math.floor((n * index) / count), Math.floor((n * (index + 1)) / count));
}

/** A call's parts as every thread receives them: `next` (shared) counts the parts taken so far. */
export interface GradientParts {
  readonly data: NumericArray;
  readonly options: GradientOptions;
  readonly outs: readonly Float64Array[];
  readonly count: number;
  readonly next: Int32Array;
}

/** Takes parts from the shared counter and computes them until none is left; returns how many this thread did. */
export function computeParts(parts: GradientParts): number {
  const { data, options, outs, count, next } = parts;
  const plan = makePlan(cpuInput(data).info, options);
  const n = plan.shape[0];
  let done = 0;
  for (let index = Atomics.add(next, 0, 1); index < count; index = Atomics.add(next, 0, 1)) {
    gradientSlabs(data, plan, outs, Math.floor((n * index) / count), Math.floor((n * (index + 1)) / count));
    done++;
  }
  return done;
}
