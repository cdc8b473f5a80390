// Derivative stencils along one axis, written once for both element types. This file is a template:
// shaderSource (src/gpu/kernels.ts) instantiates it with T = f32 and N = 1 (load1: `at` and the stride
// count elements) in every module, and with T = vec4<f32> and N = 4 (load4: `at` and the stride count
// groups of four elements) in the vec4 layout's, where an axis whose stride is a multiple of 4 gives the
// four lanes one coordinate i. The contiguous axis of the vec4 layout has its own code (gradient_vec4.wgsl).

// Fourth-order one-sided (point 0) and biased (point 1) stencils times 12h, f0 at the edge.
fn edge4_0_{{N}}(f0: {{T}}, f1: {{T}}, f2: {{T}}, f3: {{T}}, f4: {{T}}) -> {{T}} {
  return -25.0 * f0 + 48.0 * f1 - 36.0 * f2 + 16.0 * f3 - 3.0 * f4;
}
fn edge4_1_{{N}}(f0: {{T}}, f1: {{T}}, f2: {{T}}, f3: {{T}}, f4: {{T}}) -> {{T}} {
  return -3.0 * f0 - 10.0 * f1 + 18.0 * f2 - 6.0 * f3 + f4;
}

// Derivative along slot k's axis at index `at` (coordinate i, value c).
fn along{{N}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  let n = P.axes[k].n;
  let s = P.axes[k].stride / {{N}}u;
  if (MODE == 2u) {
    if (i >= 2u && i + 2u < n) {
      return ((load{{N}}(at + s) - load{{N}}(at - s)) * 8.0 - (load{{N}}(at + 2u * s) - load{{N}}(at - 2u * s))) * P.axes[k].c4;
    }
    if (i < 2u) {
      let f0 = load{{N}}(along(at, i, 0u, s));
      let f1 = load{{N}}(along(at, i, 1u, s));
      let f2 = load{{N}}(along(at, i, 2u, s));
      let f3 = load{{N}}(along(at, i, 3u, s));
      let f4 = load{{N}}(along(at, i, 4u, s));
      if (i == 0u) { return edge4_0_{{N}}(f0, f1, f2, f3, f4) * P.axes[k].c4; }
      return edge4_1_{{N}}(f0, f1, f2, f3, f4) * P.axes[k].c4;
    }
    let g0 = load{{N}}(along(at, i, n - 1u, s));
    let g1 = load{{N}}(along(at, i, n - 2u, s));
    let g2 = load{{N}}(along(at, i, n - 3u, s));
    let g3 = load{{N}}(along(at, i, n - 4u, s));
    let g4 = load{{N}}(along(at, i, n - 5u, s));
    if (i == n - 1u) { return -edge4_0_{{N}}(g0, g1, g2, g3, g4) * P.axes[k].c4; }
    return -edge4_1_{{N}}(g0, g1, g2, g3, g4) * P.axes[k].c4;
  }
  if (PERIODIC) {
    let up = load{{N}}(along(at, i, wrap(i, n, 1), s));
    let dn = load{{N}}(along(at, i, wrap(i, n, -1), s));
    if (FOURTH) {
      let up2 = load{{N}}(along(at, i, wrap(i, n, 2), s));
      let dn2 = load{{N}}(along(at, i, wrap(i, n, -2), s));
      return ((up - dn) * 8.0 - (up2 - dn2)) * P.axes[k].c4;
    }
    if (WEIGHTED) {
      if (P.axes[k].nonuniform != 0u) { let w = interior_weights(k, i); return w.x * dn + w.y * c + w.z * up; }
    }
    return (up - dn) * P.axes[k].c_int;
  }
  if (i > 0u && i + 1u < n) {
    let up = load{{N}}(at + s);
    let dn = load{{N}}(at - s);
    if (WEIGHTED) {
      if (P.axes[k].nonuniform != 0u) { let w = interior_weights(k, i); return w.x * dn + w.y * c + w.z * up; }
    }
    return (up - dn) * P.axes[k].c_int;
  }
  if (i == 0u) {
    let f1 = load{{N}}(at + s);
    if (EDGE_ORDER == 1u) { return (f1 - c) * P.axes[k].inv_h_lo; }
    let w = P.axes[k].w_lo;
    return w.x * c + w.y * f1 + w.z * load{{N}}(at + 2u * s);
  }
  let fm1 = load{{N}}(at - s);
  if (EDGE_ORDER == 1u) { return (c - fm1) * P.axes[k].inv_h_hi; }
  let w = P.axes[k].w_hi;
  return w.x * load{{N}}(at - 2u * s) + w.y * fm1 + w.z * c;
}
