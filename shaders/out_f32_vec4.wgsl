// float32 results, four elements per invocation: `dst` is an array of vec4<f32>, stored whole.

@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;

fn store4(g: u32, v: vec4<f32>) {
  dst[g] = v;
}
