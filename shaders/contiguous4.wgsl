// The vec4 layout's contiguous axis for one boundary: a template instantiated per boundary, B = w with
// WRAP = true and B = e with WRAP = false (see stencil_boundary.wgsl); gradient_vec4.wgsl picks one per slot.

// The contiguous axis (stride 1): lanes are i0 .. i0+3 with i0 a multiple of 4, and n >= 4.
fn along_contiguous4_{{B}}(k: u32, i0: u32, el: u32, c: vec4<f32>) -> vec4<f32> {
  let n = P.axes[k].n;
  let row = el - i0;
  var l1 = 0.0;
  var r1 = 0.0;
  var l2 = 0.0;
  var r2 = 0.0;
  if ({{WRAP}}) {
    l1 = load1(row + wrap(i0, n, -1));
    r1 = load1(row + wrap(i0 + 3u, n, 1));
    if (FOURTH) {
      l2 = load1(row + wrap(i0, n, -2));
      r2 = load1(row + wrap(i0 + 3u, n, 2));
    }
  } else if (GENERAL) {
    // Every side's mode, without a branch (stencil.wgsl, beyond1); an 'edge' side's lanes are replaced below.
    l1 = beyond1(k, i0, el, 1u, -1);
    r1 = beyond1(k, i0 + 3u, el + 3u, 1u, 1);
    if (FOURTH) {
      l2 = beyond1(k, i0, el, 1u, -2);
      r2 = beyond1(k, i0 + 3u, el + 3u, 1u, 2);
    }
  } else {
    if (i0 > 0u) { l1 = load1(el - 1u); }
    if (i0 + 4u < n) { r1 = load1(el + 4u); }
    if (FOURTH) {
      if (i0 > 1u) { l2 = load1(el - 2u); }
      if (i0 + 5u < n) { r2 = load1(el + 5u); }
    }
  }
  // numpy's one-sided stencils at an 'edge' side (every non-wrapping side unless GENERAL).
  let lo_edge = !GENERAL || P.axes[k].lo_mode == MODE_EDGE;
  let hi_edge = !GENERAL || P.axes[k].hi_mode == MODE_EDGE;
  let up = vec4<f32>(c.y, c.z, c.w, r1);
  let dn = vec4<f32>(l1, c.x, c.y, c.z);
  var r: vec4<f32>;
  if (FOURTH) {
    let c4 = P.axes[k].c4;
    let up2 = vec4<f32>(c.z, c.w, r1, r2);
    let dn2 = vec4<f32>(l2, l1, c.x, c.y);
    r = ((up - dn) * 8.0 - (up2 - dn2)) * c4;
    if (!{{WRAP}}) {
      if (i0 == 0u && lo_edge) {
        r.x = edge4_0_1(c.x, c.y, c.z, c.w, r1) * c4;
        r.y = edge4_1_1(c.x, c.y, c.z, c.w, r1) * c4;
      }
      if (i0 + 4u == n && hi_edge) {
        r.z = -edge4_1_1(c.w, c.z, c.y, c.x, l1) * c4;
        r.w = -edge4_0_1(c.w, c.z, c.y, c.x, l1) * c4;
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
  if (!{{WRAP}}) {
    if (i0 == 0u && lo_edge) {
      if (EDGE_ORDER == 1u) { r.x = (c.y - c.x) * P.axes[k].inv_h_lo; }
      else { let w = P.axes[k].w_lo; r.x = w.x * c.x + w.y * c.y + w.z * c.z; }
    }
    if (i0 + 4u == n && hi_edge) {
      if (EDGE_ORDER == 1u) { r.w = (c.w - c.z) * P.axes[k].inv_h_hi; }
      else { let w = P.axes[k].w_hi; r.w = w.x * c.y + w.y * c.z + w.z * c.w; }
    }
  }
  return r;
}

// The Laplacian's term along the contiguous axis (see second1): lanes i0 .. i0+3, n >= 4, so an edge's
// four points are the invocation's own.
fn second_contiguous4_{{B}}(k: u32, i0: u32, el: u32, c: vec4<f32>) -> vec4<f32> {
  let n = P.axes[k].n;
  let row = el - i0;
  var l1 = 0.0;
  var r1 = 0.0;
  if ({{WRAP}}) {
    l1 = load1(row + wrap(i0, n, -1));
    r1 = load1(row + wrap(i0 + 3u, n, 1));
  } else if (GENERAL) {
    l1 = beyond1(k, i0, el, 1u, -1);
    r1 = beyond1(k, i0 + 3u, el + 3u, 1u, 1);
  } else {
    if (i0 > 0u) { l1 = load1(el - 1u); }
    if (i0 + 4u < n) { r1 = load1(el + 4u); }
  }
  let h2 = P.axes[k].inv_h2;
  var r = (vec4<f32>(c.y, c.z, c.w, r1) - 2.0 * c + vec4<f32>(l1, c.x, c.y, c.z)) * h2;
  if (!{{WRAP}}) {
    if (i0 == 0u && (!GENERAL || P.axes[k].lo_mode == MODE_EDGE)) { r.x = (2.0 * c.x - 5.0 * c.y + 4.0 * c.z - c.w) * h2; }
    if (i0 + 4u == n && (!GENERAL || P.axes[k].hi_mode == MODE_EDGE)) { r.w = (2.0 * c.w - 5.0 * c.z + 4.0 * c.y - c.x) * h2; }
  }
  return r;
}

