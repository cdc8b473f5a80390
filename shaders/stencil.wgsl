// Derivative stencils along one axis, written once for both element types. This file is a template:
// shaderSource (src/gpu/shaders.ts) instantiates it with T = f32 and N = 1 (load1: `at` and the stride
// count elements) in every module, and with T = vec4<f32> and N = 4 (load4: `at` and the stride count
// groups of four elements) in the vec4 layout's, where an axis whose stride is a multiple of 4 gives the
// four lanes one coordinate i. The contiguous axis of the vec4 layout has its own code (contiguous4.wgsl).
// The stencils themselves are in stencil_boundary.wgsl, once per boundary; the functions here pick one.

// Fourth-order one-sided (point 0) and biased (point 1) stencils times 12h, f0 at the edge.
fn edge4_0_{{N}}(f0: {{T}}, f1: {{T}}, f2: {{T}}, f3: {{T}}, f4: {{T}}) -> {{T}} {
  return -25.0 * f0 + 48.0 * f1 - 36.0 * f2 + 16.0 * f3 - 3.0 * f4;
}
fn edge4_1_{{N}}(f0: {{T}}, f1: {{T}}, f2: {{T}}, f3: {{T}}, f4: {{T}}) -> {{T}} {
  return -3.0 * f0 - 10.0 * f1 + 18.0 * f2 - 6.0 * f3 + f4;
}

// Slot k's stencils, on the boundary of its axis. ALL_WRAP and SOME_WRAP are constants, and this exact
// form lets the shader compiler drop the other boundary's instance where every slot wraps or none does
// (only dispatches that mix boundaries keep both): a test of the slot's bit inside one function body, or
// `SOME_WRAP && wraps(k)`, or an `if` without the `else`, each kept both boundaries' code and made
// pipelines compile 1.5-2.5 times as slowly under SwiftShader (bench/NOTES.md, 2026-11-27).
// Under SKIP (gaps) a point whose value and both neighbours are finite takes the central stencil of the
// edge instance; any other goes through skip_derivative (general.wgsl). Under GENERAL (ghost sides)
// general{{N}} below. Where both are false the tests fold away and the code below is all there is.
fn along{{N}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  if (SKIP) {
    let s = P.axes[k].stride / {{N}}u;
    if (i > 0u && i + 1u < P.axes[k].n) {
      if (all_finite{{N}}(c) && all_finite{{N}}(load{{N}}(at - s)) && all_finite{{N}}(load{{N}}(at + s))) { return along{{N}}_e(k, i, at, c); }
    }
    return skip_derivative{{N}}(k, i, at, c);
  }
  if (GENERAL) { return general{{N}}(k, i, at, c); }
  if (ALL_WRAP) { return along{{N}}_w(k, i, at, c); } else {
    if (SOME_WRAP) { if (wraps(k)) { return along{{N}}_w(k, i, at, c); } }
    return along{{N}}_e(k, i, at, c);
  }
}

fn second{{N}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  if (GENERAL) { return second_general{{N}}(k, i, at, c); }
  if (ALL_WRAP) { return second{{N}}_w(k, i, at, c); } else {
    if (SOME_WRAP) { if (wraps(k)) { return second{{N}}_w(k, i, at, c); } }
    return second{{N}}_e(k, i, at, c);
  }
}

// Under GENERAL (a ghost side, or some slot's): the neighbour at offset d (|d| <= 2) of point i (element
// or group `at`, stride s in its units) along slot k — the point of the array, or beyond an end the one
// at the ghost's coordinate (uniforms lo_ghost*, hi_ghost*: the wrapped point on a periodic side) or the
// side's cval — without a branch: SwiftShader runs both sides of a branch, and a branch per neighbour
// made a 1-D mirror kernel 2.75 times the edge one's time (bench/NOTES.md). Beyond an 'edge' side it
// reads the side's first point, whose result the caller replaces.
fn beyond{{N}}(k: u32, i: u32, at: u32, s: u32, d: i32) -> {{T}} {
  let n = P.axes[k].n;
  let m = u32(abs(d));
  let low = d < 0;
  let out = select(i + m >= n, i < m, low);
  let first = select(i + m == n, i + 1u == m, low); // the first ghost of its side (else the second)
  let ghost = select(select(P.axes[k].hi_ghost2, P.axes[k].hi_ghost1, first), select(P.axes[k].lo_ghost2, P.axes[k].lo_ghost1, first), low);
  let j = select(select(i + m, i - m, low), ghost, out);
  let v = load{{N}}(at - i * s + j * s);
  let mode = select(P.axes[k].hi_mode, P.axes[k].lo_mode, low);
  return select(v, {{T}}(select(P.axes[k].cval_hi, P.axes[k].cval_lo, low)), out && mode == MODE_CONSTANT);
}

// Under GENERAL: the interior stencil at every point, with beyond{{N}}'s neighbours, except within reach of
// an 'edge' side (the edge instance's stencils).
fn general{{N}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  let s = P.axes[k].stride / {{N}}u;
  let dn = beyond{{N}}(k, i, at, s, -1);
  let up = beyond{{N}}(k, i, at, s, 1);
  var r = (up - dn) * P.axes[k].c_int;
  if (FOURTH) {
    r = ((up - dn) * 8.0 - (beyond{{N}}(k, i, at, s, 2) - beyond{{N}}(k, i, at, s, -2))) * P.axes[k].c4;
  } else if (WEIGHTED) {
    if (P.axes[k].nonuniform != 0u) { let w = interior_weights(k, i); r = w.x * dn + w.y * c + w.z * up; }
  }
  if (at_edge(k, i, select(1u, 2u, FOURTH))) { r = along{{N}}_e(k, i, at, c); }
  return r;
}

fn second_general{{N}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  let s = P.axes[k].stride / {{N}}u;
  var r = (beyond{{N}}(k, i, at, s, 1) - 2.0 * c + beyond{{N}}(k, i, at, s, -1)) * P.axes[k].inv_h2;
  if (at_edge(k, i, 1u)) { r = second{{N}}_e(k, i, at, c); }
  return r;
}
