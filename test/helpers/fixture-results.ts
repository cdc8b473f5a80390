import { cpuCurl, cpuDivergence, cpuGradient, cpuGradientMagnitude, cpuLaplacian, type GradientContext } from '../../src/index';
import { type BoundaryCase, boundaryOptions, values } from './boundary-cases';

/** Every result a fixture case holds (boundaries.json, grids.json), by name: gradient, and the fused fields it has. */
export type Results = Record<string, ArrayLike<number>[]>;

/** The fixture's own values of every result it holds. */
export function expectedOf(c: BoundaryCase): Results {
  const r: Results = { gradient: c.gradient.map(values) };
  if (c.magnitude) r.magnitude = [values(c.magnitude)];
  if (c.divergence) r.divergence = [values(c.divergence)];
  if (c.curl) r.curl = c.curl.map(values);
  if (c.laplacian) r.laplacian = [values(c.laplacian)];
  return r;
}

/** The same results from the CPU reference. */
export function cpuResults(c: BoundaryCase): Results {
  const f = values(c.data);
  const o = boundaryOptions(c);
  const comps = c.components?.map(values);
  const r: Results = { gradient: cpuGradient(f, o) };
  if (c.magnitude) r.magnitude = [cpuGradientMagnitude(f, o)];
  if (c.divergence) r.divergence = [cpuDivergence(comps!, o)];
  if (c.curl) r.curl = cpuCurl(comps!, o);
  if (c.laplacian) r.laplacian = [cpuLaplacian(f, o)];
  return r;
}

/** The same results from a context's host calls. */
export async function gpuResults(ctx: GradientContext, c: BoundaryCase): Promise<Results> {
  const f = values(c.data);
  const o = boundaryOptions(c);
  const comps = c.components?.map(values);
  const r: Results = { gradient: await ctx.gradient(f, o) };
  if (c.magnitude) r.magnitude = [await ctx.magnitude(f, o)];
  if (c.divergence) r.divergence = [await ctx.divergence(comps!, o)];
  if (c.curl) r.curl = await ctx.curl(comps!, o);
  if (c.laplacian) r.laplacian = [await ctx.laplacian(f, o)];
  return r;
}
