// The stencils along one axis for one boundary: a template instantiated per element type (T, N; see
// stencil.wgsl) and per boundary, B = w with WRAP = true (the axis wraps) and B = e with WRAP = false
// (numpy's edges). WRAP is a literal, so each instance holds only its own boundary's code; stencil.wgsl
// picks the instance per slot.

// Derivative along slot k's axis at index `at` (coordinate i, value c), for one boundary.
fn along{{N}}_{{B}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  let n = P.axes[k].n;
  let s = P.axes[k].stride / {{N}}u;
  if (FOURTH && !{{WRAP}}) {
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
  if ({{WRAP}}) {
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

// The Laplacian's term along slot k's axis at index `at` (coordinate i, value c): the compact second
// difference (f[i+1] − 2f[i] + f[i−1]) / h², wrapped on a periodic axis; at an edge (numpy's boundary) the
// second-order one-sided (2f[0] − 5f[1] + 4f[2] − f[3]) / h², mirrored at the high end (n ≥ 4).
fn second{{N}}_{{B}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  let n = P.axes[k].n;
  let s = P.axes[k].stride / {{N}}u;
  let h2 = P.axes[k].inv_h2;
  if ({{WRAP}}) {
    return (load{{N}}(along(at, i, wrap(i, n, 1), s)) - 2.0 * c + load{{N}}(along(at, i, wrap(i, n, -1), s))) * h2;
  }
  if (i > 0u && i + 1u < n) { return (load{{N}}(at + s) - 2.0 * c + load{{N}}(at - s)) * h2; }
  if (i == 0u) { return (2.0 * c - 5.0 * load{{N}}(at + s) + 4.0 * load{{N}}(at + 2u * s) - load{{N}}(at + 3u * s)) * h2; }
  return (2.0 * c - 5.0 * load{{N}}(at - s) + 4.0 * load{{N}}(at - 2u * s) - load{{N}}(at - 3u * s)) * h2;
}
