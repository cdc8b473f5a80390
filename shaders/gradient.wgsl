// numpy.gradient stencils for an array of any rank, all selected axes in one pass: each invocation reads
// its neighbourhood once and writes every requested axis's output. Shapes ride in the uniform `P`, so one
// pipeline serves every shape. One of load_8/16/32.wgsl is prepended: it binds `src` and defines
// load1(element) and load4(group of four elements), both returning f32.
//
// Element e of the C-order array is at coordinate i = (e / stride) % n along an axis. Interior points use
// the central stencil; i = 0 and i = n-1 use the one-sided edge stencils (edge order 1 or 2).

override WG: u32 = 256u;
const MAX_AXES: u32 = 8u;

struct Axis {
  stride: u32,       // elements between neighbours along this axis
  n: u32,            // axis length
  out_off: u32,      // element offset of this axis's output chunk in `dst`
  w_off: u32,        // element offset of this axis's non-uniform weight rows in `weights`
  w_pad: u32,        // distance between the rows a, b, c (n rounded up to 4)
  nonuniform: u32,   // 1: interior uses weights[], 0: (f[i+1] - f[i-1]) * c_int
  edge_order: u32,
  _pad0: u32,
  c_int: f32,        // 1 / (2h)
  inv_h_lo: f32,     // 1 / (x1 - x0), edge order 1
  inv_h_hi: f32,     // 1 / (x[n-1] - x[n-2]), edge order 1
  _pad1: f32,
  w_lo: vec4<f32>,   // edge order 2 weights of f[0], f[1], f[2]
  w_hi: vec4<f32>,   // edge order 2 weights of f[n-3], f[n-2], f[n-1]
}

struct Params {
  begin: u32,        // first item (element or group of four) of this dispatch
  count: u32,        // items in this dispatch
  in_base: u32,      // element index at which the bound input range starts
  out_base: u32,     // element index written at `out_off` of each axis
  naxes: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
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

// ---- one element per invocation (any shape) ----

fn along1(a: Axis, i: u32, el: u32, s: u32, c: f32) -> f32 {
  if (i > 0u && i + 1u < a.n) {
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
  if (i > 0u && i + 1u < a.n) {
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
  var left = 0.0;
  var right = 0.0;
  if (i0 > 0u) { left = load1(el - 1u); }
  if (i0 + 4u < a.n) { right = load1(el + 4u); }
  let up = vec4<f32>(c.y, c.z, c.w, right);
  let dn = vec4<f32>(left, c.x, c.y, c.z);
  var r: vec4<f32>;
  if (a.nonuniform != 0u) {
    let w = (a.w_off + i0) >> 2u;
    let wp = a.w_pad >> 2u;
    r = weights[w] * dn + weights[w + wp] * c + weights[w + 2u * wp] * up;
  } else {
    r = (up - dn) * a.c_int;
  }
  if (i0 == 0u) {
    if (a.edge_order == 1u) { r.x = (c.y - c.x) * a.inv_h_lo; }
    else { r.x = a.w_lo.x * c.x + a.w_lo.y * c.y + a.w_lo.z * c.z; }
  }
  if (i0 + 4u == a.n) {
    if (a.edge_order == 1u) { r.w = (c.w - c.z) * a.inv_h_hi; }
    else { r.w = a.w_hi.x * c.y + a.w_hi.y * c.z + a.w_hi.z * c.w; }
  }
  return r;
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
