import { OPERATIONS, type Operation } from '../operations.js';
import { type AxisPlan, isGhost, type Plan } from '../plan.js';
import type { OutputType } from '../types.js';
import type { Layout } from './steps.js';

/**
 * Which pipeline a dispatch needs: its entry point and the override constants it is specialised with,
 * from the plan, the operation and the axes the dispatch holds — never from the shape.
 */

/** Curl pairs slot k with component k (its `curl_*` entry points), so its slots keep the caller's axis order; the others are sorted. */
export function keepsAxisOrder(op: Operation): boolean {
  return OPERATIONS[op].entry === 'curl';
}

/** The shader's PERIODIC_SLOTS: bit k set when slot k's axis wraps. */
export function periodicSlots(slotAxes: readonly AxisPlan[]): number {
  return slotAxes.reduce((mask, ax, k) => (ax.periodic ? mask | (1 << k) : mask), 0);
}

/**
 * The shader's GENERAL: every slot takes the general stencils (general.wgsl), which handle every mode —
 * when gaps are skipped or some slot has a ghost side. One flag for all slots rather than a mask, and
 * PERIODIC_SLOTS 0 under it, so that such plans share pipelines: a general pipeline compiles 3-7 times as
 * slowly as the edge one under SwiftShader (0.6-2.5 s against 0.2 s, bench/NOTES.md).
 */
export function isGeneral(plan: Plan, slotAxes: readonly AxisPlan[]): boolean {
  return plan.skip || slotAxes.some((ax) => isGhost(ax.lo) || isGhost(ax.hi));
}

/**
 * A pipeline: entry point plus the override constants it is specialised with. They depend on the
 * options and on which axes a dispatch holds, never on the shape, so a new shape compiles nothing.
 */
export interface KernelVariant {
  readonly layout: Layout;
  /** Element type of the results in GPU memory. */
  readonly output: OutputType;
  readonly entry: string;
  readonly constants: Record<string, number>;
}

/** The shader's SMOOTH constant: 0 numpy's stencils, 1 Sobel, 2 Scharr. */
const SMOOTH_CODE: Record<Plan['operator'], number> = { central: 0, sobel: 1, scharr: 2 };

export function kernelVariant(
  plan: Plan,
  layout: Layout,
  op: Operation,
  slotAxes: readonly AxisPlan[],
  output: OutputType = 'float32',
): KernelVariant {
  const spec = OPERATIONS[op];
  const curl = keepsAxisOrder(op);
  const fourth = plan.accuracy === 4;
  const general = isGeneral(plan, slotAxes);
  // Edge order means something only on an axis with numpy's edges at second order (an 'edge' side, or the
  // ends of runs when gaps are skipped), and not to a second difference (its edge stencil is fixed):
  // elsewhere it is 1, so that such variants share a pipeline.
  const numpyEdges =
    !fourth && !spec.secondDifference && (plan.skip || slotAxes.some((ax) => ax.lo.mode === 'edge' || ax.hi.mode === 'edge'));
  return {
    layout,
    output,
    entry: `${spec.entry}_${layout}`,
    constants: {
      FOURTH: fourth ? 1 : 0,
      PERIODIC_SLOTS: general ? 0 : periodicSlots(slotAxes),
      EDGE_ORDER: numpyEdges ? plan.edgeOrder : 1,
      WEIGHTED: slotAxes.some((ax) => ax.dx !== null) ? 1 : 0,
      NAXES: slotAxes.length,
      CONTIG: layout === 'vec4' && !curl && slotAxes[0]?.inner === 1 ? 1 : 0,
      OP: spec.code,
      SMOOTH: SMOOTH_CODE[plan.operator],
      GENERAL: general ? 1 : 0,
      SKIP: plan.skip ? 1 : 0,
    },
  };
}
