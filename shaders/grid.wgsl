// Curvilinear grids and the sphere (GRID_CURVILINEAR, GRID_SPHERE; src/grid.ts has the contracts), a
// run of elements per invocation (RUN), every output of the operation in one pass. Part of the scalar layout's module:
// the index-space derivatives come from along1 (stencil.wgsl), so the edge orders, boundary modes, gaps
// and accuracy 4 all apply as they do to plain grids. Slots keep the caller's axis order (slot k is index
// axis k; on the sphere slot 0 is latitude and slot 1 longitude), and component c of a field sits at
// element offset c * comp_stride in `src`.
//
// The grid's numbers are in `weights` from element P.grid_off on:
// - curvilinear: the metric terms M[i][j] = ∂ξ_j/∂x_i of the elements from P.out_base on, NAXES² a point
//   (a 2-D point's four are one vec4, grid_off being a multiple of 4);
// - sphere: per latitude row 1/(R cos φ) (NaN at a pole), then per row cos φ (read by grid_scaled in
//   gradient.wgsl, which scales the reads of the flux-form component P.grid_comp).
// g[c][i] = ∂v_c/∂x_i are combined as the registry's onGrid does (src/operations.ts).

// Index-space derivative of component c along slot k, whose coordinate is i, at local element el.
fn grid_index_derivative(k: u32, i: u32, el: u32, c: u32) -> f32 {
  let at = el + c * P.comp_stride;
  return along1(k, i, at, load1(at));
}

// Entry w of the grid's numbers.
fn grid_number(w: u32) -> f32 {
  return weights[w >> 2u][w & 3u];
}

// Index-space derivatives of component c along every slot, whose coordinates are i. Slots are unrolled by
// hand with constant indices, as in gradient_scalar.wgsl: with a loop over k the kernel took 16 times the
// gradient kernel's time under SwiftShader (512², bench/NOTES.md).
fn index_derivatives(el: u32, c: u32, i: vec3<u32>) -> vec3<f32> {
  var d = vec3<f32>(grid_index_derivative(0u, i.x, el, c), grid_index_derivative(1u, i.y, el, c), 0.0);
  if (NAXES > 2u) { d.z = grid_index_derivative(2u, i.z, el, c); }
  return d;
}

// Physical derivatives of component c at element e: M times the index-space derivatives.
fn curvilinear_derivatives(e: u32, el: u32, c: u32, i: vec3<u32>) -> vec3<f32> {
  let d = index_derivatives(el, c, i);
  if (NAXES == 2u) {
    let m = weights[(P.grid_off >> 2u) + e - P.out_base];
    return vec3<f32>(dot(m.xy, d.xy), dot(m.zw, d.xy), 0.0);
  }
  let w = P.grid_off + (e - P.out_base) * 9u;
  let r0 = vec3<f32>(grid_number(w), grid_number(w + 1u), grid_number(w + 2u));
  let r1 = vec3<f32>(grid_number(w + 3u), grid_number(w + 4u), grid_number(w + 5u));
  let r2 = vec3<f32>(grid_number(w + 6u), grid_number(w + 7u), grid_number(w + 8u));
  return vec3<f32>(dot(r0, d), dot(r1, d), dot(r2, d));
}

// Every output of the operation at element e.
fn grid1(e: u32) {
  let el = e - P.in_base;
  var i = vec3<u32>(coordinate_of(0u, e), coordinate_of(1u, e), 0u);
  if (NAXES > 2u) { i.z = coordinate_of(2u, e); }
  // g_c = (∂v_c/∂x_0, ∂v_c/∂x_1(, ∂v_c/∂x_2)): on the sphere only those the operation reads.
  var g0 = vec3<f32>(0.0);
  var g1 = vec3<f32>(0.0);
  var g2 = vec3<f32>(0.0);
  if (GRID == GRID_SPHERE) {
    let inverse = grid_number(P.grid_off + i.x); // 1/(R cos φ)
    if (OP == OP_DIVERGENCE) {
      g0.x = grid_index_derivative(0u, i.x, el, 0u) * inverse;
      g1.y = grid_index_derivative(1u, i.y, el, 1u) * inverse;
    } else if (OP == OP_CURL2) {
      g1.x = grid_index_derivative(0u, i.x, el, 1u) * inverse;
      g0.y = grid_index_derivative(1u, i.y, el, 0u) * inverse;
    } else {
      g0 = vec3<f32>(grid_index_derivative(0u, i.x, el, 0u) * P.grid_scale, grid_index_derivative(1u, i.y, el, 0u) * inverse, 0.0);
    }
  } else {
    let fields = OP == OP_DIVERGENCE || OP == OP_CURL2 || OP == OP_CURL3;
    g0 = curvilinear_derivatives(e, el, 0u, i);
    if (fields) { g1 = curvilinear_derivatives(e, el, 1u, i); }
    if (fields && NAXES > 2u) { g2 = curvilinear_derivatives(e, el, 2u, i); }
  }
  let at = e - P.out_base;
  if (OP == OP_GRADIENT) {
    store1(P.axes[0].out_off + at, g0.x);
    store1(P.axes[1].out_off + at, g0.y);
    if (NAXES > 2u) { store1(P.axes[2].out_off + at, g0.z); }
  } else if (OP == OP_MAGNITUDE) {
    store1(P.axes[0].out_off + at, sqrt(dot(g0, g0)));
  } else if (OP == OP_DIVERGENCE) {
    store1(P.axes[0].out_off + at, g0.x + g1.y + g2.z);
  } else if (OP == OP_CURL2) {
    store1(P.axes[0].out_off + at, g1.x - g0.y);
  } else {
    store1(P.axes[0].out_off + at, g2.y - g1.z);
    store1(P.axes[1].out_off + at, g0.z - g2.x);
    store1(P.axes[2].out_off + at, g1.x - g0.y);
  }
}

// A run of RUN elements per invocation, each element's coordinates divided as before (coordinate_of).
@compute @workgroup_size(WG)
fn grid_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let first = item_index(wid, nwg, lid) * RUN;
  if (first >= P.count) { return; }
  grid1(P.begin + first);
  if (RUN > 1u) {
    let end = P.begin + run_end(first);
    for (var e = P.begin + first + 1u; e < end; e += 1u) { grid1(e); }
  }
}
