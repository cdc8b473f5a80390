import { type BoundaryCase, values } from './boundary-cases';

export { boundaryOptions as gridOptions } from './boundary-cases';

/**
 * A case of fixtures/grids.json (make_grid_fixtures.py): a curvilinear grid or the sphere. No Node module
 * here: the engines' core imports it too.
 */
export type GridCase = BoundaryCase;

/** Earth's mean radius, the sphere's default (written here from the IUGG figure, not read from the library). */
const EARTH = 6371008.8;

/**
 * The smallest physical distance between neighbouring points, for the float32 bound: along each index
 * axis of a curvilinear grid; on the sphere R·min(Δφ, cos φ·Δλ) over rows off the poles.
 */
export function smallestDistance(c: GridCase): number {
  const o = c.options;
  if (o.sphere) {
    const unit = o.sphere.degrees === false ? 1 : Math.PI / 180;
    const R = o.sphere.radius ?? EARTH;
    const lat = Array.from(o.sphere.latitude, (v) => v * unit);
    const lon = Array.from(o.sphere.longitude, (v) => v * unit);
    let dphi = Number.POSITIVE_INFINITY,
      dlam = Number.POSITIVE_INFINITY,
      cos = Number.POSITIVE_INFINITY;
    for (let i = 1; i < lat.length; i++) dphi = Math.min(dphi, Math.abs(lat[i] - lat[i - 1]));
    for (let i = 1; i < lon.length; i++) dlam = Math.min(dlam, Math.abs(lon[i] - lon[i - 1]));
    for (const phi of lat) if (Math.abs(Math.abs(phi) - Math.PI / 2) > 1e-9) cos = Math.min(cos, Math.cos(phi));
    return R * Math.min(dphi, cos * dlam);
  }
  const coords = (o.coordinates as readonly ArrayLike<number>[]).map((x) => values(x as unknown as (number | null)[]));
  const shape = c.shape;
  let best = Number.POSITIVE_INFINITY;
  const size = coords[0].length;
  shape.forEach((n, axis) => {
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (let p = 0; p < size; p++) {
      if (Math.floor(p / inner) % n === n - 1) continue;
      let d2 = 0;
      for (const x of coords) {
        let d = x[p + inner] - x[p];
        const period = Array.isArray(o.period) ? o.period[coords.indexOf(x)] : undefined;
        if (period) d -= period * Math.round(d / period);
        d2 += d * d;
      }
      best = Math.min(best, Math.sqrt(d2));
    }
  });
  return best;
}
