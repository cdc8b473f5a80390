// numpy.gradient stencils for an array of any rank, all selected axes in one pass: each invocation reads
// its neighbourhood once and writes every requested axis's output, or combines the derivatives into one
// fused result (magnitude, divergence, curl) that never leaves registers. Shapes ride in the uniform `P`,
// so one pipeline serves every shape. One of load_8/16/32.wgsl is prepended: it binds `src` and defines
// load1(element) and load4(group of four elements), both returning f32.
//
// Pipelines are specialised by the override constants below, never by shape: a constant condition
// removes the code of every other stencil family, edge order and result, which keeps each variant small
// (under SwiftShader the unspecialised kernel measured 3-6 times slower; see bench/NOTES.md, run 5).

override WG: u32 = 256u;
override MODE: u32 = 0u;        // 0 numpy's edges, 1 periodic, 2 fourth order (five-point edges), 3 periodic fourth order
override EDGE_ORDER: u32 = 1u;  // numpy's edge_order (MODE 0 only)
override WEIGHTED: bool = false; // some axis has non-uniform interior weights
override NAXES: u32 = 1u;       // main_*: axes (slots) in each dispatch, 1 .. MAX_AXES
override CONTIG: bool = false;  // main_vec4: slot 0 is the contiguous axis
override OP: u32 = 0u;          // main_*: 0 gradient, 1 magnitude, 2 divergence; curl_*: 3 curl (2-D), 4 curl (3-D)
override PERIODIC: bool = MODE == 1u || MODE == 3u;
override FOURTH: bool = MODE >= 2u;
const MAX_AXES: u32 = 8u;

struct Axis {
  stride: u32,       // elements between neighbours along this axis
  n: u32,            // axis length
  div: u32,          // see coordinate(): divisor from the previous slot's quotient to this axis (1: adjacent)
  outermost: u32,    // 1: the array's first dimension, whose coordinate needs no modulo
  out_off: u32,      // element offset of this axis's output chunk in `dst`
  w_off: u32,        // element offset of this axis's non-uniform weight rows in `weights`
  w_pad: u32,        // distance between the rows a, b, c (n rounded up to 4)
  nonuniform: u32,   // 1: second-order interior uses weights[], 0: (f[i+1] - f[i-1]) * c_int
  comp: u32,         // divergence: the component paired with this axis
  c_int: f32,        // 1 / (2h)
  inv_h_lo: f32,     // 1 / (x1 - x0), edge order 1
  inv_h_hi: f32,     // 1 / (x[n-1] - x[n-2]), edge order 1
  c4: f32,           // 1 / (12h), fourth order
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  w_lo: vec4<f32>,   // edge order 2 weights of f[0], f[1], f[2]
  w_hi: vec4<f32>,   // edge order 2 weights of f[n-3], f[n-2], f[n-1]
}

struct Params {
  begin: u32,        // first item (element or group of four) of this dispatch
  count: u32,        // items in this dispatch
  in_base: u32,      // element index at which the bound input range starts
  out_base: u32,     // element index written at `out_off` of each axis
  comp_stride: u32,  // divergence and curl: elements between the components stacked in `src`
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  axes: array<Axis, MAX_AXES>,
}

@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> P: Params;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;

// Linear invocation index over a grid folded into up to three dimensions.
fn item_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + nwg.x * (wid.y + nwg.y * wid.z)) * WG + lid;
}

// Coordinate along slot k's axis of the element whose running quotient is *q, leaving in *q the quotient
// for the next slot. main_* slots run from the fastest-varying axis outwards (the host sorts them), so
// each axis costs one division where (e / stride) % n costs two.
fn coordinate(k: u32, q: ptr<function, u32>) -> u32 {
  var x = *q;
  let d = P.axes[k].div;
  if (d != 1u) { x = x / d; }
  if (P.axes[k].outermost != 0u) { *q = 0u; return x; }
  let n = P.axes[k].n;
  let above = x / n;
  *q = above;
  return x - above * n;
}

// The same coordinate for slots in any order (curl_*).
fn coordinate_of(k: u32, e: u32) -> u32 {
  return (e / P.axes[k].stride) % P.axes[k].n;
}

// Coordinate of the neighbour at offset d from i, modulo n.
fn wrap(i: u32, n: u32, d: i32) -> u32 {
  return u32((i32(i) + d + 2 * i32(n)) % i32(n));
}

// Index of the element at coordinate j of the line through index `at` (at coordinate i), stride s.
fn along(at: u32, i: u32, j: u32, s: u32) -> u32 {
  if (j >= i) { return at + (j - i) * s; }
  return at - (i - j) * s;
}

// Non-uniform interior weights of point i (of f[i-1], f[i], f[i+1]).
fn interior_weights(k: u32, i: u32) -> vec3<f32> {
  let w = P.axes[k].w_off + i;
  let pad = P.axes[k].w_pad;
  return vec3<f32>(weights[w >> 2u][w & 3u], weights[(w + pad) >> 2u][(w + pad) & 3u],
                   weights[(w + 2u * pad) >> 2u][(w + 2u * pad) & 3u]);
}

// Fourth-order one-sided (point 0) and biased (point 1) stencils times 12h, f0 at the edge.
fn edge4_0(f0: f32, f1: f32, f2: f32, f3: f32, f4: f32) -> f32 {
  return -25.0 * f0 + 48.0 * f1 - 36.0 * f2 + 16.0 * f3 - 3.0 * f4;
}
fn edge4_1(f0: f32, f1: f32, f2: f32, f3: f32, f4: f32) -> f32 {
  return -3.0 * f0 - 10.0 * f1 + 18.0 * f2 - 6.0 * f3 + f4;
}
fn edge4_0v(f0: vec4<f32>, f1: vec4<f32>, f2: vec4<f32>, f3: vec4<f32>, f4: vec4<f32>) -> vec4<f32> {
  return -25.0 * f0 + 48.0 * f1 - 36.0 * f2 + 16.0 * f3 - 3.0 * f4;
}
fn edge4_1v(f0: vec4<f32>, f1: vec4<f32>, f2: vec4<f32>, f3: vec4<f32>, f4: vec4<f32>) -> vec4<f32> {
  return -3.0 * f0 - 10.0 * f1 + 18.0 * f2 - 6.0 * f3 + f4;
}

// ---- one element per invocation (any shape) ----
// along1 and along_strided4 are the same stencils on f32 and on vec4<f32> (WGSL has no generics):
// a change to one must be made to the other; the random GPU-vs-CPU tests cover both layouts.

// Derivative along slot k's axis at element index `el` (coordinate i, value c).
fn along1(k: u32, i: u32, el: u32, c: f32) -> f32 {
  let n = P.axes[k].n;
  let s = P.axes[k].stride;
  if (MODE == 2u) {
    if (i >= 2u && i + 2u < n) {
      return ((load1(el + s) - load1(el - s)) * 8.0 - (load1(el + 2u * s) - load1(el - 2u * s))) * P.axes[k].c4;
    }
    if (i < 2u) {
      let f0 = load1(along(el, i, 0u, s));
      let f1 = load1(along(el, i, 1u, s));
      let f2 = load1(along(el, i, 2u, s));
      let f3 = load1(along(el, i, 3u, s));
      let f4 = load1(along(el, i, 4u, s));
      if (i == 0u) { return edge4_0(f0, f1, f2, f3, f4) * P.axes[k].c4; }
      return edge4_1(f0, f1, f2, f3, f4) * P.axes[k].c4;
    }
    let g0 = load1(along(el, i, n - 1u, s));
    let g1 = load1(along(el, i, n - 2u, s));
    let g2 = load1(along(el, i, n - 3u, s));
    let g3 = load1(along(el, i, n - 4u, s));
    let g4 = load1(along(el, i, n - 5u, s));
    if (i == n - 1u) { return -edge4_0(g0, g1, g2, g3, g4) * P.axes[k].c4; }
    return -edge4_1(g0, g1, g2, g3, g4) * P.axes[k].c4;
  }
  if (PERIODIC) {
    let up = load1(along(el, i, wrap(i, n, 1), s));
    let dn = load1(along(el, i, wrap(i, n, -1), s));
    if (FOURTH) {
      let up2 = load1(along(el, i, wrap(i, n, 2), s));
      let dn2 = load1(along(el, i, wrap(i, n, -2), s));
      return ((up - dn) * 8.0 - (up2 - dn2)) * P.axes[k].c4;
    }
    if (WEIGHTED) {
      if (P.axes[k].nonuniform != 0u) { let w = interior_weights(k, i); return w.x * dn + w.y * c + w.z * up; }
    }
    return (up - dn) * P.axes[k].c_int;
  }
  if (i > 0u && i + 1u < n) {
    let up = load1(el + s);
    let dn = load1(el - s);
    if (WEIGHTED) {
      if (P.axes[k].nonuniform != 0u) { let w = interior_weights(k, i); return w.x * dn + w.y * c + w.z * up; }
    }
    return (up - dn) * P.axes[k].c_int;
  }
  if (i == 0u) {
    let f1 = load1(el + s);
    if (EDGE_ORDER == 1u) { return (f1 - c) * P.axes[k].inv_h_lo; }
    let w = P.axes[k].w_lo;
    return w.x * c + w.y * f1 + w.z * load1(el + 2u * s);
  }
  let fm1 = load1(el - s);
  if (EDGE_ORDER == 1u) { return (c - fm1) * P.axes[k].inv_h_hi; }
  let w = P.axes[k].w_hi;
  return w.x * load1(el - 2u * s) + w.y * fm1 + w.z * c;
}

// ---- four consecutive elements per invocation (last dimension a multiple of 4) ----

// An axis whose stride is a multiple of 4: the four lanes share their coordinate i; g = el / 4.
fn along_strided4(k: u32, i: u32, g: u32, c: vec4<f32>) -> vec4<f32> {
  let n = P.axes[k].n;
  let sg = P.axes[k].stride >> 2u;
  if (MODE == 2u) {
    if (i >= 2u && i + 2u < n) {
      return ((load4(g + sg) - load4(g - sg)) * 8.0 - (load4(g + 2u * sg) - load4(g - 2u * sg))) * P.axes[k].c4;
    }
    if (i < 2u) {
      let f0 = load4(along(g, i, 0u, sg));
      let f1 = load4(along(g, i, 1u, sg));
      let f2 = load4(along(g, i, 2u, sg));
      let f3 = load4(along(g, i, 3u, sg));
      let f4 = load4(along(g, i, 4u, sg));
      if (i == 0u) { return edge4_0v(f0, f1, f2, f3, f4) * P.axes[k].c4; }
      return edge4_1v(f0, f1, f2, f3, f4) * P.axes[k].c4;
    }
    let g0 = load4(along(g, i, n - 1u, sg));
    let g1 = load4(along(g, i, n - 2u, sg));
    let g2 = load4(along(g, i, n - 3u, sg));
    let g3 = load4(along(g, i, n - 4u, sg));
    let g4 = load4(along(g, i, n - 5u, sg));
    if (i == n - 1u) { return -edge4_0v(g0, g1, g2, g3, g4) * P.axes[k].c4; }
    return -edge4_1v(g0, g1, g2, g3, g4) * P.axes[k].c4;
  }
  if (PERIODIC) {
    let up = load4(along(g, i, wrap(i, n, 1), sg));
    let dn = load4(along(g, i, wrap(i, n, -1), sg));
    if (FOURTH) {
      let up2 = load4(along(g, i, wrap(i, n, 2), sg));
      let dn2 = load4(along(g, i, wrap(i, n, -2), sg));
      return ((up - dn) * 8.0 - (up2 - dn2)) * P.axes[k].c4;
    }
    if (WEIGHTED) {
      if (P.axes[k].nonuniform != 0u) { let w = interior_weights(k, i); return w.x * dn + w.y * c + w.z * up; }
    }
    return (up - dn) * P.axes[k].c_int;
  }
  if (i > 0u && i + 1u < n) {
    let up = load4(g + sg);
    let dn = load4(g - sg);
    if (WEIGHTED) {
      if (P.axes[k].nonuniform != 0u) { let w = interior_weights(k, i); return w.x * dn + w.y * c + w.z * up; }
    }
    return (up - dn) * P.axes[k].c_int;
  }
  if (i == 0u) {
    let f1 = load4(g + sg);
    if (EDGE_ORDER == 1u) { return (f1 - c) * P.axes[k].inv_h_lo; }
    let w = P.axes[k].w_lo;
    return w.x * c + w.y * f1 + w.z * load4(g + 2u * sg);
  }
  let fm1 = load4(g - sg);
  if (EDGE_ORDER == 1u) { return (c - fm1) * P.axes[k].inv_h_hi; }
  let w = P.axes[k].w_hi;
  return w.x * load4(g - 2u * sg) + w.y * fm1 + w.z * c;
}

// The contiguous axis (stride 1): lanes are i0 .. i0+3 with i0 a multiple of 4, and n >= 4.
fn along_contiguous4(k: u32, i0: u32, el: u32, c: vec4<f32>) -> vec4<f32> {
  let n = P.axes[k].n;
  let row = el - i0;
  var l1 = 0.0;
  var r1 = 0.0;
  var l2 = 0.0;
  var r2 = 0.0;
  if (PERIODIC) {
    l1 = load1(row + wrap(i0, n, -1));
    r1 = load1(row + wrap(i0 + 3u, n, 1));
    if (FOURTH) {
      l2 = load1(row + wrap(i0, n, -2));
      r2 = load1(row + wrap(i0 + 3u, n, 2));
    }
  } else {
    if (i0 > 0u) { l1 = load1(el - 1u); }
    if (i0 + 4u < n) { r1 = load1(el + 4u); }
    if (FOURTH) {
      if (i0 > 1u) { l2 = load1(el - 2u); }
      if (i0 + 5u < n) { r2 = load1(el + 5u); }
    }
  }
  let up = vec4<f32>(c.y, c.z, c.w, r1);
  let dn = vec4<f32>(l1, c.x, c.y, c.z);
  var r: vec4<f32>;
  if (FOURTH) {
    let c4 = P.axes[k].c4;
    let up2 = vec4<f32>(c.z, c.w, r1, r2);
    let dn2 = vec4<f32>(l2, l1, c.x, c.y);
    r = ((up - dn) * 8.0 - (up2 - dn2)) * c4;
    if (!PERIODIC) {
      if (i0 == 0u) {
        r.x = edge4_0(c.x, c.y, c.z, c.w, r1) * c4;
        r.y = edge4_1(c.x, c.y, c.z, c.w, r1) * c4;
      }
      if (i0 + 4u == n) {
        r.z = -edge4_1(c.w, c.z, c.y, c.x, l1) * c4;
        r.w = -edge4_0(c.w, c.z, c.y, c.x, l1) * c4;
      }
    }
    return r;
  }
  r = (up - dn) * P.axes[k].c_int;
  if (WEIGHTED) {
    if (P.axes[k].nonuniform != 0u) {
      let w = (P.axes[k].w_off + i0) >> 2u;
      let pad = P.axes[k].w_pad >> 2u;
      r = weights[w] * dn + weights[w + pad] * c + weights[w + 2u * pad] * up;
    }
  }
  if (!PERIODIC) {
    if (i0 == 0u) {
      if (EDGE_ORDER == 1u) { r.x = (c.y - c.x) * P.axes[k].inv_h_lo; }
      else { let w = P.axes[k].w_lo; r.x = w.x * c.x + w.y * c.y + w.z * c.z; }
    }
    if (i0 + 4u == n) {
      if (EDGE_ORDER == 1u) { r.w = (c.w - c.z) * P.axes[k].inv_h_hi; }
      else { let w = P.axes[k].w_hi; r.w = w.x * c.y + w.y * c.z + w.z * c.w; }
    }
  }
  return r;
}

// ---- gradient, magnitude and divergence (OP 0, 1, 2) ----

// Divergence: element index, in the component paired with slot k's axis, of element `el`.
fn component_at(k: u32, el: u32) -> u32 {
  return el + P.axes[k].comp * P.comp_stride;
}

// Gradient: stores slot k's derivative r at element e. Magnitude and divergence: adds r² or r to acc.
fn combine1(k: u32, e: u32, acc: f32, r: f32) -> f32 {
  if (OP == 1u) { return acc + r * r; }
  if (OP == 2u) { return acc + r; }
  let o = P.axes[k].out_off + e - P.out_base;
  dst[o >> 2u][o & 3u] = r;
  return acc;
}
fn combine4(k: u32, e: u32, acc: vec4<f32>, r: vec4<f32>) -> vec4<f32> {
  if (OP == 1u) { return acc + r * r; }
  if (OP == 2u) { return acc + r; }
  dst[(P.axes[k].out_off + e - P.out_base) >> 2u] = r;
  return acc;
}

// Slot k's derivative at the invocation's point, combined into acc (see combine*).
fn slot1(k: u32, q: ptr<function, u32>, e: u32, el: u32, c: f32, acc: f32) -> f32 {
  let i = coordinate(k, q);
  if (OP == 2u) { let at = component_at(k, el); return combine1(k, e, acc, along1(k, i, at, load1(at))); }
  return combine1(k, e, acc, along1(k, i, el, c));
}
fn strided_slot4(k: u32, q: ptr<function, u32>, e: u32, el: u32, c: vec4<f32>, acc: vec4<f32>) -> vec4<f32> {
  let i = coordinate(k, q);
  if (OP == 2u) { let at = component_at(k, el); return combine4(k, e, acc, along_strided4(k, i, at >> 2u, load4(at >> 2u))); }
  return combine4(k, e, acc, along_strided4(k, i, el >> 2u, c));
}

// The slots are unrolled by hand over the constant NAXES (MAX_AXES = 8 lines): SwiftShader runs a loop
// over them about 2.5 times slower, and a GPU compiler gets straight-line code either way.

@compute @workgroup_size(WG)
fn main_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = P.begin + t;
  let el = e - P.in_base;
  let c = load1(el);
  var q = e;
  var acc = 0.0;
  if (NAXES > 0u) { acc = slot1(0u, &q, e, el, c, acc); }
  if (NAXES > 1u) { acc = slot1(1u, &q, e, el, c, acc); }
  if (NAXES > 2u) { acc = slot1(2u, &q, e, el, c, acc); }
  if (NAXES > 3u) { acc = slot1(3u, &q, e, el, c, acc); }
  if (NAXES > 4u) { acc = slot1(4u, &q, e, el, c, acc); }
  if (NAXES > 5u) { acc = slot1(5u, &q, e, el, c, acc); }
  if (NAXES > 6u) { acc = slot1(6u, &q, e, el, c, acc); }
  if (NAXES > 7u) { acc = slot1(7u, &q, e, el, c, acc); }
  if (OP != 0u) {
    let o = P.axes[0].out_off + e - P.out_base;
    dst[o >> 2u][o & 3u] = select(acc, sqrt(acc), OP == 1u);
  }
}

@compute @workgroup_size(WG)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = (P.begin + t) * 4u;
  let el = e - P.in_base;
  let c = load4(el >> 2u);
  var q = e;
  var acc = vec4<f32>(0.0);
  if (CONTIG) {
    let i0 = coordinate(0u, &q);
    if (OP == 2u) {
      let at = component_at(0u, el);
      acc = combine4(0u, e, acc, along_contiguous4(0u, i0, at, load4(at >> 2u)));
    } else {
      acc = combine4(0u, e, acc, along_contiguous4(0u, i0, el, c));
    }
  }
  let k0 = select(0u, 1u, CONTIG);
  if (NAXES > k0) { acc = strided_slot4(k0, &q, e, el, c, acc); }
  if (NAXES > k0 + 1u) { acc = strided_slot4(k0 + 1u, &q, e, el, c, acc); }
  if (NAXES > k0 + 2u) { acc = strided_slot4(k0 + 2u, &q, e, el, c, acc); }
  if (NAXES > k0 + 3u) { acc = strided_slot4(k0 + 3u, &q, e, el, c, acc); }
  if (NAXES > k0 + 4u) { acc = strided_slot4(k0 + 4u, &q, e, el, c, acc); }
  if (NAXES > k0 + 5u) { acc = strided_slot4(k0 + 5u, &q, e, el, c, acc); }
  if (NAXES > k0 + 6u) { acc = strided_slot4(k0 + 6u, &q, e, el, c, acc); }
  if (NAXES > k0 + 7u) { acc = strided_slot4(k0 + 7u, &q, e, el, c, acc); }
  if (OP != 0u) {
    dst[(P.axes[0].out_off + e - P.out_base) >> 2u] = select(acc, sqrt(acc), OP == 1u);
  }
}

// ---- curl (OP 3: one output for 2-D, OP 4: three for 3-D) ----
// Slots stay in the caller's axis order (slot k pairs with component k), so coordinates come from
// coordinate_of. Component c of the input sits at element offset c * comp_stride in `src`.

fn deriv1(k: u32, e: u32, el: u32) -> f32 {
  return along1(k, coordinate_of(k, e), el, load1(el));
}

fn deriv4(k: u32, e: u32, el: u32) -> vec4<f32> {
  let c = load4(el >> 2u);
  if (P.axes[k].stride == 1u) { return along_contiguous4(k, e % P.axes[k].n, el, c); }
  return along_strided4(k, coordinate_of(k, e), el >> 2u, c);
}

@compute @workgroup_size(WG)
fn curl_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = P.begin + t;
  let el = e - P.in_base;
  let cs = P.comp_stride;
  var r = vec3<f32>(0.0);
  if (OP == 3u) {
    r.x = deriv1(0u, e, el + cs) - deriv1(1u, e, el);
  } else {
    r = vec3<f32>(deriv1(1u, e, el + 2u * cs) - deriv1(2u, e, el + cs),
                  deriv1(2u, e, el) - deriv1(0u, e, el + 2u * cs),
                  deriv1(0u, e, el + cs) - deriv1(1u, e, el));
  }
  let outputs = select(1u, 3u, OP == 4u);
  for (var j = 0u; j < outputs; j++) {
    let o = P.axes[j].out_off + e - P.out_base;
    dst[o >> 2u][o & 3u] = r[j];
  }
}

@compute @workgroup_size(WG)
fn curl_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = (P.begin + t) * 4u;
  let el = e - P.in_base;
  let cs = P.comp_stride;
  if (OP == 3u) {
    dst[(P.axes[0].out_off + e - P.out_base) >> 2u] = deriv4(0u, e, el + cs) - deriv4(1u, e, el);
  } else {
    dst[(P.axes[0].out_off + e - P.out_base) >> 2u] = deriv4(1u, e, el + 2u * cs) - deriv4(2u, e, el + cs);
    dst[(P.axes[1].out_off + e - P.out_base) >> 2u] = deriv4(2u, e, el) - deriv4(0u, e, el + 2u * cs);
    dst[(P.axes[2].out_off + e - P.out_base) >> 2u] = deriv4(0u, e, el + cs) - deriv4(1u, e, el);
  }
}
