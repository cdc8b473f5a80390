// numpy.gradient stencils for an array of any rank, all selected axes in one pass: each invocation reads
// its neighbourhood once and writes every requested axis's output (entry points main_*), or combines the
// derivatives into one fused result (fused_*: magnitude, divergence, curl). Shapes ride in the uniform `P`,
// so one pipeline serves every shape. One of load_8/16/32.wgsl is prepended: it binds `src` and defines
// load1(element) and load4(group of four elements), both returning f32.
//
// Element e of the C-order array is at coordinate i = (e / stride) % n along an axis. Per axis, `mode`
// picks the stencil family: 0 numpy's (second-order central inside, edge order 1 or 2 at the ends),
// 1 periodic second order, 2 fourth order with five-point edge stencils, 3 periodic fourth order.

override WG: u32 = 256u;
const MAX_AXES: u32 = 8u;

struct Axis {
  stride: u32,       // elements between neighbours along this axis
  n: u32,            // axis length
  out_off: u32,      // element offset of this axis's output chunk in `dst`
  w_off: u32,        // element offset of this axis's non-uniform weight rows in `weights`
  w_pad: u32,        // distance between the rows a, b, c (n rounded up to 4)
  nonuniform: u32,   // 1: second-order interior uses weights[], 0: (f[i+1] - f[i-1]) * c_int
  edge_order: u32,
  mode: u32,         // 0 edge, 1 periodic, 2 fourth order, 3 periodic fourth order
  c_int: f32,        // 1 / (2h)
  inv_h_lo: f32,     // 1 / (x1 - x0), edge order 1
  inv_h_hi: f32,     // 1 / (x[n-1] - x[n-2]), edge order 1
  c4: f32,           // 1 / (12h), fourth order
  w_lo: vec4<f32>,   // edge order 2 weights of f[0], f[1], f[2]
  w_hi: vec4<f32>,   // edge order 2 weights of f[n-3], f[n-2], f[n-1]
}

struct Params {
  begin: u32,        // first item (element or group of four) of this dispatch
  count: u32,        // items in this dispatch
  in_base: u32,      // element index at which the bound input range starts
  out_base: u32,     // element index written at `out_off` of each axis
  naxes: u32,
  op: u32,           // fused_*: 0 magnitude, 1 divergence, 2 curl (2-D), 3 curl (3-D)
  comp_stride: u32,  // fused_*: elements between the components stacked in `src`
  _pad0: u32,
  axes: array<Axis, MAX_AXES>,
}

@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> P: Params;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;

fn weight(idx: u32) -> f32 {
  return weights[idx >> 2u][idx & 3u];
}

// Linear invocation index over a grid folded into up to three dimensions.
fn item_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + nwg.x * (wid.y + nwg.y * wid.z)) * WG + lid;
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

// Derivative along axis `a` at element index `el` (coordinate i, stride s, value c).
fn along1(a: Axis, i: u32, el: u32, s: u32, c: f32) -> f32 {
  let n = a.n;
  if (a.mode == 2u) {
    if (i >= 2u && i + 2u < n) {
      return ((load1(el + s) - load1(el - s)) * 8.0 - (load1(el + 2u * s) - load1(el - 2u * s))) * a.c4;
    }
    if (i < 2u) {
      let f0 = load1(along(el, i, 0u, s));
      let f1 = load1(along(el, i, 1u, s));
      let f2 = load1(along(el, i, 2u, s));
      let f3 = load1(along(el, i, 3u, s));
      let f4 = load1(along(el, i, 4u, s));
      if (i == 0u) { return edge4_0(f0, f1, f2, f3, f4) * a.c4; }
      return edge4_1(f0, f1, f2, f3, f4) * a.c4;
    }
    let g0 = load1(along(el, i, n - 1u, s));
    let g1 = load1(along(el, i, n - 2u, s));
    let g2 = load1(along(el, i, n - 3u, s));
    let g3 = load1(along(el, i, n - 4u, s));
    let g4 = load1(along(el, i, n - 5u, s));
    if (i == n - 1u) { return -edge4_0(g0, g1, g2, g3, g4) * a.c4; }
    return -edge4_1(g0, g1, g2, g3, g4) * a.c4;
  }
  if (a.mode == 1u || a.mode == 3u) {
    let up = load1(along(el, i, wrap(i, n, 1), s));
    let dn = load1(along(el, i, wrap(i, n, -1), s));
    if (a.mode == 3u) {
      let up2 = load1(along(el, i, wrap(i, n, 2), s));
      let dn2 = load1(along(el, i, wrap(i, n, -2), s));
      return ((up - dn) * 8.0 - (up2 - dn2)) * a.c4;
    }
    if (a.nonuniform != 0u) {
      let w = a.w_off + i;
      return weight(w) * dn + weight(w + a.w_pad) * c + weight(w + 2u * a.w_pad) * up;
    }
    return (up - dn) * a.c_int;
  }
  if (i > 0u && i + 1u < n) {
    let up = load1(el + s);
    let dn = load1(el - s);
    if (a.nonuniform != 0u) {
      let w = a.w_off + i;
      return weight(w) * dn + weight(w + a.w_pad) * c + weight(w + 2u * a.w_pad) * up;
    }
    return (up - dn) * a.c_int;
  }
  if (i == 0u) {
    let f1 = load1(el + s);
    if (a.edge_order == 1u) { return (f1 - c) * a.inv_h_lo; }
    return a.w_lo.x * c + a.w_lo.y * f1 + a.w_lo.z * load1(el + 2u * s);
  }
  let fm1 = load1(el - s);
  if (a.edge_order == 1u) { return (c - fm1) * a.inv_h_hi; }
  return a.w_hi.x * load1(el - 2u * s) + a.w_hi.y * fm1 + a.w_hi.z * c;
}

fn deriv1(k: u32, e: u32, el: u32) -> f32 {
  let a = P.axes[k];
  return along1(a, (e / a.stride) % a.n, el, a.stride, load1(el));
}

@compute @workgroup_size(WG)
fn main_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = P.begin + t;
  let el = e - P.in_base;
  let c = load1(el);
  for (var k = 0u; k < P.naxes; k++) {
    let a = P.axes[k];
    let r = along1(a, (e / a.stride) % a.n, el, a.stride, c);
    let o = a.out_off + e - P.out_base;
    dst[o >> 2u][o & 3u] = r;
  }
}

// ---- four consecutive elements per invocation (last dimension a multiple of 4) ----

// An axis whose stride is a multiple of 4: the four lanes share their coordinate i.
fn along_strided4(a: Axis, i: u32, g: u32, sg: u32, c: vec4<f32>) -> vec4<f32> {
  let n = a.n;
  if (a.mode == 2u) {
    if (i >= 2u && i + 2u < n) {
      return ((load4(g + sg) - load4(g - sg)) * 8.0 - (load4(g + 2u * sg) - load4(g - 2u * sg))) * a.c4;
    }
    if (i < 2u) {
      let f0 = load4(along(g, i, 0u, sg));
      let f1 = load4(along(g, i, 1u, sg));
      let f2 = load4(along(g, i, 2u, sg));
      let f3 = load4(along(g, i, 3u, sg));
      let f4 = load4(along(g, i, 4u, sg));
      if (i == 0u) { return edge4_0v(f0, f1, f2, f3, f4) * a.c4; }
      return edge4_1v(f0, f1, f2, f3, f4) * a.c4;
    }
    let g0 = load4(along(g, i, n - 1u, sg));
    let g1 = load4(along(g, i, n - 2u, sg));
    let g2 = load4(along(g, i, n - 3u, sg));
    let g3 = load4(along(g, i, n - 4u, sg));
    let g4 = load4(along(g, i, n - 5u, sg));
    if (i == n - 1u) { return -edge4_0v(g0, g1, g2, g3, g4) * a.c4; }
    return -edge4_1v(g0, g1, g2, g3, g4) * a.c4;
  }
  if (a.mode == 1u || a.mode == 3u) {
    let up = load4(along(g, i, wrap(i, n, 1), sg));
    let dn = load4(along(g, i, wrap(i, n, -1), sg));
    if (a.mode == 3u) {
      let up2 = load4(along(g, i, wrap(i, n, 2), sg));
      let dn2 = load4(along(g, i, wrap(i, n, -2), sg));
      return ((up - dn) * 8.0 - (up2 - dn2)) * a.c4;
    }
    if (a.nonuniform != 0u) {
      let w = a.w_off + i;
      return weight(w) * dn + weight(w + a.w_pad) * c + weight(w + 2u * a.w_pad) * up;
    }
    return (up - dn) * a.c_int;
  }
  if (i > 0u && i + 1u < n) {
    let up = load4(g + sg);
    let dn = load4(g - sg);
    if (a.nonuniform != 0u) {
      let w = a.w_off + i;
      return weight(w) * dn + weight(w + a.w_pad) * c + weight(w + 2u * a.w_pad) * up;
    }
    return (up - dn) * a.c_int;
  }
  if (i == 0u) {
    let f1 = load4(g + sg);
    if (a.edge_order == 1u) { return (f1 - c) * a.inv_h_lo; }
    return a.w_lo.x * c + a.w_lo.y * f1 + a.w_lo.z * load4(g + 2u * sg);
  }
  let fm1 = load4(g - sg);
  if (a.edge_order == 1u) { return (c - fm1) * a.inv_h_hi; }
  return a.w_hi.x * load4(g - 2u * sg) + a.w_hi.y * fm1 + a.w_hi.z * c;
}

// The contiguous axis (stride 1): lanes are i0 .. i0+3 with i0 a multiple of 4, and n >= 4.
fn along_contiguous4(a: Axis, i0: u32, el: u32, c: vec4<f32>) -> vec4<f32> {
  let n = a.n;
  let periodic = a.mode == 1u || a.mode == 3u;
  let wide = a.mode >= 2u;
  let row = el - i0;
  var l1 = 0.0;
  var r1 = 0.0;
  var l2 = 0.0;
  var r2 = 0.0;
  if (periodic) {
    l1 = load1(row + wrap(i0, n, -1));
    r1 = load1(row + wrap(i0 + 3u, n, 1));
    if (wide) {
      l2 = load1(row + wrap(i0, n, -2));
      r2 = load1(row + wrap(i0 + 3u, n, 2));
    }
  } else {
    if (i0 > 0u) { l1 = load1(el - 1u); }
    if (i0 + 4u < n) { r1 = load1(el + 4u); }
    if (wide && i0 > 1u) { l2 = load1(el - 2u); }
    if (wide && i0 + 5u < n) { r2 = load1(el + 5u); }
  }
  let up = vec4<f32>(c.y, c.z, c.w, r1);
  let dn = vec4<f32>(l1, c.x, c.y, c.z);
  var r: vec4<f32>;
  if (wide) {
    let up2 = vec4<f32>(c.z, c.w, r1, r2);
    let dn2 = vec4<f32>(l2, l1, c.x, c.y);
    r = ((up - dn) * 8.0 - (up2 - dn2)) * a.c4;
    if (!periodic) {
      if (i0 == 0u) {
        r.x = edge4_0(c.x, c.y, c.z, c.w, r1) * a.c4;
        r.y = edge4_1(c.x, c.y, c.z, c.w, r1) * a.c4;
      }
      if (i0 + 4u == n) {
        r.z = -edge4_1(c.w, c.z, c.y, c.x, l1) * a.c4;
        r.w = -edge4_0(c.w, c.z, c.y, c.x, l1) * a.c4;
      }
    }
    return r;
  }
  if (a.nonuniform != 0u) {
    let w = (a.w_off + i0) >> 2u;
    let wp = a.w_pad >> 2u;
    r = weights[w] * dn + weights[w + wp] * c + weights[w + 2u * wp] * up;
  } else {
    r = (up - dn) * a.c_int;
  }
  if (!periodic) {
    if (i0 == 0u) {
      if (a.edge_order == 1u) { r.x = (c.y - c.x) * a.inv_h_lo; }
      else { r.x = a.w_lo.x * c.x + a.w_lo.y * c.y + a.w_lo.z * c.z; }
    }
    if (i0 + 4u == n) {
      if (a.edge_order == 1u) { r.w = (c.w - c.z) * a.inv_h_hi; }
      else { r.w = a.w_hi.x * c.y + a.w_hi.y * c.z + a.w_hi.z * c.w; }
    }
  }
  return r;
}

fn deriv4(k: u32, e: u32, el: u32) -> vec4<f32> {
  let a = P.axes[k];
  let c = load4(el >> 2u);
  if (a.stride == 1u) { return along_contiguous4(a, e % a.n, el, c); }
  return along_strided4(a, (e / a.stride) % a.n, el >> 2u, a.stride >> 2u, c);
}

@compute @workgroup_size(WG)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = (P.begin + t) * 4u;
  let el = e - P.in_base;
  let c = load4(el >> 2u);
  for (var k = 0u; k < P.naxes; k++) {
    let a = P.axes[k];
    var r: vec4<f32>;
    if (a.stride == 1u) {
      r = along_contiguous4(a, e % a.n, el, c);
    } else {
      r = along_strided4(a, (e / a.stride) % a.n, el >> 2u, a.stride >> 2u, c);
    }
    dst[(a.out_off + e - P.out_base) >> 2u] = r;
  }
}

// ---- fused results: the derivatives never leave registers ----
// Component c of the input sits at element offset c * comp_stride in `src`. Outputs: one for magnitude,
// divergence and 2-D curl, three (at out_off of axes 0, 1, 2) for 3-D curl.

@compute @workgroup_size(WG)
fn fused_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = P.begin + t;
  let el = e - P.in_base;
  let cs = P.comp_stride;
  var r = vec3<f32>(0.0);
  if (P.op == 0u) {
    var sum = 0.0;
    for (var k = 0u; k < P.naxes; k++) { let d = deriv1(k, e, el); sum += d * d; }
    r.x = sqrt(sum);
  } else if (P.op == 1u) {
    for (var k = 0u; k < P.naxes; k++) { r.x += deriv1(k, e, el + k * cs); }
  } else if (P.op == 2u) {
    r.x = deriv1(0u, e, el + cs) - deriv1(1u, e, el);
  } else {
    r = vec3<f32>(deriv1(1u, e, el + 2u * cs) - deriv1(2u, e, el + cs),
                  deriv1(2u, e, el) - deriv1(0u, e, el + 2u * cs),
                  deriv1(0u, e, el + cs) - deriv1(1u, e, el));
  }
  let outputs = select(1u, 3u, P.op == 3u);
  for (var j = 0u; j < outputs; j++) {
    let o = P.axes[j].out_off + e - P.out_base;
    dst[o >> 2u][o & 3u] = r[j];
  }
}

@compute @workgroup_size(WG)
fn fused_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = (P.begin + t) * 4u;
  let el = e - P.in_base;
  let cs = P.comp_stride;
  if (P.op == 0u) {
    var sum = vec4<f32>(0.0);
    for (var k = 0u; k < P.naxes; k++) { let d = deriv4(k, e, el); sum += d * d; }
    dst[(P.axes[0].out_off + e - P.out_base) >> 2u] = sqrt(sum);
  } else if (P.op == 1u) {
    var sum = vec4<f32>(0.0);
    for (var k = 0u; k < P.naxes; k++) { sum += deriv4(k, e, el + k * cs); }
    dst[(P.axes[0].out_off + e - P.out_base) >> 2u] = sum;
  } else if (P.op == 2u) {
    dst[(P.axes[0].out_off + e - P.out_base) >> 2u] = deriv4(0u, e, el + cs) - deriv4(1u, e, el);
  } else {
    dst[(P.axes[0].out_off + e - P.out_base) >> 2u] = deriv4(1u, e, el + 2u * cs) - deriv4(2u, e, el + cs);
    dst[(P.axes[1].out_off + e - P.out_base) >> 2u] = deriv4(2u, e, el) - deriv4(0u, e, el + 2u * cs);
    dst[(P.axes[2].out_off + e - P.out_base) >> 2u] = deriv4(0u, e, el + cs) - deriv4(1u, e, el);
  }
}
