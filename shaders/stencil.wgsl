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
// Under SKIP (gaps) every point takes skip_derivative (general.wgsl); where SKIP is false the test folds
// away and the code below is all there is.
fn along{{N}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  if (SKIP) { return skip_derivative{{N}}(k, i, at, c); }
  if (ALL_WRAP) { return along{{N}}_w(k, i, at, c); } else {
    if (SOME_WRAP) { if (wraps(k)) { return along{{N}}_w(k, i, at, c); } }
    return along{{N}}_e(k, i, at, c);
  }
}

fn second{{N}}(k: u32, i: u32, at: u32, c: {{T}}) -> {{T}} {
  if (ALL_WRAP) { return second{{N}}_w(k, i, at, c); } else {
    if (SOME_WRAP) { if (wraps(k)) { return second{{N}}_w(k, i, at, c); } }
    return second{{N}}_e(k, i, at, c);
  }
}

// Under GENERAL: the neighbour at offset d of point i (element or group `at`) along slot k — a point of
// the array, the wrapped one, a ghost or a cval (general.wgsl, neighbour); never beyond an 'edge' side.
fn near{{N}}(k: u32, i: u32, at: u32, d: i32) -> {{T}} {
  let w = neighbour(k, i, d);
  if (w.y == 2u) { return {{T}}(P.axes[k].cval_lo); }
  if (w.y == 3u) { return {{T}}(P.axes[k].cval_hi); }
  return load{{N}}(along(at, i, w.x, P.axes[k].stride / {{N}}u));
}
