// Curvilinear grids and the sphere (GRID_CURVILINEAR, GRID_SPHERE; src/grid.ts has the contracts), one
// element per invocation, every output of the operation in one pass. Part of the scalar layout's module:
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

// Physical derivatives of component c at element e: M times the index-space derivatives.
fn curvilinear_derivatives(e: u32, el: u32, c: u32, i: vec3<u32>) -> vec3<f32> {
  var d = vec3<f32>(0.0);
  for (var k = 0u; k < NAXES; k++) { d[k] = grid_index_derivative(k, i[k], el, c); }
  if (NAXES == 2u) {
    let m = weights[(P.grid_off >> 2u) + e - P.out_base];
    return vec3<f32>(m.x * d.x + m.y * d.y, m.z * d.x + m.w * d.y, 0.0);
  }
  let w = P.grid_off + (e - P.out_base) * 9u;
  var g = vec3<f32>(0.0);
  for (var r = 0u; r < 3u; r++) {
    g[r] = grid_number(w + 3u * r) * d.x + grid_number(w + 3u * r + 1u) * d.y + grid_number(w + 3u * r + 2u) * d.z;
  }
  return g;
}

@compute @workgroup_size(WG)
fn grid_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let t = item_index(wid, nwg, lid);
  if (t >= P.count) { return; }
  let e = P.begin + t;
  let el = e - P.in_base;
  var i = vec3<u32>(0u);
  for (var k = 0u; k < NAXES; k++) { i[k] = coordinate_of(k, e); }
  // g[c] = ∂v_c/∂x_0, ∂v_c/∂x_1(, ∂v_c/∂x_2): on the sphere only those the operation reads.
  var g = array<vec3<f32>, 3>(vec3<f32>(0.0), vec3<f32>(0.0), vec3<f32>(0.0));
  if (GRID == GRID_SPHERE) {
    let inverse = grid_number(P.grid_off + i.x); // 1/(R cos φ)
    if (OP == OP_DIVERGENCE) {
      g[0].x = grid_index_derivative(0u, i.x, el, 0u) * inverse;
      g[1].y = grid_index_derivative(1u, i.y, el, 1u) * inverse;
    } else if (OP == OP_CURL2) {
      g[1].x = grid_index_derivative(0u, i.x, el, 1u) * inverse;
      g[0].y = grid_index_derivative(1u, i.y, el, 0u) * inverse;
    } else {
      g[0] = vec3<f32>(grid_index_derivative(0u, i.x, el, 0u) * P.grid_scale, grid_index_derivative(1u, i.y, el, 0u) * inverse, 0.0);
    }
  } else {
    let components = select(1u, NAXES, OP == OP_DIVERGENCE || OP == OP_CURL2 || OP == OP_CURL3);
    for (var c = 0u; c < components; c++) { g[c] = curvilinear_derivatives(e, el, c, i); }
  }
  let at = e - P.out_base;
  if (OP == OP_GRADIENT) {
    for (var k = 0u; k < NAXES; k++) { store1(P.axes[k].out_off + at, g[0][k]); }
  } else if (OP == OP_MAGNITUDE) {
    store1(P.axes[0].out_off + at, sqrt(dot(g[0], g[0])));
  } else if (OP == OP_DIVERGENCE) {
    store1(P.axes[0].out_off + at, g[0].x + g[1].y + g[2].z);
  } else if (OP == OP_CURL2) {
    store1(P.axes[0].out_off + at, g[1].x - g[0].y);
  } else {
    store1(P.axes[0].out_off + at, g[2].y - g[1].z);
    store1(P.axes[1].out_off + at, g[0].z - g[2].x);
    store1(P.axes[2].out_off + at, g[1].x - g[0].y);
  }
}
