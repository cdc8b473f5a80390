// Ghost boundary modes and gaps. Under GENERAL (some side of a dispatch's axes is a ghost mode —
// scipy.ndimage's 'nearest', 'mirror', 'reflect', 'constant' — or gaps are skipped) the stencils read
// their neighbours through beyond1/beyond4 (stencil.wgsl), which know every side's mode; the contracts are
// those of the CPU reference (src/cpu/lines.ts):
// - a ghost side extends the axis by ghost values (the g-th beyond index 0 is f[0], f[g], f[g-1] or the
//   side's cval, mirrored at the high end) and every point near it takes the interior stencil
//   (stencil.wgsl's general1/general4 and contiguous4.wgsl, through beyond1/beyond4, whose ghost
//   coordinates the host works out: uniforms.ts, ghostCoordinates); the coordinates are reflected, so
//   the interior weights of the end points are those of a uniform step (the host writes them into the
//   weight rows); an 'edge' side keeps numpy's one-sided stencils;
// - with SKIP (invalid: 'skip', second order only), every point goes through skip_derivative: it reads
//   which neighbours within its reach are valid (finite: masked points reach the GPU as NaN) and takes the
//   stencil numpy.gradient gives it inside its run of valid points — central between two valid
//   neighbours; one-sided at a run's end (second order where EDGE_ORDER is 2 and two valid points
//   follow, else first); NaN where the point is invalid or alone.
// The mode codes MODE_* are generated from src/gpu/uniforms.ts (BOUNDARY_CODE) into every module.

// Whether point i lies within `reach` of an 'edge' side (where numpy's one-sided stencils apply).
fn at_edge(k: u32, i: u32, reach: u32) -> bool {
  return (i < reach && P.axes[k].lo_mode == MODE_EDGE) || (i + reach >= P.axes[k].n && P.axes[k].hi_mode == MODE_EDGE);
}

// Finite, by its bits: the compiler may assume float arithmetic never meets NaN or infinity, but not bits.
fn finite1(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

// The same for every lane of a group (N = 1: the one value).
fn all_finite1(v: f32) -> bool {
  return finite1(v);
}

fn all_finite4(v: vec4<f32>) -> bool {
  return all((bitcast<vec4<u32>>(v) & vec4<u32>(0x7f800000u)) != vec4<u32>(0x7f800000u));
}

// A quiet NaN, from a variable: a constant expression may not be NaN in WGSL.
fn nan1() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

// A neighbour under SKIP: its value, whether it may be used (ok: it exists — is not beyond an 'edge'
// side — and is valid), and whether it is a point of the array (real: the wrapped one too) rather than a ghost.
struct Near {
  v: f32,
  ok: bool,
  real: bool,
}

fn near(k: u32, i: u32, at: u32, d: i32) -> Near {
  let low = d < 0;
  let m = u32(abs(d));
  let out = select(i + m >= P.axes[k].n, i < m, low);
  let mode = select(P.axes[k].hi_mode, P.axes[k].lo_mode, low);
  if (out && mode == MODE_EDGE) { return Near(0.0, false, false); }
  // The point, the wrapped one, a ghost or a cval (a cval always counts as valid).
  let v = beyond1(k, i, at, P.axes[k].stride, d);
  return Near(v, finite1(v) || (out && mode == MODE_CONSTANT), !out || mode == MODE_PERIODIC);
}

// Whether the array's own point at offset d exists (in range, or wrapped on a periodic axis) and is valid.
fn real_valid(k: u32, i: u32, at: u32, d: i32) -> bool {
  let w = near(k, i, at, d);
  return w.real && w.ok;
}

// Row r of slot k's weights at point i (rows 0-2: interior a, b, c; under SKIP 3: 1/dx[i], 4: 1/dx[i-1],
// 5-7: the forward second-order weights of f[i], f[i+1], f[i+2], 8-10: the backward ones of f[i-2],
// f[i-1], f[i]; src/gpu/coefficients.ts).
fn weight(k: u32, r: u32, i: u32) -> f32 {
  let w = P.axes[k].w_off + r * P.axes[k].w_pad + i;
  return weights[w >> 2u][w & 3u];
}

// The derivative along slot k at point i (element `at`, value c) under SKIP: the stencil of its run.
fn skip_derivative(k: u32, i: u32, at: u32, c: f32) -> f32 {
  if (!finite1(c)) { return nan1(); }
  let dn = near(k, i, at, -1);
  let up = near(k, i, at, 1);
  if (!(dn.ok && dn.real) && !(up.ok && up.real)) { return nan1(); }
  let weighted = WEIGHTED && P.axes[k].nonuniform != 0u;
  if (dn.ok && up.ok) {
    if (weighted) { let w = interior_weights(k, i); return w.x * dn.v + w.y * c + w.z * up.v; }
    return (up.v - dn.v) * P.axes[k].c_int;
  }
  if (up.ok) {
    if (EDGE_ORDER == 2u && real_valid(k, i, at, 2)) {
      let f2 = near(k, i, at, 2).v;
      if (weighted) { return weight(k, 5u, i) * c + weight(k, 6u, i) * up.v + weight(k, 7u, i) * f2; }
      let w = P.axes[k].w_lo;
      return w.x * c + w.y * up.v + w.z * f2;
    }
    if (weighted) { return (up.v - c) * weight(k, 3u, i); }
    return (up.v - c) * P.axes[k].inv_h_lo;
  }
  if (EDGE_ORDER == 2u && real_valid(k, i, at, -2)) {
    let b2 = near(k, i, at, -2).v;
    if (weighted) { return weight(k, 8u, i) * b2 + weight(k, 9u, i) * dn.v + weight(k, 10u, i) * c; }
    let w = P.axes[k].w_hi;
    return w.x * b2 + w.y * dn.v + w.z * c;
  }
  if (weighted) { return (c - dn.v) * weight(k, 4u, i); }
  return (c - dn.v) * P.axes[k].inv_h_hi;
}

// skip_derivative for an element type: one point (N = 1), or the four lanes of a group on a strided axis
// (N = 4: lanes share coordinate i; `at` counts groups of four elements).
fn skip_derivative1(k: u32, i: u32, at: u32, c: f32) -> f32 {
  return skip_derivative(k, i, at, c);
}

fn skip_derivative4(k: u32, i: u32, at: u32, c: vec4<f32>) -> vec4<f32> {
  return skip_four(k, i, 0u, at * 4u, c);
}

// Four consecutive points of the contiguous axis (the vec4 layout), i0 .. i0+3 at elements el .. el+3.
fn skip_run4(k: u32, i0: u32, el: u32, c: vec4<f32>) -> vec4<f32> {
  return skip_four(k, i0, 1u, el, c);
}

// Lane l at coordinate i + l·di, element e + l. A loop, not four calls: the compiler then holds one copy
// of the stencil (four calls made a 2-D vec4 pipeline compile in 2.8 s instead of 0.6 s under SwiftShader).
fn skip_four(k: u32, i: u32, di: u32, e: u32, c: vec4<f32>) -> vec4<f32> {
  let v = array<f32, 4>(c.x, c.y, c.z, c.w);
  var r: array<f32, 4>;
  for (var l = 0u; l < 4u; l++) { r[l] = skip_derivative(k, i + l * di, e + l, v[l]); }
  return vec4<f32>(r[0], r[1], r[2], r[3]);
}
