// Groups of four consecutive elements (the last dimension a multiple of 4), RUN consecutive groups per
// invocation (1 unless the context's `runs` asks for more). Results go out four at a time through
// store4(group of four, value), defined with the output binding by out_f32_vec4.wgsl or out_f16_vec4.wgsl.

// The contiguous axis (stride 1; lanes i0 .. i0+3 with i0 a multiple of 4, n >= 4) on its boundary's
// code (contiguous4.wgsl; picked as in stencil.wgsl).
fn along_contiguous4(k: u32, i0: u32, el: u32, c: vec4<f32>) -> vec4<f32> {
  if (SKIP) {
    // A group clear of both ends whose points and outer neighbours are finite: the central stencil.
    if (i0 > 0u && i0 + 4u < P.axes[k].n) {
      if (all_finite4(c) && finite1(load1(el - 1u)) && finite1(load1(el + 4u))) { return along_contiguous4_e(k, i0, el, c); }
    }
    return skip_run4(k, i0, el, c);
  }
  if (ALL_WRAP) { return along_contiguous4_w(k, i0, el, c); } else {
    if (SOME_WRAP) { if (wraps(k)) { return along_contiguous4_w(k, i0, el, c); } }
    return along_contiguous4_e(k, i0, el, c);
  }
}

fn second_contiguous4(k: u32, i0: u32, el: u32, c: vec4<f32>) -> vec4<f32> {
  if (ALL_WRAP) { return second_contiguous4_w(k, i0, el, c); } else {
    if (SOME_WRAP) { if (wraps(k)) { return second_contiguous4_w(k, i0, el, c); } }
    return second_contiguous4_e(k, i0, el, c);
  }
}

// ---- gradient, magnitude, divergence and the Laplacian (OP_GRADIENT, OP_MAGNITUDE, OP_DIVERGENCE, OP_LAPLACIAN) ----

// Gradient: stores slot k's derivative r at elements e .. e+3. Magnitude: adds r² to acc; divergence and
// the Laplacian: r.
fn combine4(k: u32, e: u32, acc: vec4<f32>, r: vec4<f32>) -> vec4<f32> {
  if (OP == OP_MAGNITUDE) { return acc + r * r; }
  if (OP == OP_DIVERGENCE || OP == OP_LAPLACIAN) { return acc + r; }
  store4((P.axes[k].out_off + e - P.out_base) >> 2u, r);
  return acc;
}

// Slot k's derivative at the invocation's four points, combined into acc (see combine4).
fn strided_slot4(k: u32, q: ptr<function, u32>, e: u32, el: u32, c: vec4<f32>, acc: vec4<f32>) -> vec4<f32> {
  let i = coordinate(k, q);
  if (OP == OP_LAPLACIAN) { return combine4(k, e, acc, second4(k, i, el >> 2u, c)); }
  if (OP == OP_DIVERGENCE) { let at = component_at(k, el); return combine4(k, e, acc, along4(k, i, at >> 2u, load4(at >> 2u))); }
  return combine4(k, e, acc, along4(k, i, el >> 2u, c));
}

// The slots are unrolled by hand over the constant NAXES (MAX_AXES = 8 lines): SwiftShader runs a loop
// over them about 2.5 times slower, and a GPU compiler gets straight-line code either way.

// Each invocation takes RUN consecutive groups of four (1 unless the context's `runs` asks for more; 1
// in the general variants, where the loop is constant-false and compiled out): items [first, run_end).
@compute @workgroup_size(WG)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let first = item_index(wid, nwg, lid) * RUN;
  if (first >= P.count) { return; }
  gradient4(first);
  if (RUN > 1u) {
    let end = run_end(first);
    for (var t = first + 1u; t < end; t += 1u) { gradient4(t); }
  }
}

// The gradient, magnitude, divergence or Laplacian at the four elements of item t.
fn gradient4(t: u32) {
  let e = (P.begin + t) * 4u;
  let el = e - P.in_base;
  let c = load4(el >> 2u);
  var q = e;
  var acc = vec4<f32>(0.0);
  if (CONTIG) {
    let i0 = coordinate(0u, &q);
    if (OP == OP_LAPLACIAN) {
      acc = combine4(0u, e, acc, second_contiguous4(0u, i0, el, c));
    } else if (OP == OP_DIVERGENCE) {
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
  if (OP != OP_GRADIENT) {
    store4((P.axes[0].out_off + e - P.out_base) >> 2u, select(acc, sqrt(acc), OP == OP_MAGNITUDE));
  }
}

// ---- curl (OP_CURL2, OP_CURL3) ----

fn deriv4(k: u32, e: u32, el: u32) -> vec4<f32> {
  let c = load4(el >> 2u);
  if (P.axes[k].stride == 1u) { return along_contiguous4(k, e % P.axes[k].n, el, c); }
  return along4(k, coordinate_of(k, e), el >> 2u, c);
}

@compute @workgroup_size(WG)
fn curl_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let first = item_index(wid, nwg, lid) * RUN;
  if (first >= P.count) { return; }
  curl4(first);
  if (RUN > 1u) {
    let end = run_end(first);
    for (var t = first + 1u; t < end; t += 1u) { curl4(t); }
  }
}

// The curl at the four elements of item t.
fn curl4(t: u32) {
  let e = (P.begin + t) * 4u;
  let el = e - P.in_base;
  let cs = P.comp_stride;
  if (OP == OP_CURL2) {
    store4((P.axes[0].out_off + e - P.out_base) >> 2u, deriv4(0u, e, el + cs) - deriv4(1u, e, el));
  } else {
    store4((P.axes[0].out_off + e - P.out_base) >> 2u, deriv4(1u, e, el + 2u * cs) - deriv4(2u, e, el + cs));
    store4((P.axes[1].out_off + e - P.out_base) >> 2u, deriv4(2u, e, el) - deriv4(0u, e, el + 2u * cs));
    store4((P.axes[2].out_off + e - P.out_base) >> 2u, deriv4(0u, e, el + cs) - deriv4(1u, e, el));
  }
}
