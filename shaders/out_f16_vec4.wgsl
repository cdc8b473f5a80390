// float16 results, four elements per invocation: `dst` is an array of vec2<u32> holding four halves,
// stored whole (half the bytes of float32 results). No shader-f16 feature is needed: everything is
// computed in f32 and rounded to halves by half_pair (gradient.wgsl).

@group(0) @binding(3) var<storage, read_write> dst: array<vec2<u32>>;

fn store4(g: u32, v: vec4<f32>) {
  dst[g] = vec2<u32>(half_pair(v.x, v.y), half_pair(v.z, v.w));
}
