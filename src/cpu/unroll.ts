/**
 * The CPU reference's hottest loops run eight points an iteration, their indices masked to 30 bits.
 *
 * V8's optimised code for a loop over typed arrays passed as arguments re-checks each array's map and
 * reloads its length and data pointer at every iteration (Turbofan has no loop-invariant code motion, and
 * the loop's stack check ends what it knows), and checks every index sum for int32 overflow unless the
 * operands' ranges rule it out. Read in `node --print-opt-code` (Node 20.20.2): about 80 instructions a
 * point for the two-axis gradient loop, against 30 for the same loop over arrays held in module constants,
 * which ran 1.7× as fast. Unrolled, the checks and loads are shared by eight points; masked (`i &
 * 0x3fffffff`), the overflow checks go. The masks are identities: the fused pass is planned only for
 * arrays of at most MAX_INDEX elements (fusedPlan; larger ones take the axis-by-axis loops), so every
 * index and stride its loops take is below 2³⁰ and every sum they form fits an int32; a loop outside it
 * checks its own bound first and runs its plain form beyond. Each point keeps its own expression, so the
 * bits are the plain loop's.
 *
 * An unrolled loop takes its remainder points (its length modulo eight) first, then eight at a time to its
 * end. Written the other way round, the remainder loop after the unrolled one: V8 compiles a long-running
 * loop on stack replacement, before the code after it has run and left type feedback, and that code then
 * deoptimised on reaching it, at call after call while the compiled loop was kept (--trace-deopt, twentieth
 * session: 18,064 deoptimisations in 20 calls of the 128³ Hessian at accuracy 4, 687 of the 3-D Hessian's
 * firstAcross in 60 calls, 25–29 of the gradient's three-axis loops; how often depended on the run). The
 * skewed loops (outputs written SKEW apart) finish the outputs that run behind after their unrolled part;
 * that part is a function of its own (fused.ts along*Main, hessian-2d.ts interiorMain), whose compiled loop
 * is followed by nothing but its return: code after it, even a call or a store, deoptimised there
 * (--trace-deopt: "insufficient type feedback for call", "… for generic keyed access").
 *
 * Measured on this project's 2-core VM (bench/NOTES.md, nineteenth session), the gradient's loops against
 * the plain ones of 72e2f41, four sets of outputs in one process: unrolled by four and masked, 0.78× at
 * 2047², 0.86× at 768×1366, 0.93× at 1024², 0.87× at 128³; by eight, a further 0.85–0.95×. Scratch loops
 * made alike, 512² (in cache): by four 0.58–0.60× the plain loop, by eight 0.48×, by eight and masked
 * 0.44–0.45×. An earlier session's unrolling by four, 0.94–1.02× at 2048², had not been kept.
 */

/** The largest index an unrolled loop may form once masked (2³⁰ − 1): the plain loop runs beyond it. */
export const MAX_INDEX = 0x3fffffff;

/**
 * How far apart, in elements, the loops that write two or three outputs at once write them (fused.ts's loops
 * along the last dimension, hessian-2d.ts's interior): arrays as allocated have addresses alike in their
 * low 12 bits, and whether their streams also collide further up depends on where the process maps them;
 * written SKEW apart they run alike at every placement measured (fused.ts has the figures).
 */
export const SKEW = 72;
