// Any shape (the layout when the last dimension is not a multiple of 4): each invocation takes a run of
// RUN consecutive elements (run_end: the dispatch's last run may be shorter), one element at a time.
// Results go out through store1(element, value), defined with the output binding by out_f32_scalar.wgsl
// or out_f16_scalar.wgsl.

// Sobel (SMOOTH 1) or Scharr (SMOOTH 2) along slot k's axis at element e (coordinate i, local index el):
// Σ_d w[d]·(f[i+1, j+d] − f[i−1, j+d]) with the weights [w1, w0, w1] across the axis (coordinate j),
// indices mirrored at the borders (−1 → 1, n → n − 2).
fn smoothed1(k: u32, i: u32, e: u32, el: u32) -> f32 {
  let n = P.axes[k].n;
  let s = P.axes[k].stride;
  let cn = P.axes[k].cross_n;
  let cs = P.axes[k].cross_stride;
  let j = (e / cs) % cn;
  let ip = select(i + 1u, n - 2u, i + 1u == n);
  let im = select(i - 1u, 1u, i == 0u);
  let jp = select(j + 1u, cn - 2u, j + 1u == cn);
  let jm = select(j - 1u, 1u, j == 0u);
  let up = along(el, i, ip, s);
  let dn = along(el, i, im, s);
  let w1 = select(3.0, 1.0, SMOOTH == 1u);
  let w0 = select(10.0, 2.0, SMOOTH == 1u);
  let centre = load1(up) - load1(dn);
  let before = load1(along(up, j, jm, cs)) - load1(along(dn, j, jm, cs));
  let after = load1(along(up, j, jp, cs)) - load1(along(dn, j, jp, cs));
  return w1 * (before + after) + w0 * centre;
}

// Slot k's derivative at element e (coordinate i, local index el, value c): the central stencils, or
// Sobel and Scharr.
fn derivative1(k: u32, i: u32, e: u32, el: u32, c: f32) -> f32 {
  if (SMOOTH != 0u) { return smoothed1(k, i, e, el); }
  return along1(k, i, el, c);
}

// ---- gradient, magnitude, divergence and the Laplacian (OP_GRADIENT, OP_MAGNITUDE, OP_DIVERGENCE, OP_LAPLACIAN) ----

// Gradient: stores slot k's derivative r at element e. Magnitude: adds r² to acc; divergence and the
// Laplacian: r.
fn combine1(k: u32, e: u32, acc: f32, r: f32) -> f32 {
  if (OP == OP_MAGNITUDE) { return acc + r * r; }
  if (OP == OP_DIVERGENCE || OP == OP_LAPLACIAN) { return acc + r; }
  store1(P.axes[k].out_off + e - P.out_base, r);
  return acc;
}
// Slot k's derivative at element e (coordinate i along the slot's axis), combined into acc (see combine1).
fn slot1(k: u32, i: u32, e: u32, el: u32, c: f32, acc: f32) -> f32 {
  if (OP == OP_LAPLACIAN) { return combine1(k, e, acc, second1(k, i, el, c)); }
  if (OP == OP_DIVERGENCE) { let at = component_at(k, el); return combine1(k, e, acc, derivative1(k, i, e, at, load1(at))); }
  return combine1(k, e, acc, derivative1(k, i, e, el, c));
}
// The slots are unrolled by hand over the constant NAXES (MAX_AXES = 8 lines): SwiftShader runs a loop
// over them about 2.5 times slower, and a GPU compiler gets straight-line code either way.

// The coordinates of every slot at element e (coordinate(): one division per slot) into ci.
fn coordinates(e: u32, ci: ptr<function, array<u32, MAX_AXES>>) {
  var q = e;
  if (NAXES > 0u) { (*ci)[0] = coordinate(0u, &q); }
  if (NAXES > 1u) { (*ci)[1] = coordinate(1u, &q); }
  if (NAXES > 2u) { (*ci)[2] = coordinate(2u, &q); }
  if (NAXES > 3u) { (*ci)[3] = coordinate(3u, &q); }
  if (NAXES > 4u) { (*ci)[4] = coordinate(4u, &q); }
  if (NAXES > 5u) { (*ci)[5] = coordinate(5u, &q); }
  if (NAXES > 6u) { (*ci)[6] = coordinate(6u, &q); }
  if (NAXES > 7u) { (*ci)[7] = coordinate(7u, &q); }
}

// Slot k's coordinate at the element whose running quotient is *q: with runs, ci's (counted on along the
// run); with one element per invocation, divided as the slot comes and ci left unused, so that RUN 1
// compiles to the kernel as it was before runs (bench/NOTES.md, seventh session).
fn coordinate_at(k: u32, ci: ptr<function, array<u32, MAX_AXES>>, q: ptr<function, u32>) -> u32 {
  if (RUN == 1u) { return coordinate(k, q); }
  return (*ci)[k];
}

// Every slot at element e, whose coordinates are ci (with runs).
fn element1(e: u32, ci: ptr<function, array<u32, MAX_AXES>>) {
  let el = e - P.in_base;
  let c = load1(el);
  var acc = 0.0;
  var q = e;
  if (NAXES > 0u) { acc = slot1(0u, coordinate_at(0u, ci, &q), e, el, c, acc); }
  if (NAXES > 1u) { acc = slot1(1u, coordinate_at(1u, ci, &q), e, el, c, acc); }
  if (NAXES > 2u) { acc = slot1(2u, coordinate_at(2u, ci, &q), e, el, c, acc); }
  if (NAXES > 3u) { acc = slot1(3u, coordinate_at(3u, ci, &q), e, el, c, acc); }
  if (NAXES > 4u) { acc = slot1(4u, coordinate_at(4u, ci, &q), e, el, c, acc); }
  if (NAXES > 5u) { acc = slot1(5u, coordinate_at(5u, ci, &q), e, el, c, acc); }
  if (NAXES > 6u) { acc = slot1(6u, coordinate_at(6u, ci, &q), e, el, c, acc); }
  if (NAXES > 7u) { acc = slot1(7u, coordinate_at(7u, ci, &q), e, el, c, acc); }
  if (OP != OP_GRADIENT) {
    store1(P.axes[0].out_off + e - P.out_base, select(acc, sqrt(acc), OP == OP_MAGNITUDE));
  }
}

// The run's first element pays a division per slot; the next count on from its coordinates (slots are
// sorted by stride, so only slot 0's coordinate moves until it wraps, and a wrap, at most once a run on
// lines of 4 or more, divides again). The elements of a run are one invocation's: no two invocations
// store to one element. With RUN 1 (the default, and always in the general variants) the loop is
// constant-false and compiled out.
@compute @workgroup_size(WG)
fn main_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let first = item_index(wid, nwg, lid) * RUN;
  if (first >= P.count) { return; }
  var e = P.begin + first;
  var ci: array<u32, MAX_AXES>;
  if (RUN > 1u) { coordinates(e, &ci); }
  element1(e, &ci);
  if (RUN > 1u) {
    let end = P.begin + run_end(first);
    let s = P.axes[0].stride;
    var r = select(e % s, 0u, s == 1u); // e's place within slot 0's stride
    for (e += 1u; e < end; e += 1u) {
      r += 1u;
      if (r == s) {
        r = 0u;
        ci[0] += 1u;
        if (ci[0] == P.axes[0].n) {
          coordinates(e, &ci);
        }
      }
      element1(e, &ci);
    }
  }
}

// ---- curl (OP_CURL2, OP_CURL3) ----

fn deriv1(k: u32, e: u32, el: u32) -> f32 {
  return derivative1(k, coordinate_of(k, e), e, el, load1(el));
}

// Curl at element e.
fn curl1(e: u32) {
  let el = e - P.in_base;
  let cs = P.comp_stride;
  var r = vec3<f32>(0.0);
  if (OP == OP_CURL2) {
    r.x = deriv1(0u, e, el + cs) - deriv1(1u, e, el);
  } else {
    r = vec3<f32>(deriv1(1u, e, el + 2u * cs) - deriv1(2u, e, el + cs),
                  deriv1(2u, e, el) - deriv1(0u, e, el + 2u * cs),
                  deriv1(0u, e, el + cs) - deriv1(1u, e, el));
  }
  let outputs = select(1u, 3u, OP == OP_CURL3);
  for (var j = 0u; j < outputs; j++) {
    store1(P.axes[j].out_off + e - P.out_base, r[j]);
  }
}

// A run of RUN elements per invocation, each element's coordinates divided as before (coordinate_of).
@compute @workgroup_size(WG)
fn curl_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let first = item_index(wid, nwg, lid) * RUN;
  if (first >= P.count) { return; }
  curl1(P.begin + first);
  if (RUN > 1u) {
    let end = P.begin + run_end(first);
    for (var e = P.begin + first + 1u; e < end; e += 1u) { curl1(e); }
  }
}
