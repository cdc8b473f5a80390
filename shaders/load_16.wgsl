// Input of 16-bit elements uploaded at their native width: two per 32-bit word, four per vec2<u32>.
// Integers (SIGNED or not), or float16 halves (FLOAT16), converted to f32 here.
override SIGNED: bool = false;
override FLOAT16: bool = false;

@group(0) @binding(0) var<storage, read> src: array<vec2<u32>>;

// A float16 value from its bits (the low 16 of h): unpack2x16float for normal halves; subnormals, which
// Vulkan lets it flush to zero, and infinities and NaN, which WGSL leaves undefined, from the bits.
fn half_value(h: u32) -> f32 {
  let e = h & 0x7c00u;
  if (e != 0u && e != 0x7c00u) { return unpack2x16float(h).x; }
  if (e == 0u) { return select(1.0, -1.0, (h & 0x8000u) != 0u) * f32(h & 0x3ffu) * 5.9604644775390625e-8; }
  return bitcast<f32>(((h & 0x8000u) << 16u) | 0x7f800000u | ((h & 0x3ffu) << 13u));
}

fn half_to_f32(w: u32, shift: u32) -> f32 {
  if (FLOAT16) { return half_value((w >> shift) & 0xffffu); }
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
