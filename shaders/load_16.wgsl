// Input of 16-bit integers uploaded at their native width: two per 32-bit word, four per vec2<u32>.
override SIGNED: bool = false;

@group(0) @binding(0) var<storage, read> src: array<vec2<u32>>;

fn half_to_f32(w: u32, shift: u32) -> f32 {
  if (SIGNED) { return f32(bitcast<i32>(w << (16u - shift)) >> 16u); }
  return f32((w >> shift) & 0xffffu);
}

fn load4(g: u32) -> vec4<f32> {
  let w = src[g];
  return vec4<f32>(half_to_f32(w.x, 0u), half_to_f32(w.x, 16u), half_to_f32(w.y, 0u), half_to_f32(w.y, 16u));
}

fn load1(e: u32) -> f32 {
  return half_to_f32(src[e >> 2u][(e >> 1u) & 1u], (e & 1u) * 16u);
}
