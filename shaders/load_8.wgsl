// Input of 8-bit integers uploaded at their native width: four per 32-bit word.
override SIGNED: bool = false;

@group(0) @binding(0) var<storage, read> src: array<u32>;

fn byte_to_f32(w: u32, shift: u32) -> f32 {
  if (SIGNED) { return f32(bitcast<i32>(w << (24u - shift)) >> 24u); }
  return f32((w >> shift) & 0xffu);
}

fn load4(g: u32) -> vec4<f32> {
  let w = src[g];
  return vec4<f32>(byte_to_f32(w, 0u), byte_to_f32(w, 8u), byte_to_f32(w, 16u), byte_to_f32(w, 24u));
}

fn load1(e: u32) -> f32 {
  return grid_scaled(e, byte_to_f32(src[e >> 2u], (e & 3u) * 8u));
}
