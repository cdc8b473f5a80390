// Banded operators (src/derivatives.ts): derivatives of any order and accuracy, the Hessian and adjoints,
// one element per invocation, every output in one pass, over a whole array or a piece of its rows (an
// element's coordinates come from its index in the whole array; `src` and `dst` hold the piece's windows). `table` holds a program, then the operators' rows:
//
//   [0] outputs; per output: terms; per term: component, factors, then per factor five words — the axis's
//   stride and length, the word at which its rows start, their width, whether it wraps (periodic);
//   a row (one per point of the axis): its first column (i32; negative on a periodic axis, which wraps),
//   its bias (f32; a 'constant' side's ghost values), then `width` weights (f32).
//
// A term is the product of its factors' operators applied to one stacked component (a mixed partial: one
// factor per differentiated axis; an adjoint: transposed rows); an output sums its terms. Every word is
// read in uniform control flow (one program for all invocations). Zero weights are skipped, so a value
// outside a stencil never reaches a result (0 × ∞ would be NaN), as the CPU reference skips them.

override WG: u32 = 256u;

struct TableParams {
  begin: u32,        // first element of this dispatch
  count: u32,        // elements in this dispatch
  comp_stride: u32,  // elements between the components stacked in `src`
  out_stride: u32,   // elements between the outputs stacked in `dst`
  in_base: u32,      // element of the array at src[0] (a piece's input window starts there)
  out_base: u32,     // element of the array at dst[0] (a piece's first element)
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<uniform> P: TableParams;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// One factor at element e: its axis's stride and length, the point's coordinate i, its row and the row's first column.
struct Factor {
  stride: u32,
  n: u32,
  i: u32,
  row: u32,
  width: u32,
  first: i32,
  wraps: bool,
}

fn factor_at(at: u32, e: u32) -> Factor {
  let stride = table[at];
  let n = table[at + 1u];
  let i = (e / stride) % n;
  let width = table[at + 3u];
  let row = table[at + 2u] + i * (width + 2u);
  return Factor(stride, n, i, row, width, bitcast<i32>(table[row]), table[at + 4u] != 0u);
}

// Element offset, from the point, of column k of the factor's row.
fn offset(f: Factor, k: u32) -> i32 {
  var c = f.first + i32(k);
  if (f.wraps) {
    let n = i32(f.n);
    c = ((c % n) + n) % n;
  }
  return (c - i32(f.i)) * i32(f.stride);
}

fn weight(f: Factor, k: u32) -> f32 {
  return bitcast<f32>(table[f.row + 2u + k]);
}

fn value(at: i32) -> f32 {
  return src[u32(at)];
}

@compute @workgroup_size(WG)
fn table_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + nwg.x * (wid.y + nwg.y * wid.z)) * WG + lid;
  if (t >= P.count) { return; }
  let e = P.begin + t;
  let outputs = table[0];
  var pc = 1u;
  for (var o = 0u; o < outputs; o++) {
    var acc = 0.0;
    let terms = table[pc];
    pc += 1u;
    for (var s = 0u; s < terms; s++) {
      let base = i32(e - P.in_base + table[pc] * P.comp_stride);
      let factors = table[pc + 1u];
      pc += 2u;
      let a = factor_at(pc, e);
      if (factors == 1u) {
        var sum = bitcast<f32>(table[a.row + 1u]);
        for (var ka = 0u; ka < a.width; ka++) {
          let wa = weight(a, ka);
          if (wa != 0.0) { sum += wa * value(base + offset(a, ka)); }
        }
        acc += sum;
      } else {
        let b = factor_at(pc + 5u, e);
        let three = factors == 3u;
        var c = b;
        if (three) { c = factor_at(pc + 10u, e); }
        for (var ka = 0u; ka < a.width; ka++) {
          let wa = weight(a, ka);
          if (wa == 0.0) { continue; }
          let at_a = base + offset(a, ka);
          for (var kb = 0u; kb < b.width; kb++) {
            let wab = wa * weight(b, kb);
            if (wab == 0.0) { continue; }
            let at_b = at_a + offset(b, kb);
            if (!three) {
              acc += wab * value(at_b);
              continue;
            }
            for (var kc = 0u; kc < c.width; kc++) {
              let wc = weight(c, kc);
              if (wc != 0.0) { acc += wab * wc * value(at_b + offset(c, kc)); }
            }
          }
        }
      }
      pc += 5u * factors;
    }
    dst[o * P.out_stride + e - P.out_base] = acc;
  }
}
