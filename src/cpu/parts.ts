import type { DerivedField } from '../components.js';
import type { DerivativeOptions } from '../derivatives.js';
import { makePlan, type Plan } from '../plan.js';
import type { GradientOptions, NumericArray } from '../types.js';
import { type ProgramKind, programOf, programRows } from './derivatives.js';
import { fieldRows, rowForm } from './derived.js';
import { gapsSlab, gradientSlabs } from './gradient.js';
import { cpuInput } from './input.js';

/**
 * cpuGradient, the CPU fields, derivatives, the Hessian and the gradient's adjoint cut into parts that
 * threads compute side by side (cpu/workers.ts): part `index` of `count` is a slab of the first axis's
 * positions, every result in it (gradient.ts's gradientSlabs, or gapsSlab with gaps to skip; derived.ts's
 * fieldRows; derivatives.ts's programRows). Each element is computed by the same expression as the whole
 * call, so the parts together are the whole call's result to the last bit. Threads take parts one at a
 * time from a shared counter (computeParts), so a thread slowed down by its neighbours leaves the rest to
 * the others.
 */

/** What a split call computes: every selected axis's derivative, a field, or a program (derivatives, the Hessian, the adjoint). */
export type SplitOp = 'gradient' | DerivedField | ProgramKind;

/** A split call as threads see it: what it computes, its inputs and results in shared memory, the plan's options, the number of parts. */
interface SplitCall {
  readonly op: SplitOp;
  /** The data, or a field's components. */
  readonly inputs: readonly NumericArray[];
  /** The call's options (`out` left out): a plan's, or a program's (derivatives, the Hessian, the adjoint). */
  readonly options: GradientOptions | DerivativeOptions;
  readonly outs: readonly Float64Array[];
  readonly count: number;
}

/** One part of a split call. */
export interface Part extends SplitCall {
  readonly index: number;
}

/** A call's parts as every thread receives them: `next` (shared) counts the parts taken so far. */
export interface Parts extends SplitCall {
  readonly next: Int32Array;
}

/** Computes positions a..z of the first axis. */
type Slab = (a: number, z: number) => void;

/**
 * The call's work on a range of the first axis, its plan rebuilt from the options (microseconds against
 * a part's milliseconds). Components share their shape (checked on the calling thread), so the first one
 * describes them all.
 */
function slabOf(call: SplitCall): { plan: Plan; slab: Slab } {
  const { op, inputs, outs } = call;
  const info = cpuInput(inputs[0]).info;
  if (op === 'derivatives' || op === 'hessian' || op === 'adjoint') {
    const program = programOf(op, info, inputs.length, call.options);
    return { plan: program.plan, slab: (a, z) => programRows(program, inputs, outs, a, z) };
  }
  const plan = makePlan(info, call.options as GradientOptions);
  if (op === 'gradient' && plan.skip) return { plan, slab: (a, z) => gapsSlab(inputs[0], plan, outs, a, z) };
  if (op === 'gradient') return { plan, slab: (a, z) => gradientSlabs(inputs[0], plan, outs, a, z) };
  const form = rowForm(op, inputs, plan);
  if (form === null) throw new Error(`unreachable: a split ${op} that rowForm does not take`);
  return { plan, slab: (a, z) => fieldRows(op, form, inputs, plan, outs, a, z) };
}

/** Part `index` of `count`: a slab of the first axis. */
function computeSlab(plan: Plan, slab: Slab, index: number, count: number): void {
  const n = plan.shape[0];
  slab(Math.floor((n * index) / count), Math.floor((n * (index + 1)) / count));
}

/** Computes one part. */
export function computePart(part: Part): void {
  const { plan, slab } = slabOf(part);
  computeSlab(plan, slab, part.index, part.count);
}

/** Takes parts from the shared counter and computes them until none is left; returns how many this thread did. */
export function computeParts(parts: Parts): number {
  const { plan, slab } = slabOf(parts);
  let done = 0;
  for (let index = Atomics.add(parts.next, 0, 1); index < parts.count; index = Atomics.add(parts.next, 0, 1)) {
    computeSlab(plan, slab, index, parts.count);
    done++;
  }
  return done;
}
