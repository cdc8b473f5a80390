// float32 results, one element per invocation: `dst` is an array of f32, so each store covers exactly
// the element the invocation computed.

@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

fn store1(i: u32, v: f32) {
  dst[i] = v;
}
