// numpy.gradient stencils for an array of any rank, all selected axes in one pass: each invocation reads
// its neighbourhood once and writes every requested axis's output, or combines the derivatives into one
// fused result (magnitude, divergence, curl) that never leaves registers. Shapes ride in the uniform `P`,
// so one pipeline serves every shape.
//
// A module is five files: one of load_8/16/32.wgsl (binds `src`; load1(element) gives an f32 and
// load4(group of four elements) a vec4<f32>), this file (constants, uniforms, helpers shared by both
// layouts), stencil.wgsl (the stencils along one axis, a template instantiated per element type), one
// layout file, gradient_scalar.wgsl or gradient_vec4.wgsl, with the entry points, and one output file,
// out_{f32,f16}_{scalar,vec4}.wgsl, which binds the output `dst` and stores results through store1 or
// store4. No invocation ever writes a lane of a vector another invocation also writes: WGSL lets a
// component store access the whole vector, and Metal and D3D may read-modify-write it (gpuweb#2112), so
// neighbours storing lanes of one vec4 can lose each other's results. test/wgsl.test.ts checks it.
//
// Pipelines are specialised by the override constants below, never by shape: a constant condition
// removes the code of every other stencil family, edge order and result, which keeps each variant small
// (under SwiftShader the unspecialised kernel measured 3-6 times slower; see bench/NOTES.md, run 5).

override WG: u32 = 256u;
override FOURTH: bool = false;  // fourth-order five-point stencils (with five-point edges on non-periodic axes)
override PERIODIC_SLOTS: u32 = 0u; // bit k: slot k's axis wraps (boundary 'periodic'); else numpy's edges
override EDGE_ORDER: u32 = 1u;  // numpy's edge_order, on the slots with numpy's edges at second order
override WEIGHTED: bool = false; // some axis has non-uniform interior weights
override NAXES: u32 = 1u;       // main_*: axes (slots) in each dispatch, 1 .. MAX_AXES
override CONTIG: bool = false;  // main_vec4: slot 0 is the contiguous axis
override OP: u32 = 0u;          // main_*: 0 gradient, 1 magnitude, 2 divergence, 5 Laplacian; curl_*: 3 curl (2-D), 4 curl (3-D)
override SMOOTH: u32 = 0u;      // 0 the central stencils; 1 Sobel, 2 Scharr (scalar layout only, no periodic slot)
const MAX_AXES: u32 = 8u;

// Whether every slot wraps, or only some: constants, by which stencil.wgsl and gradient_vec4.wgsl pick the
// boundary's stencils per slot.
override ALL_WRAP: bool = PERIODIC_SLOTS == (1u << NAXES) - 1u;
override SOME_WRAP: bool = PERIODIC_SLOTS != 0u && !ALL_WRAP;

// Whether slot k's axis wraps (bit k of PERIODIC_SLOTS).
fn wraps(k: u32) -> bool {
  return ((PERIODIC_SLOTS >> k) & 1u) != 0u;
}

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
  cross_stride: u32, // Sobel/Scharr: stride of the other image axis, across which they smooth
  cross_n: u32,      // Sobel/Scharr: its length
  inv_h2: f32,       // 1 / h², the Laplacian
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

// Coordinate of the neighbour at offset d (|d| <= 2 < n) from i, modulo n. Unsigned throughout, so every
// n below 2^32 works (the earlier i32 form overflowed past n = 2^30; test/wgsl.test.ts runs both ranges).
fn wrap(i: u32, n: u32, d: i32) -> u32 {
  if (d >= 0) {
    let j = i + u32(d);
    return select(j, j - n, j >= n);
  }
  let m = u32(-d);
  return select(i - m, i + n - m, i < m);
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

// float16 bits of an f32, rounded to nearest even (as a Float16Array stores a number), with integer
// operations only: used where the hardware conversion below is not defined to do that. Integer tests
// also survive a compiler's licence to assume that floats are finite. NaN stays NaN; from 65520 on (the
// halfway point past the largest half, 65504) the result is an infinity of its sign.
fn half_bits(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  let sign = (b >> 16u) & 0x8000u;
  let mag = b & 0x7fffffffu;
  if (mag > 0x7f800000u) { return sign | 0x7e00u; }
  if (mag >= 0x477ff000u) { return sign | 0x7c00u; }
  if (mag >= 0x38800000u) {
    // A normal half: exponent rebiased (127 → 15), the 13 dropped bits rounded to nearest even; a carry
    // out of the fraction rightly bumps the exponent.
    let m = mag - 0x38000000u;
    return sign | ((m + 0xfffu + ((m >> 13u) & 1u)) >> 13u);
  }
  // A subnormal half (units of 2^-24), or zero below 2^-25.
  let e = mag >> 23u;
  if (e < 102u) { return sign; }
  let mant = (mag & 0x7fffffu) | 0x800000u;
  let shift = 126u - e;
  let q = mant >> shift;
  let rem = mant & ((1u << shift) - 1u);
  let halfway = 1u << (shift - 1u);
  return sign | (q + select(0u, 1u, rem > halfway || (rem == halfway && (q & 1u) == 1u)));
}

// Whether an f32's magnitude bits lie in float16's normal range [2^-14, 65520) or are zero: there
// pack2x16float is defined (it leaves NaN, overflow and, under Vulkan, f16 subnormals to the
// implementation).
fn packs_exactly(mag: u32) -> bool {
  return mag - 0x38800000u < 0x0efff000u || mag == 0u;
}

// Two f32 values as the two halves of a word (a in the low half). pack2x16float, one conversion
// instruction, where both are in its defined range: the integer conversion took twice as long as the
// whole float32 kernel on an NVIDIA H200 (bench/NOTES.md, run 11). It rounds to nearest even on every
// GPU measured (SwiftShader, H200); WGSL allows either neighbour.
fn half_pair(a: f32, b: f32) -> u32 {
  if (packs_exactly(bitcast<u32>(a) & 0x7fffffffu) && packs_exactly(bitcast<u32>(b) & 0x7fffffffu)) {
    return pack2x16float(vec2<f32>(a, b));
  }
  return half_bits(a) | (half_bits(b) << 16u);
}

// Divergence: element index, in the component paired with slot k's axis, of element `el`.
fn component_at(k: u32, el: u32) -> u32 {
  return el + P.axes[k].comp * P.comp_stride;
}

// Curl (OP 3: one output for 2-D, OP 4: three for 3-D) keeps its slots in the caller's axis order (slot
// k pairs with component k), so its coordinates come from coordinate_of. Component c of the input sits
// at element offset c * comp_stride in `src`.
