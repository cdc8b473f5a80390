// Input of 16-bit elements uploaded at their native width: two per 32-bit word, four per vec2<u32>.
// Integers (SIGNED or not), or float16 halves (FLOAT16), converted to f32 here.
override SIGNED: bool = false;
override FLOAT16: bool = false;

@group(0) @binding(0) var<storage, read> src: array<vec2<u32>>;

// Two halves of a word as f32, by unpack2x16float: exact for every normal half. Subnormal halves (Vulkan
// lets a conversion flush them to zero) and infinities and NaN (whose conversion WGSL leaves to the
// implementation) come through exactly on the engines the tests run on (Dawn and wgpu on SwiftShader);
// on GPUs that is not tested. Decoding those from the bits instead, behind a test of each word, made the
// float16 kernel as slow as the float32 one on an NVIDIA H200 (bench/NOTES.md, run 13), so the hardware
// conversion stays.
fn halves(w: u32) -> vec2<f32> {
  return unpack2x16float(w);
}

fn int16_to_f32(w: u32, shift: u32) -> f32 {
  if (SIGNED) { return f32(bitcast<i32>(w << (16u - shift)) >> 16u); }
  return f32((w >> shift) & 0xffffu);
}

fn load4(g: u32) -> vec4<f32> {
  let w = src[g];
  if (FLOAT16) { return vec4<f32>(halves(w.x), halves(w.y)); }
  return vec4<f32>(int16_to_f32(w.x, 0u), int16_to_f32(w.x, 16u), int16_to_f32(w.y, 0u), int16_to_f32(w.y, 16u));
}

fn load1(e: u32) -> f32 {
  let w = src[e >> 2u][(e >> 1u) & 1u];
  if (FLOAT16) { let v = halves(w); return grid_scaled(e, select(v.x, v.y, (e & 1u) == 1u)); }
  return grid_scaled(e, int16_to_f32(w, (e & 1u) * 16u));
}
