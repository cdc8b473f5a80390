import type { Backend } from '../backend';
import { paintPixels } from '../draw';

/**
 * A global wind field on a 0.25° grid (721 × 1440, poles included), made here from an analytic flow — a
 * Rossby–Haurwitz wave (non-divergent, vorticity known in closed form) plus the gradient of a velocity
 * potential (divergent) — with NaN over land from a simple formula. Its vorticity (minus the library's
 * curl) and divergence on the sphere, gaps skipped over land (`invalid: 'skip'`).
 */
export async function spherePanel(root: HTMLElement, backend: Backend): Promise<void> {
  const message = root.querySelector<HTMLElement>('.message')!;
  const [vortCanvas, divCanvas] = root.querySelectorAll('canvas');
  const nlat = 721,
    nlon = 1440;
  const latitude = Array.from({ length: nlat }, (_, i) => 90 - i * 0.25); // north to south, as ERA5 stores it
  const longitude = Array.from({ length: nlon }, (_, j) => j * 0.25);
  const a = 6371008.8,
    w = 7.848e-6,
    K = 7.848e-6,
    R = 4,
    C = 5e7; // velocity potential χ = C cos²φ sin 2λ (m²/s): divergent winds up to 16 m/s
  const size = nlat * nlon;
  const north = new Float32Array(size),
    east = new Float32Array(size);
  const land = new Uint8Array(size);
  for (let i = 0; i < nlat; i++) {
    const phi = (latitude[i] * Math.PI) / 180;
    const c = Math.abs(latitude[i]) === 90 ? 0 : Math.cos(phi),
      s = Math.sin(phi);
    for (let j = 0; j < nlon; j++) {
      const l = (longitude[j] * Math.PI) / 180;
      const p = i * nlon + j;
      // Rossby–Haurwitz wave (Williamson et al. 1992, case 6) plus ∇χ: u_χ = ∂χ/∂λ / (a cos φ), v_χ = ∂χ/∂φ / a.
      east[p] = a * w * c + a * K * c ** (R - 1) * (R * s * s - c * c) * Math.cos(R * l) + (2 * C * c * Math.cos(2 * l)) / a;
      north[p] = -a * K * R * c ** (R - 1) * s * Math.sin(R * l) - (2 * C * c * s * Math.sin(2 * l)) / a;
      // "Continents": a few smooth blobs, and Antarctica.
      const blob = Math.sin(2 * l + 0.5) * Math.cos(2 * phi) + 0.6 * Math.sin(3 * phi + l) * Math.cos(l - 1);
      if (blob > 0.75 || latitude[i] < -72) {
        land[p] = 1;
        north[p] = Number.NaN;
        east[p] = Number.NaN;
      }
    }
  }
  const options = {
    shape: [nlat, nlon],
    sphere: { latitude, longitude },
    boundary: ['edge', 'periodic'] as ['edge', 'periodic'],
    edgeOrder: 2 as const,
    invalid: 'skip' as const,
  };
  const t0 = performance.now();
  const [curl] = await backend.curl([north, east], options);
  const divergence = await backend.divergence([north, east], options);
  const ms = performance.now() - t0;
  // Vorticity is minus the library's curl (∂v_1/∂x_0 − ∂v_0/∂x_1 with x_0 north, x_1 east).
  const vorticity = Float32Array.from(curl, (v) => -v);
  const paint = (canvas: HTMLCanvasElement, values: ArrayLike<number>) => {
    const limit = percentile(values, 0.99);
    paintPixels(canvas, nlat, nlon, (p) => (land[p] ? [170, 160, 140] : diverging(values[p] / limit)));
    return limit;
  };
  const vmax = paint(vortCanvas, vorticity);
  const dmax = paint(divCanvas, divergence);
  // Against the closed forms (the wave's vorticity; ∇²χ = −(6C/a²) cos²φ sin 2λ), over sea within ±60°.
  let errV = 0,
    errD = 0,
    maxV = 0,
    maxD = 0;
  for (let p = 0; p < size; p++) {
    const lat = latitude[Math.floor(p / nlon)];
    if (land[p] || Math.abs(lat) > 60) continue;
    const phi = (lat * Math.PI) / 180,
      l = (longitude[p % nlon] * Math.PI) / 180;
    const c = Math.cos(phi),
      s = Math.sin(phi);
    const zeta = 2 * w * s - K * s * c ** R * (R * R + 3 * R + 2) * Math.cos(R * l);
    const delta = ((-6 * C) / (a * a)) * c * c * Math.sin(2 * l);
    errV = Math.max(errV, Math.abs(vorticity[p] - zeta));
    errD = Math.max(errD, Math.abs(divergence[p] - delta));
    maxV = Math.max(maxV, Math.abs(zeta));
    maxD = Math.max(maxD, Math.abs(delta));
  }
  message.textContent =
    `vorticity and divergence of a ${nlat} × ${nlon} wind field on the sphere (${backend.kind === 'gpu' ? 'gpuCurl and gpuDivergence' : 'cpuCurl and cpuDivergence'}, invalid: 'skip' over land) in ${ms.toFixed(0)} ms; ` +
    `colour scales ±${vmax.toExponential(1)} and ±${dmax.toExponential(1)} s⁻¹. ` +
    `Largest error against the closed forms over sea within ±60°: vorticity ${(errV / maxV).toExponential(1)}, divergence ${(errD / maxD).toExponential(1)} (relative to their largest values).`;
}

/** Blue (−1) through white (0) to red (+1); NaN (a pole row) grey. */
function diverging(t: number): [number, number, number] {
  if (!Number.isFinite(t)) return [128, 128, 128];
  const u = Math.max(-1, Math.min(1, t));
  return u < 0 ? [255 * (1 + u), 255 * (1 + u), 255] : [255, 255 * (1 - u), 255 * (1 - u)];
}

/** The q-quantile of |finite values| (from a sample of 20,000), or 1 when there are none. */
function percentile(values: ArrayLike<number>, q: number): number {
  const sample: number[] = [];
  const step = Math.max(1, Math.floor(values.length / 20000));
  for (let p = 0; p < values.length; p += step) if (Number.isFinite(values[p])) sample.push(Math.abs(values[p]));
  sample.sort((x, y) => x - y);
  return sample.length ? sample[Math.floor(q * (sample.length - 1))] || 1 : 1;
}
