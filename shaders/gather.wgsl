// A strided view's elements in C order of its shape, gathered on the GPU: the view's memory span went up
// as it lies (a memcpy), and this pass writes the 32-bit words of elements [begin, begin + count) — a
// streamed piece's window — from values[0] on, for the gradient kernels to read as a contiguous array.
// Used for float32 views whose span is not much larger than the view (a transpose, a flip, a sub-block):
// a JavaScript gather of a transposed 4096² view took 52-88 ms on the machine that wrote this against
// 6-10 ms for copying the same bytes (bench/NOTES.md, views).

override WG: u32 = 64u;

struct GatherParams {
  begin: u32,                     // first element (C order of the view's shape) of this dispatch
  count: u32,                     // elements in this dispatch
  rank: u32,                      // the view's dimensions, 1 .. 8
  base: u32,                      // word in `span` of the view's element 0
  shape: array<vec4<u32>, 2>,     // dimension d's length in shape[d / 4][d % 4]
  strides: array<vec4<i32>, 2>,   // dimension d's stride in words (negative: a flipped dimension)
}

@group(0) @binding(0) var<storage, read> span: array<u32>;
@group(0) @binding(1) var<storage, read_write> values: array<u32>;
@group(0) @binding(2) var<uniform> P: GatherParams;

// Word in `span` of the view's element e (C order): one division per dimension.
fn address_of(e: u32) -> u32 {
  var rest = e;
  var address = P.base;
  for (var d = P.rank; d > 0u; d--) {
    let n = P.shape[(d - 1u) / 4u][(d - 1u) % 4u];
    let q = rest / n;
    // Unsigned arithmetic wraps modulo 2^32, so a negative stride's product adds correctly.
    address += (rest - q * n) * bitcast<u32>(P.strides[(d - 1u) / 4u][(d - 1u) % 4u]);
    rest = q;
  }
  return address;
}

// Each invocation gathers four consecutive elements, stepping along the last dimension from the first's
// address (the divisions once per four elements: under SwiftShader a division per element made the pass
// take 1.1 s for a transposed 4096² view).
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let t = ((wid.x + nwg.x * (wid.y + nwg.y * wid.z)) * WG + lid) * 4u;
  if (t >= P.count) { return; }
  let last = P.rank - 1u;
  let n = P.shape[last / 4u][last % 4u];
  let step = bitcast<u32>(P.strides[last / 4u][last % 4u]);
  var e = P.begin + t;
  var address = address_of(e);
  var j = e % n;
  for (var l = 0u; l < 4u && t + l < P.count; l++) {
    if (l > 0u) {
      e += 1u;
      j += 1u;
      if (j == n) { j = 0u; address = address_of(e); } else { address += step; }
    }
    values[t + l] = span[address];
  }
}
