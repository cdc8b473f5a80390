import { makePlan, type Plan } from '../plan.js';
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

/** A split call as threads see it: the data and results in shared memory, the plan's options, the number of parts. */
interface SplitCall {
  readonly data: NumericArray;
  readonly options: GradientOptions;
  readonly outs: readonly Float64Array[];
  readonly count: number;
}

/** One part of a split call. */
export interface GradientPart extends SplitCall {
  readonly index: number;
}

/** A call's parts as every thread receives them: `next` (shared) counts the parts taken so far. */
export interface GradientParts extends SplitCall {
  readonly next: Int32Array;
}

/** The plan, rebuilt from the options (microseconds against a part's milliseconds). */
function planOf(call: SplitCall): Plan {
  return makePlan(cpuInput(call.data).info, call.options);
}

/** Part `index` of `count`: a slab of the first axis. */
function computeSlab(call: SplitCall, plan: Plan, index: number): void {
  const n = plan.shape[0];
  gradientSlabs(call.data, plan, call.outs, Math.floor((n * index) / call.count), Math.floor((n * (index + 1)) / call.count));
}

/** Computes one part. */
export function computePart(part: GradientPart): void {
  computeSlab(part, planOf(part), part.index);
}

/** Takes parts from the shared counter and computes them until none is left; returns how many this thread did. */
export function computeParts(parts: GradientParts): number {
  const plan = planOf(parts);
  let done = 0;
  for (let index = Atomics.add(parts.next, 0, 1); index < parts.count; index = Atomics.add(parts.next, 0, 1)) {
    computeSlab(parts, plan, index);
    done++;
  }
  return done;
}
